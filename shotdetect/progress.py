"""A one-line progress bar for terminals: frames, frames per second and time left.

Silent when the stream is not a terminal (pipes, logs, CI), so output stays clean.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .console import printable

__all__ = ["ProgressBar"]


class ProgressBar:
    """Callable as ``bar(done, total_or_None)``; draws at most ten times a second."""

    def __init__(self, label: str, *, unit: str = "frames", stream: TextIO | None = None,
                 enabled: bool | None = None, width: int = 28):
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.label = printable(label)  # a file name: no escape sequences onto the terminal
        self.width = width
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw < 0.1 and done != total:
            return
        self._last_draw = now
        elapsed = max(1e-6, now - self._start)
        rate = done / elapsed
        if total and total >= done:
            frac = done / total
            filled = int(frac * self.width)
            bar = "#" * filled + "-" * (self.width - filled)
            left = (total - done) / rate if rate > 0 else 0.0
            text = f"{self.label} [{bar}] {frac:6.1%} {done}/{total} {self.unit} {self._rate(rate)} ETA {_clock(left)}"
        else:
            text = f"{self.label} {done} {self.unit} {self._rate(rate)} {_clock(elapsed)}"
        self.stream.write("\r" + text[:200] + "\033[K")
        self.stream.flush()
        self._drawn = True

    def _rate(self, rate: float) -> str:
        return f"{rate:6.0f} fps" if self.unit == "frames" else f"{rate * 60:5.1f}/min"

    def clear(self) -> None:
        """Blank the bar's line so that a message can be printed in its place."""
        if self.enabled and self._drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def close(self) -> None:
        """End the line so that later output starts on a fresh one."""
        if self.enabled and self._drawn:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"
