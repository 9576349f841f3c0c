"""The per-frame record the review page re-decides cuts from, and the rule it applies.

During the one analysis pass :class:`ScoreRecorder` keeps, per frame, only what the hard-cut rule of
:func:`shotdetect.detect.cuts.find_cuts` reads: the cut strength, whether the frame repeats the
previous one, and, for the few frames strong enough to be a cut at any sensitivity, where a flash
that explains the change ends and whether the new picture is the old one moved (both tests need the
small pictures around the frame, which are not kept). From that record :func:`decide_cuts` (and the page's script, which mirrors it) decides
the cuts for any sensitivity without decoding again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..detect.cuts import (CUT_CONTRAST, CUT_THRESHOLD, MOTION_LEFT_AT_MOST, NEIGHBOURHOOD_SECONDS,
                           local_level)
from ..detect.flashes import FLASH_SECONDS, flash_end
from ..detect.picture import warped_residual_ratio
from ..detect.window import SignalWindow
from ..features import REPEAT_DIFF, FrameSignals
from ..rates import FALLBACK_FPS, rate_or_fallback

__all__ = ["ScoreRecorder", "ScoreRecord", "decide_cuts", "scale_of", "LOWEST_THRESHOLD"]


def scale_of(sensitivity: float) -> float:
    """Threshold multiplier of a sensitivity (as :class:`~shotdetect.detect.DetectorSettings`)."""
    return float(2.0 ** ((0.5 - sensitivity) * 2.0))


#: The cut-strength floor at sensitivity 1, the slider's top: weaker frames are never cuts.
LOWEST_THRESHOLD = CUT_THRESHOLD * scale_of(1.0)


@dataclass
class ScoreRecord:
    """Per-frame arrays (index = frame number), the sparse flash ends and the frames whose change a
    camera move explains."""

    times: list[Fraction] = field(default_factory=list)
    strength: list[float] = field(default_factory=list)
    repeat: list[bool] = field(default_factory=list)
    flash_end: dict[int, int] = field(default_factory=dict)
    moved: set[int] = field(default_factory=set)
    level: np.ndarray | None = None
    fps: float = float(FALLBACK_FPS)

    def finish(self) -> None:
        """Compute the local level of every frame (once all are known)."""
        x = np.asarray(self.strength, dtype=np.float64)
        half = max(4, int(round(NEIGHBOURHOOD_SECONDS * self.fps)))
        self.level = local_level(x, half, ignore=np.asarray(self.repeat, dtype=bool)) if len(x) else x

    def to_dict(self) -> dict[str, object]:
        """The JSON the review page reads (numbers rounded; times in seconds)."""
        assert self.level is not None, "finish() first"
        return {
            "times": [round(float(t), 6) for t in self.times],
            "strength": [round(v, 5) for v in self.strength],
            "level": [round(float(v), 5) for v in self.level],
            "flash_end": {str(k): v for k, v in self.flash_end.items()},
            "moved": sorted(self.moved),
            "fps": self.fps,
            "threshold": CUT_THRESHOLD,
            "contrast": CUT_CONTRAST,
        }


class ScoreRecorder:
    """An ``on_signals`` callback building a :class:`ScoreRecord` in one pass.

    Holds the signals of the last few frames (twice the longest flash) to run the flash test on
    strong frames once the frames after them have arrived.
    """

    def __init__(self, fps: float | Fraction | None):
        self.record = ScoreRecord(fps=float(rate_or_fallback(fps)))
        self._span = max(2, int(round(FLASH_SECONDS * self.record.fps)))
        self._recent: deque[FrameSignals] = deque(maxlen=2 * self._span + 2)
        self._waiting: deque[int] = deque()

    def __call__(self, signals: FrameSignals, strength: float) -> None:
        r = self.record
        if signals.index != len(r.strength):  # frame numbers count decoded frames: always the next
            raise ValueError(f"frame {signals.index} after {len(r.strength)} frames")
        r.times.append(signals.time)
        r.strength.append(float(strength))
        r.repeat.append(signals.diff < REPEAT_DIFF)
        self._recent.append(signals)
        if signals.index and strength > LOWEST_THRESHOLD:
            self._waiting.append(signals.index)
        while self._waiting and self._waiting[0] + self._span <= signals.index:
            self._check(self._waiting.popleft())

    def finish(self) -> ScoreRecord:
        while self._waiting:
            self._check(self._waiting.popleft())
        self.record.finish()
        return self.record

    def _check(self, frame: int) -> None:
        window = SignalWindow.from_signals(list(self._recent), self.record.fps)
        i = frame - window.start
        if 0 < i < len(window):
            back = flash_end(window, i)
            if back is not None:
                self.record.flash_end[frame] = window.start + back
            elif warped_residual_ratio(window.thumbs[i - 1], window.thumbs[i]) <= MOTION_LEFT_AT_MOST:
                self.record.moved.add(frame)


def decide_cuts(record: ScoreRecord, sensitivity: float, min_gap: int) -> list[tuple[int, float]]:
    """``[(frame, score)]`` of the hard cuts at ``sensitivity``: :func:`find_cuts`'s rule on the record."""
    assert record.level is not None, "finish() first"
    scale = scale_of(sensitivity)
    threshold = CUT_THRESHOLD * scale
    contrast = CUT_CONTRAST * min(1.5, max(0.75, scale))
    found: list[tuple[int, float]] = []
    quiet_until = -1
    for i, x in enumerate(record.strength):
        bar = max(threshold, contrast * float(record.level[i]) + 0.15 * threshold)
        if x <= bar or i == 0 or i <= quiet_until:
            continue
        if i in record.flash_end:
            quiet_until = record.flash_end[i]
            continue
        if i in record.moved:
            continue  # the new picture is the old one moved: a camera move
        score = x / (x + bar)
        if found and i - found[-1][0] < min_gap:
            if score > found[-1][1]:
                found[-1] = (i, score)
            continue
        found.append((i, score))
    # The first and last shot obey the minimum length too (the shot builder drops such cuts).
    n = len(record.strength)
    return [(f, sc) for f, sc in found if min_gap <= f <= n - min_gap]
