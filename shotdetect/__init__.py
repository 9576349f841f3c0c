"""shotdetect: find the shot changes in a video and extract keyframes.

>>> import shotdetect
>>> timeline = shotdetect.detect("video.mp4")          # doctest: +SKIP
>>> [t.frame for t in timeline.transitions]             # doctest: +SKIP
"""

from ._version import __version__
from .errors import DecodeError, InputError, OutputError, ShotdetectError
from .pipeline import detect
from .timeline import Keyframe, Shot, Timeline, Transition, VideoInfo

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
