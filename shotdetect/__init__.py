"""shotdetect: find the shot changes in a video and extract keyframes.

>>> import shotdetect
>>> timeline = shotdetect.detect("video.mp4")          # doctest: +SKIP
>>> [t.frame for t in timeline.transitions]             # doctest: +SKIP
"""

import functools as _functools
import os as _os

# Before anything loads OpenCV (it reads these once): its own limit on the pixels of a decoded image
# (a backstop for image formats whose header shotdetect does not parse; the same number as
# shotdetect.imageheader.MAX_IMAGE_PIXELS), and no log lines of its own on stderr (shotdetect
# reports every failure itself, in one line).
_os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(4 * 8192 * 8192))
_os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")

from . import pipeline as _pipeline  # noqa: E402
from ._version import __version__  # noqa: E402
from .errors import DecodeError, InputError, InvalidSettingsError, OutputError, ShotdetectError  # noqa: E402
from .settings import check_detect_options as _check_detect_options  # noqa: E402
from .timeline import Keyframe, Shot, Timeline, Transition, VideoInfo  # noqa: E402


@_functools.wraps(_pipeline.detect)
def detect(path, **options):  # noqa: D103 - the docstring is pipeline.detect's
    # Every option checked before any work: a nonsense value raises InvalidSettingsError at once.
    _check_detect_options(options)
    return _pipeline.detect(path, **options)


__all__ = [
    "__version__",
    "detect",
    "Timeline",
    "Transition",
    "Shot",
    "Keyframe",
    "VideoInfo",
    "ShotdetectError",
    "InvalidSettingsError",
    "InputError",
    "DecodeError",
    "OutputError",
]
