"""Gradual transitions: fades through a flat colour, dissolves and wipes.

A fade drives the picture's contrast to (nearly) zero and back, so it is found from the contrast
curve: a run of flat frames with a monotonic ramp on either side.

A dissolve or wipe shows as a run of frames whose change is well above the shot's usual activity.
Each such run is checked against the frames just outside it, A (before) and B (after): in a
dissolve every frame in between is a blend ``a*A + b*B + c`` of them (solved by least squares), in
a wipe every pixel equals either A or B. Camera motion and action satisfy neither, which is what
keeps pans, zooms and fast movement from being reported.
"""

from __future__ import annotations

import numpy as np

from ..features.histogram import bhattacharyya
from .candidates import Candidate
from .flashes import flash_end
from .window import SignalWindow

__all__ = ["find_fades", "find_blends", "FLAT_CONTRAST"]

#: Luma standard deviation (fraction of full scale) below which a frame counts as flat (black, white).
FLAT_CONTRAST = 0.03
#: Least change (contrast plus brightness, fractions of full scale) from the hold to a ramp's end.
MIN_RAMP_DEPARTURE = 0.06
#: Mean luma change per frame (fraction of full scale) below which a flat frame is still.
_STILL_DIFF = 0.004
#: A flat hold shorter than this joins fade-out and fade-in into one transition, in seconds.
FADE_HOLD_SECONDS = 0.5
#: Longest gradual transition looked for, in seconds.
MAX_GRADUAL_SECONDS = 4.0
#: Window of the median that gives a shot's usual activity, in seconds.
ACTIVITY_BASELINE_SECONDS = 4.0
#: Blend fit error, relative to the A-B difference, above which a run is not a dissolve.
MAX_BLEND_ERROR = 0.25
#: Least mean luma difference between A and B (grey levels) for a dissolve or wipe.
MIN_ENDPOINT_DIFF = 15.0


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive index ranges of the True runs of a boolean array."""
    if not len(mask):
        return []
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    return [(int(s), int(e) - 1) for s, e in zip(edges[::2], edges[1::2])]


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
    for h0, h1 in _runs(flat):
        # The hold is the flattest frame and the still frames around it; flat frames that are still
        # darkening or brightening belong to the ramps.
        core = h0 + int(np.argmin(c[h0:h1 + 1]))
        lo, hi = core, core
        while lo > h0 and w.diff[lo] <= _STILL_DIFF:
            lo -= 1
        while hi < h1 and w.diff[hi + 1] <= _STILL_DIFF:
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
            if hold <= hold_max and _same_picture(w, s - 1, e + 1):
                continue  # the picture came back unchanged: a flash or a dip, not a new shot
            depth = float(max(c[s - 1] if s else c[s], c[min(e + 1, len(c) - 1)]))
            score = float(np.clip(0.5 + depth / (4 * FLAT_CONTRAST) * 0.5, 0.5, 1.0))
            found.append(Candidate("fade", w.start + min(max(mid, s), e), w.start + s, w.start + e, score))
    return found


def _blend_error(a: np.ndarray, b: np.ndarray, m: np.ndarray) -> tuple[float, float, float]:
    """Fit ``m ~ p*a + q*b + r``; return the mean absolute error and the weights p, q."""
    design = np.stack([a, b, np.ones_like(a)], axis=1)
    coef, *_ = np.linalg.lstsq(design, m, rcond=None)
    return float(np.abs(m - design @ coef).mean()), float(coef[0]), float(coef[1])


def _same_picture(w: SignalWindow, a: int, b: int) -> bool:
    """Whether frames ``a`` and ``b`` (clipped to the window) show the same picture."""
    a, b = max(0, a), min(len(w) - 1, b)
    pixels = float(np.abs(w.thumbs[a].astype(np.int16) - w.thumbs[b]).mean())
    return pixels < MIN_ENDPOINT_DIFF / 2 and float(bhattacharyya(w.hists[a], w.hists[b])) < 0.1


def _nearly_flat(w: SignalWindow, i: int) -> bool:
    """A dark or bright frame with little detail, such as a caption on black."""
    return bool(w.contrast[i] < 2 * FLAT_CONTRAST and (w.luma[i] < 0.25 or w.luma[i] > 0.75))


def _rising(values: list[float]) -> float:
    """Rank correlation of a sequence with time: 1 when it only ever increases."""
    if len(values) < 3 or np.ptp(values) == 0:
        return 0.0
    ranks = np.argsort(np.argsort(values))
    return float(np.corrcoef(ranks, np.arange(len(values)))[0, 1])


def _coherence(mask: np.ndarray) -> float:
    """Fraction of horizontally and vertically adjacent pixel pairs that agree: 1 for one clean edge."""
    same = (mask[:, 1:] == mask[:, :-1]).mean() + (mask[1:, :] == mask[:-1, :]).mean()
    return float(same / 2)


def _classify_run(thumbs: np.ndarray, shape: tuple[int, int], s: int, e: int) -> tuple[str, float, int] | None:
    """Whether frames ``s..e`` go from A = frame s-1 to B = frame e+1 by blending or by wiping.

    Returns (kind, relative error, first frame closer to B) or None when neither explains them.
    """
    n = len(thumbs)
    a, b = thumbs[max(0, s - 1)], thumbs[min(n - 1, e + 1)]
    spread = float(np.abs(a - b).mean())
    blend_err, weight_b, wipe_err, share_b, coherent = [], [], [], [], []
    for m in range(s, e + 1):
        err, p, q = _blend_error(a, b, thumbs[m])
        blend_err.append(err / spread)
        weight_b.append(q - p)
        da, db = np.abs(thumbs[m] - a), np.abs(thumbs[m] - b)
        wipe_err.append(float(np.minimum(da, db).mean()) / spread)
        closer = (db < da).reshape(shape)
        share_b.append(float(closer.mean()))
        coherent.append(_coherence(closer))
    blend, wipe = float(np.median(blend_err)), float(np.median(wipe_err))
    # A dissolve moves steadily from A to B; a wipe grows one clean region of B. When both
    # describe the frames, the one that fits better names the transition.
    # Both must really travel from A to B within the span (not sit beside a cut at its edge).
    verdicts = []
    travels = weight_b[0] < -0.2 and weight_b[-1] > 0.2 and np.ptp(weight_b) > 1.0
    if blend <= MAX_BLEND_ERROR and travels and _rising(weight_b) > 0.8:
        turn = next((s + k for k, d in enumerate(weight_b) if d > 0), (s + e + 1) // 2)
        verdicts.append(("dissolve", blend, turn))
    sweeps = min(share_b) < 0.35 and max(share_b) > 0.65
    if wipe <= MAX_BLEND_ERROR and sweeps and _rising(share_b) > 0.8 and float(np.median(coherent)) > 0.9:
        turn = next((s + k for k, f in enumerate(share_b) if f > 0.5), (s + e + 1) // 2)
        verdicts.append(("wipe", wipe, turn))
    return min(verdicts, key=lambda v: v[1]) if verdicts else None


def _sub_spans(w: SignalWindow, s: int, e: int, min_len: int, most: int = 3) -> list[tuple[int, int]]:
    """The run itself, then the parts of it that start after or end before a still frame.

    Jerky footage (repeated frames, then a jump) can run straight into a dissolve; the transition
    then starts after the last still frame, not at the start of the run.
    """
    still = [t for t in range(s + 1, e) if w.diff[t] < 0.002]
    starts = [s] + [t + 1 for t in still if e - t >= min_len][-most:]
    ends = [e] + [t - 1 for t in still if t - s >= min_len][:most]
    return [(a, b) for a in starts for b in ends if b - a + 1 >= min_len]


def running_median(x: np.ndarray, size: int) -> np.ndarray:
    """Median of the ``size`` values centred on each position (odd ``size``), edges repeated."""
    half = size // 2
    padded = np.pad(x, half, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, size), axis=1)


def find_blends(w: SignalWindow, *, exclude: list[tuple[int, int]], threshold_scale: float = 1.0) -> list[Candidate]:
    """Dissolves and wipes: runs of raised activity whose frames are explained by their endpoints.

    Parameters
    ----------
    exclude : list of (start, end)
        Window positions already explained (cuts, fades), inclusive.
    """
    n = len(w)
    if n < 5:
        return []
    # Active: the pixels (after motion compensation) or the colours change clearly more than usual
    # in this part of the video. Colours catch dissolves between dark or flat pictures, whose
    # per-frame pixel change is tiny.
    size = w.frames(ACTIVITY_BASELINE_SECONDS, minimum=25) | 1
    active = np.zeros(n, bool)
    for signal, floor in ((w.residual, 0.006), (w.bhattacharyya, 0.02)):
        base = running_median(signal, size)
        active |= signal > np.maximum(floor * threshold_scale, 2.5 * threshold_scale * base)
    for s, e in exclude:
        active[max(0, s):e + 1] = False
    filled = active.copy()
    filled[1:-1] |= active[:-2] & active[2:]  # bridge single quiet frames
    limit = w.frames(MAX_GRADUAL_SECONDS)
    min_len = w.frames(0.1, minimum=3)
    shape = w.thumbs.shape[1:]
    thumbs = w.thumbs.reshape(n, -1).astype(np.float64)
    found: list[Candidate] = []
    for s, e in _runs(filled):
        if e - s + 1 < min_len or e - s + 1 > limit:
            continue
        best = None
        for s2, e2 in _sub_spans(w, s, e, min_len):
            ia, ib = max(0, s2 - 1), min(n - 1, e2 + 1)
            spread = float(np.abs(thumbs[ia] - thumbs[ib]).mean())
            if spread < MIN_ENDPOINT_DIFF * threshold_scale or float(bhattacharyya(w.hists[ia], w.hists[ib])) < 0.1:
                continue
            verdict = _classify_run(thumbs, shape, s2, e2)
            if verdict is not None and (best is None or verdict[1] < best[0][1]):
                best = (verdict, s2, e2, ia, ib)
        if best is None:
            continue
        (kind, err, turn), s, e, ia, ib = best
        if kind == "dissolve" and (_nearly_flat(w, ia) or _nearly_flat(w, ib)):
            kind = "fade"  # a dissolve from or to black (a title card on black, say) is a fade
        score = float(np.clip(1.0 - err / (2 * MAX_BLEND_ERROR), 0.0, 1.0))
        found.append(Candidate(kind, w.start + turn, w.start + s, w.start + e, score))
    return found
