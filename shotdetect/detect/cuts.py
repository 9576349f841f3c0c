"""Hard cuts: a frame-to-frame change that stands out from its neighbourhood.

The change of a frame is measured twice: as a colour-histogram distance (blind to motion, but also
to a cut between shots of the same colours) and as the luma residual left after optical-flow
motion compensation (blind to colours, but not fooled by pans and moving objects). A cut is where
their mean jumps well above the typical change of the surrounding half-second on either side, so
fast action raises the bar locally and a quiet shot lowers it.
"""

from __future__ import annotations

import numpy as np

from ..features import REPEAT_DIFF, FrameSignals
from .base import DetectorSettings
from .candidates import Candidate
from .flashes import flash_end
from .picture import warped_residual_ratio
from .window import SignalWindow

__all__ = ["CutDetector", "cut_strength", "cut_strength_of", "find_cuts", "CUT_THRESHOLD", "CUT_CONTRAST"]

#: Least frame-to-frame change (in units of :func:`cut_strength`) that can be a cut at all.
CUT_THRESHOLD = 0.12
#: How many times the local typical change a cut must exceed.
CUT_CONTRAST = 3.0
#: Half-width of the neighbourhood that sets the local level, in seconds.
NEIGHBOURHOOD_SECONDS = 0.5
#: Neighbours left out of the local level as outliers (other cuts, flashes nearby).
_OUTLIERS = 3
#: Most share of a jump's difference that may be left once either frame is moved onto the other along
#: careful dense flow, for it to be camera motion rather than a cut (see
#: :func:`~.picture.warped_residual_ratio`): a fast handheld move or tilt leaves about a fifth, a
#: cut more than 0.4. Set low, on the side of keeping cuts.
MOTION_LEFT_AT_MOST = 1 / 3


def cut_strength(w: SignalWindow) -> np.ndarray:
    """Per-frame change, in [0, 1]: mean of the histogram distance and twice the motion residual.

    The histogram distance counts only in the proportion of the pixel change that optical flow
    could not explain (about all of it at a cut, little of it in a fast pan).
    """
    unexplained = np.clip(w.residual / np.maximum(w.diff, 1e-6), 0.0, 1.0)
    return 0.5 * (w.bhattacharyya * unexplained + 2.0 * w.residual)


def local_level(x: np.ndarray, half: int, *, ignore: np.ndarray | None = None) -> np.ndarray:
    """Typical value of ``x`` around each position: the mean of its neighbours within ``half``
    positions, leaving out the position itself, the largest few neighbours, and ``ignore``d ones.
    """
    n = len(x)
    if n == 0:
        return x.copy()
    values = x.astype(np.float64).copy()
    if ignore is not None:
        values[ignore] = np.nan
    padded = np.pad(values, half, mode="reflect" if n > half else "edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)[:n].copy()
    windows[:, half] = np.nan
    # NaN sorts last: drop it and the largest real values, then average what is left.
    ordered = np.sort(windows, axis=1)
    valid = np.isfinite(ordered).sum(axis=1)
    keep = np.maximum(valid - _OUTLIERS, 1)
    cols = np.arange(ordered.shape[1])[None, :]
    mask = cols < keep[:, None]
    sums = np.where(mask, np.nan_to_num(ordered), 0.0).sum(axis=1)
    level = sums / keep
    level[valid == 0] = 0.0
    return level


def find_cuts(w: SignalWindow, *, threshold: float = CUT_THRESHOLD, contrast: float = CUT_CONTRAST,
              min_gap: int = 1) -> list[Candidate]:
    """Hard cuts in a window.

    Parameters
    ----------
    threshold : float
        Absolute floor of :func:`cut_strength`.
    contrast : float
        Factor over the local level.
    min_gap : int
        Fewest frames between two cuts (the minimum shot length); the stronger one is kept.
    """
    x = cut_strength(w)
    # Repeated frames (frame-rate conversion, animation on twos, freezes) change nothing; counting
    # them would make every real movement between them look like a jump.
    level = local_level(x, w.frames(NEIGHBOURHOOD_SECONDS, minimum=4), ignore=w.diff < REPEAT_DIFF)
    bar = np.maximum(threshold, contrast * level + 0.15 * threshold)
    found: list[Candidate] = []
    quiet_until = -1  # inside a flash: its later jumps (decay, return) are not cuts either
    for i in np.flatnonzero(x > bar):
        if i == 0 or i <= quiet_until:
            continue
        back = flash_end(w, int(i))
        if back is not None:
            quiet_until = back
            continue
        if warped_residual_ratio(w.thumbs[i - 1], w.thumbs[i]) <= MOTION_LEFT_AT_MOST:
            continue  # the new picture is the old one moved: a fast camera move, not a cut
        score = float(x[i] / (x[i] + bar[i]))
        frame = w.start + int(i)
        if found and frame - found[-1].frame < min_gap:
            if score > found[-1].score:
                found[-1] = Candidate("cut", frame, frame, frame, score)
            continue
        found.append(Candidate("cut", frame, frame, frame, score))
    return found


def cut_strength_of(s: FrameSignals) -> float:
    """:func:`cut_strength` of a single frame's signals."""
    unexplained = min(1.0, max(0.0, s.residual / max(s.diff, 1e-6)))
    return 0.5 * (s.bhattacharyya * unexplained + 2.0 * s.residual)


class CutDetector:
    """Hard cuts (see :func:`find_cuts`), thresholds scaled by the sensitivity."""

    name = "cuts"
    gradual = False
    #: The local level reads half a second either side; a flash check up to 0.2 s after.
    reach_seconds = NEIGHBOURHOOD_SECONDS + 0.5

    def propose(self, w: SignalWindow, settings: DetectorSettings, earlier: list[Candidate]) -> list[Candidate]:
        scale = settings.scale
        threshold = settings.threshold if settings.threshold is not None else CUT_THRESHOLD * scale
        return find_cuts(w, threshold=threshold, contrast=CUT_CONTRAST * min(1.5, max(0.75, scale)),
                         min_gap=settings.min_shot_frames)
