"""Fades: the picture dims to (or rises from) a flat black or white frame.

A fade drives the picture's contrast to (nearly) zero and back, so it is found from the contrast
curve: a run of flat frames with a monotonic ramp on either side.
"""

from __future__ import annotations

import numpy as np

from .base import MAX_GRADUAL_SECONDS, DetectorSettings
from .candidates import Candidate
from .flashes import flash_end
from .picture import same_picture
from .window import SignalWindow, runs

__all__ = ["FadeDetector", "find_fades", "nearly_flat", "FLAT_CONTRAST"]

#: Luma standard deviation (fraction of full scale) below which a frame counts as flat (black, white).
FLAT_CONTRAST = 0.03
#: Least change (contrast plus brightness, fractions of full scale) from the hold to a ramp's end.
MIN_RAMP_DEPARTURE = 0.06
#: Mean luma change per frame (fraction of full scale) below which a flat frame belongs to the hold:
#: twice :data:`~shotdetect.features.STILL_DIFF` (one grey level), as it is asked only of frames
#: already flat (black or white), where grain and dithering may shimmer a little.
HOLD_STILL_DIFF = 0.004
#: Share of a ramp's change after which the picture counts as back (see :func:`_settled_end`).
RAMP_SETTLED = 0.95
#: Share of a ramp's own median pace (change per frame) below which, over :data:`RAMP_SLOW_FRAMES`
#: frames, the ramp is over (see :func:`_slowed`): a quarter leaves room for an eased fade's slow
#: last frames.
RAMP_SLOWED = 0.25
#: Frames over which the slower pace must hold: a long, uneven fade (to grey, say) wobbles for a
#: frame or two; a camera move or light drift after the fade stays slow.
RAMP_SLOW_FRAMES = 3
#: Fewest frames of ramp before its pace is judged: a pace needs a few steps to measure.
RAMP_SLOW_AFTER = 3
#: A flat hold shorter than this joins fade-out and fade-in (or a cut to black and a fade-in, a
#: fade-out and a cut from black) into one transition, a dip, in seconds; a longer black is a pause
#: of its own.
FADE_HOLD_SECONDS = 1.0


def _ramp(departure: np.ndarray, i: int, step: int, limit: int) -> int:
    """Walk from hold frame ``i`` in direction ``step`` while the picture keeps moving away from the
    hold; return where it is farthest. A frame or two without progress (noise, a repeated frame)
    does not end the ramp; three do.
    """
    best, j, n = i, i, len(departure)
    while 0 <= j + step < n and abs(j + step - i) <= limit and abs(j - best) < 3:
        j += step
        if departure[j] > departure[best] + 1e-3:
            best = j
    return best


def _settled_end(departure: np.ndarray, hold: int, far: int) -> int:
    """The frame between ``hold`` and ``far`` (a ramp's far end) where the fade is over: where the
    picture has regained :data:`RAMP_SETTLED` of the ramp's change, or earlier, where the ramp's
    pace drops below :data:`RAMP_SLOWED` of its own (see :func:`_slowed`). What changes after it
    is the shot's own movement or light."""
    target = departure[hold] + RAMP_SETTLED * (departure[far] - departure[hold])
    step = 1 if far > hold else -1
    for j in range(hold, far + step, step):
        if departure[j] >= target or _slowed(departure, hold, j, far, step):
            return j
    return far


def _slowed(departure: np.ndarray, hold: int, j: int, far: int, step: int) -> bool:
    """Whether the ramp from ``hold`` has run at least :data:`RAMP_SLOW_AFTER` frames to ``j`` and
    the picture changes, over the next :data:`RAMP_SLOW_FRAMES` frames, by less than
    :data:`RAMP_SLOWED` of the ramp's median pace so far: a fade moves at a steady pace, a camera
    move or a light drift after it at a much slower one, which must not lengthen the fade."""
    if abs(j - hold) < RAMP_SLOW_AFTER or abs(far - j) < RAMP_SLOW_FRAMES:
        return False
    pace = float(np.median(np.abs(np.diff(departure[min(hold, j):max(hold, j) + 1]))))
    ahead = abs(float(departure[j + RAMP_SLOW_FRAMES * step] - departure[j]))
    return ahead < RAMP_SLOWED * RAMP_SLOW_FRAMES * pace


def _is_ramp(departure: np.ndarray) -> bool:
    """Whether a sequence ending at the hold falls gradually: long enough, deep enough, and not
    mostly one jump (a cut to black, or a flash, is a jump).
    """
    if len(departure) < 4:
        return False
    depth = float(departure[0] - departure[-1])
    steps = np.abs(np.diff(departure))
    return depth > MIN_RAMP_DEPARTURE and float(steps.max()) <= 0.6 * depth


def _flat(w: SignalWindow, scale: float) -> np.ndarray:
    """Frames that are one flat, dark or bright, colour: what a fade goes through.

    Mid-grey flat frames (an overcast sky, a wall) are left out: editors fade through black or white.
    """
    return (w.contrast < FLAT_CONTRAST * scale) & ((w.luma < 0.25) | (w.luma > 0.75))


def find_fades(w: SignalWindow, *, threshold_scale: float = 1.0) -> list[Candidate]:
    """Fades out to and in from a flat frame, merged into one transition when the hold is short."""
    c = w.contrast
    limit = w.frames(MAX_GRADUAL_SECONDS)
    hold_max = w.frames(FADE_HOLD_SECONDS)
    flat = _flat(w, threshold_scale)
    found: list[Candidate] = []
    for h0, h1 in runs(flat):
        # The hold is the flattest frame and the still frames around it; flat frames that are still
        # darkening or brightening belong to the ramps.
        core = h0 + int(np.argmin(c[h0:h1 + 1]))
        lo, hi = core, core
        while lo > h0 and w.diff[lo] <= HOLD_STILL_DIFF:
            lo -= 1
        while hi < h1 and w.diff[hi + 1] <= HOLD_STILL_DIFF:
            hi += 1
        h0, h1 = lo, hi
        # How far each frame is from the hold's flat colour: contrast plus brightness difference.
        departure = c + np.abs(w.luma - w.luma[h0:h1 + 1].mean())
        out_start = _ramp(departure, h0, -1, limit)
        in_end = _ramp(departure, h1, +1, limit)
        # The frames between the ramp's far end and the hold are the fade; a jump of one frame is a
        # cut to or from black, not a fade.
        has_out = _is_ramp(departure[out_start:h0 + 1])
        has_in = _is_ramp(departure[h1:in_end + 1][::-1])
        out_start, in_end = _settled_end(departure, h0, out_start), _settled_end(departure, h1, in_end)
        if not has_out and not has_in:
            continue
        if not has_out and h0 > 0 and flash_end(w, h0) is not None:
            continue  # jumped to white and decayed back: a camera flash, not a fade
        hold = h1 - h0 + 1
        at_end = h1 == len(c) - 1
        if has_out and has_in and hold <= hold_max:
            spans = [(out_start + 1, in_end - 1, h1 + 1)]
        else:
            spans = []
            if has_out:
                # The hold belongs to the fade when it is short or ends the video.
                end = h1 if (hold <= hold_max or at_end) and not has_in else h0 - 1
                spans.append((out_start + 1, end, h0))
            if has_in:
                start = h0 if hold <= hold_max and not has_out else h1 + 1
                spans.append((start, in_end - 1, h1 + 1))
        for s, e, mid in spans:
            if e < s:
                continue
            if hold <= hold_max and same_picture(w, s - 1, e + 1):
                continue  # the picture came back unchanged: a flash or a dip, not a new shot
            depth = float(max(c[s - 1] if s else c[s], c[min(e + 1, len(c) - 1)]))
            score = float(np.clip(0.5 + depth / (4 * FLAT_CONTRAST) * 0.5, 0.5, 1.0))
            found.append(Candidate("fade", w.start + min(max(mid, s), e), w.start + s, w.start + e, score))
    return found


def nearly_flat(w: SignalWindow, i: int) -> bool:
    """A dark or bright frame with little detail, such as a caption on black."""
    return bool(w.contrast[i] < 2 * FLAT_CONTRAST and (w.luma[i] < 0.25 or w.luma[i] > 0.75))




class FadeDetector:
    """Fades through black or white (see :func:`find_fades`)."""

    name = "fades"
    gradual = True
    #: A ramp on either side of the hold up to the longest transition, the hold itself, a margin.
    reach_seconds = MAX_GRADUAL_SECONDS + 1.0

    def propose(self, w: SignalWindow, settings: DetectorSettings, earlier: list[Candidate]) -> list[Candidate]:
        return find_fades(w, threshold_scale=min(1.5, max(0.5, 1 / settings.scale)))
