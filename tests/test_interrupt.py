"""Interrupted runs: Ctrl-C (SIGINT), SIGTERM and the stall watchdog leave nothing half-written."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import shotdetect
from shotdetect.errors import DecodeError
from shotdetect.export.ownership import MANIFEST_NAME, write_manifest
from tooling.synth import ShotSpec, render_clip
from shotdetect.watchdog import Watchdog

from conftest import loop_video, wait_until

#: Seconds a signalled run may take to exit (the target is 1 s; a loaded machine gets some slack).
EXIT_WITHIN = 2.0
LOOPS = 30  # 300 frames of 640x360 repeated: 9,000 frames, several seconds of work


@pytest.fixture(scope="session")
def long_clip(tmp_path_factory):
    """9,000 frames (6 shots of 50 frames, 30 times over) at 640x360, in Matroska."""
    d = tmp_path_factory.mktemp("long")
    render_clip(d / "part.mkv", [ShotSpec(50, seed=i) for i in range(6)], size=(640, 360),
                options={"preset": "ultrafast"})
    return loop_video(d / "part.mkv", d / "long.mkv", LOOPS)


def _default_sigint():
    # A test runner started in the background may ignore SIGINT; the child must not inherit that.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_cli(*args, cwd=None):
    return subprocess.Popen([sys.executable, "-m", "shotdetect", *map(str, args)], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)


def interrupt(proc, signum):
    """Send ``signum``; return (seconds until exit, stdout, stderr)."""
    sent = time.monotonic()
    proc.send_signal(signum)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"still running 30 s after the signal: {err}")
    return time.monotonic() - sent, out, err


def staged_images(out: Path) -> list[Path]:
    return [p for stage in out.glob(".shotdetect-*") for p in stage.glob("shot-*")]


def leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if (p.name.startswith(".shotdetect-") and p.name != MANIFEST_NAME) or p.name.endswith(".part"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_one_line(err: str, text: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines == [f"shotdetect: {text}; no partial results left"], err
    assert "Traceback" not in err


def test_sigint_while_writing_leaves_nothing(long_clip, tmp_path):
    out = tmp_path / "results" / "out"  # neither folder exists yet
    proc = start_cli(long_clip, "--out", out, "--stats", tmp_path / "stats.csv", "--json", tmp_path / "t.json")
    wait_until(lambda: len(staged_images(out)) >= 3, proc, timeout=30.0)  # keyframes are being written
    seconds, stdout, stderr = interrupt(proc, signal.SIGINT)
    assert proc.returncode == 130, stderr
    assert seconds < EXIT_WITHIN
    assert_one_line(stderr, "interrupted")
    assert stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no out folder, no CSV, no JSON, no .part


def test_sigterm_keeps_previous_results(long_clip, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "timeline.json").write_text('{"old": true}')
    (out / "shot-0000-1.jpg").write_bytes(b"old picture")
    write_manifest(out, ["timeline.json", "shot-0000-1.jpg"], command="detect", source=None)  # an earlier run's
    before = snapshot(out)
    proc = start_cli(long_clip, "--out", out, "--overwrite", "--keyframes", "2")
    wait_until(lambda: len(staged_images(out)) >= 3, proc, timeout=30.0)
    seconds, stdout, stderr = interrupt(proc, signal.SIGTERM)
    assert proc.returncode == 143, stderr
    assert seconds < EXIT_WITHIN
    assert_one_line(stderr, "terminated")
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_with_stats_only_leaves_no_partial_csv(long_clip, tmp_path, signum, code):
    stats = tmp_path / "stats.csv"
    proc = start_cli(long_clip, "--stats", stats, "-q")
    wait_until(lambda: any(p.stat().st_size > 0 for p in tmp_path.glob(".stats.csv.*.part")), proc, timeout=30.0)
    seconds, stdout, stderr = interrupt(proc, signum)
    assert proc.returncode == code, stderr
    assert seconds < EXIT_WITHIN
    assert_one_line(stderr, "interrupted" if code == 130 else "terminated")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------- watchdog


def test_watchdog_interrupts_a_stalled_main_thread():
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with Watchdog(0.2) as dog:
            while time.monotonic() - started < 10:
                time.sleep(0.01)  # no kick: no progress
    assert dog.fired
    assert time.monotonic() - started < 2


def test_watchdog_quiet_while_kicked():
    with Watchdog(0.2) as dog:
        end = time.monotonic() + 0.6
        while time.monotonic() < end:
            dog.kick()
            time.sleep(0.01)
    assert not dog.fired
    time.sleep(0.3)  # and nothing arrives after the block
    assert not dog.fired


def test_watchdog_disabled_without_timeout():
    with Watchdog(None) as dog:
        time.sleep(0.05)
    assert not dog.fired and dog._thread is None


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("small") / "small.mkv"
    render_clip(path, [ShotSpec(20, seed=1), ShotSpec(20, seed=2)], size=(128, 96), options={"preset": "ultrafast"})
    return path


def _stalling_decoder(monkeypatch, after: int, sleep):
    """Make the reader stop making progress after ``after`` frames."""
    from shotdetect import decode

    original = decode.VideoReader._decoded

    def stalling(self):
        for n, frame in enumerate(original(self)):
            if n == after:
                sleep()
            yield frame

    monkeypatch.setattr(decode.VideoReader, "_decoded", stalling)


def test_detect_stall_becomes_decode_error(small_clip, monkeypatch):
    def stuck():
        while True:
            time.sleep(0.01)

    _stalling_decoder(monkeypatch, 10, stuck)
    started = time.monotonic()
    with pytest.raises(DecodeError, match=r"small\.mkv: decoding made no progress for 0\.3 s; gave up"):
        shotdetect.detect(small_clip, stall_timeout=0.3)
    assert time.monotonic() - started < 3


def test_detect_without_stall_is_unaffected(small_clip, monkeypatch):
    _stalling_decoder(monkeypatch, 10, lambda: time.sleep(0.1))  # slow, but under the timeout
    timeline = shotdetect.detect(small_clip, stall_timeout=1.0)
    assert [t.frame for t in timeline.transitions] == [20]


WORKER_STALL = textwrap.dedent("""
    import signal, sys, threading, time
    import shotdetect
    from shotdetect import decode
    if sys.argv[2] == "ignore-sigint":
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as under nohup, or in a program that handles Ctrl-C
    original = decode.VideoReader._decoded
    def stalling(self):
        for n, frame in enumerate(original(self)):
            if n == 10:
                end = time.monotonic() + 5
                while time.monotonic() < end:
                    time.sleep(0.01)
            yield frame
    decode.VideoReader._decoded = stalling
    outcome = []
    def work():
        try:
            shotdetect.detect(sys.argv[1], stall_timeout=0.3)
            outcome.append("finished")
        except Exception as exc:
            outcome.append(type(exc).__name__)
    worker = threading.Thread(target=work)
    worker.start()
    try:
        worker.join()
    except KeyboardInterrupt:
        print("main thread interrupted")
        worker.join()
    print("worker:", *outcome)
""")


@pytest.mark.parametrize("thread, sigint", [("worker", "default"), ("worker", "ignore-sigint")])
def test_watchdog_interrupts_the_stalled_thread(small_clip, thread, sigint):
    """detect() in a worker thread (a Dask task, a server's pool): the stall ends that thread's run
    with DecodeError, and the main thread is left alone, whatever the process does with Ctrl-C."""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", WORKER_STALL, str(small_clip), sigint], capture_output=True,
                          text=True, timeout=60, preexec_fn=_default_sigint)
    assert proc.stdout.splitlines() == ["worker: DecodeError"], proc.stdout + proc.stderr
    assert time.monotonic() - started < 4  # long before the 5 s stall ends by itself


HARD_STOP = textwrap.dedent("""
    import sys, time
    from shotdetect import decode, watchdog
    from shotdetect.cli import main
    watchdog.GRACE_SECONDS = 0.5  # instead of 5 s, to keep the test short
    block = float(sys.argv.pop(1))
    original = decode.VideoReader._decoded
    def stalling(self):
        for n, frame in enumerate(original(self)):
            if n == 10:
                time.sleep(block)  # blocks like native code: the watchdog's interrupt cannot end it
            yield frame
    decode.VideoReader._decoded = stalling
    sys.exit(main(sys.argv[1:]))
""")


def _hard_stop_run(small_clip, tmp_path, *args, block=30):
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", HARD_STOP, str(block), str(small_clip), "--stall-timeout", "0.3",
                           *args],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, preexec_fn=_default_sigint)
    return proc, time.monotonic() - started


def test_hard_stop_when_the_decoder_does_not_return(small_clip, tmp_path):
    """The watchdog's interrupt cannot reach code blocked outside Python; after its grace period the
    command line removes the staging folder and exits 4."""
    out = tmp_path / "out"
    out.mkdir()
    proc, seconds = _hard_stop_run(small_clip, tmp_path, "--out", out)
    assert proc.returncode == 4, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == ["shotdetect: error: decoding made no progress and did not respond; gave up"]
    assert seconds < 10
    assert list(out.iterdir()) == []


def test_hard_stop_leaves_no_created_folder_or_partial_csv(small_clip, tmp_path):
    proc, _ = _hard_stop_run(small_clip, tmp_path, "--out", tmp_path / "new", "--stats", tmp_path / "s.csv")
    assert proc.returncode == 4, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_hard_stop_without_out_folder(small_clip, tmp_path):
    proc, seconds = _hard_stop_run(small_clip, tmp_path, "--json", tmp_path / "t.json", block=4)
    assert proc.returncode == 4, proc.stderr
    assert seconds < 3.5


def test_json_of_an_uninterrupted_run_is_complete(small_clip, tmp_path):
    """The control for the tests above: the same command without a signal writes everything."""
    proc = start_cli(small_clip, "--out", tmp_path / "out", "--stats", tmp_path / "s.csv", "-q")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    doc = json.loads((tmp_path / "out" / "timeline.json").read_text())
    assert doc["video"]["frame_count"] == 40
    assert (tmp_path / "s.csv").read_text().count("\n") == 41
    assert leftovers(tmp_path) == []


def test_interrupt_during_commit_leaves_old_or_new_results(tmp_path, monkeypatch):
    import os

    from shotdetect.export import OutputDir

    out = tmp_path / "out"
    out.mkdir()
    old = {"timeline.json": b"old", "shot-0000-1.jpg": b"old picture"}
    for name, data in old.items():
        (out / name).write_bytes(data)
    write_manifest(out, list(old), command="detect", source=None)  # an earlier run's results
    real_replace = os.replace
    moves = []

    def replace(src, dst):
        if len(moves) == 1:  # Ctrl-C arrives after the first file has moved
            raise KeyboardInterrupt
        moves.append(dst)
        real_replace(src, dst)

    with pytest.raises(KeyboardInterrupt):
        with OutputDir(out, overwrite=True) as staging:
            for name in ("shot-0000-1.jpg", "shot-0001-1.jpg", "timeline.json"):
                (staging / name).write_bytes(b"new")
            monkeypatch.setattr(os, "replace", replace)
    monkeypatch.undo()
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.name != MANIFEST_NAME}
    assert after in (old, {"shot-0000-1.jpg": b"new", "shot-0001-1.jpg": b"new", "timeline.json": b"new"}), after
