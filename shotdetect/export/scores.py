"""A bounded series of per-frame cut strengths, collected during the analysis for the report's plot."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from ..features import FrameSignals

__all__ = ["ScoreSeries"]


class ScoreSeries:
    """An ``on_signals`` callback keeping at most ``max_points`` points of ``(frame, time, strength)``.

    Frames are grouped into buckets of ``step`` consecutive frames and each bucket keeps its
    strongest frame, so every peak (a cut) survives the downsampling. When the buckets outnumber
    ``max_points``, neighbours are merged and ``step`` doubles: memory does not grow with the video.
    """

    def __init__(self, max_points: int = 2000):
        self.max_points = max(16, int(max_points))
        self.step = 1
        self.points: list[tuple[int, float, float]] = []  # (frame, seconds, strength), one per bucket
        self._bucket = -1
        self.frames = 0
        self.peak = 0.0

    def __call__(self, signals: FrameSignals, cut_strength: float) -> None:
        self.add(signals.index, signals.time, cut_strength)

    def add(self, frame: int, time: Fraction | float, strength: float) -> None:
        strength = float(strength)
        self.frames = max(self.frames, frame + 1)
        self.peak = max(self.peak, strength)
        bucket = frame // self.step
        if bucket == self._bucket and self.points:
            if strength > self.points[-1][2]:
                self.points[-1] = (frame, float(time), strength)
            return
        self._bucket = bucket
        self.points.append((frame, float(time), strength))
        if len(self.points) > self.max_points:
            self._halve()

    def _halve(self) -> None:
        self.step *= 2
        merged: list[tuple[int, float, float]] = []
        for point in self.points:
            if merged and merged[-1][0] // self.step == point[0] // self.step:
                if point[2] > merged[-1][2]:
                    merged[-1] = point
            else:
                merged.append(point)
        self.points = merged
        self._bucket = self.points[-1][0] // self.step

    def __len__(self) -> int:
        return len(self.points)
