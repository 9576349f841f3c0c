"""Interrupts and child processes, as a user meets them: a killed batch leaves no workers running,
SIGTERM stops a batch at once, ffmpeg dies with shotdetect, a named pipe without a writer still
answers Ctrl-C, a signal during start-up gives no traceback, dedupe leaves no temporary files, and
a shot --split cannot cut costs only that shot."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from shotdetect.export.ownership import MANIFEST_NAME
from tooling.synth import ShotSpec, render_clip

from conftest import loop_video, wait_until

FAST = {"preset": "ultrafast"}
linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """Four 3,200-frame videos (hard links of one file): several seconds of work each."""
    root = tmp_path_factory.mktemp("proc-lib")
    render_clip(root / "part.mkv", [ShotSpec(40, seed=i) for i in range(4)], size=(320, 180), options=FAST)
    lib = root / "lib"
    lib.mkdir()
    loop_video(root / "part.mkv", lib / "a.mkv", 20)
    for name in "bcd":
        os.link(lib / "a.mkv", lib / f"{name}.mkv")
    return lib


@pytest.fixture(scope="module")
def one_long_shot(tmp_path_factory) -> Path:
    """2,000 frames of one still shot at 640x360: a re-encoding ffmpeg runs for a while."""
    root = tmp_path_factory.mktemp("proc-shot")
    render_clip(root / "part.mkv", [ShotSpec(50, seed=5)], size=(640, 360), options=FAST)
    return loop_video(root / "part.mkv", root / "long.mkv", 40)


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a runner in the background may ignore SIGINT


def start(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shotdetect", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, preexec_fn=_default_sigint)


def children(pid: int) -> dict[int, str]:
    """{pid: command name} of the live child processes of ``pid``."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
            if int(rest[1]) == pid and rest[0] != "Z":
                found[int(entry)] = name
    return found


def alive(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2:].split()[0] != "Z"


def staging(out: Path) -> list[Path]:
    return [p for p in out.rglob(".shotdetect-*") if p.name != MANIFEST_NAME]


@linux_only
def test_sigkill_of_a_batch_parent_ends_its_workers(library, tmp_path):
    out = tmp_path / "out"
    proc = start(library, "--out", out, "-j", "2", "--no-images", "-q")
    wait_until(lambda: len(staging(out)) >= 2, proc)  # both workers are analysing
    workers = [pid for pid, name in children(proc.pid).items() if name.startswith("python")]
    assert len(workers) >= 2
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 5
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)], "workers outlived their parent"
    # the staging folders the workers left behind are cleaned by the next run into the same place
    proc = subprocess.run([sys.executable, "-m", "shotdetect", library, "--out", out, "-j", "1", "--no-images",
                           "-q", "--max-duration", "1"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert staging(out) == []


@pytest.mark.parametrize("signum, code, word", [(signal.SIGTERM, 143, "terminated"), (signal.SIGINT, 130, "interrupted")])
def test_a_signal_stops_a_batch_within_two_seconds(library, tmp_path, signum, code, word):
    """SIGTERM to the parent alone; Ctrl-C as a terminal sends it, to the whole process group."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "shotdetect", library, "--out", out, "-j", "2", "--no-images"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    wait_until(lambda: len(staging(out)) >= 2, proc)
    sent = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    seconds = time.monotonic() - sent
    assert proc.returncode == code, err
    assert seconds < 2.0, f"took {seconds:.1f} s"
    assert "Traceback" not in err and word in err
    assert not out.exists() or staging(out) == []  # no partial results left


@linux_only
@needs_ffmpeg
def test_ffmpeg_of_split_accurate_dies_with_shotdetect(one_long_shot, tmp_path):
    proc = start(one_long_shot, "--out", tmp_path / "out", "--split-accurate", "--no-images", "-q")
    ffmpeg: list[int] = []

    def ffmpeg_running() -> bool:
        ffmpeg[:] = [pid for pid, name in children(proc.pid).items() if name == "ffmpeg"]
        return bool(ffmpeg)

    wait_until(ffmpeg_running, proc)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 3
    while alive(ffmpeg[0]) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not alive(ffmpeg[0]), "ffmpeg outlived shotdetect"


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_named_pipe_without_writer_answers_signals(tmp_path, signum, code):
    fifo = tmp_path / "camera.fifo"
    os.mkfifo(fifo)
    proc = start(fifo, "--out", tmp_path / "out")
    time.sleep(1.5)  # well past start-up: waiting for a writer that never comes
    assert proc.poll() is None
    sent = time.monotonic()
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert time.monotonic() - sent < 2.0
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_named_pipe_with_a_writer_is_analysed(tmp_path):
    clip = tmp_path / "clip.mkv"
    render_clip(clip, [ShotSpec(15, seed=1), ShotSpec(15, seed=2)], size=(128, 72), options=FAST)
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    proc = start(fifo, "--json", "-", "-q")
    with open(fifo, "wb") as writer:
        writer.write(clip.read_bytes())
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert len(json.loads(out)["shots"]) == 2


def catches_sigterm(pid: int) -> bool:
    """Whether the process has a SIGTERM handler: shotdetect's own code has started."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


@linux_only
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_during_start_up_gives_no_traceback(tmp_path, signum, code):
    """From the moment shotdetect's first line runs (before NumPy, OpenCV and PyAV are imported).
    A signal while the Python interpreter itself starts, before that, is Python's to handle."""
    clip = tmp_path / "clip.mkv"
    render_clip(clip, [ShotSpec(10, seed=1)], size=(64, 36), options=FAST)
    for delay in (0.0, 0.05, 0.1, 0.2, 0.3, 0.45):
        proc = start(clip, "--json", "-")
        wait_until(lambda: catches_sigterm(proc.pid), proc, timeout=30)
        if delay == 0.0:  # the handlers come before the heavy imports, not after them
            assert "cv2" not in Path(f"/proc/{proc.pid}/maps").read_text()
        time.sleep(delay)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
        if proc.returncode == 0:
            continue  # finished before the signal came
        assert proc.returncode == code, (delay, err)
        assert "Traceback" not in err, (delay, err)
        assert len([line for line in err.splitlines() if line.strip()]) == 1, (delay, err)


def test_dedupe_ctrl_c_leaves_no_temporary_files(tmp_path):
    """Every picture differs (each is kept and written), so Ctrl-C lands while files are written."""
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    rng = np.random.default_rng(3)
    for i in range(500):
        blocks = rng.integers(0, 255, (6, 8, 3), dtype=np.uint8)  # coarse: every picture a new scene
        image = cv2.resize(blocks, (320, 240), interpolation=cv2.INTER_NEAREST)
        cv2.imwrite(str(pictures / f"img{i:04d}.jpg"), image)
    for attempt in range(3):
        out = tmp_path / f"kept{attempt}"
        proc = start("dedupe", pictures, "--out", out, "-q")
        wait_until(lambda: (out / "kept.json").exists() and len(list(out.glob("img*"))) >= 3 + 7 * attempt,
                   proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err
        names = sorted(os.listdir(out))
        assert not [n for n in names if n.endswith(".part")], names
        listed = sorted(e["file"] for e in json.loads((out / "kept.json").read_text())["kept"])
        assert sorted(n for n in names if n.startswith("img")) == listed


@needs_ffmpeg
def test_split_keeps_the_timeline_when_a_shot_cannot_be_cut(tmp_path):
    """MPEG-TS with one keyframe: copying cannot start the later shots, the analysis is kept."""
    clip = tmp_path / "gop.ts"
    render_clip(clip, [ShotSpec(20, seed=i) for i in range(3)], size=(128, 72),
                options={**FAST, "g": "1000", "keyint_min": "1000", "sc_threshold": "0"})
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "shotdetect", clip, "--out", out, "--split", "--no-images"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "timeline.json").read_text())
    assert len(doc["shots"]) == 3
    failed = [w for w in doc["warnings"] if w.startswith("--split: shot not written")]
    assert len(failed) == 2 and "shot-0001.ts" in failed[0]
    assert proc.stderr.count("warning: --split: shot not written") == 2
    assert (out / "shot-0000.ts").is_file()
