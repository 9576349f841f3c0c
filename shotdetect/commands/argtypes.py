"""Checked number types for command-line options, shared by every command.

Each is an ``argparse`` ``type=`` callable: a bad value becomes a one-line usage error (exit 2).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TypeVar

__all__ = ["number", "positive", "non_negative", "count", "unit_interval", "seconds", "checked", "min_shot_len"]

T = TypeVar("T")


def number(*, low: float | None = None, high: float | None = None, low_open: bool = False,
           integer: bool = False, suffix: str = "", what: str = "") -> Callable[[str], float]:
    """A parser for a finite number within ``[low, high]`` (``(low, high]`` with ``low_open``).

    ``suffix`` (such as ``"s"``) may follow the number; ``what`` is added to the message (e.g.
    ``"grey levels"``).
    """

    def parse(text: str) -> float:
        body = text.strip().lower()
        if suffix and body.endswith(suffix):
            body = body[: -len(suffix)]
        try:
            value = int(body) if integer else float(body)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not {'a whole number' if integer else 'a number'}: {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = high is not None and value > high
        if too_low or too_high:
            unit = f" ({what})" if what else ""
            if high is not None and low is not None:
                raise argparse.ArgumentTypeError(f"must be between {low:g} and {high:g}{unit}")
            raise argparse.ArgumentTypeError(("must be positive" if low_open and low == 0 else
                                              f"must be {low:g} or more") + unit)
        return value

    return parse


positive = number(low=0, low_open=True)
non_negative = number(low=0)
count = number(low=0, integer=True)
unit_interval = number(low=0, high=1)
seconds = number(low=0, suffix="s", what="seconds")


def checked(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An ``argparse`` type from a parser that raises ``ValueError`` with a readable message
    (``--edl-rate``, ``--roi``): the message becomes the usage error."""

    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = parse.__name__
    return convert


def min_shot_len(text: str) -> str:
    """``--min-shot-len``: a frame count (``12``) or seconds (``0.5s``), kept as text for the library."""
    t = text.strip().lower()
    try:
        value = float(t[:-1]) if t.endswith("s") else int(t)
    except ValueError:
        raise argparse.ArgumentTypeError("a frame count (12) or seconds (0.5s)") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a positive, finite number")
    return t
