"""Pushes and slides: the new shot slides in and pushes the old one out of the frame.

Every pixel of a push is one of the two shots, moved: optical flow explains the frames, so neither
the cut nor the mix detector sees it. What tells it from a camera pan is where it ends: a run of
fast, steady movement that carries the picture a good part of its size, between two steady
pictures that share nothing (the later one is not the earlier one moved).
"""

from __future__ import annotations

import numpy as np

from .base import MAX_GRADUAL_SECONDS, DetectorSettings, explained_spans
from .candidates import Candidate
from .mix import MIN_STRUCTURE_SHARE, SETTLE_SECONDS, settled, running_median
from .picture import changed_share, moved_changed_share, structure_changed_share
from .window import SignalWindow, runs

__all__ = ["PushDetector", "find_pushes"]

#: Least flow, as a fraction of the picture diagonal per frame, for a frame to be part of a push.
MIN_PUSH_FLOW = 0.01
#: How many times the shot's usual flow a frame of a push moves.
PUSH_FLOW_RATIO = 4.0
#: Least total movement of a push, as a fraction of the picture diagonal: a vertical push across a
#: 16:9 picture moves about half the diagonal, a horizontal one about 0.87.
MIN_PUSH_TRAVEL = 0.4
#: Largest share of the change between the two ends that lining them up explains (a pan's ends
#: line up where they overlap; a push's share nothing).
MOVED_EXPLAINS_AT_MOST = 0.7


def find_pushes(w: SignalWindow, *, exclude: list[tuple[int, int]], threshold_scale: float = 1.0) -> list[Candidate]:
    """Runs of fast movement that carry the picture from one steady shot to a different one."""
    n = len(w)
    if n < 5:
        return []
    base = running_median(w.flow, w.frames(4.0, minimum=25) | 1)
    moving = w.flow > np.maximum(MIN_PUSH_FLOW * threshold_scale, PUSH_FLOW_RATIO * threshold_scale * base)
    for s, e in exclude:
        moving[max(0, s):e + 1] = False
    limit, min_len, settle = w.frames(MAX_GRADUAL_SECONDS), w.frames(0.12, minimum=3), w.frames(SETTLE_SECONDS)
    found = []
    for s, e in runs(moving):
        if not min_len <= e - s + 1 <= limit or float(w.flow[s:e + 1].sum()) < MIN_PUSH_TRAVEL:
            continue
        ia, ib = max(0, s - 1), min(n - 1, e + 1)
        a, b = w.thumbs[ia], w.thumbs[ib]
        across = changed_share(a, b)
        if structure_changed_share(a, b) < MIN_STRUCTURE_SHARE or not settled(w.thumbs, ia, ib, settle, across):
            continue
        if moved_changed_share(a, b) < (1 - MOVED_EXPLAINS_AT_MOST) * across:
            continue
        found.append(Candidate("wipe", w.start + (s + e + 1) // 2, w.start + s, w.start + e, 0.75))
    return found


class PushDetector:
    """Pushes and slides (see :func:`find_pushes`), outside what is already explained."""

    name = "pushes"
    gradual = True
    reach_seconds = MAX_GRADUAL_SECONDS + 1.0

    def propose(self, w: SignalWindow, settings: DetectorSettings, earlier: list[Candidate]) -> list[Candidate]:
        return find_pushes(w, exclude=explained_spans(w, earlier), threshold_scale=settings.scale)
