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

#: Subpackages reachable as attributes after ``import shotdetect`` (``shotdetect.export.ImageWriter``),
#: imported on first use so that ``import shotdetect`` stays light.
_SUBMODULES = ("export", "edit", "review", "slides", "compare", "sources", "decode", "rates", "synth")


def __getattr__(name: str) -> object:
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'shotdetect' has no attribute {name!r}")
