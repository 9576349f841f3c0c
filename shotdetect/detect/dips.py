"""Dips through a washed-out or dark picture that never gets flat enough to be a fade.

Music videos and trailers often flash to an over-exposed, washed-out picture (or down to a murky
dark one) for a few frames between two shots. The picture jumps twice, a few frames apart, so the
cut detector reports two cuts; but the frames between them are no shot: they are brighter (or
darker) than both shots, the way a fade's hold is. Those two jumps are one transition, a dip.
"""

from __future__ import annotations

import numpy as np

from .base import DetectorSettings
from .candidates import Candidate
from .mix import ACTIVITY_RATIO
from .window import SignalWindow

__all__ = ["DipDetector", "find_dips", "DIP_SECONDS", "DIP_LUMA"]

#: Most time between the two jumps of a dip, in seconds: an editor's washed-out flash lasts a few
#: frames; a picture held longer than this is a (short) shot of its own.
DIP_SECONDS = 0.3
#: Least difference in mean luma (fraction of full scale) between every frame of the dip and both
#: shots around it: a quarter of the range below white, well beyond the exposure drift within a shot.
DIP_LUMA = 0.15
#: Time before the first jump (after the second) over which a shot's own frame-to-frame change is
#: measured, in seconds.
OWN_CHANGE_SECONDS = 0.5


def find_dips(w: SignalWindow, cuts: list[Candidate]) -> list[Candidate]:
    """Pairs of cuts (with any cuts between them) at most :data:`DIP_SECONDS` apart whose frames between are all brighter, or
    all darker, than both shots by :data:`DIP_LUMA`, each as one ``fade``.

    The dip starts at the first frame that departs from shot A by more than A's own frame-to-frame
    change (:data:`~.mix.ACTIVITY_RATIO` times its median), and ends at the last such frame before
    shot B's picture holds: the ramps into and out of the washed frames belong to the dip.
    """
    n, gap, own = len(w), w.frames(DIP_SECONDS), w.frames(OWN_CHANGE_SECONDS, minimum=3)
    positions = sorted(c.frame - w.start for c in cuts if c.type == "cut")
    found: list[Candidate] = []
    used = -1
    pairs = [(f, s) for i, f in enumerate(positions) for s in reversed(positions[i + 1:])]
    for first, second in pairs:  # the widest pair from each first jump first
        if first <= used or not 1 < second - first <= gap or first < 1 or second >= n:
            continue
        start = first
        a_own = float(np.median(w.diff[max(1, first - own):first])) if first > 1 else 0.0
        while start > 1 and first - start < gap and w.diff[start - 1] > ACTIVITY_RATIO * a_own:
            start -= 1  # the step into frame start - 1 is still the ramp
        end = second
        b_own = float(np.median(w.diff[second + 1:second + 1 + own])) if second + 1 < n else 0.0
        while end + 1 < n and end - second < gap and w.diff[end + 1] > ACTIVITY_RATIO * b_own:
            end += 1
        # The shots' luma where their pictures still (already) hold, and the dip's extreme between.
        before, after = float(w.luma[start - 1]), float(w.luma[min(n - 1, end + 1)])
        between = w.luma[first:second]
        brighter = float(between.max()) >= max(before, after) + DIP_LUMA
        darker = float(between.min()) <= min(before, after) - DIP_LUMA
        # A short shot holds its picture between the jumps; a dip keeps ramping.
        ramping = float(w.diff[first + 1:second].max()) > ACTIVITY_RATIO * max(a_own, b_own)
        if not (brighter or darker) or not ramping:
            continue
        score = max(c.score for c in cuts if c.frame - w.start in (first, second))
        found.append(Candidate("fade", w.start + second, w.start + start, w.start + end, score))
        used = second
    return found


class DipDetector:
    """Two cuts around a few washed-out or dark frames, as one fade (see :func:`find_dips`)."""

    name = "dips"
    gradual = True
    #: The dip itself and the shot's own change measured after it, with a margin.
    reach_seconds = DIP_SECONDS + OWN_CHANGE_SECONDS + 0.5

    def propose(self, w: SignalWindow, settings: DetectorSettings, earlier: list[Candidate]) -> list[Candidate]:
        taken = [c for c in earlier if c.is_gradual]
        cuts = [c for c in earlier if c.type == "cut"
                and not any(g.start <= c.frame <= g.end for g in taken)]
        return find_dips(w, cuts)
