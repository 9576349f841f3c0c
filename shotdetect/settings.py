"""Checks of the settings the library accepts, in one place: a nonsense value fails at once, clearly.

Each check raises :class:`~shotdetect.errors.InvalidSettingsError` (a ``ShotdetectError`` and a
``ValueError``) naming the setting, the value and what is allowed. :func:`check_detect_options` covers
every option of :func:`shotdetect.detect`; the settings dataclasses check their own fields with the
same functions when they are made.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

from .errors import InvalidSettingsError

__all__ = ["real", "whole", "choice", "flag", "callback", "min_shot_len", "check_detect_options",
           "check_detector_settings"]


def _fail(name: str, value: Any, allowed: str) -> InvalidSettingsError:
    return InvalidSettingsError(f"{name}={value!r}: must be {allowed}")


def real(name: str, value: Any, *, low: float | None = None, high: float | None = None, low_open: bool = False,
         optional: bool = False) -> float | None:
    """A finite number (not a bool) within the bounds; None allowed when ``optional``."""
    if value is None and optional:
        return None
    if low is not None and high is not None:
        allowed = f"a number from {low:g} to {high:g}"
    elif low is not None:
        allowed = f"a number {'above' if low_open else 'of at least'} {low:g}"
    else:
        allowed = "a finite number"
    if optional:
        allowed += " (or None)"
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise _fail(name, value, allowed)
    v = float(value)
    if (low is not None and (v <= low if low_open else v < low)) or (high is not None and v > high):
        raise _fail(name, value, allowed)
    return v


def whole(name: str, value: Any, *, low: int = 0, optional: bool = False) -> int | None:
    """A whole number (an ``int``, not a bool) of at least ``low``; None allowed when ``optional``."""
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise _fail(name, value, f"a whole number of at least {low}" + (" (or None)" if optional else ""))
    return int(value)


def choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise _fail(name, value, "one of " + ", ".join(repr(a) for a in allowed))
    return value


def flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(name, value, "True or False")
    return value


def callback(name: str, value: Any) -> Callable[..., Any] | None:
    if value is not None and not callable(value):
        raise _fail(name, value, "a callable (or None)")
    return value


def min_shot_len(value: Any) -> None:
    """Frames (an int of at least 1), seconds (a positive float), or a string such as ``"12"``, ``"0.5s"``."""
    allowed = "a whole number of frames (at least 1), positive seconds (a float), or a string like '12' or '0.5s'"
    if isinstance(value, str):
        text = value.strip().lower()
        try:
            number = float(text[:-1]) if text.endswith("s") else int(text)
        except ValueError:
            raise _fail("min_shot_len", value, allowed) from None
        if not math.isfinite(number) or number <= 0:
            raise _fail("min_shot_len", value, allowed)
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        whole("min_shot_len", value, low=1)
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        real("min_shot_len", value, low=0, low_open=True)
    else:
        raise _fail("min_shot_len", value, allowed)


def check_detect_options(options: dict[str, Any]) -> None:
    """Check the keyword options of :func:`shotdetect.detect` (those given; the rest keep their defaults)."""
    from .decode import ORDERS

    checks: dict[str, Callable[[str, Any], Any]] = {
        "sensitivity": lambda n, v: real(n, v, low=0, high=1),
        "threshold": lambda n, v: real(n, v, low=0, low_open=True, optional=True),
        "min_shot_len": lambda n, v: min_shot_len(v),
        "gradual": flag,
        "keyframes": lambda n, v: whole(n, v, low=0),
        "analysis_width": lambda n, v: whole(n, v, low=16),
        "max_duration": lambda n, v: real(n, v, low=0, low_open=True, optional=True),
        "stall_timeout": lambda n, v: real(n, v, low=0, low_open=True, optional=True),
        "image_order": lambda n, v: choice(n, v, tuple(ORDERS)),
        "image_fps": lambda n, v: real(n, v, low=0, low_open=True, optional=True),
        "keyframe_sink": callback, "on_signals": callback, "progress": callback,
    }
    for name, value in options.items():
        if name in checks:
            checks[name](name, value)


def check_detector_settings(settings: Any) -> None:
    """The fields of a :class:`~shotdetect.detect.DetectorSettings`."""
    real("sensitivity", settings.sensitivity, low=0, high=1)
    real("threshold", settings.threshold, low=0, low_open=True, optional=True)
    whole("min_shot_frames", settings.min_shot_frames, low=1)
    flag("gradual", settings.gradual)
