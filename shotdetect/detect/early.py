"""When a live stream's hard cut is final before the gradual detectors' reach has been seen.

A cut is final once the cut detector's own reach has been seen after it, if no gradual detector
can still turn it into (part of) a gradual transition: the pictures from the cut to now, and those
of the :data:`STEADY_BEFORE_SECONDS` before it, are steady (each shows its shot's first, resp.
last, picture: no more than :data:`DRIFT_SHARE` of it changed, no ramp in brightness), and none
of them is flat (black or white). Why each condition suffices:

- the dissolve, wipe and push detectors never cross a cut (they read it as explained); a cut joins
  one of them only when a span ends or starts within :data:`~.reconcile.ABSORB_FRAMES` of it, and
  a span's frames change the picture, which the steady pictures either side rule out;
- a fade takes in a cut only when its flat (black or white) hold or one of its ramps reaches the
  cut: no flat frame next to the cut, and no change of brightness or picture on either side, rule
  that out (a ramp ending well before the cut, or starting well after it, leaves the cut alone);
- a dip needs a second cut within :data:`~.dips.DIP_SECONDS`, which would show as a changed
  picture on one side.

Only live decisions use this (a file is decided with the full reach, so its results stay those
of one whole-window run).
"""

from __future__ import annotations

from .dips import DIP_SECONDS
from .fades import MIN_RAMP_DEPARTURE, nearly_flat
from .picture import changed_share, moved_changed_share
from .push import MIN_PUSH_FLOW
from .window import SignalWindow

__all__ = ["cut_final_early", "STEADY_BEFORE_SECONDS", "DRIFT_SHARE"]

#: Time before a cut over which the old shot's picture must hold, in seconds: longer than a dip,
#: so that a second jump shows, and than the last frames a dissolve or wipe ending there changes.
STEADY_BEFORE_SECONDS = 2 * DIP_SECONDS
#: Most share of the picture that may change (beyond noise and a pixel of movement, see
#: :func:`~.picture.changed_share`) between a shot's first frame after the cut and any later one
#: (its last before the cut and any earlier one): a dissolve or wipe one second into four has
#: replaced about a quarter; objects moving over a still scene change less.
DRIFT_SHARE = 0.1
#: Most change of mean brightness over the same frames (fraction of full scale): half of a fade's
#: least ramp (:data:`~.fades.MIN_RAMP_DEPARTURE`).
DRIFT_LUMA = MIN_RAMP_DEPARTURE / 2


def _holds(w: SignalWindow, anchor: int, frames: range) -> bool:
    """Whether every frame of ``frames`` shows ``anchor``'s picture (in place, or moved slower than
    a push), at about its brightness."""
    for t in frames:
        if abs(float(w.luma[t] - w.luma[anchor])) > DRIFT_LUMA:
            return False
        if w.flow[t] >= MIN_PUSH_FLOW:
            return False  # as fast as a push: the push detector's business
        if (changed_share(w.thumbs[anchor], w.thumbs[t]) > DRIFT_SHARE
                and moved_changed_share(w.thumbs[anchor], w.thumbs[t]) > DRIFT_SHARE):
            return False  # changed, and not by moving: a dissolve or wipe may be under way
    return True


def cut_final_early(w: SignalWindow, position: int) -> bool:
    """Whether the cut at window ``position`` can no longer become (part of) a gradual transition,
    judged from the frames up to the window's end (see the module docstring)."""
    n = len(w)
    if position < 2 or position >= n - 1:
        return False
    before = w.frames(STEADY_BEFORE_SECONDS, minimum=3)
    if position - before < 0:
        return False  # the old shot is not in view long enough to judge
    if any(nearly_flat(w, t) for t in range(position - before, n)):
        return False  # black or white next to the cut: a fade's hold, the fade's business
    if not _holds(w, position - 1, range(position - before, position - 1)):
        return False
    return _holds(w, position, range(position + 1, n))
