#!/usr/bin/env python3
"""Render the demo clip ``samples/demo.mp4`` and its ground truth ``samples/demo.truth.json``.

Usage (from the repository root)::

    python samples/make_sample.py [--out DIR]

The clip is entirely synthetic (procedurally generated scenes from ``tests/tooling/synth.py``), so it is
original content under the project's MIT licence. Everything is seeded: running the script again
gives the same pictures and the same truth (the encoded bytes may differ between FFmpeg/x264
versions).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # use the checkout's shotdetect when not installed
sys.path.insert(0, str(HERE.parent / "tests"))  # the clip renderer is test tooling (tests/tooling/synth.py)

from tooling.synth import Event, ShotSpec, TransitionSpec, render_clip  # noqa: E402

FPS = 25
SIZE = (640, 360)

# 9 shots, 590 frames (23.6 s at 25 fps). Seeds pick each scene's palette and layout.
SHOTS = [
    ShotSpec(75, seed=11, pan=(0.5, 0.0)),             # 0: slow drift
    ShotSpec(70, seed=22, motion=4.0),                 # 1: moving objects + camera flash
    ShotSpec(60, seed=33, pan=(0.0, 0.8), noise=4.0),  # 2: tilt with sensor noise
    ShotSpec(80, seed=44, pan=(14.0, 2.0)),            # 3: fast pan (whip-like)
    ShotSpec(60, seed=55, motion=6.0),                 # 4: fast moving object
    ShotSpec(70, seed=66),                             # 5: still shot with a caption sliding in
    ShotSpec(55, seed=77, pan=(-1.0, 0.0)),            # 6: slow pan left
    ShotSpec(70, seed=88, motion=3.0, noise=6.0),      # 7: moving objects, grainy
    ShotSpec(50, seed=99, pan=(2.0, -1.0)),            # 8: diagonal pan with a zoom in
]
TRANSITIONS = [
    TransitionSpec("cut"),
    TransitionSpec("cut"),
    TransitionSpec("dissolve", 20),
    TransitionSpec("cut"),
    TransitionSpec("fade", 25, hold=5),  # through black: 10 out, 5 black, 10 in
    TransitionSpec("cut"),
    TransitionSpec("wipe", 15),
    TransitionSpec("cut"),
]
EVENTS = [
    Event("flash", 110, frames=2),  # camera flash inside shot 1 (not a transition)
    Event("text", 368, frames=40),  # caption appears inside shot 5 (not a transition)
    Event("zoom", 555, frames=20),  # zoom in inside shot 8 (not a transition)
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=HERE, help="output folder (default: samples/)")
    args = ap.parse_args(argv)
    video = args.out / "demo.mp4"
    truth = render_clip(
        video, SHOTS, TRANSITIONS, size=SIZE, fps=FPS, codec="libx264", pix_fmt="yuv420p", crf=20,
        events=EVENTS, gop=250, write_truth=args.out / "demo.truth.json",
    )
    size_mb = video.stat().st_size / 1e6
    print(f"wrote {video} ({truth['frames']} frames, {truth['frames'] / FPS:.1f} s, {size_mb:.2f} MB)")
    print(json.dumps(truth["transitions"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
