"""``shotdetect compare`` as a user runs it: python -m shotdetect compare ..."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from shotdetect.cli import main
from shotdetect.compare import INDEX_NAME, ImageIndex, hamming_many

from test_compare_metrics import add_noise, jpeg, make_photo, with_object


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


class Result:
    """What a command run in-process printed, shaped like a CompletedProcess."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_main(capsys, *args):
    """The same command through shotdetect.cli.main in this process (no interpreter start-up)."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return Result(code, out, err)


def assert_clean_failure(proc, code, *words):
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("shotdetect: error:"), lines[0]
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert proc.stdout == ""


def save(path, image, quality=92):
    ok, buf = cv2.imencode(path.suffix, image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    buf.tofile(str(path))
    return path


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    d = tmp_path_factory.mktemp("compare")
    a = make_photo(21)
    return {
        "a": save(d / "a.jpg", a, 95),
        "copy": save(d / "copy.jpg", add_noise(cv2.resize(a, (240, 180), interpolation=cv2.INTER_AREA), 3), 30),
        "object": save(d / "object.png", with_object(a, 100, 80)),
        "other": save(d / "other.jpg", make_photo(22)),
        "text": d / "notes.jpg",
        "dir": d,
    }


def test_same_pictures_exit_0_with_a_table(pictures):
    proc = run_cli("compare", pictures["a"], pictures["copy"])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for row in ("mean abs diff", "zero norm", "rmse", "nrmse", "ssim", "ncc", "histogram kl", "bhattacharyya",
                "chi-square", "phash distance", "changed area", "correlation", "changed box"):
        assert row in out, row
    assert "compared at     240x180" in out and "A resized" in out
    assert out.rstrip().splitlines()[-1].startswith("verdict: same")
    assert proc.stderr == ""


def test_different_pictures_exit_1(pictures, capsys):
    proc = run_cli("compare", pictures["a"], pictures["object"])
    assert proc.returncode == 1 and proc.stderr == ""
    assert "verdict: different" in proc.stdout
    quiet = run_main(capsys, "compare", pictures["a"], pictures["other"], "-q")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (1, "", "")


def test_json_output(pictures):
    proc = run_cli("compare", pictures["a"], pictures["object"], "--json", "--align", "--normalize-exposure")
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert doc["same"] is False and doc["a"]["path"] == str(pictures["a"]) and doc["b"]["width"] == 320
    assert set(doc["metrics"]) == {"mean_abs_diff", "zero_norm", "changed_pixels", "rmse", "nrmse", "ssim", "ncc",
                                   "kl", "bhattacharyya", "chi_square", "phash_distance", "changed_area",
                                   "correlation"}
    x, y, w, h = doc["changed_box"]
    assert 70 <= x <= 84 and 50 <= y <= 64 and 116 <= x + w <= 130 and 96 <= y + h <= 110
    assert doc["settings"]["normalize_exposure"] is True and "applied" in doc["shift"]


def test_pixel_rule_options(pictures, tmp_path, capsys):
    a = cv2.imread(str(pictures["a"]))
    b = a.copy()
    b[5:7, 5:8] = 255 - b[5:7, 5:8]  # 6 pixels changed
    cv2.imwrite(str(tmp_path / "a.png"), a)
    cv2.imwrite(str(tmp_path / "b.png"), b)
    rule = ("--max-pixels", "{}", "--tolerance", "0")

    def code(b, p):
        return run_main(capsys, "compare", tmp_path / "a.png", tmp_path / b, *(x.format(p) for x in rule)).returncode

    assert (code("a.png", 0), code("b.png", 6), code("b.png", 5)) == (0, 0, 1)


def test_frames_of_a_video(short_clip, capsys):
    """short.mp4: 25 still frames, 30 frames with a moving object, 25 still frames (25 fps)."""
    path, _ = short_clip
    same_frame = run_cli("compare", f"{path}@0.2s", f"{path}#frame=5", "--json")
    assert same_frame.returncode == 0, same_frame.stderr
    doc = json.loads(same_frame.stdout)
    assert doc["a"]["time"] == pytest.approx(0.2) and doc["b"]["frame"] == 5
    assert doc["metrics"]["mean_abs_diff"] == 0 and doc["metrics"]["ssim"] == pytest.approx(1)
    assert run_main(capsys, "compare", f"{path}@0.2s", f"{path}@0.8s").returncode == 0  # same still shot
    assert run_main(capsys, "compare", f"{path}@0.6s", f"{path}@1.5s").returncode == 1  # across the cut at 1.0 s


def test_bad_input_is_one_line(pictures, short_clip, capsys):
    pictures["text"].write_text("not a picture")
    a = pictures["a"]
    # as a user sees them ...
    assert_clean_failure(run_cli("compare", a, pictures["dir"] / "missing.jpg"), 3, "missing.jpg", "no such file")
    assert_clean_failure(run_cli("compare", a, pictures["text"]), 3, "notes.jpg", "not an image")
    assert_clean_failure(run_cli("compare", a), 2, "two pictures")
    # ... and the other cases through the same entry point, in-process
    empty = pictures["dir"] / "empty"  # a folder is its first picture (an input like any other); none: exit 3
    empty.mkdir(exist_ok=True)
    assert_clean_failure(run_main(capsys, "compare", a, empty), 3, "no image files")
    assert_clean_failure(run_main(capsys, "compare", a, a, "--tolerance", "300"), 2, "--tolerance")
    assert_clean_failure(run_main(capsys, "compare", a, a, "--max-area", "2"), 2, "--max-area")
    path, _ = short_clip
    assert_clean_failure(run_main(capsys, "compare", a, f"{path}@99s"), 3, "past the end")
    assert_clean_failure(run_main(capsys, "compare", a, f"{pictures['text']}@1s"), 3, "notes.jpg")
    assert_clean_failure(run_main(capsys, "compare", "--index", pictures["dir"], a, a), 2, "one picture")
    assert_clean_failure(run_main(capsys, "compare", "--index", pictures["dir"] / "nope", a), 3, "no such folder")


# ----------------------------------------------------------------------------------------- --index


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """200 photos, plus a re-compressed, resized copy of one of them and an unrelated photo."""
    root = tmp_path_factory.mktemp("library")
    photos = root / "photos"
    photos.mkdir()
    for i in range(200):
        save(photos / f"img{i}.jpg", make_photo(1000 + i, (96, 72)), 85)
    (photos / "readme.txt").write_text("not an image")
    original = make_photo(1137, (96, 72))  # the same as img137.jpg
    copy = jpeg(cv2.resize(original, (72, 54), interpolation=cv2.INTER_AREA), 35)
    return {"photos": photos, "copy": save(root / "downloaded.jpg", copy, 90),
            "unrelated": save(root / "unrelated.jpg", make_photo(5000, (96, 72)))}


def test_index_finds_a_recompressed_resized_copy(library):
    photos = library["photos"]
    proc = run_cli("compare", "--index", photos, library["copy"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("found: ") and "img137.jpg" in proc.stdout
    cache = json.loads((photos / INDEX_NAME).read_text())
    assert len(cache["entries"]) == 200 and cache["entries"]["img137.jpg"]["phash"]
    proc = run_cli("compare", "--index", photos, library["unrelated"], "--json")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["found"] is False and doc["match"] is None and doc["indexed"] == 200
    assert doc["from_cache"] == 200 and doc["hashed_now"] == 0  # the second look-up decodes no image


def test_index_cache_follows_changes(library, tmp_path):
    photos = tmp_path / "few"
    photos.mkdir()
    for i in range(5):
        save(photos / f"p{i}.jpg", make_photo(2000 + i, (96, 72)))
    first = ImageIndex(photos)
    assert (first.computed, first.reused, len(first)) == (5, 0, 5)
    target = make_photo(3000, (96, 72))
    save(photos / "p3.jpg", target)  # replaced: size and mtime change
    os.utime(photos / "p3.jpg", ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
    (photos / "p4.jpg").unlink()
    second = ImageIndex(photos)
    assert (second.computed, second.reused, len(second)) == (1, 3, 4)
    best, _ = second.find(jpeg(target, 50))
    assert best is not None and best.path.name == "p3.jpg"
    assert ImageIndex(photos, cache=False).computed == 4
    (photos / INDEX_NAME).write_text("{ not json")
    broken = ImageIndex(photos)
    assert broken.computed == 4 and broken.warnings


def test_hash_search_is_vectorised():
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2 ** 63, size=200_000, dtype=np.int64).astype(np.uint64)
    start = time.perf_counter()
    distances = hamming_many(int(hashes[1234]), hashes)
    elapsed = time.perf_counter() - start
    assert distances[1234] == 0 and 20 < distances.mean() < 44
    assert elapsed < 0.5  # one XOR and a popcount over all hashes
