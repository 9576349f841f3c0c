#!/usr/bin/env python3
"""Run one PySceneDetect detector on one video and print its cuts as JSON (helper of accuracy.py).

This file is executed as a script by ``benchmarks/accuracy.py`` with whatever interpreter has
PySceneDetect installed (``--peer-python``).  It deliberately imports nothing from ``shotdetect``
and nothing outside the standard library except ``scenedetect`` itself, because PySceneDetect
pulls in the GUI ``opencv-python`` wheel, which conflicts with the ``opencv-python-headless``
that shotdetect uses; keeping the two in separate processes (or separate environments) avoids
that clash.

Usage::

    python benchmarks/_peers.py --detector adaptive VIDEO          # -> one JSON object on stdout
    python benchmarks/_peers.py --version                          # -> {"scenedetect": "0.7.2"}

Output: ``{"detector", "backend", "frames_read", "cuts": [{"index", "seconds", "frame_num"}],
"detect_s"}``.  ``index`` is the 0-based position, in the order the backend delivered them, of the
first frame of each new scene (every scene start except the first).

Frame numbering: a cut's ``FrameTimecode.frame_num`` is *not* a decode index on variable-frame-rate
files (it is time x average fps; e.g. goldeneye-vfr-drop3.mp4 gives 90/210 with the PyAV backend
and 60/141 with OpenCV, where the decode indices are 60/140).  So this script records the timestamp
of every frame the backend delivers and maps each cut back to the position of the frame carrying
that timestamp; computed cut positions (ThresholdDetector puts its cut in the middle of a fade)
fall back to the nearest delivered timestamp.
"""
from __future__ import annotations

import argparse
import bisect
import json
import sys
import time
from typing import Any

DETECTORS = ("adaptive", "content", "hash", "histogram", "threshold")


def _make_detector(name: str) -> Any:
    """The named PySceneDetect detector with its default settings."""
    import scenedetect

    classes = {
        "adaptive": scenedetect.AdaptiveDetector,  # what `scenedetect` (detect-adaptive) uses by default
        "content": scenedetect.ContentDetector,
        "hash": scenedetect.HashDetector,
        "histogram": scenedetect.HistogramDetector,
        "threshold": scenedetect.ThresholdDetector,
    }
    return classes[name]()


def _record_positions(video: Any) -> list[float]:
    """Wrap ``video.read`` so that the timestamp (s) of every delivered frame is appended to a list."""
    seconds: list[float] = []
    original_read = video.read

    def read(decode: bool = True) -> Any:
        frame = original_read(decode)
        if frame is not False:
            seconds.append(float(video.position.seconds))
        return frame

    video.read = read
    return seconds


def _index_of(seconds: float, frame_seconds: list[float]) -> int:
    """Position of the delivered frame whose timestamp is nearest to ``seconds``."""
    if not frame_seconds:
        return 0
    i = bisect.bisect_left(frame_seconds, seconds)
    candidates = [j for j in (i - 1, i) if 0 <= j < len(frame_seconds)]
    return min(candidates, key=lambda j: abs(frame_seconds[j] - seconds))


def detect(video_path: str, detector: str, backend: str) -> dict[str, Any]:
    """Run ``detector`` on ``video_path`` and return the cuts as decode-order frame indices."""
    import scenedetect

    start = time.perf_counter()
    video = scenedetect.open_video(video_path, backend=backend)
    frame_seconds = _record_positions(video)
    manager = scenedetect.SceneManager()
    manager.add_detector(_make_detector(detector))
    manager.detect_scenes(video=video)
    scenes = manager.get_scene_list()
    elapsed = time.perf_counter() - start
    # Timestamps normally rise monotonically; sort a copy only for the nearest-time fallback.
    ordered = sorted(frame_seconds)
    exact = {s: i for i, s in reversed(list(enumerate(frame_seconds)))}
    cuts = []
    for scene_start, _scene_end in scenes[1:]:
        sec = float(scene_start.seconds)
        index = exact.get(sec)
        if index is None:
            index = _index_of(sec, ordered)
        cuts.append({"index": index, "seconds": sec, "frame_num": int(scene_start.frame_num)})
    return {
        "detector": detector,
        "backend": getattr(video, "BACKEND_NAME", type(video).__name__),
        "frames_read": len(frame_seconds),
        "cuts": cuts,
        "detect_s": elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("video", nargs="?")
    parser.add_argument("--detector", choices=DETECTORS, default="adaptive")
    parser.add_argument("--backend", default="pyav", help="PySceneDetect backend (default: pyav)")
    parser.add_argument("--version", action="store_true", help="print the scenedetect version")
    args = parser.parse_args(argv)
    if args.version:
        import scenedetect

        print(json.dumps({"scenedetect": scenedetect.__version__}))
        return 0
    if not args.video:
        parser.error("a video path is required")
    print(json.dumps(detect(args.video, args.detector, args.backend)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
