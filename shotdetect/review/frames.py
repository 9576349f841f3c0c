"""Single frames of the video by number, as small JPEGs, for the review page.

The page steps frame by frame and shows the frames around each transition; a browser's ``<video>``
cannot land on an exact frame, so the server decodes the frame itself. Numbers are those of the
analysis (decoded frames in presentation order), found by timestamp: seek to the keyframe before,
then decode forward. Stepping forward continues decoding without seeking, and recent pictures are
cached.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from fractions import Fraction

import av
import cv2

from ..decode import render_frame
from ..errors import InputError
from ..timeline import VideoInfo

__all__ = ["FrameGrabber"]


class FrameGrabber:
    """``grabber.jpeg(n, size)`` -> JPEG bytes of frame ``n``, at most ``size`` pixels on its longer side."""

    def __init__(self, path: str | os.PathLike[str], info: VideoInfo, times: Sequence[Fraction],
                 cache: int = 96):
        self.info = info
        self.times = list(times)
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._cache_size = cache
        self._container = av.open(str(path))
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._decoder = None  # iterator of (frame, seconds since the first frame) after the last seek
        self._next = -1  # frame number the decoder yields next
        self._first: float | None = None  # the stream's first timestamp, learnt on the first decode

    def close(self) -> None:
        with self._lock:
            self._container.close()

    def jpeg(self, n: int, size: int = 480) -> bytes:
        if not 0 <= n < len(self.times):
            raise InputError(f"frame {n} is outside the video (0..{len(self.times) - 1})")
        key = (n, size)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            frame = self._frame(n)
            image = render_frame(frame, self.info, max_size=size)
            ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
            if not ok:  # pragma: no cover - OpenCV encodes any BGR picture
                raise InputError(f"frame {n}: cannot encode")
            self._cache[key] = data.tobytes()
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return self._cache[key]

    def _frames(self):
        for frame in self._container.decode(self._stream):
            if frame.time is None:
                continue
            if self._first is None:
                self._first = frame.time
            yield frame, frame.time - self._first

    def _frame(self, n: int) -> av.VideoFrame:
        target = float(self.times[n])
        step = float(self.times[1] - self.times[0]) if len(self.times) > 1 else 0.04
        if self._decoder is None or not (self._next <= n <= self._next + 48):
            self._seek(target)
        best = None
        for frame, t in self._decoder:
            best = frame
            if t >= target - step / 2:
                self._next = n + 1
                return frame
        self._decoder = None  # the end: the last frame
        if best is None:
            self._seek(0.0)
            best, _ = next(self._decoder)
        return best

    def _seek(self, seconds: float) -> None:
        if self._first is None:  # learn the first timestamp from the very first frame
            self._container.seek(0)
            self._decoder = self._frames()
            first, _ = next(self._decoder)
            self._container.seek(0)
        tb = self._stream.time_base or Fraction(1, 1000)
        pts = int((seconds + (self._first or 0.0)) / tb) - 1
        self._container.seek(max(0, pts), stream=self._stream, backward=True, any_frame=False)
        self._decoder = self._frames()
        self._next = -1
