"""``shotdetect dedupe``: keep the pictures that changed, from image folders, videos and live streams."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest

from shotdetect.errors import DecodeError
from shotdetect.export.ownership import MANIFEST_NAME
from shotdetect.decode import ImageSequence
from tooling.synth import ShotSpec, render_clip

from conftest import FAST
from test_compare_cli import assert_clean_failure, run_cli, run_main
from test_compare_metrics import make_photo, shift, with_object

CHANGES = (30, 70, 110, 140, 175)


def timelapse_states(size=(320, 240)):
    """The scene after each real change: objects arrive, one leaves, one moves."""
    base = make_photo(77, size)
    s1 = with_object(base, 60, 60, 36)
    s2 = with_object(s1, 240, 170, 36)
    s3 = with_object(with_object(base, 240, 170, 36), 160, 60, 36)  # the first object left, a third came
    s4 = with_object(with_object(base, 240, 170, 36), 90, 170, 36)  # the third moved
    s5 = s4.copy()
    cv2.rectangle(s5, (10, 90), (60, 200), (40, 40, 40), -1)  # a door opened
    return [base, s1, s2, s3, s4, s5]


def make_timelapse(folder, n=200, seed=0):
    """n snapshots: sensor noise, slow lighting drift, an occasional 1-px shake, JPEG; 5 real changes."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    states = timelapse_states()
    for i in range(n):
        img = states[sum(i >= c for c in CHANGES)].astype(np.float32)
        img *= 1 + 0.06 * np.sin(i / n * 2 * np.pi)  # lighting drift, +-6 %
        if rng.random() < 0.15:
            img = shift(img, int(rng.choice([-1, 1])), int(rng.choice([-1, 0, 1])))
        img += rng.normal(0, 4, img.shape)
        ok, buf = cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8),
                               [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(60, 95))])
        (folder / f"snap{i}.jpg").write_bytes(buf.tobytes())
    return folder


@pytest.fixture(scope="module")
def timelapse(tmp_path_factory):
    return make_timelapse(tmp_path_factory.mktemp("dedupe") / "timelapse")


def listing(out):
    return json.loads((out / "kept.json").read_text())


def written(out):
    return sorted(p.name for p in out.iterdir() if p.name not in ("kept.json", MANIFEST_NAME))


def test_timelapse_keeps_exactly_the_changes(timelapse, tmp_path):
    out = tmp_path / "kept"
    proc = run_cli("dedupe", timelapse, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "kept 6 of 200 pictures" in proc.stderr
    doc = listing(out)
    expected = ["snap0.jpg"] + [f"snap{c}.jpg" for c in CHANGES]
    assert [e["file"] for e in doc["kept"]] == expected
    assert written(out) == sorted(expected)
    assert doc["complete"] is True and doc["interrupted"] is False and doc["frames_seen"] == 200
    assert doc["source"]["kind"] == "images" and doc["schema"] == "shotdetect.dedupe"
    first, *changed = doc["kept"]
    assert first["reason"] == "first" and first["distances"] is None
    for entry in changed:
        assert entry["reason"] == "changed"
        assert entry["distances"]["changed_area"] > 0.005  # well above the 0.001 threshold
        assert set(entry["distances"]) >= {"changed_area", "correlation", "mean_abs_diff", "bhattacharyya", "kl",
                                           "phash_distance"}
    assert [e["time"] for e in doc["kept"]] == [0.0] + [c / 25 for c in CHANGES]
    assert (out / "snap30.jpg").read_bytes() == (timelapse / "snap30.jpg").read_bytes()  # copied, not re-encoded


def test_refuses_to_clobber_and_overwrite_replaces(timelapse, tmp_path, capsys):
    out = tmp_path / "kept"
    assert run_main(capsys, "dedupe", timelapse, "--out", out, "-q").returncode == 0
    assert_clean_failure(run_cli("dedupe", timelapse, "--out", out), 5, "already holds results", "--overwrite")
    assert len(written(out)) == 6  # untouched
    (out / "mine.txt").write_text("not a result")  # a file shotdetect did not write: the folder is not ours
    assert_clean_failure(run_cli("dedupe", timelapse, "--out", out, "--overwrite"), 5, "mine.txt")
    assert len(written(out)) == 7
    (out / "mine.txt").unlink()
    # stricter threshold, same folder: the earlier results are replaced
    proc = run_main(capsys, "dedupe", timelapse, "--out", out, "--overwrite", "--max-area", "0.015", "-q")
    assert proc.returncode == 0, proc.stderr
    kept = [e["file"] for e in listing(out)["kept"]]
    assert 1 < len(kept) < 6
    assert written(out) == sorted(kept)


def test_overwrite_keeps_earlier_results_when_the_new_run_fails(timelapse, tmp_path, capsys, monkeypatch):
    out = tmp_path / "kept"
    assert run_main(capsys, "dedupe", timelapse, "--out", out, "-q").returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\0not a video" * 500)
    proc = run_cli("dedupe", broken, "--out", out, "--overwrite")
    assert proc.returncode in (3, 4), proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # nothing lost, nothing left over

    real_iter = ImageSequence.__iter__

    def breaks_midway(self):  # a source that opens fine and fails after 100 pictures
        for frame in real_iter(self):
            if frame.index == 100:
                raise DecodeError("snap100.jpg: broken")
            yield frame

    monkeypatch.setattr(ImageSequence, "__iter__", breaks_midway)
    proc = run_main(capsys, "dedupe", timelapse, "--out", out, "--overwrite", "--max-area", "0.015")
    assert proc.returncode == 4 and "broken" in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_output_errors(timelapse, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder")
    assert_clean_failure(run_cli("dedupe", timelapse, "--out", blocker / "out"), 5, "cannot")
    assert_clean_failure(run_main(capsys, "dedupe", timelapse, "--out", blocker), 5, "not a folder")
    assert_clean_failure(run_main(capsys, "dedupe", timelapse, "--out", timelapse), 5, "source images")


def test_input_errors(tmp_path, capsys):
    assert_clean_failure(run_cli("dedupe", tmp_path / "missing", "--out", tmp_path / "o"), 3, "missing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hello")
    assert_clean_failure(run_main(capsys, "dedupe", tmp_path / "empty", "--out", tmp_path / "o"), 3, "no image files")
    (tmp_path / "fake.mp4").write_text("not a video")
    assert_clean_failure(run_main(capsys, "dedupe", tmp_path / "fake.mp4", "--out", tmp_path / "o"), 3, "not a video")
    assert_clean_failure(run_main(capsys, "dedupe", tmp_path / "empty"), 2, "--out")
    assert not (tmp_path / "o").exists()  # nothing created for a failed start


def test_explicit_files_and_unicode_names(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    a, b = make_photo(31), make_photo(32)
    names = ["bild-ü-10.jpg", "bild-ü-2.jpg", "bild-ü-3.jpg"]
    for name, img in zip(names, [b, a, a]):
        cv2.imencode(".jpg", img)[1].tofile(str(src / name))
    out = tmp_path / "out"
    proc = run_main(capsys, "dedupe", *(src / n for n in names), "--out", out, "-q")
    assert proc.returncode == 0, proc.stderr
    assert [e["file"] for e in listing(out)["kept"]] == ["bild-ü-2.jpg", "bild-ü-10.jpg"]  # natural order


@pytest.fixture(scope="module")
def still_shots(tmp_path_factory):
    """Three still, slightly noisy shots of 25 frames at 25 fps: changes at frames 25 and 50."""
    path = tmp_path_factory.mktemp("dedupe-video") / "still.mp4"
    render_clip(path, [ShotSpec(25, seed=71, noise=2.0), ShotSpec(25, seed=72, noise=2.0),
                       ShotSpec(25, seed=73, noise=2.0)], size=(192, 144), options=FAST)
    return path


def test_video_frames(still_shots, tmp_path, capsys):
    out = tmp_path / "frames"
    proc = run_cli("dedupe", still_shots, "--out", out)
    assert proc.returncode == 0, proc.stderr
    doc = listing(out)
    assert [(e["file"], e["frame"], e["time"]) for e in doc["kept"]] == [
        ("frame-000000.jpg", 0, 0.0), ("frame-000025.jpg", 25, 1.0), ("frame-000050.jpg", 50, 2.0)]
    assert doc["source"]["kind"] == "video"
    assert cv2.imread(str(out / "frame-000025.jpg")).shape == (144, 192, 3)
    # at most one picture per 1.5 s: the change at 1.0 s waits until frame 38 (1.52 s); the one at 2.0 s
    # would have to wait until 3.02 s, past the end
    out2 = tmp_path / "sparse"
    assert run_main(capsys, "dedupe", still_shots, "--out", out2, "--min-interval", "1.5", "-q").returncode == 0
    doc = listing(out2)
    assert [e["frame"] for e in doc["kept"]] == [0, 38]
    assert doc["held_back_by_min_interval"] > 0


def test_ctrl_c_leaves_complete_files_and_listing(timelapse, tmp_path, monkeypatch, capsys):
    real_iter = ImageSequence.__iter__

    def interrupted(self):
        for frame in real_iter(self):
            if frame.index == 120:
                raise KeyboardInterrupt
            yield frame

    monkeypatch.setattr(ImageSequence, "__iter__", interrupted)
    out = tmp_path / "partial"
    proc = run_main(capsys, "dedupe", timelapse, "--out", out)
    assert proc.returncode == 130
    assert "interrupted" in proc.stderr and "kept 4 of 120" in proc.stderr and "Traceback" not in proc.stderr
    doc = listing(out)
    assert doc["complete"] is False and doc["interrupted"] is True
    assert [e["file"] for e in doc["kept"]] == ["snap0.jpg", "snap30.jpg", "snap70.jpg", "snap110.jpg"]
    assert written(out) == sorted(e["file"] for e in doc["kept"])  # nothing half-written, nothing unlisted


def _y4m_frame(image):
    return b"FRAME\n" + cv2.cvtColor(image, cv2.COLOR_BGR2YUV_I420).tobytes()


def test_live_stream_until_ctrl_c(tmp_path):
    """A live source on stdin (pipe:0, y4m): pictures are kept as they arrive; Ctrl-C ends it cleanly."""
    out = tmp_path / "live"
    proc = subprocess.Popen([sys.executable, "-m", "shotdetect", "dedupe", "pipe:0", "--format", "yuv4mpegpipe",
                             "--out", str(out), "-q"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    scenes = [make_photo(s, (160, 120)) for s in (41, 42, 43)]
    try:
        proc.stdin.write(b"YUV4MPEG2 W160 H120 F10:1 Ip A1:1 C420jpeg\n")
        deadline = time.monotonic() + 30
        for i in range(300):
            proc.stdin.write(_y4m_frame(scenes[min(i // 10, 2)]))
            proc.stdin.flush()
            time.sleep(0.02)
            if i >= 25 and (out / "kept.json").exists() and len(listing(out)["kept"]) == 3:
                break
            assert time.monotonic() < deadline, "the live frames were not processed"
        # the stream now stays silent (a camera that froze): Ctrl-C must still stop at once
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    stderr = proc.stderr.read().decode()
    assert code == 130, stderr
    assert "Traceback" not in stderr
    doc = listing(out)
    assert doc["interrupted"] is True and doc["source"]["kind"] == "live"
    assert [e["file"] for e in doc["kept"]] == ["frame-000000.jpg", "frame-000010.jpg", "frame-000020.jpg"]
    assert all("captured" in e for e in doc["kept"])
    assert written(out) == [e["file"] for e in doc["kept"]]
    assert not [p for p in os.listdir(out) if p.endswith(".part")]
