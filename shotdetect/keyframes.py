"""Choose representative frames per shot during the single streaming pass, in bounded memory.

Frames are grouped into short bins (about half a second, and a new bin wherever the picture jumps,
so a bin rarely straddles a cut). Each bin keeps only its best frame (sharp, not just after a
jump) together with the running sum of its histograms. When a shot is final, its bins are known:
the chosen keyframe is the sharp candidate whose colours are closest to the shot's average, away
from the transitions at either end. Only the kept candidates hold decoded pictures, so memory
depends on the look-ahead, not on the video's length.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .features.histogram import bhattacharyya
from .rates import rate_or_fallback

__all__ = ["KeyframeSelector", "Pick"]

#: Length of a candidate bin, in seconds.
BIN_SECONDS = 0.5
#: Change (cut strength) at which a new bin starts regardless of its length.
BREAK_STRENGTH = 0.05
#: Memory the held candidate pictures may take, in bytes; sets how many bins are kept.
CANDIDATE_MEMORY = 32 * 1024 * 1024


@dataclass
class _Bin:
    first: int
    last: int
    hist: np.ndarray  # histogram of the best frame
    hist_sum: np.ndarray  # of every frame in the bin
    best: int = -1
    quality: float = -1.0
    sharpness: float = 0.0
    count: int = 0
    picture: Any = None  # the decoded frame of ``best``
    time: Any = None
    break_strength: float = 0.0  # how strong the change that opened this bin was
    clean: bool = False  # whether ``best`` was decoded without shortcuts

    @property
    def rank(self) -> tuple[bool, float]:
        """How ``best`` compares with other candidates: any clean frame first, then by quality."""
        return self.clean, self.quality


@dataclass(frozen=True)
class Pick:
    """A chosen keyframe: its frame index, time and decoded picture."""

    frame: int
    time: Any
    picture: Any


@dataclass
class KeyframeSelector:
    """Collects candidates frame by frame and picks ``per_shot`` keyframes when a shot closes.

    Parameters
    ----------
    fps : float
        Frame rate, to size the bins.
    per_shot : int
        Keyframes wanted per shot (fewer when the shot has fewer candidates).
    keep_pictures : bool
        Hold decoded frames for rendering; without it only indices and times are picked.
    picture_bytes : int
        Size of one decoded picture; with :data:`CANDIDATE_MEMORY` it bounds how many bins are held
        (between 6 and 48) before the most similar neighbours are merged.
    """

    fps: float
    per_shot: int = 1
    keep_pictures: bool = True
    picture_bytes: int = 1920 * 1080 * 3 // 2
    _bins: list[_Bin] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._bin_frames = max(1, int(round(BIN_SECONDS * float(rate_or_fallback(self.fps)))))
        held = CANDIDATE_MEMORY // max(1, self.picture_bytes) if self.keep_pictures else 48
        self._max_bins = int(min(48, max(6, held)))

    def add(self, index: int, time: Any, *, sharpness: float, hist: np.ndarray, change: float, picture: Any,
            clean: bool = True) -> None:
        """Offer one frame. ``change`` is its cut strength relative to the previous frame; a frame that
        is not ``clean`` (decoded with a shortcut, see :attr:`shotdetect.decode.Frame.clean`) is kept
        only while its bin has no clean one."""
        current = self._bins[-1] if self._bins else None
        if current is None or change > BREAK_STRENGTH or index - current.first >= self._bin_frames:
            current = _Bin(first=index, last=index, hist=hist, hist_sum=np.zeros_like(hist), break_strength=change)
            self._bins.append(current)
            if len(self._bins) > self._max_bins:
                self._merge_weakest()
        current.last = index
        current.hist_sum = current.hist_sum + hist
        current.count += 1
        # The first frames after a jump are often blurred or still being encoded from scratch.
        settle = min(1.0, (index - current.first + 1) / 3.0)
        quality = sharpness * settle * (1.0 - min(0.9, 4 * change))
        if (clean, quality) > current.rank:
            current.best, current.quality, current.sharpness, current.hist = index, quality, sharpness, hist
            current.picture = picture if self.keep_pictures else None
            current.time, current.clean = time, clean

    def _merge_weakest(self) -> None:
        # Never merge the newest bin: it is still filling.
        i = 1 + int(np.argmin([b.break_strength for b in self._bins[1:-1]]))
        left, right = self._bins[i - 1], self._bins.pop(i)
        left.last = right.last
        left.hist_sum = left.hist_sum + right.hist_sum
        left.count += right.count
        if right.rank > left.rank:
            left.best, left.quality, left.sharpness, left.hist = right.best, right.quality, right.sharpness, right.hist
            left.picture, left.time, left.clean = right.picture, right.time, right.clean

    def close_shot(self, start: int, end: int, *, avoid: Sequence[tuple[int, int]] = ()) -> list[Pick]:
        """Pick keyframes for frames ``start .. end - 1`` and forget everything before ``end``.

        Parameters
        ----------
        avoid : sequence of (first, last)
            Frames of the shot that belong to gradual transitions (at its start or end): half-blended
            or dark, so a poor keyframe while the shot has other frames.
        """
        mine = [b for b in self._bins if b.best >= 0 and start <= b.best < end]
        self._bins = [b for b in self._bins if b.last >= end]
        if not mine:
            return []
        mean_hist = functools.reduce(np.add, [b.hist_sum for b in mine]) / max(1, sum(b.count for b in mine))
        interior = [b for b in mine if not any(a <= b.best <= z for a, z in avoid)] or mine
        interior = [b for b in interior if b.clean] or interior
        sharp = np.array([b.sharpness for b in interior])
        sharp = sharp / max(1e-9, float(sharp.max()))
        typical = 1.0 - np.array([float(bhattacharyya(b.hist, mean_hist)) for b in interior])
        score = 0.5 * sharp + typical
        picks: list[Pick] = []
        parts = np.array_split(np.arange(len(interior)), min(self.per_shot, len(interior)))
        for part in parts:
            if len(part) == 0:
                continue
            best = interior[int(part[np.argmax(score[part])])]
            picks.append(Pick(best.best, best.time, best.picture))
        return picks
