"""Comparing two pictures of a screen: what changed, ignoring noise, brightness drift and pointers.

Every comparison in slides mode goes through :func:`change`: the second picture is matched to the
first in gain and offset (auto-exposure, projector brightness drift), the absolute difference is
smoothed over 3x3 pixels (compression noise is spatially incoherent, a changed stroke is not) and
thresholded, and only *significant* changed regions count: after joining neighbouring letters
into words, a region must be at least :data:`MIN_FEATURE` of the picture width across. A mouse
pointer or a laser dot is smaller than that, a word of slide text is not.

:func:`relation` says how two still pictures of slides relate: same, one adds content to the other
(an incremental build, also when adding it moved the lines already shown a little), or different.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np

__all__ = ["Change", "Relation", "change", "relation", "feature_size", "Rect", "merge_overlapping", "rect_mask",
           "median_image"]

#: Grey-level difference (0-255, after 3x3 smoothing and gain matching) that counts as changed.
#: Measured on recorded talks scaled to 320 px wide, compression and sensor noise stay under 4-6
#: levels at the 99th percentile and under 10 at the 99.9th; downscaled slide text keeps
#: 40 levels and more of contrast. 14 sits between the two with margin on both sides.
THRESHOLD = 14.0
#: Smallest changed region that counts, as a fraction of the picture width (after joining letters):
#: a mouse pointer is about 1-2 % of a screen's width, a laser dot less, while a word of slide text
#: at the smallest readable size is about 3 % and a line of text far more.
MIN_FEATURE = 0.03
#: Lines along the picture's edges left out of every comparison (the 3x3 smoothing spreads a
#: flickering outermost line of a capture into the next one).
EDGE = 2


def feature_size(width: int) -> int:
    """Smallest significant region, in pixels, for pictures ``width`` pixels wide."""
    return max(3, int(round(MIN_FEATURE * width)))


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle ``x, y, w, h`` (integers, pixels of some picture)."""

    x: int
    y: int
    w: int
    h: int

    @property
    def area(self) -> int:
        return self.w * self.h

    def scaled(self, sx: float, sy: float, bounds: tuple[int, int] | None = None) -> Rect:
        x0, y0 = int(np.floor(self.x * sx)), int(np.floor(self.y * sy))
        x1, y1 = int(np.ceil((self.x + self.w) * sx)), int(np.ceil((self.y + self.h) * sy))
        if bounds is not None:
            x0, y0 = max(0, x0), max(0, y0)
            x1, y1 = min(bounds[0], x1), min(bounds[1], y1)
        return Rect(x0, y0, max(0, x1 - x0), max(0, y1 - y0))

    def grown(self, margin: int, bounds: tuple[int, int]) -> Rect:
        x0, y0 = max(0, self.x - margin), max(0, self.y - margin)
        x1, y1 = min(bounds[0], self.x + self.w + margin), min(bounds[1], self.y + self.h + margin)
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def union(self, other: Rect) -> Rect:
        x0, y0 = min(self.x, other.x), min(self.y, other.y)
        x1, y1 = max(self.x + self.w, other.x + other.w), max(self.y + self.h, other.y + other.h)
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def overlaps(self, other: Rect, gap: int = 0) -> bool:
        return (self.x - gap < other.x + other.w and other.x - gap < self.x + self.w
                and self.y - gap < other.y + other.h and other.y - gap < self.y + self.h)

    def clipped(self, other: Rect) -> Rect:
        """The part of this rectangle inside ``other`` (empty: width or height 0)."""
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1, y1 = min(self.x + self.w, other.x + other.w), min(self.y + self.h, other.y + other.h)
        return Rect(x0, y0, max(0, x1 - x0), max(0, y1 - y0))

    def contains(self, other: Rect) -> bool:
        return (self.x <= other.x and self.y <= other.y and other.x + other.w <= self.x + self.w
                and other.y + other.h <= self.y + self.h)

    def as_list(self) -> list[int]:
        return [self.x, self.y, self.w, self.h]


def merge_overlapping(rects: Iterable[Rect]) -> list[Rect]:
    """The rectangles, each one that overlaps one already listed joined into it (the same region
    found twice), in order of first appearance."""
    out: list[Rect] = []
    for r in rects:
        for i, o in enumerate(out):
            if o.overlaps(r):
                out[i] = o.union(r)
                break
        else:
            out.append(r)
    return out


def rect_mask(rects: list[Rect] | tuple[Rect, ...], shape: tuple[int, int], scale: tuple[float, float] = (1.0, 1.0)) -> np.ndarray | None:
    """Boolean mask (``shape`` = rows, cols) that is True inside any of ``rects`` (scaled); None if none."""
    if not rects:
        return None
    m = np.zeros(shape, bool)
    for r in rects:
        s = r.scaled(scale[0], scale[1], (shape[1], shape[0]))
        m[s.y:s.y + s.h, s.x:s.x + s.w] = True
    return m


@dataclass
class Change:
    """Where picture ``b`` differs from picture ``a``.

    Attributes
    ----------
    mask : ndarray of bool
        Changed pixels that belong to a significant region.
    boxes : list of Rect
        The significant regions' bounding boxes.
    b : ndarray of float32
        ``b`` matched to ``a`` in gain and offset.
    diff : ndarray of float32
        Smoothed absolute difference.
    """

    mask: np.ndarray
    boxes: list[Rect]
    b: np.ndarray
    diff: np.ndarray

    @property
    def significant(self) -> bool:
        return bool(self.boxes)

    @property
    def area(self) -> int:
        return int(np.count_nonzero(self.mask))


def _match_gain(a: np.ndarray, b: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """``b`` mapped linearly onto ``a`` (robust least squares on a subsample of the valid pixels)."""
    step = 3 if a.size > 20000 else 1
    av = a[::step, ::step].ravel()
    bv = b[::step, ::step].ravel()
    if valid is not None:
        keep = valid[::step, ::step].ravel()
        av, bv = av[keep], bv[keep]
    if av.size < 16:
        return b
    # Two starting points, refitted until the pixels that agree settle; the fit under which more
    # pixels agree wins. From all pixels: a brightness drift. From the pixels that already agree
    # as they are: content added on a plain background (many dark new pixels where the other picture
    # is white) pulls a fit over all pixels far off -- on a white slide, to a gain of 0.6 that makes
    # every old line of text look changed.
    gain, offset, agree = _refit(av, bv, slice(None))
    count = int(np.count_nonzero(agree))
    if count < 0.98 * agree.size:  # (else nearly every pixel agrees already: nothing to win)
        g2, o2, agree2 = _refit(av, bv, np.abs(bv - av) < 2 * THRESHOLD)
        if int(np.count_nonzero(agree2)) > count:
            gain, offset = g2, o2
    if abs(gain - 1.0) < 1e-3 and abs(offset) < 0.05:
        return b
    return b * np.float32(gain) + np.float32(offset)


def _refit(av: np.ndarray, bv: np.ndarray, sel) -> tuple[float, float, np.ndarray]:
    """Least-squares gain and offset mapping ``bv`` onto ``av``, refitted on the pixels that agree
    (a picture that changed in places must not skew the fit); also the final agreeing pixels."""
    gain, offset = 1.0, 0.0
    agree = np.abs(bv - av) < 2 * THRESHOLD
    for _ in range(4):
        x, y = bv[sel], av[sel]
        if x.size < 16:
            break
        mx, my = float(x.mean()), float(y.mean())
        vx = float(((x - mx) ** 2).mean())
        if vx < 4.0:  # a flat picture: only the offset can be told
            gain, offset = 1.0, my - mx
        else:
            gain = float(((x - mx) * (y - my)).mean()) / vx
            gain = min(1.6, max(0.6, gain))
            offset = my - gain * mx
        agree = np.abs(gain * bv + offset - av) < 2 * THRESHOLD
        if isinstance(sel, np.ndarray) and np.array_equal(agree, sel):
            break  # settled
        sel = agree
    return gain, offset, agree


def significant(mask: np.ndarray, min_size: int) -> tuple[np.ndarray, list[Rect]]:
    """Keep the regions of ``mask`` at least ``min_size`` across, after joining letters into words.

    The 3x3 smoothing of the difference and the joining of letters (one pixel either side) make a
    region up to 4 pixels wider and 2 taller than what changed: that is taken off before measuring.
    A region must be ``min_size`` wide (a word), twice that tall (a pointer moving down is not), or
    cover as many pixels as a square twice that side would.
    """
    if np.count_nonzero(mask) < min_size:  # too few pixels for any region that counts
        return np.zeros(mask.shape, bool), []
    m = mask.astype(np.uint8)
    joined = cv2.dilate(m, np.ones((1, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    w, h, area = stats[:, cv2.CC_STAT_WIDTH] - 4, stats[:, cv2.CC_STAT_HEIGHT] - 2, stats[:, cv2.CC_STAT_AREA]
    ok = (w >= min_size) | (h >= 2 * min_size) | (area >= 4 * min_size * min_size)
    ok[0] = False
    keep = np.flatnonzero(ok)
    if not keep.size:
        return np.zeros(mask.shape, bool), []
    boxes = [Rect(int(stats[i, 0]), int(stats[i, 1]), int(stats[i, 2]), int(stats[i, 3])) for i in keep]
    return ok[labels] & mask, boxes


def change(a: np.ndarray, b: np.ndarray, ignore: np.ndarray | None = None, *,
           threshold: float = THRESHOLD, min_size: int | None = None) -> Change:
    """Significant change from grey picture ``a`` to grey picture ``b`` (same size).

    Parameters
    ----------
    ignore : ndarray of bool, optional
        Pixels left out (a webcam inset, a playing video).
    """
    a = a.astype(np.float32, copy=False)
    b = b.astype(np.float32, copy=False)
    valid = None if ignore is None else ~ignore
    bn = _match_gain(a, b, valid)
    diff = cv2.blur(cv2.absdiff(a, bn), (3, 3))
    if diff.shape[0] > 32 and diff.shape[1] > 32:
        # the outermost lines of a capture flicker (capture cards, encoders): never content
        diff[:EDGE], diff[-EDGE:], diff[:, :EDGE], diff[:, -EDGE:] = 0, 0, 0, 0
    raw = diff > threshold
    if valid is not None:
        raw &= valid
    mask, boxes = significant(raw, min_size or feature_size(a.shape[1]))
    return Change(mask=mask, boxes=boxes, b=bn, diff=diff)


@dataclass
class Relation:
    """How picture ``b`` relates to picture ``a``.

    ``kind`` is ``"same"``, ``"adds"`` (b is a with content added where a was empty: the next step
    of a build), ``"removes"`` (b is a with content taken away: a is b plus a build step) or
    ``"different"``.
    """

    kind: str
    changed: int = 0
    added: int = 0
    removed: int = 0
    boxes: list[Rect] = field(default_factory=list)


_INK_CACHE: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def ink(a: np.ndarray, threshold: float = THRESHOLD) -> np.ndarray:
    """Where a picture has content -- text, lines, edges: pixels away from their local background
    (a 9x9 median, wider than any stroke). Remembered for the last pictures asked about."""
    hit = _INK_CACHE.get(id(a))
    if hit is not None and hit[0] is a:
        return hit[1]
    a8 = np.clip(a, 0, 255).astype(np.uint8)
    background = cv2.medianBlur(a8, 9).astype(np.float32)
    m = np.abs(a.astype(np.float32) - background) > threshold
    _INK_CACHE[id(a)] = (a, m)
    if len(_INK_CACHE) > 512:
        _INK_CACHE.pop(next(iter(_INK_CACHE)))
    return m


def _lost_structure(a: np.ndarray, ch: Change, threshold: float) -> np.ndarray:
    """Changed pixels where ``a`` had content (text, lines, edges): what ``b`` removed or replaced."""
    return ch.mask & ink(a, threshold)


def relation(a: np.ndarray, b: np.ndarray, ignore: np.ndarray | None = None) -> Relation:
    """Classify the change from slide picture ``a`` to ``b`` (see :class:`Relation`)."""
    ch = change(a, b, ignore)
    if not ch.significant:
        return Relation("same")
    size = feature_size(a.shape[1])
    changed = ch.area
    # b adds to a where the changed pixels are plain background in a (a had no content there);
    # a adds to b where they are plain background in b.
    lost_a = _lost_structure(a, ch, THRESHOLD)
    lost_b = _lost_structure(b, ch, THRESHOLD)
    removed = int(np.count_nonzero(lost_a))
    if removed <= 0.1 * changed and not significant(lost_a, size)[1]:
        return Relation("adds", changed=changed, added=changed, boxes=ch.boxes)
    if np.count_nonzero(lost_b) <= 0.1 * changed and not significant(lost_b, size)[1]:
        return Relation("removes", changed=changed, removed=changed, boxes=ch.boxes)
    # a build step that also re-laid out what was already shown (lines moved a little as text was
    # added): every line of a that changed is still there in b, moved, and b has new content besides
    content_a, content_b = ink(a, THRESHOLD), ink(b, THRESHOLD)  # (remembered: states are compared often)
    if _adds_moved(a.astype(np.float32, copy=False), ch.b, content_a, content_b, ch.mask, ignore):
        return Relation("adds", changed=changed, added=changed, boxes=ch.boxes)
    back = change(b, a, ignore)
    if back.significant and _adds_moved(b.astype(np.float32, copy=False), back.b, content_b, content_a,
                                        back.mask, ignore):
        return Relation("removes", changed=changed, removed=changed, boxes=ch.boxes)
    return Relation("different", changed=changed, removed=removed, boxes=ch.boxes)


#: How far a line of text may move between two build steps of one slide and still be the same line
#: (fraction of the picture width, either direction): re-laid out text moves by a few pixels (a
#: leading space, a paragraph re-centred, the line spacing tightened as lines are added), less than
#: a line's height at the analysis size, so a line is never taken for the line above or below it.
MAX_SHIFT = 0.02
#: A moved line is compared at this many times the analysis size (cubic), blurred by 3/4 of a pixel
#: of the analysis picture: text re-rendered or resampled a fraction of a pixel away changes many of
#: its pixels at the analysis size (letters are 4-6 pixels high there), and the comparison must not
#: see that. The difference is then judged back at the analysis size, as every other one. Measured:
#: lines moved by 1-3 pixels (Opencast's 320-pixel capture, generated slides) show no significant
#: difference; a bullet replaced by another of the same length shows a region of 430 pixels, on a
#: filmed projector 56; two different lines of Opencast's tiny text 86 and more.
_UPSAMPLE = 4


def _lines(content: np.ndarray, size: int) -> list[Rect]:
    """Boxes of the lines (or line pieces) of a content mask: letters and words joined across gaps
    narrower than the smallest significant region, lines kept apart."""
    joined = cv2.dilate(content.astype(np.uint8), np.ones((1, size), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    half = size // 2
    return [Rect(int(stats[i, 0]) + half, int(stats[i, 1]), max(1, int(stats[i, 2]) - 2 * half),
                 int(stats[i, 3])) for i in range(1, n)]


def _fine(picture: np.ndarray, r: Rect) -> np.ndarray:
    """Part ``r`` of a picture, enlarged :data:`_UPSAMPLE` times and blurred (see there)."""
    part = cv2.resize(np.ascontiguousarray(picture[r.y:r.y + r.h, r.x:r.x + r.w]), None, fx=_UPSAMPLE,
                      fy=_UPSAMPLE, interpolation=cv2.INTER_CUBIC)
    return cv2.GaussianBlur(part, (0, 0), 0.75 * _UPSAMPLE)


def _moved_to(a: np.ndarray, b: np.ndarray, r: Rect, shift: int) -> Rect | None:
    """Where line ``r`` of ``a`` lies in ``b``, at most ``shift`` pixels from its place, whole and
    unchanged (no significant difference where it fits best); None if it is not there."""
    h, w = a.shape
    win = r.grown(shift, (w, h))
    if win.w < r.w or win.h < r.h:
        return None
    tpl, area = _fine(a, r), _fine(b, win)
    scores = cv2.matchTemplate(area, tpl, cv2.TM_SQDIFF)
    _, _, (dx, dy), _ = cv2.minMaxLoc(scores)
    there = area[dy:dy + tpl.shape[0], dx:dx + tpl.shape[1]]
    # (the difference judged back at the analysis size, as every other comparison)
    diff = cv2.resize(np.abs(tpl - there), (r.w, r.h), interpolation=cv2.INTER_AREA)
    if significant(diff > THRESHOLD, feature_size(w))[1]:
        return None
    x = win.x + int(round(dx / _UPSAMPLE))
    y = win.y + int(round(dy / _UPSAMPLE))
    return Rect(x, y, r.w, r.h).clipped(Rect(0, 0, w, h))


def _adds_moved(a: np.ndarray, b: np.ndarray, content_a: np.ndarray, content_b: np.ndarray,
                changed: np.ndarray, ignore: np.ndarray | None) -> bool:
    """Whether ``b`` holds every line of ``a`` that changed, whole, moved by at most
    :data:`MAX_SHIFT`, and has content of its own besides: ``a`` plus a build step, re-laid out.

    ``b`` is matched to ``a`` in brightness, ``content_a`` and ``content_b`` say where each has
    content (:func:`ink`), ``changed`` where they differ. Each line of ``a`` whose content changed
    is looked for near its place in ``b`` as a whole (:func:`_moved_to`: a line whose words changed
    is found nowhere). Lines and new content are judged outside ``ignore``.
    """
    h, w = a.shape
    size = feature_size(w)
    lost = changed & content_a
    if not significant(lost, size)[1]:
        return False
    shift = max(2, int(round(MAX_SHIFT * w)))
    if ignore is not None:
        content_a = content_a & ~ignore
    lines = [r for r in _lines(content_a, size) if lost[r.y:r.y + r.h, r.x:r.x + r.w].any()]
    # (a piece smaller than a word cannot have made the change significant)
    lines = [r for r in lines if r.w >= size or r.h >= 2 * size]
    if not lines or len(lines) > 64:
        return False
    found = np.zeros(a.shape, bool)  # where a's lines lie in b
    for r in lines:
        r = r.grown(2, (w, h))
        if ignore is not None and ignore[r.y:r.y + r.h, r.x:r.x + r.w].any():
            return False  # (a line partly under an inset cannot be compared whole)
        there = _moved_to(a, b, r, shift)
        if there is None:
            return False  # this line is not in b: content replaced, not re-laid out
        found[there.y:there.y + there.h, there.x:there.x + there.w] = True
    # b's own content where the pictures differ, beyond a's lines where they now lie
    new = changed & content_b & ~found
    if ignore is not None:
        new &= ~ignore
    return bool(significant(new, size)[1])


def median_image(images: list[np.ndarray]) -> np.ndarray:
    """Per-pixel median of 1-9 same-sized uint8 images (a sorting network: fast on large pictures)."""
    n = len(images)
    if n == 1:
        return images[0].copy()
    if n == 2:
        return ((images[0].astype(np.uint16) + images[1]) // 2).astype(np.uint8)
    xs = [im.copy() for im in images]
    for r in range(n):  # odd-even transposition sort, element-wise
        for i in range(r % 2, n - 1, 2):
            lo = np.minimum(xs[i], xs[i + 1])
            np.maximum(xs[i], xs[i + 1], out=xs[i + 1])
            xs[i] = lo
    if n % 2:
        return xs[n // 2]
    return ((xs[n // 2 - 1].astype(np.uint16) + xs[n // 2]) // 2).astype(np.uint8)
