"""A block of consecutive frame signals as arrays: what the detectors read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..features import FrameSignals
from ..rates import rate_or_fallback

__all__ = ["SignalWindow", "runs"]


@dataclass(frozen=True)
class SignalWindow:
    """Signals of frames ``start .. start + len - 1`` stacked into arrays.

    Detectors are pure functions of a window, so the same code serves a whole file held in memory
    (tests, tuning) and the bounded sliding window of the streaming pipeline.
    """

    start: int
    fps: float
    bhattacharyya: np.ndarray
    kl: np.ndarray
    diff: np.ndarray
    flow: np.ndarray
    residual: np.ndarray
    luma: np.ndarray
    contrast: np.ndarray
    hists: np.ndarray  # (n, 3, bins)
    thumbs: np.ndarray  # (n, h, w) uint8
    chromas: np.ndarray  # (n, 2, h, w) uint8

    def __len__(self) -> int:
        return len(self.diff)

    @classmethod
    def from_signals(cls, signals: Sequence[FrameSignals], fps: Fraction | float | None) -> SignalWindow:
        def col(name: str) -> np.ndarray:
            return np.fromiter((getattr(s, name) for s in signals), np.float64, len(signals))

        return cls(
            start=signals[0].index if signals else 0,
            fps=float(rate_or_fallback(fps)),
            bhattacharyya=col("bhattacharyya"), kl=col("kl"), diff=col("diff"), flow=col("flow"),
            residual=col("residual"), luma=col("luma"), contrast=col("contrast"),
            hists=np.stack([s.hist for s in signals]) if signals else np.zeros((0, 3, 32)),
            thumbs=np.stack([s.thumb for s in signals]) if signals else np.zeros((0, 1, 1), np.uint8),
            chromas=np.stack([s.chroma for s in signals]) if signals else np.zeros((0, 2, 1, 1), np.uint8),
        )

    def frames(self, seconds: float, minimum: int = 1) -> int:
        """A duration in seconds as a frame count at this window's frame rate."""
        return max(minimum, int(round(seconds * self.fps)))


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive index ranges of the True runs of a boolean array."""
    if not len(mask):
        return []
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    return [(int(s), int(e) - 1) for s, e in zip(edges[::2], edges[1::2])]
