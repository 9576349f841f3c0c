"""The command line as a user runs it: python -m shotdetect ..."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import av
import cv2
import jsonschema
import numpy as np
import pytest

import shotdetect
from shotdetect.cli import main
from shotdetect.export import load_schema
from tooling.synth import ShotSpec, render_clip

from conftest import FAST, cut_frames


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


def error_lines(proc):
    return [line for line in proc.stderr.splitlines() if line.strip()]


def assert_clean_failure(proc, code, *words):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = error_lines(proc)
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("shotdetect: error:")
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


# ------------------------------------------------------------------------------------------- success


def test_out_writes_timeline_and_images(short_clip, tmp_path):
    path, truth = short_clip
    out = tmp_path / "out"
    proc = run_cli(path, "--out", out, "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "timeline.json").read_text())
    jsonschema.validate(doc, load_schema())
    assert [t["frame"] for t in doc["transitions"]] == cut_frames(truth)
    n = len(doc["shots"])
    images = sorted(p.name for p in out.glob("shot-*"))
    assert images == [f"shot-{i:04d}-1.jpg" for i in range(n)]
    assert [s["keyframes"][0]["file"] for s in doc["shots"]] == images
    for name in images:
        img = cv2.imread(str(out / name))
        assert img is not None and img.shape == (truth["height"], truth["width"], 3)
    # no staging leftovers
    assert sorted(p.name for p in out.iterdir()) == sorted(images + ["timeline.json", ".shotdetect-manifest.json"])


def test_summary_on_stderr(short_clip, tmp_path):
    path, truth = short_clip
    proc = run_cli(path, "--out", tmp_path / "o")
    assert proc.returncode == 0, proc.stderr
    assert f"{len(truth['transitions']) + 1} shots" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_json_stdout(short_clip):
    path, truth = short_clip
    proc = run_cli(path, "--json", "-", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, load_schema())
    assert doc["video"]["frame_count"] == truth["frames"]
    assert [t["frame"] for t in doc["transitions"]] == cut_frames(truth)
    assert all(k["file"] is None for s in doc["shots"] for k in s["keyframes"])


def test_json_file_and_table(short_clip, tmp_path):
    path, truth = short_clip
    proc = run_cli(path, "--json", tmp_path / "t.json", "-q")
    assert proc.returncode == 0, proc.stderr
    jsonschema.validate(json.loads((tmp_path / "t.json").read_text()), load_schema())
    table = run_cli(path)
    assert table.returncode == 0, table.stderr
    rows = table.stdout.strip().splitlines()
    assert rows[0].split()[0] == "shot"
    assert len(rows) == 1 + len(truth["transitions"]) + 1
    assert [int(r.split()[0]) for r in rows[1:]] == list(range(len(truth["transitions"]) + 1))
    assert all("cut" in r for r in rows[2:])


def test_quiet_still_lists_shots(short_clip, capsys):
    path, truth = short_clip
    assert main([str(path), "-q"]) == 0
    out = capsys.readouterr().out
    assert len(out.strip().splitlines()) == 1 + len(truth["transitions"]) + 1


def test_no_images(short_clip, tmp_path):
    path, _ = short_clip
    out = tmp_path / "out"
    proc = run_cli(path, "--out", out, "--no-images", "-q")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [".shotdetect-manifest.json", "timeline.json"]
    doc = json.loads((out / "timeline.json").read_text())
    assert all(k["file"] is None for s in doc["shots"] for k in s["keyframes"])


def test_png_and_keyframes(short_clip, tmp_path):
    path, _ = short_clip
    out = tmp_path / "out"
    proc = run_cli(path, "--out", out, "--image-format", "png", "--keyframes", "2", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "timeline.json").read_text())
    files = [k["file"] for s in doc["shots"] for k in s["keyframes"]]
    assert files and all(f.endswith(".png") for f in files)
    assert sorted(p.name for p in out.glob("*.png")) == sorted(files)
    assert not list(out.glob("*.jpg"))
    assert any(len(s["keyframes"]) == 2 for s in doc["shots"])
    with open(out / files[0], "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    assert cv2.imread(str(out / files[0])) is not None


def test_stats_csv(short_clip, tmp_path):
    path, truth = short_clip
    stats = tmp_path / "stats.csv"
    proc = run_cli(path, "--stats", stats, "-q")
    assert proc.returncode == 0, proc.stderr
    with open(stats, newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert header[0] == "frame" and header[1] == "time" and header[-1] == "cut_strength"
    assert len(body) == truth["frames"]
    assert [int(r[0]) for r in body] == list(range(truth["frames"]))
    assert all(len(r) == len(header) for r in body)
    strength = [float(r[-1]) for r in body]
    cuts = cut_frames(truth)
    assert min(strength[c] for c in cuts) > max(s for i, s in enumerate(strength) if i not in cuts)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_second_run_refuses_then_overwrite(short_clip, tmp_path):
    path, _ = short_clip
    out = tmp_path / "out"
    assert run_cli(path, "--out", out, "-q").returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    proc = run_cli(path, "--out", out, "-q", "--sensitivity", "0.9")
    assert_clean_failure(proc, 5, "overwrite")
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert after == before
    proc = run_cli(path, "--out", out, "-q", "--overwrite", "--no-images")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == [".shotdetect-manifest.json", "timeline.json"]  # old images replaced, none left
    assert json.loads((out / "timeline.json").read_text())["tool"]["settings"]["keyframes"] == 1


def test_existing_json_file_needs_overwrite(short_clip, tmp_path):
    path, _ = short_clip
    target = tmp_path / "t.json"
    target.write_text("keep me")
    proc = run_cli(path, "--json", target, "-q")
    assert_clean_failure(proc, 5, "overwrite")
    assert target.read_text() == "keep me"
    assert run_cli(path, "--json", target, "-q", "--overwrite").returncode == 0
    json.loads(target.read_text())


def test_help_and_version():
    proc = run_cli("--help")
    assert proc.returncode == 0
    assert "examples:" in proc.stdout
    assert "shotdetect video.mp4 --out" in proc.stdout
    assert "exit status" in proc.stdout
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"shotdetect {shotdetect.__version__}"


# ------------------------------------------------------------------------------------------- failures


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, short_clip):
    d = tmp_path_factory.mktemp("bad")
    data = short_clip[0].read_bytes()
    (d / "empty.mp4").write_bytes(b"")
    (d / "notes.mp4").write_text("this is not a video, just some text\n" * 20)
    (d / "folder.mp4").mkdir()
    (d / "truncated.mp4").write_bytes(data[: len(data) // 10])
    _write_audio(d / "tone.m4a")
    return d


def _write_audio(path):
    rate = 44100
    with av.open(str(path), "w") as c:
        stream = c.add_stream("aac", rate=rate)
        stream.layout = "mono"
        t = np.arange(rate // 2) / rate
        x = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for i in range(0, len(x), 1024):
            frame = av.AudioFrame.from_ndarray(x[None, i:i + 1024].copy(), format="fltp", layout="mono")
            frame.sample_rate = rate
            frame.pts = i
            for p in stream.encode(frame):
                c.mux(p)
        for p in stream.encode(None):
            c.mux(p)


@pytest.mark.parametrize("name, code, words", [
    ("missing.mp4", 3, ["no such file"]),
    ("folder.mp4", 3, ["directory"]),
    ("empty.mp4", 3, ["empty"]),
    ("notes.mp4", 3, ["not a video"]),
    ("tone.m4a", 3, ["no video stream"]),
    # mp4 with its index (moov) at the end: the first 10 % cannot be opened at all
    ("truncated.mp4", 3, ["truncated.mp4"]),
])
def test_bad_input(bad_inputs, tmp_path, name, code, words):
    out = tmp_path / "out"
    proc = run_cli(bad_inputs / name, "--out", out, "--stats", tmp_path / "s.csv", "--json", tmp_path / "t.json")
    assert_clean_failure(proc, code, name, *words)
    assert not (tmp_path / "s.csv").exists()
    assert not (tmp_path / "t.json").exists()
    assert not out.exists() or not any(out.iterdir())  # nothing partial inside
    assert [p.name for p in tmp_path.iterdir() if p.name != "out"] == []


def test_bad_input_leaves_no_out_folder(bad_inputs, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(bad_inputs / "notes.mp4", "--out", out)
    assert proc.returncode == 3
    assert not out.exists()


def test_audio_only_error_names_audio(bad_inputs):
    proc = run_cli(bad_inputs / "tone.m4a")
    assert proc.returncode == 3
    assert "audio" in proc.stderr


def test_truncated_before_first_frame_is_decode_error(short_clip, tmp_path):
    """Matroska keeps its header first: cut before any frame, it opens but has no decodable frames."""
    mkv = tmp_path / "clip.mkv"
    render_clip(mkv, [ShotSpec(30, 1), ShotSpec(30, 2), ShotSpec(30, 3)], size=(256, 144), options=FAST)
    data = mkv.read_bytes()
    bad = tmp_path / "head.mkv"
    bad.write_bytes(data[: len(data) // 10])
    proc = run_cli(bad, "--json", "-")
    assert_clean_failure(proc, 4, "no decodable video frames")


def test_truncated_mkv_keeps_decoded_frames(tmp_path):
    mkv = tmp_path / "clip.mkv"
    truth = render_clip(mkv, [ShotSpec(30, 1), ShotSpec(30, 2), ShotSpec(30, 3)], size=(256, 144), options=FAST)
    data = mkv.read_bytes()
    bad = tmp_path / "half.mkv"
    bad.write_bytes(data[: len(data) // 2])
    proc = run_cli(bad, "--json", "-", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.validate(doc, load_schema())
    n = doc["video"]["frame_count"]
    assert 0 < n < truth["frames"]
    assert [t["frame"] for t in doc["transitions"]] == [f for f in cut_frames(truth) if f < n]


def test_truncated_mkv_warns(tmp_path):
    mkv = tmp_path / "clip.mkv"
    render_clip(mkv, [ShotSpec(30, 1), ShotSpec(30, 2), ShotSpec(30, 3)], size=(256, 144), options=FAST)
    data = mkv.read_bytes()
    bad = tmp_path / "half.mkv"
    bad.write_bytes(data[: len(data) // 2])
    proc = run_cli(bad, "--json", "-")
    assert proc.returncode == 0
    tl = json.loads(proc.stdout)
    assert tl["warnings"], "no warning about the missing part of the video"
    assert "warning" in proc.stderr


def test_corrupt_middle_still_analysed(cut_clip, tmp_path):
    path, truth = cut_clip
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(7)
    mid = len(data) // 2
    data[mid:mid + 4000] = rng.integers(0, 256, 4000, dtype=np.uint8).tobytes()
    bad = tmp_path / "corrupt.mp4"
    bad.write_bytes(bytes(data))
    out = tmp_path / "out"
    proc = run_cli(bad, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads((out / "timeline.json").read_text())
    jsonschema.validate(doc, load_schema())
    assert doc["video"]["frame_count"] >= truth["frames"] * 0.8
    found = [t["frame"] for t in doc["transitions"]]
    # cuts in the undamaged first part are found exactly
    assert cut_frames(truth)[:2] == found[:2]
    assert len(list(out.glob("shot-*.jpg"))) == len(doc["shots"])


def test_out_parent_is_a_file(short_clip, tmp_path):
    path, _ = short_clip
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli(path, "--out", blocker / "out")
    assert_clean_failure(proc, 5)
    assert blocker.read_text() == "x"
    proc = run_cli(path, "--out", blocker)  # --out names an existing file
    assert_clean_failure(proc, 5, "not a folder")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can write anywhere")
def test_out_in_read_only_dir(short_clip, tmp_path):
    path, _ = short_clip
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        proc = run_cli(path, "--out", ro / "out")
        assert_clean_failure(proc, 5)
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


def test_json_into_missing_folder(short_clip, tmp_path):
    path, _ = short_clip
    proc = run_cli(path, "--json", tmp_path / "nope" / "t.json")
    assert_clean_failure(proc, 5, "no such folder")


@pytest.mark.parametrize("args", [["--sensitivity", "2"], ["--bogus"]])
def test_bad_options(short_clip, tmp_path, args):
    proc = run_cli(short_clip[0], "--out", tmp_path / "out", *args)
    assert_clean_failure(proc, 2, args[0])
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [
    ["--sensitivity", "-0.1"],
    ["--sensitivity", "abc"],
    ["--min-shot-len", "0"],
    ["--min-shot-len", "xs"],
    ["--keyframes", "-1"],
    ["--threshold", "0"],
    ["--image-format", "bmp"],
])
def test_bad_option_values_in_process(short_clip, tmp_path, capsys, args):
    with pytest.raises(SystemExit) as exc:
        main([str(short_clip[0]), "--out", str(tmp_path / "out"), *args])
    assert exc.value.code == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and args[0] in err[0], err
    assert not (tmp_path / "out").exists()


def test_no_video_argument():
    assert_clean_failure(run_cli(), 2)


# ------------------------------------------------------------------------------------------- in process


def test_main_in_process(short_clip, tmp_path, capsys):
    path, truth = short_clip
    assert main([str(path), "--json", str(tmp_path / "t.json"), "-q"]) == 0
    doc = json.loads((tmp_path / "t.json").read_text())
    assert [t["frame"] for t in doc["transitions"]] == cut_frames(truth)
    assert main([str(tmp_path / "missing.mp4"), "-q"]) == 3
    err = capsys.readouterr().err
    assert "no such file" in err and "Traceback" not in err
    assert main([str(path), "--json", str(tmp_path / "t.json"), "-q"]) == 5
    with pytest.raises(SystemExit) as exc:
        main([str(path), "--sensitivity", "2"])
    assert exc.value.code == 2
