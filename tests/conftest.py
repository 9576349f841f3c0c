"""Shared fixtures: small synthetic clips with exactly known transitions, and the shared footage folder."""

from __future__ import annotations

import os
import signal
from fractions import Fraction
from pathlib import Path

import pytest

from tooling.synth import Event, ShotSpec, TransitionSpec, render_clip

# The tests (and the commands they start) ignore the user's ~/.config/shotdetect/config.toml.
os.environ["SHOTDETECT_CONFIG"] = ""

# A test run started in the background by a script (``pytest &``, nohup) ignores Ctrl-C, and every
# command a test starts would inherit that: the tests that press Ctrl-C on one need it to arrive.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

SIZE = (256, 144)
FAST = {"preset": "ultrafast"}
FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"


def cut_frames(truth):
    return [t["frame"] for t in truth["transitions"] if t["type"] == "cut"]


@pytest.fixture(scope="session")
def clips_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("clips")


def _render(directory, name, shots, transitions=None, **kw):
    path = directory / name
    kw.setdefault("size", SIZE)
    kw.setdefault("options", FAST)
    truth = render_clip(path, shots, transitions, **kw)
    return path, truth


@pytest.fixture(scope="session")
def cut_clip(clips_dir):
    """7 shots (20-35 frames, some moving, panning or noisy) joined by hard cuts."""
    shots = [
        ShotSpec(30, seed=1),
        ShotSpec(25, seed=2, pan=(1.0, 0.0)),
        ShotSpec(35, seed=3, motion=3.0),
        ShotSpec(20, seed=4, noise=4.0),
        ShotSpec(30, seed=5),
        ShotSpec(28, seed=6, pan=(0.0, 1.0)),
        ShotSpec(32, seed=7),
    ]
    return _render(clips_dir, "cuts.mp4", shots)


@pytest.fixture(scope="session")
def dissolve_clip(clips_dir):
    shots = [ShotSpec(35, seed=11), ShotSpec(40, seed=12), ShotSpec(30, seed=13)]
    return _render(clips_dir, "dissolve.mp4", shots, [TransitionSpec("dissolve", 16), TransitionSpec("cut")])


@pytest.fixture(scope="session")
def fade_clip(clips_dir):
    shots = [ShotSpec(35, seed=21), ShotSpec(40, seed=22), ShotSpec(30, seed=23)]
    return _render(clips_dir, "fade.mp4", shots, [TransitionSpec("fade", 14, hold=2), TransitionSpec("cut")])


@pytest.fixture(scope="session")
def negatives_clip(clips_dir):
    """One long shot with a 2-frame camera flash, then a fast-panning shot: no transitions at all."""
    shots = [ShotSpec(60, seed=31), ShotSpec(60, seed=32, pan=(8.0, 0.0))]
    # a single long shot with a flash, then a fast pan, glued with a cut we know about
    return _render(clips_dir, "negatives.mp4", shots, [TransitionSpec("cut")],
                   events=[Event("flash", 20, 2)])


@pytest.fixture(scope="session")
def short_clip(clips_dir):
    """3 shots, 80 frames: the cheap clip for CLI and format tests."""
    shots = [ShotSpec(25, seed=41), ShotSpec(30, seed=42, motion=2.0), ShotSpec(25, seed=43)]
    return _render(clips_dir, "short.mp4", shots)


FORMAT_SHOTS = [ShotSpec(25, seed=41), ShotSpec(30, seed=42), ShotSpec(25, seed=43)]


@pytest.fixture(scope="session")
def vfr_clip(clips_dir):
    return _render(clips_dir, "vfr.mp4", FORMAT_SHOTS, vfr=True)


@pytest.fixture(scope="session")
def rotated_clip(clips_dir):
    """Display matrix rotating 90 degrees counter-clockwise."""
    return _render(clips_dir, "rot90.mp4", FORMAT_SHOTS, rotation=90)


@pytest.fixture(scope="session")
def plain_format_clip(clips_dir):
    """Same pictures as the rotated / SAR clips, without metadata."""
    return _render(clips_dir, "plain.mp4", FORMAT_SHOTS)


@pytest.fixture(scope="session")
def sar_clip(clips_dir):
    return _render(clips_dir, "sar.mp4", FORMAT_SHOTS, sar=Fraction(16, 11))


@pytest.fixture(scope="session")
def footage():
    if not FOOTAGE.is_dir():
        pytest.skip(f"shared footage not found at {FOOTAGE}")
    return FOOTAGE


def loop_video(part, path, loops):
    """``part`` repeated ``loops`` times by copying packets (no encoding): a long clip made fast."""
    import av

    with av.open(str(part)) as inp, av.open(str(path), "w") as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        packets = [p for p in inp.demux(s_in) if p.size]
        span = packets[-1].pts + (packets[1].pts - packets[0].pts)
        for loop in range(loops):
            for p in packets:
                q = av.Packet(bytes(p))
                q.pts, q.dts = p.pts + loop * span, p.dts + loop * span
                q.is_keyframe, q.time_base, q.stream = p.is_keyframe, s_in.time_base, s_out
                out.mux(q)
    return path


def wait_until(condition, proc, timeout=60.0):
    """Poll ``condition`` until it holds while ``proc`` still runs (the moment to send it a signal)."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"ended before the signal: {proc.communicate()}"
        assert time.monotonic() < deadline, "never got going"
        time.sleep(0.02)
