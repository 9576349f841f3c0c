"""Tell a flash (a brief exposure spike over the same picture) from a cut.

After a camera flash, a lightning strike or a muzzle flare, the picture comes back to what it was
a few frames earlier; after a cut it does not.
"""

from __future__ import annotations

import numpy as np

from ..features.histogram import bhattacharyya
from .picture import changed_share
from .window import SignalWindow

__all__ = ["flash_end"]

#: Longest flash, in seconds (about 5 frames at 25 fps).
FLASH_SECONDS = 0.2
#: Most share of the jump's changed picture (see :func:`~.picture.changed_share`) that may still
#: differ between a frame before and one after the flash for the picture to count as back, when
#: movement meanwhile keeps the plain pixel distance high: half, as a cut changes about all of it.
MOVED_BACK_SHARE = 0.5


def flash_end(w: SignalWindow, i: int) -> int | None:
    """If the change at window position ``i`` is undone within :data:`FLASH_SECONDS`, the position
    where the picture is back; otherwise None.

    Frames up to that long before the change are compared with frames up to that long after it
    (the pair straddling the change excluded); if some pair is much closer than the two frames
    either side of the change, the picture came back: the change was part of a flash, including
    the decay of a flash that spreads over several frames.
    """
    if i < 1:
        return None
    span = w.frames(FLASH_SECONDS, minimum=2)
    jump_hist = float(w.bhattacharyya[i])
    jump_pix = _pixel_distance(w, i - 1, i)
    jump_share: float | None = None  # worked out only when needed
    for j in range(i, min(len(w), i + span + 1)):
        for k in range(i - 1, max(0, i - span) - 1, -1):
            if (k, j) == (i - 1, i):
                continue
            if float(bhattacharyya(w.hists[k], w.hists[j])) >= 0.35 * jump_hist:
                continue
            if _pixel_distance(w, k, j) < 0.7 * jump_pix:
                return j
            # The camera or the subject moved meanwhile (a runner through a sun flare): the
            # picture is back if, a pixel of movement forgiven, much less of it differs.
            if jump_share is None:
                jump_share = changed_share(w.thumbs[i - 1], w.thumbs[i])
            if changed_share(w.thumbs[k], w.thumbs[j]) < MOVED_BACK_SHARE * jump_share:
                return j
    return None


def _pixel_distance(w: SignalWindow, a: int, b: int) -> float:
    return float(np.abs(w.thumbs[a].astype(np.int16) - w.thumbs[b]).mean())
