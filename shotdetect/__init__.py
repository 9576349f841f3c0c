"""shotdetect: find the shot changes in a video and extract keyframes.

>>> import shotdetect
>>> timeline = shotdetect.detect("video.mp4")          # doctest: +SKIP
>>> [t.frame for t in timeline.transitions]             # doctest: +SKIP
"""

import os as _os

# Before anything loads OpenCV (it reads these once): its own limit on the pixels of a decoded image
# (a backstop for image formats whose header shotdetect does not parse; the same number as
# shotdetect.imageheader.MAX_IMAGE_PIXELS), and no log lines of its own on stderr (shotdetect
# reports every failure itself, in one line).
_os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(4 * 8192 * 8192))
_os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")

from ._version import __version__  # noqa: E402
from .errors import DecodeError, InputError, OutputError, ShotdetectError  # noqa: E402
from .pipeline import detect  # noqa: E402
from .timeline import Keyframe, Shot, Timeline, Transition, VideoInfo  # noqa: E402

__all__ = [
    "__version__",
    "detect",
    "Timeline",
    "Transition",
    "Shot",
    "Keyframe",
    "VideoInfo",
    "ShotdetectError",
    "InputError",
    "DecodeError",
    "OutputError",
]
