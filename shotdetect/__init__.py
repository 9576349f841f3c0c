"""shotdetect: find the shot changes in a video and extract keyframes.

>>> import shotdetect
>>> timeline = shotdetect.detect("video.mp4")          # doctest: +SKIP
>>> [t.frame for t in timeline.transitions]             # doctest: +SKIP
"""

import os as _os
import sys
import types
from typing import TYPE_CHECKING, Any

# Before anything loads OpenCV (it reads these once): its own limit on the pixels of a decoded image
# (a backstop for image formats whose header shotdetect does not parse; the same number as
# shotdetect.imageheader.MAX_IMAGE_PIXELS), and no log lines of its own on stderr (shotdetect
# reports every failure itself, in one line).
_os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(4 * 8192 * 8192))
_os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")

from ._version import __version__  # noqa: E402
from .errors import DecodeError, InputError, InvalidSettingsError, OutputError, ShotdetectError  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover
    from .pipeline import detect
    from .timeline import Keyframe, Shot, Timeline, Transition, VideoInfo

#: Imported on first use: ``import shotdetect`` stays light, so the command can set up its signal
#: handling before NumPy, OpenCV and PyAV load.
_LAZY = {"detect": "pipeline", **dict.fromkeys(("Keyframe", "Shot", "Timeline", "Transition", "VideoInfo"), "timeline")}

#: Subpackages reachable as attributes after ``import shotdetect`` (``shotdetect.export.ImageWriter``),
#: imported on first use so that ``import shotdetect`` stays light.
_SUBMODULES = ("export", "edit", "review", "slides", "compare", "sources", "decode", "rates")


class _Package(types.ModuleType):
    """Keeps ``shotdetect.detect`` the function: importing the subpackage of the same name (the
    detectors, ``shotdetect/detect/``) would otherwise replace the attribute with the module."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "detect" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    import importlib

    if name in _LAZY:
        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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

