"""Single frames of the video by number, as small JPEGs, for the review page.

The page steps frame by frame and shows the frames around each transition; a browser's ``<video>``
cannot land on an exact frame, so the server decodes the frame itself. Numbers are those of the
analysis (decoded frames in presentation order), found by timestamp with the input layer's
:class:`~shotdetect.decode.FrameSeeker`. Stepping forward continues decoding without seeking, and
recent pictures are cached.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from fractions import Fraction

import cv2

from ..decode import FrameSeeker
from ..errors import InputError
from ..timeline import VideoInfo

__all__ = ["FrameGrabber"]

#: How far ahead of the frame last shown (in frames) a request is still served by decoding on.
_FORWARD_FRAMES = 48


class FrameGrabber:
    """``grabber.jpeg(n, size)`` -> JPEG bytes of frame ``n``, at most ``size`` pixels on its longer side."""

    def __init__(self, path: str | os.PathLike[str], info: VideoInfo, times: Sequence[Fraction],
                 cache: int = 96):
        self.info = info
        self.times = list(times)
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._cache_size = cache
        self._seeker = FrameSeeker(path, info)
        self._next = -1  # frame number the decoder yields next

    def close(self) -> None:
        with self._lock:
            self._seeker.close()

    def jpeg(self, n: int, size: int = 480) -> bytes:
        if not 0 <= n < len(self.times):
            raise InputError(f"frame {n} is outside the video (0..{len(self.times) - 1})")
        key = (n, size)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            target = float(self.times[n])
            step = float(self.times[1] - self.times[0]) if len(self.times) > 1 else 0.04
            picture = self._seeker.frame(target, step, forward=self._next <= n <= self._next + _FORWARD_FRAMES)
            if picture is None:
                self._next = -1
                raise InputError(f"frame {n} cannot be decoded")
            self._next = n + 1
            image = picture.render(max_size=size)
            ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
            if not ok:  # pragma: no cover - OpenCV encodes any BGR picture
                raise InputError(f"frame {n}: cannot encode")
            self._cache[key] = data.tobytes()
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return self._cache[key]
