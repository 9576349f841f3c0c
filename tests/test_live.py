"""Live shot detection: a clip with known cuts streamed in real time (ffmpeg ``-re``, UDP/MPEG-TS on
127.0.0.1) into ``shotdetect URL --jsonl -``; every cut must arrive as a JSON line within 2 s of being
shown, none may be lost when the stream stops, and Ctrl-C must end the run cleanly (exit 130) with
the cuts shown before it printed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import FAST, ShotSpec, render_clip
from test_inputs import free_port, udp_bound

pytestmark = pytest.mark.skipif(not __import__("shutil").which("ffmpeg"), reason="needs the ffmpeg program")

#: The promise: a cut is printed at most this long after its frame was shown.
MAX_LATENCY = 2.0


def _clip(tmp_path, shots: int, frames: int):
    mp4 = tmp_path / "live.mp4"
    truth = render_clip(mp4, [ShotSpec(frames, seed=80 + s, noise=2.0) for s in range(shots)], size=(192, 144),
                        options=FAST)
    ts = tmp_path / "live.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(mp4), "-c", "copy", "-f", "mpegts", str(ts)], check=True)
    return ts, [t["frame"] for t in truth["transitions"]]


class _Live:
    """``shotdetect udp://... --jsonl - --no-gradual`` (or with gradual detection on) with its lines
    collected as they arrive."""

    def __init__(self, port: int, *extra: str, gradual: bool = False):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "shotdetect", f"udp://127.0.0.1:{port}?timeout=1500000", "--jsonl", "-",
             *([] if gradual else ["--no-gradual"]), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for raw in self.proc.stdout:
            self.lines.append((time.time(), raw.decode()))

    def finish(self, timeout: float = 60) -> tuple[int, str]:
        try:
            code = self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(5)
        return code, self.proc.stderr.read().decode()


def _listed(folder) -> list[str]:
    """The files the folder's manifest lists as shotdetect's."""
    try:
        doc = json.loads((folder / ".shotdetect-manifest.json").read_text())
    except (OSError, ValueError):
        return []
    return [f["name"] for f in doc["files"]]


def _stream(ts, port):
    """ffmpeg sending the clip in real time; returns the process and the wall time its first frame went out."""
    deadline = time.monotonic() + 30
    while not udp_bound(port):
        assert time.monotonic() < deadline, "shotdetect never opened its UDP port"
        time.sleep(0.02)
    sender = subprocess.Popen(["ffmpeg", "-v", "error", "-re", "-i", str(ts), "-c", "copy", "-f", "mpegts",
                               f"udp://127.0.0.1:{port}?pkt_size=1316"], stdin=subprocess.DEVNULL)
    return sender, time.time()


def test_every_cut_arrives_within_two_seconds(tmp_path):
    ts, cuts = _clip(tmp_path, shots=4, frames=40)  # 6.4 s, cuts at 1.6, 3.2 and 4.8 s
    port = free_port()
    out = tmp_path / "keys"
    live = _Live(port, "--out", str(out))
    sender, started = _stream(ts, port)
    while len(live.lines) < 2 and sender.poll() is None:
        time.sleep(0.05)
    # Keyframes appear in the folder as shots end, listed in its manifest, while the stream goes on.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and "shot-0000-1.jpg" not in _listed(out):
        time.sleep(0.05)
    assert sender.poll() is None, "the stream should still be running"
    assert (out / "shot-0000-1.jpg").is_file() and "shot-0000-1.jpg" in _listed(out)
    sender.wait(timeout=60)
    code, stderr = live.finish()
    assert code == 0, stderr
    doc = json.loads((out / "timeline.json").read_text())
    assert [t["frame"] for t in doc["transitions"]] == cuts
    on_disk = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert sorted(_listed(out)) == on_disk == sorted(["timeline.json", *(f"shot-{i:04d}-1.jpg" for i in range(4))])
    events = [(arrived, json.loads(line)) for arrived, line in live.lines]
    assert [e["frame"] for _, e in events] == cuts, stderr  # nothing lost when the stream stopped
    for arrived, e in events:
        assert e["type"] == "cut" and e["time"] == pytest.approx(e["frame"] / 25)
        assert e["wall_time"].endswith("+00:00")
        assert 0 <= e["latency"] < MAX_LATENCY, e
        # Measured from outside too: when the line arrived against when ffmpeg sent the frame
        # (ffmpeg's own start-up counts against us, so this is an upper bound).
        shown = started + e["time"]
        print(f"cut at frame {e['frame']}: reported latency {e['latency']:.2f} s, "
              f"line {arrived - shown:.2f} s after the frame was sent")
        assert arrived - shown < MAX_LATENCY + 0.5
    assert "latency median" in stderr


def test_cuts_arrive_within_two_seconds_with_gradual_detection_on(tmp_path):
    """The default run looks for dissolves and fades too, whose reach is 5 s; a cut between steady
    pictures cannot be part of one, so it is final as soon as the cut detector's reach is seen."""
    ts, cuts = _clip(tmp_path, shots=4, frames=40)  # cuts at 1.6, 3.2 and 4.8 s
    port = free_port()
    live = _Live(port, gradual=True)
    sender, started = _stream(ts, port)
    sender.wait(timeout=60)
    code, stderr = live.finish()
    assert code == 0, stderr
    events = [(arrived, json.loads(line)) for arrived, line in live.lines]
    assert [(e["type"], e["frame"]) for _, e in events] == [("cut", c) for c in cuts], stderr
    for arrived, e in events:
        shown = started + e["time"]
        print(f"cut at frame {e['frame']} (gradual on): reported latency {e['latency']:.2f} s, "
              f"line {arrived - shown:.2f} s after the frame was sent")
        assert 0 <= e["latency"] < MAX_LATENCY, e
        assert arrived - shown < MAX_LATENCY + 0.5


def test_ctrl_c_prints_the_cuts_shown_so_far(tmp_path):
    ts, cuts = _clip(tmp_path, shots=6, frames=40)  # cuts at 1.6, 3.2, 4.8, 6.4, 8.0 s
    port = free_port()
    out = tmp_path / "keys"
    live = _Live(port, "--out", str(out))
    sender, started = _stream(ts, port)
    try:
        # Half a second after the third cut is shown: the first two are printed, the third still
        # pending (the detector looks 1.3 s ahead); Ctrl-C must decide and print it too.
        time.sleep(max(0.0, started + 4.8 + 0.5 - time.time()))
        interrupted_at = time.time() - started
        live.proc.send_signal(signal.SIGINT)
        code, stderr = live.finish(timeout=30)
    finally:
        sender.kill()
        sender.wait()
    assert code == 130, stderr
    assert "Traceback" not in stderr
    events = [json.loads(line) for _, line in live.lines]  # every line complete, valid JSON
    frames = [e["frame"] for e in events]
    # The cuts shown before the interrupt, in order, none after it. The third normally comes from
    # the decision Ctrl-C forces; on a loaded machine the frames after it may not have arrived yet.
    assert frames in (cuts[:2], cuts[:3]), (interrupted_at, frames, stderr)
    print(f"Ctrl-C {interrupted_at:.2f} s into the stream: printed {frames}")
    # The results up to the interrupt are written: timeline.json lists the same cuts, keyframes exist.
    doc = json.loads((out / "timeline.json").read_text())
    assert [t["frame"] for t in doc["transitions"]] == frames
    assert len(list(out.glob("shot-*.jpg"))) == len(doc["shots"]) >= 3
    assert any("interrupted" in w for w in doc["warnings"])


def test_ctrl_c_decides_the_pending_transitions(tmp_path, monkeypatch):
    """In the library: an interrupt ends the stream there; the transitions still held back for the
    detectors' look-ahead are decided, heard about and in the timeline StreamInterrupted carries."""
    import shotdetect
    from shotdetect import decode
    from shotdetect.pipeline import StreamInterrupted

    mp4 = tmp_path / "two-cuts.mp4"
    render_clip(mp4, [ShotSpec(40, seed=91, noise=2.0), ShotSpec(40, seed=92, noise=2.0),
                      ShotSpec(40, seed=93, noise=2.0)], size=(192, 144), options=FAST)
    original = decode.VideoReader._decoded

    def interrupted(self):
        for n, item in enumerate(original(self)):
            if n == 95:  # cut 80 is 15 frames back: far inside the detectors' look-ahead
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(decode.VideoReader, "_decoded", interrupted)
    heard = []
    with pytest.raises(StreamInterrupted) as stop:
        shotdetect.detect(mp4, on_transition=lambda t, read_at: heard.append(t.frame), finish_on_interrupt=True)
    assert heard == [t.frame for t in stop.value.timeline.transitions] == [40, 80]
    assert stop.value.timeline.video.frame_count == 95
    with pytest.raises(KeyboardInterrupt) as plain:  # without finish_on_interrupt: a plain interrupt
        shotdetect.detect(mp4)
    assert not isinstance(plain.value, StreamInterrupted)


@pytest.mark.parametrize("after_cut", [0, 1, 2, 3])
def test_ctrl_c_while_a_frame_is_taken_in_keeps_a_keyframe_for_every_shot(tmp_path, monkeypatch, after_cut):
    """Ctrl-C arriving while a frame is halfway through the pipeline (here: its keyframe candidate
    just offered) takes effect once the frame is in, so the last shot, however short, has its
    keyframe written; a frame left half taken in used to leave that shot without one."""
    import shotdetect
    from shotdetect import keyframes
    from shotdetect.export import ImageWriter
    from shotdetect.pipeline import StreamInterrupted

    mp4 = tmp_path / "one-cut.mp4"
    render_clip(mp4, [ShotSpec(40, seed=94, noise=2.0), ShotSpec(40, seed=95, noise=2.0)], size=(192, 144),
                options=FAST)
    stop_at = 40 + after_cut  # the cut is at frame 40
    original = keyframes.KeyframeSelector.add

    def add(self, index, *args, **kwargs):
        original(self, index, *args, **kwargs)
        if index == stop_at:
            signal.raise_signal(signal.SIGINT)  # a real Ctrl-C, landing inside the frame's processing

    monkeypatch.setattr(keyframes.KeyframeSelector, "add", add)
    out = tmp_path / "keys"
    with ImageWriter(out) as sink:
        with pytest.raises(StreamInterrupted) as stop:
            shotdetect.detect(mp4, keyframe_sink=sink, on_transition=lambda t, read_at: None,
                              finish_on_interrupt=True)
    timeline = stop.value.timeline
    for shot in timeline.shots:
        assert len(shot.keyframes) == 1, shot
        keyframe = shot.keyframes[0]
        assert shot.start_frame <= keyframe.frame < shot.end_frame
        assert (out / keyframe.file).is_file()
    assert sorted(p.name for p in out.iterdir()) == ["shot-0000-1.jpg", "shot-0001-1.jpg"]
    assert [t.frame for t in timeline.transitions] == [40]
    assert timeline.video.frame_count == stop_at + 1  # the frame the signal arrived in is taken in whole
    assert [(s.start_frame, s.end_frame) for s in timeline.shots] == [(0, 40), (40, stop_at + 1)]
