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
from collections.abc import Iterable, Iterator, Sequence
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
        # (frame, seconds since the first frame) from the last seek on
        self._decoder: Iterator[tuple[av.VideoFrame, float]] | None = None
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
        if self._decoder is not None and self._next <= n <= self._next + 48:
            frame = self._forward(target, step)
            if frame is not None:
                self._next = n + 1
                return frame
        # Seek to a keyframe before the target; some containers (MPEG-TS) land late or on a frame
        # that cannot be decoded alone: go further back until the first keyframe is early enough.
        for back in (0.0, 1.0, 4.0, 16.0, None):
            start = self._seek(None if back is None else max(0.0, target - back))
            if start is None or start > target + step / 2:
                continue
            frame = self._forward(target, step)
            if frame is not None:
                self._next = n + 1
                return frame
        raise InputError(f"frame {n} cannot be decoded")

    def _forward(self, target: float, step: float) -> av.VideoFrame | None:
        """Decode on to the frame shown at ``target`` (the last one if the video ends first)."""
        assert self._decoder is not None  # (called after a seek that found a keyframe)
        last = None
        for frame, t in self._decoder:
            last = frame
            if t >= target - step / 2:
                return frame
        self._decoder = None
        return last

    def _seek(self, seconds: float | None) -> float | None:
        """Seek to the keyframe before ``seconds`` (``None``: the very start); returns its time, or None."""
        self._decoder = None
        self._next = -1
        if self._first is None or seconds is None:
            self._container.seek(0)
            frames = self._frames()  # sets self._first from the first frame
            if seconds is None:
                first = next(frames, None)
                if first is None:
                    return None
                self._decoder = _chain(first, frames)
                return first[1]
            next(frames, None)
        tb = self._stream.time_base or Fraction(1, 1000)
        pts = int((seconds + (self._first or 0.0)) / tb)
        self._container.seek(max(0, pts), stream=self._stream, backward=True, any_frame=False)
        frames = self._frames()
        for frame, t in frames:  # skip anything before the first keyframe (broken without its reference)
            if frame.key_frame:
                self._decoder = _chain((frame, t), frames)
                return t
        return None


def _chain(first: tuple[av.VideoFrame, float],
           rest: Iterable[tuple[av.VideoFrame, float]]) -> Iterator[tuple[av.VideoFrame, float]]:
    yield first
    yield from rest
