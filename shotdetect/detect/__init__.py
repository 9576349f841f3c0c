"""Decide where shots change, from the per-frame signals.

Each detector (:mod:`.cuts`, :mod:`.fades`, :mod:`.dips`, :mod:`.mix`, :mod:`.push`) reads a :class:`SignalWindow` and proposes
candidates; :func:`~.reconcile.reconcile` settles them into one list. :class:`StreamingDetector`
applies this to a sliding window, so that a video of any length is processed in bounded memory, and
holds every candidate back until the detectors' own reach has been seen.
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction

from ..features import FrameSignals
from ..rates import rate_or_fallback
from .base import Detector, DetectorSettings
from .candidates import Candidate
from .cuts import CutDetector
from .dips import DipDetector
from .early import cut_final_early
from .fades import FadeDetector
from .mix import MixDetector
from .push import PushDetector
from .reconcile import ABSORB_FRAMES, reconcile
from .window import SignalWindow

__all__ = ["DETECTORS", "Detector", "DetectorSettings", "Candidate", "SignalWindow", "find_transitions",
           "StreamingDetector"]

#: The detectors, in the order they run: each sees what the earlier ones proposed.
DETECTORS: tuple[Detector, ...] = (CutDetector(), FadeDetector(), DipDetector(), MixDetector(), PushDetector())


def find_transitions(w: SignalWindow, settings: DetectorSettings = DetectorSettings(),
                     detectors: tuple[Detector, ...] = DETECTORS) -> list[Candidate]:
    """All transitions in a window, sorted, without overlaps."""
    proposals: list[Candidate] = []
    for detector in detectors:
        if detector.gradual and not settings.gradual:
            continue
        proposals += detector.propose(w, settings, list(proposals))
    return reconcile(proposals)


class StreamingDetector:
    """Feeds :func:`find_transitions` a sliding window of signals, emitting transitions once final.

    A transition is final when the detectors' reach after it (see :class:`~.base.Detector`) has been
    seen. On a live stream (``decide_every`` given) a hard cut is final sooner, once the cut
    detectors' reach has been seen, when no gradual detector can still make it part of a gradual
    transition (see :mod:`.early`); a file is always decided with the full reach. Memory holds at most ``context + look-ahead + step`` frames of signals;
    :attr:`oldest_frame` says which frames a transition still to come may refer to.
    """

    def __init__(self, fps: Fraction | float | None, settings: DetectorSettings = DetectorSettings(),
                 detectors: tuple[Detector, ...] = DETECTORS, *, decide_every: int | None = None):
        self.settings = settings
        self._detectors = detectors
        rate = float(rate_or_fallback(fps))
        reach = int(round(max(d.reach_seconds for d in detectors) * rate)) + 8
        self._lookahead = reach
        # Live only: how far a cut needs to be seen past, when early (see :mod:`.early`).
        cut_reach = max((d.reach_seconds for d in detectors if not d.gradual), default=None)
        self._cut_lookahead = (int(round(cut_reach * rate)) + 8
                               if decide_every and settings.gradual and cut_reach is not None else None)
        self._context = reach
        # Deciding every few seconds is cheapest; a live stream asks for less (``decide_every`` frames).
        self._step = decide_every or max(64, self._lookahead)
        self._fps = fps
        self._buffer: deque[FrameSignals] = deque()
        self._committed = 0  # frames before this index are decided
        self._last_end = -1  # end frame of the last emitted transition
        self._early_cut = -1  # frame of the last cut emitted before the full reach was seen
        self._pending = 0

    @property
    def oldest_frame(self) -> int:
        """The earliest frame that a transition emitted later can start at or refer to."""
        return self._buffer[0].index if self._buffer else self._committed

    def push(self, signals: FrameSignals) -> list[Candidate]:
        """Add the next frame's signals; return the transitions that became final."""
        self._buffer.append(signals)
        self._pending += 1
        if self._pending < self._step or len(self._buffer) <= (self._cut_lookahead or self._lookahead):
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
        early_horizon = end - self._cut_lookahead if self._cut_lookahead is not None else horizon
        out = []
        for cand in find_transitions(window, self.settings, self._detectors):
            if cand.end < self._committed or cand.start <= self._last_end:
                continue
            if self._early_cut >= 0 and cand.is_gradual and cand.start <= self._early_cut + ABSORB_FRAMES:
                continue  # it would have absorbed a cut already emitted: the cut stands for it
            if cand.end >= horizon and not final:
                if (cand.type != "cut" or cand.end >= early_horizon
                        or not cut_final_early(window, cand.frame - window.start)):
                    break  # not final yet, nor anything after it
                self._early_cut = cand.frame
            out.append(cand)
            self._last_end = cand.end
        self._committed = max(self._committed, horizon)
        while self._buffer and self._buffer[0].index < horizon - self._context:
            self._buffer.popleft()
        return out
