"""Settle what several detectors proposed into one list of transitions without overlaps."""

from __future__ import annotations

from .candidates import Candidate

__all__ = ["reconcile"]

#: A cut this close to a gradual transition (in frames) is one of its frame-to-frame jumps.
ABSORB_FRAMES = 2


def reconcile(proposals: list[Candidate]) -> list[Candidate]:
    """Sorted transitions, no two overlapping.

    A gradual transition absorbs the cuts found inside it (the frame-to-frame jumps of a dissolve or
    of the dark end of a fade are not separate cuts); of two overlapping transitions of the same
    weight, the one with the higher score stays.
    """
    gradual = sorted((c for c in proposals if c.is_gradual), key=lambda c: c.start)
    cuts = [c for c in proposals if not c.is_gradual
            and not any(g.start - ABSORB_FRAMES <= c.frame <= g.end + ABSORB_FRAMES for g in gradual)]
    out: list[Candidate] = []
    for cand in sorted(gradual + cuts, key=lambda c: (c.start, c.end)):
        if out and cand.start <= out[-1].end:
            if cand.score > out[-1].score:
                out[-1] = cand
            continue
        out.append(cand)
    return out
