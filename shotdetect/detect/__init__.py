"""Decide where shots change, from the per-frame signals.

:func:`find_transitions` runs every detector over a :class:`SignalWindow` and reconciles their
findings; :class:`StreamingDetector` applies it to a sliding window so that a video of any length
is processed in bounded memory with a fixed look-ahead.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from ..features import FrameSignals
from ..settings import check_detector_settings
from .candidates import Candidate
from .cuts import CUT_CONTRAST, CUT_THRESHOLD, find_cuts
from .gradual import MAX_GRADUAL_SECONDS, find_blends, find_fades
from .window import SignalWindow

__all__ = ["DetectorSettings", "Candidate", "SignalWindow", "find_transitions", "StreamingDetector"]


@dataclass(frozen=True)
class DetectorSettings:
    """Every option that changes what is detected.

    Attributes
    ----------
    sensitivity : float
        0..1, default 0.5. Higher finds subtler transitions (and more false ones): each step of 0.25
        scales all detection thresholds by about 1.4.
    threshold : float or None
        Absolute floor of the cut strength, overriding the one implied by ``sensitivity``.
    min_shot_frames : int
        Fewest frames a shot may have; a cut closer than this to the previous one is dropped.
    gradual : bool
        Look for fades, dissolves and wipes as well as cuts.
    """

    sensitivity: float = 0.5
    threshold: float | None = None
    min_shot_frames: int = 3
    gradual: bool = True

    def __post_init__(self) -> None:
        check_detector_settings(self)

    @property
    def scale(self) -> float:
        """Multiplier applied to every threshold: 1 at the default sensitivity."""
        return float(2.0 ** ((0.5 - self.sensitivity) * 2.0))


def find_transitions(w: SignalWindow, settings: DetectorSettings = DetectorSettings()) -> list[Candidate]:
    """All transitions in a window, sorted, without overlaps.

    A gradual transition absorbs cuts found inside it (the frame-to-frame jumps of a dissolve or of
    the dark end of a fade are not separate cuts).
    """
    scale = settings.scale
    threshold = settings.threshold if settings.threshold is not None else CUT_THRESHOLD * scale
    cuts = find_cuts(w, threshold=threshold, contrast=CUT_CONTRAST * min(1.5, max(0.75, scale)),
                     min_gap=settings.min_shot_frames)
    if not settings.gradual:
        return cuts
    fades = find_fades(w, threshold_scale=min(1.5, max(0.5, 1 / scale)))
    covered = [(f.start - w.start, f.end - w.start) for f in fades]
    covered += [(c.frame - w.start, c.frame - w.start) for c in cuts]
    blends = find_blends(w, exclude=covered, threshold_scale=scale)
    gradual = sorted(fades + blends, key=lambda c: c.start)
    kept_cuts = [c for c in cuts if not any(g.start - 2 <= c.frame <= g.end + 2 for g in gradual)]
    merged = sorted(gradual + kept_cuts, key=lambda c: (c.start, c.end))
    out: list[Candidate] = []
    for cand in merged:
        if out and cand.start <= out[-1].end:
            if cand.score > out[-1].score:
                out[-1] = cand
            continue
        out.append(cand)
    return out


class StreamingDetector:
    """Feeds :func:`find_transitions` a sliding window of signals, emitting transitions once final.

    A transition is final when the frames after it that could change the decision (the look-ahead)
    have been seen. Memory holds at most ``context + look-ahead + step`` frames of signals.
    """

    def __init__(self, fps: Fraction | float | None, settings: DetectorSettings = DetectorSettings()):
        self.settings = settings
        rate = float(fps) if fps else 25.0
        longest = int(round(MAX_GRADUAL_SECONDS * rate))
        self._lookahead = longest + int(round(rate)) + 8
        self._context = longest + int(round(rate)) + 8
        self._step = max(64, self._lookahead)
        self._fps = fps
        self._buffer: deque[FrameSignals] = deque()
        self._committed = 0  # frames before this index are decided
        self._last_end = -1  # end frame of the last emitted transition
        self._pending = 0

    def push(self, signals: FrameSignals) -> list[Candidate]:
        """Add the next frame's signals; return the transitions that became final."""
        self._buffer.append(signals)
        self._pending += 1
        if self._pending < self._step or len(self._buffer) <= self._lookahead:
            return []
        self._pending = 0
        return self._decide(final=False)

    def finish(self) -> list[Candidate]:
        """Decide the rest at the end of the video."""
        if not self._buffer:
            return []
        return self._decide(final=True)

    def _decide(self, *, final: bool) -> list[Candidate]:
        window = SignalWindow.from_signals(list(self._buffer), self._fps)
        end = window.start + len(window)
        horizon = end if final else end - self._lookahead
        out = []
        for cand in find_transitions(window, self.settings):
            if cand.end >= horizon and not final:
                continue
            if cand.end < self._committed or cand.start <= self._last_end:
                continue
            out.append(cand)
            self._last_end = cand.end
        self._committed = horizon
        while self._buffer and self._buffer[0].index < horizon - self._context:
            self._buffer.popleft()
        return out

    def iter_all(self, stream: Iterator[FrameSignals]) -> Iterator[Candidate]:
        for s in stream:
            yield from self.push(s)
        yield from self.finish()
