#!/usr/bin/env python3
"""Every picture size gives a result: videos from 1x1 to 8192x8192 and 20:1 either way, through the CLI.

Each size is a few frames (one hard cut) encoded here (PNG frames in QuickTime MOV, which take any
size, odd ones included) and analysed with ``--export all`` and keyframes written. Prints, per size,
the exit status, the shots found, the seconds and the peak memory of the run.

Usage::

    python benchmarks/sizes.py                 # the default list, up to 8192x8192
    python benchmarks/sizes.py 1920x720 1x1    # chosen sizes
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import numpy as np

SIZES = ["1x1", "2x1", "1x2", "7x3", "16x16", "31x31", "2x1000", "1000x2", "3000x200", "1280x400", "1920x720",
         "3840x1080", "2000x100", "100x2000", "8192x410", "410x8192", "8192x8192"]


def make_video(path: Path, width: int, height: int, frames: int = 4, cut: int = 2) -> None:
    rng = np.random.default_rng(width * 7919 + height)
    small = [rng.integers(low, low + 128, (max(1, height // 64), max(1, width // 64), 3), np.uint8) for low in (0, 128)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("png", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "rgb24"
        for i in range(frames):
            picture = np.ascontiguousarray(np.resize(np.repeat(np.repeat(small[i >= cut], 64, 0), 64, 1),
                                                     (height, width, 3)))
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, "rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def main(argv: list[str]) -> int:
    sizes = argv or SIZES
    failures = 0
    print(f"{'size':>11}  {'exit':>4}  {'shots':>5}  {'seconds':>7}  {'peak MB':>7}")
    with tempfile.TemporaryDirectory(prefix="shotdetect-sizes-") as tmp:
        for size in sizes:
            width, height = map(int, size.split("x"))
            video = Path(tmp) / f"v{size}.mov"
            make_video(video, width, height)
            out = Path(tmp) / f"out{size}"
            started = time.monotonic()
            with tempfile.TemporaryFile() as err:
                proc = subprocess.Popen([sys.executable, "-m", "shotdetect", str(video), "--out", str(out),
                                         "--export", "all", "-q"], stdout=subprocess.DEVNULL, stderr=err)
                _, status, usage = os.wait4(proc.pid, 0)  # this run's own peak memory
                proc.returncode = code = os.waitstatus_to_exitcode(status)
                err.seek(0)
                message = err.read().decode("utf-8", "replace").strip()[:100]
            seconds = time.monotonic() - started
            shots = len(json.loads((out / "timeline.json").read_text())["shots"]) if code == 0 else "-"
            failures += code != 0
            print(f"{size:>11}  {code:>4}  {shots!s:>5}  {seconds:>7.1f}  {usage.ru_maxrss / 1024:>7.0f}  {message}",
                  flush=True)
            video.unlink()
    print(f"{len(sizes) - failures} of {len(sizes)} sizes gave a result")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
