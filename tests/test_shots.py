"""Shots that make sense: the minimum shot length at both ends, fades at the ends, keyframes with a
picture, and transitions longer than the pipeline's usual look-ahead."""

from __future__ import annotations

import json
import subprocess
import sys

import av
import cv2
import numpy as np
import pytest

from tooling.synth import ShotSpec, TransitionSpec, render_clip

from conftest import FAST


def run(path, *args):
    proc = subprocess.run([sys.executable, "-m", "shotdetect", str(path), "-q", *map(str, args)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc


def timeline_of(path, *args):
    return json.loads(run(path, "--json", "-", "--no-images", *args).stdout)


def test_long_fade_late_in_a_long_video(tmp_path):
    """A slow fade of 170 frames starting at frame 3725 at 25 fps: once it is final, its start lies
    further back than the pipeline's old fixed guess of the detector's look-ahead (a KeyError)."""
    path = tmp_path / "long-fade.mp4"
    shots = [ShotSpec(3725 + 85, seed=1, motion=1.0), ShotSpec(300, seed=2, motion=1.0)]
    truth = render_clip(path, shots, [TransitionSpec("fade", frames=170, hold=4)], size=(96, 64), options=FAST)
    fade = truth["transitions"][0]
    timeline = timeline_of(path)
    found = [t for t in timeline["transitions"]
             if t["start_frame"] <= fade["end"] + 2 and t["end_frame"] >= fade["start"] - 2]
    assert found and all(t["type"] == "fade" for t in found), timeline["transitions"]
    assert timeline["shots"][-1]["end_frame"] == truth["frames"]


@pytest.fixture(scope="module")
def short_ends_clip(tmp_path_factory):
    """Cuts 2 frames after the start and 2 frames before the end."""
    path = tmp_path_factory.mktemp("ends") / "short-ends.mp4"
    shots = [ShotSpec(2, seed=1), ShotSpec(60, seed=2, motion=1.0), ShotSpec(60, seed=3, motion=1.0), ShotSpec(2, seed=4)]
    truth = render_clip(path, shots, None, size=(160, 96), options=FAST)
    return path, truth


def test_first_and_last_shot_obey_min_shot_len(short_ends_clip):
    path, truth = short_ends_clip
    timeline = timeline_of(path, "--min-shot-len", 5)
    shots = timeline["shots"]
    assert [s["end_frame"] - s["start_frame"] for s in shots if s["end_frame"] - s["start_frame"] < 5] == []
    # merged, not dropped: the shots still cover every frame
    assert shots[0]["start_frame"] == 0 and shots[-1]["end_frame"] == truth["frames"]
    assert all(a["end_frame"] == b["start_frame"] for a, b in zip(shots, shots[1:]))
    # the cut in the middle stays; every transition separates two shots
    assert [t["frame"] for t in timeline["transitions"]] == [62]
    assert [s["start_frame"] for s in shots[1:]] == [62]


def test_short_end_shots_kept_when_allowed(short_ends_clip):
    path, truth = short_ends_clip
    timeline = timeline_of(path, "--min-shot-len", 1)
    assert [t["frame"] for t in timeline["transitions"]] == [2, 62, 122]


def _fade_ends(src, dst, hold=8, ramp=14):
    """Copy ``src`` to ``dst`` opening with a fade from black and closing with a fade to black."""
    with av.open(str(src)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    n = len(frames)
    with av.open(str(dst), "w") as out:
        stream = out.add_stream("libx264", rate=25, options=FAST)
        stream.width, stream.height, stream.pix_fmt = frames[0].shape[1], frames[0].shape[0], "yuv420p"
        for i, picture in enumerate(frames):
            level = min(1.0, max(0.0, (min(i, n - 1 - i) - hold) / ramp))
            frame = av.VideoFrame.from_ndarray((picture * level).astype(np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def test_fade_in_at_start_and_out_at_end_are_not_black_shots(tmp_path):
    """A video that opens with a fade from black and ends with a fade to black: the fades are listed,
    but their frames belong to the first and last shot, and every keyframe shows a picture."""
    plain, path = tmp_path / "plain.mp4", tmp_path / "fades-at-ends.mp4"
    render_clip(plain, [ShotSpec(70, seed=1, motion=1.0), ShotSpec(70, seed=2, motion=1.0)], None,
                size=(160, 96), options=FAST)
    _fade_ends(plain, path)
    out = tmp_path / "out"
    run(path, "--out", out)
    timeline = json.loads((out / "timeline.json").read_text())
    assert [t["type"] for t in timeline["transitions"]] == ["fade", "cut", "fade"], timeline["transitions"]
    assert len(timeline["shots"]) == 2, timeline["shots"]
    for shot in timeline["shots"]:
        assert shot["keyframes"], shot
        for keyframe in shot["keyframes"]:
            picture = cv2.imread(str(out / keyframe["file"]), cv2.IMREAD_GRAYSCALE)
            assert picture is not None and picture.mean() > 30 and picture.std() > 10, keyframe
