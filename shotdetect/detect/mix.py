"""Dissolves and wipes of any shape: the picture goes from shot A to shot B by mixing them.

A run of frames whose change is well above the shot's usual activity is checked against the frames
just outside it, A (before) and B (after): every frame in between must be a per-pixel mix of A and
B (see :func:`_classify_run`), the change must not be explained by motion, and both shots must be
steady either side. Camera motion, action, exposure ramps and objects appearing over a background
fail one of these, which is what keeps them from being reported.
"""

from __future__ import annotations

import numpy as np

from ..features import REPEAT_DIFF, STILL_DIFF
from .base import MAX_GRADUAL_SECONDS, DetectorSettings, explained_spans
from .candidates import Candidate
from .fades import nearly_flat
from .picture import (band, changed_share, changed_shares, colour_changed_share, moved_changed_share, outside,
                      structure_changed_share)
from .window import SignalWindow, runs

__all__ = ["MixDetector", "find_mixes", "running_median", "settled", "MIN_STRUCTURE_SHARE", "SETTLE_SECONDS"]

#: Frames over which a picture must stay put to count as steady when a span is grown to its ends,
#: in seconds, and the most share of it that may change meanwhile (noise and a pixel of movement
#: do not count, see :func:`~.picture.changed_share`; a 4 s wipe at 25 fps replaces 2 %% in 2 frames).
STEADY_SECONDS = 0.08
STEADY_SHARE = 0.01
#: The same distance for finding slow wipes that nothing else marks: a 4 s wipe moves its edge
#: less than a thumbnail pixel per frame, which :func:`~.picture.changed_share` forgives over two
#: frames, but replaces 6 %% of the picture in 6.
SLOW_STEADY_SECONDS = 0.24
#: Most share of the changing pixels of a grown span (see :func:`_grown`) that may show B and later A
#: again: a transition replaces each part of the picture for good (once B, it stays B), where a
#: camera move or a morph carries parts back and forth.
MAX_RETURNED = 0.05
#: Longest quiet stretch inside one transition, in seconds (slow dissolves and wipes have some).
RUN_GAP_SECONDS = 0.25
#: How many times a shot's usual activity a frame's change must reach to take part in a transition.
ACTIVITY_RATIO = 2.5
#: Window of the median that gives a shot's usual activity, in seconds.
ACTIVITY_BASELINE_SECONDS = 4.0
#: Least share of the picture whose brightness or colour a transition changes: an object, a caption
#: or a figure that appears over a background that stays is not a new shot.
MIN_REPLACED_SHARE = 0.36
#: Least share of the picture whose structure (brightness and contrast discounted) changes: an
#: exposure ramp or a flash leaves the structure alone.
MIN_STRUCTURE_SHARE = 0.3
#: Most share of the changing pixels (median over the frames) that may show neither A, B nor a mix
#: of them: the movement inside both shots while the transition runs.
MAX_UNEXPLAINED = 0.2
#: Least share of the frame-to-frame change (summed over the span) that optical flow leaves
#: unexplained: a camera move or fast action is explained by motion, a transition replaces pixels.
MIN_UNEXPLAINED_MOTION = 0.38
#: A span whose end picture is its start picture moved (a pan, a zoom, a slow drift) keeps at most
#: this share of its change once the start is moved along the optical flow onto the end; a new shot
#: cannot be flowed out of the old one.
MOVED_RATIO = 0.5
#: Time either side of a transition over which each shot is compared with itself, in seconds.
SETTLE_SECONDS = 0.16
#: Largest change within either shot over that time, relative to the change across the transition.
SETTLED_RATIO = 0.5
#: Most consecutive repeated frames that count at the value of the last frame that moved, when a
#: shot's usual activity is measured: animation on threes repeats each picture twice.
REPEATS_BRIDGED = 2
#: Least explained share in every single frame of a transition.
MIN_EXPLAINED_FRAME = 0.45
#: Mean distance of the pixels' mix weights from 0 or 1 (median over the frames) from which the
#: pixels change together (a dissolve) rather than region by region (a wipe).
DISSOLVE_MIDWAY = 0.12


def _rising(values: list[float]) -> float:
    """Rank correlation of a sequence with time: 1 when it only ever increases."""
    if len(values) < 3 or np.ptp(values) == 0:
        return 0.0
    ranks = np.argsort(np.argsort(values))
    return float(np.corrcoef(ranks, np.arange(len(values)))[0, 1])


def settled(thumbs: np.ndarray, ia: int, ib: int, k: int, across: float) -> bool:
    """Whether the pictures either side of a span are steady: each changes over ``k`` frames within
    its own shot far less than ``across`` (the :func:`changed_share` of frames ``ia`` and ``ib``).
    A transition leaves shot A and arrives in shot B; a camera move or an action scene keeps
    changing before and after the span too."""
    n = len(thumbs)
    before = changed_share(thumbs[max(0, ia - k)], thumbs[ia])
    after = changed_share(thumbs[ib], thumbs[min(n - 1, ib + k)])
    return max(before, after) < SETTLED_RATIO * across


def _classify_run(thumbs: np.ndarray, s: int, e: int) -> tuple[str, float, int, float] | None:
    """Whether frames ``s..e`` take the picture from A = frame s-1 to B = frame e+1, whatever the
    shape of the transition.

    Every frame between is modelled as a per-pixel mix of A and B: each pixel shows A, B or a value
    between them (a blend), up to a pixel of movement. Dissolves, wipes of any shape (iris, clock,
    barn doors, slices), pixel dissolves and blurs fit; camera motion, action and zooms do not,
    because a moving picture shows what neither end shows at that place. The share of the changing
    pixels that already show B must grow steadily from about none to about all. The kind follows
    from how pixels switch: all together (their mix weight mid-way) is a dissolve, one region at a
    time (each pixel A or B) is a wipe.

    Returns (kind, unexplained share, first frame mostly B, share of the changing pixels that showed
    B and later A again) or None when the frames are no such mix.
    """
    n = len(thumbs)
    a, b = thumbs[max(0, s - 1)], thumbs[min(n - 1, e + 1)]
    band_a, band_b = band(a), band(b)
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    changing = outside(fb, band_a) & outside(fa, band_b)
    if not changing.any():
        return None
    lo, hi = np.minimum(band_a[0], band_b[0])[changing], np.maximum(band_a[1], band_b[1])[changing]
    in_a_lo, in_a_hi = band_a[0][changing], band_a[1][changing]
    in_b_lo, in_b_hi = band_b[0][changing], band_b[1][changing]
    va, step = fa[changing], fb[changing] - fa[changing]
    explained, share_b, midway = [], [], []
    shown_b = np.zeros(len(va), bool)  # pixels that have shown B (and not A) at some frame
    back_to_a = np.zeros(len(va), bool)  # ... and show A again at a later one
    for m in range(s, e + 1):
        px = thumbs[m].astype(np.float32)[changing]
        explained.append(float(((px >= lo) & (px <= hi)).mean()))
        in_a = (px >= in_a_lo) & (px <= in_a_hi)
        in_b = (px >= in_b_lo) & (px <= in_b_hi)
        back_to_a |= shown_b & in_a & ~in_b
        shown_b |= in_b & ~in_a
        share_b.append(float((in_b & ~in_a).mean() + 0.5 * (~in_a & ~in_b).mean()))
        weight = np.clip((px - va) / step, 0.0, 1.0)
        midway.append(float(np.minimum(weight, 1.0 - weight).mean()))
    unexplained = 1.0 - float(np.median(explained))
    if unexplained > MAX_UNEXPLAINED or min(explained) < MIN_EXPLAINED_FRAME:
        return None
    if not (share_b[0] < 0.35 and share_b[-1] > 0.65 and _rising(share_b) > 0.8):
        return None
    kind = "dissolve" if float(np.median(midway)) >= DISSOLVE_MIDWAY else "wipe"
    turn = next((s + k for k, f in enumerate(share_b) if f > 0.5), (s + e + 1) // 2)
    return kind, unexplained, turn, float(back_to_a.mean())


def _sub_spans(w: SignalWindow, s: int, e: int, min_len: int, most: int = 3) -> list[tuple[int, int]]:
    """The run itself, then the parts of it that start after or end before a still frame.

    Jerky footage (repeated frames, then a jump) can run straight into a dissolve; the transition
    then starts after the last still frame, not at the start of the run.
    """
    still = [t for t in range(s + 1, e) if w.diff[t] < STILL_DIFF]
    starts = [s] + [t + 1 for t in still if e - t >= min_len][-most:]
    ends = [e] + [t - 1 for t in still if t - s >= min_len][:most]
    return [(a, b) for a in starts for b in ends if b - a + 1 >= min_len]


def running_median(x: np.ndarray, size: int) -> np.ndarray:
    """Median of the ``size`` values centred on each position (odd ``size``), edges repeated."""
    half = size // 2
    padded = np.pad(x, half, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, size), axis=1)


def _last_moving(moved: np.ndarray) -> np.ndarray:
    """For each position, the index of the last position at most :data:`REPEATS_BRIDGED` before it
    where ``moved`` holds, else the position itself: a frame repeated once or twice (animation on
    twos or threes, a jerky stream) stands for the movement around it; a picture held longer is
    still."""
    at = np.arange(len(moved))
    idx = np.where(moved, at, -len(moved) - 1)
    np.maximum.accumulate(idx, out=idx)
    return np.where(at - idx <= REPEATS_BRIDGED, idx, at)


def find_mixes(w: SignalWindow, *, exclude: list[tuple[int, int]], threshold_scale: float = 1.0) -> list[Candidate]:
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
    moving = _last_moving(w.diff >= REPEAT_DIFF)
    for signal, floor in ((w.residual, 0.006), (w.bhattacharyya, 0.02)):
        # A repeated frame (frame-rate conversion, animation on twos, a jerky stream) changes
        # nothing; it counts at the value of the last frame that moved (see _last_moving), so that
        # a shot's usual activity is what its moving frames do, not half of it.
        base = running_median(signal[moving], size)
        active |= signal > np.maximum(floor * threshold_scale, ACTIVITY_RATIO * threshold_scale * base)
    explained = np.zeros(n, bool)  # what earlier detectors found: not part of a run, nor crossed by one
    for s, e in exclude:
        explained[max(0, s):e + 1] = True
    active &= ~explained
    filled = active.copy()
    filled[1:-1] |= active[:-2] & active[2:]  # bridge single quiet frames
    limit = w.frames(MAX_GRADUAL_SECONDS)
    min_len = w.frames(0.1, minimum=3)
    settle = w.frames(SETTLE_SECONDS)
    thumbs = w.thumbs
    verdicts: list[tuple[bool, float, str, int, int, int]] = []
    spans = _spans(runs(filled), w.frames(RUN_GAP_SECONDS), limit, explained)
    grown = [g for g in _grown(w, spans, limit, explained) if g not in spans]
    grown += [u for u in _unsteady_runs(w, min_len, limit, explained) if u not in spans and u not in grown]
    for s, e in spans + grown:
        for s2, e2 in _sub_spans(w, s, e, min_len) if (s, e) not in grown else [(s, e)]:
            ia, ib = max(0, s2 - 1), min(n - 1, e2 + 1)
            if float(w.residual[s2:e2 + 1].sum()) < MIN_UNEXPLAINED_MOTION * float(w.diff[s2:e2 + 1].sum()):
                continue
            if colour_changed_share(thumbs[ia], thumbs[ib], w.chromas[ia], w.chromas[ib]) < MIN_REPLACED_SHARE:
                continue
            if structure_changed_share(thumbs[ia], thumbs[ib]) < MIN_STRUCTURE_SHARE / min(1.0, threshold_scale):
                continue
            across = changed_share(thumbs[ia], thumbs[ib])
            if not settled(thumbs, ia, ib, settle, across):
                continue
            if moved_changed_share(thumbs[ia], thumbs[ib]) < MOVED_RATIO * across:
                continue  # the new picture is the old one moved: a pan, a zoom, a drift
            verdict = _classify_run(thumbs, s2, e2)
            if verdict is not None and (s, e) in grown and verdict[3] > MAX_RETURNED:
                continue  # grown over slow region-wise change, which must then be one for good
            if verdict is not None:
                verdicts.append(((s, e) in grown, verdict[1], verdict[0], verdict[2], s2, e2))
    # Spans of plain activity first (their ends are where the change is plain), best explained
    # first; a span overlapping one already taken is another reading of it.
    found: list[Candidate] = []
    for _, err, kind, turn, s, e in sorted(verdicts):
        if any(c.start - w.start <= e and s <= c.end - w.start for c in found):
            continue
        ia, ib = max(0, s - 1), min(n - 1, e + 1)
        if kind == "dissolve" and (nearly_flat(w, ia) or nearly_flat(w, ib)):
            kind = "fade"  # a dissolve from or to black (a title card on black, say) is a fade
        score = float(np.clip(1.0 - err / (2 * MAX_UNEXPLAINED), 0.0, 1.0))
        found.append(Candidate(kind, w.start + turn, w.start + s, w.start + e, score))
    return sorted(found, key=lambda c: c.start)


def _grown(w: SignalWindow, spans: list[tuple[int, int]], limit: int, explained: np.ndarray) -> list[tuple[int, int]]:
    """Each span grown outwards until the pictures either side are steady: a wipe, an iris or
    slices change a thin part of the picture per frame, so their slow first and last parts do not
    count as activity, but the picture is not steady until the transition is over. A span that
    meets no steady picture within the longest transition (a moving shot) is not grown."""
    n, k = len(w), w.frames(STEADY_SECONDS)
    if n <= 2 * k:
        return []
    shares = changed_shares(w.thumbs, k)

    def steady(t: int) -> bool:
        """The picture does not change between frames t and t + k."""
        return bool(shares[t] <= STEADY_SHARE)

    out = []
    for s, e in spans:
        a = s - 1  # frame A: the last one before the span, steady towards the past
        while a >= k and not steady(a - k) and not explained[a] and e - a < limit:
            a -= 1
        b = e + 1  # frame B: the first one after the span, steady towards the future
        while b < n - k and not steady(b) and not explained[b] and b - s < limit:
            b += 1
        if a < k or b >= n - k or not steady(a - k) or not steady(b) or b - a - 1 > limit:
            continue
        if (a + 1, b - 1) != (s, e):
            out.append((a + 1, b - 1))
    return out


def _unsteady_runs(w: SignalWindow, min_len: int, limit: int, explained: np.ndarray) -> list[tuple[int, int]]:
    """Stretches of frames whose picture keeps changing, between two steady pictures: a slow wipe
    changes so little per frame that nothing else marks it, but over :data:`SLOW_STEADY_SECONDS`
    it replaces a visible part of the picture."""
    n, k = len(w), w.frames(SLOW_STEADY_SECONDS)
    if n <= 2 * k:
        return []
    moving = changed_shares(w.thumbs, k) > STEADY_SHARE  # the picture changes between t and t + k
    out = []
    for s, e in runs(moving):
        # Frame s - 1 and the k after it are alike, so the change starts at s + k; frame e + 1 and
        # the k after it are alike, so it is over by e + 1.
        first, last = s + k, e
        if s == 0 or e >= n - k - 1 or explained[s:e + 2].any():
            continue
        if min_len <= last - first + 1 <= limit:
            out.append((first, last))
    return out


def _spans(active_runs: list[tuple[int, int]], gap: int, limit: int, explained: np.ndarray,
           most: int = 6) -> list[tuple[int, int]]:
    """Spans that a transition may cover: each run of raised activity, and each chain of up to
    ``most`` consecutive runs less than ``gap`` frames apart (a slow dissolve or wipe changes the
    picture little in some frames), no longer than ``limit`` frames and never across a frame that
    an earlier detector explained (a cut between two runs is not part of a dissolve)."""
    spans = []
    for i, (s, _) in enumerate(active_runs):
        for j in range(i, min(len(active_runs), i + most)):
            if j > i and (active_runs[j][0] - active_runs[j - 1][1] > gap
                          or explained[active_runs[j - 1][1] + 1:active_runs[j][0]].any()):
                break
            e = active_runs[j][1]
            if e - s + 1 > limit:
                break
            spans.append((s, e))
    return spans


class MixDetector:
    """Dissolves and wipes of any shape (see :func:`find_mixes`), outside what is already explained."""

    name = "mixes"
    gradual = True
    #: The longest transition plus the steady stretch compared after it, with a margin.
    reach_seconds = MAX_GRADUAL_SECONDS + 1.0

    def propose(self, w: SignalWindow, settings: DetectorSettings, earlier: list[Candidate]) -> list[Candidate]:
        return find_mixes(w, exclude=explained_spans(w, earlier), threshold_scale=settings.scale)
