"""Picture-in-picture insets (a webcam of the speaker, any moving overlay) found from how they behave.

The rule: **a region that keeps moving while the rest of the screen holds, again and again over much
of the talk, is an inset** -- wherever it sits and however large it is. A slide change moves the
picture once and then holds; a build step adds content once; a pointer wanders over the whole
slide; a video inside a slide plays for that slide only. A webcam keeps moving from slide to slide.

While the talk is analysed, :class:`Activity` keeps, for every cell of a coarse grid over the small
pictures, how many seconds it moved while most of the screen was still, and when it first and last
did (bounded memory: three small arrays). At the end :func:`find_insets` takes the cells that moved
for at least :data:`INSET_SHARE` of the talk, over at least :data:`INSET_SPREAD` of it, joins them
into regions, and widens each region's box from where the speaker moved to the inset's own
rectangle: to the straight edge (a frame, or the step between the inset's picture and the slide)
found around it in a still picture, or to the picture's border when that is near.
"""

from __future__ import annotations

import cv2
import numpy as np

from .diff import Rect

__all__ = ["Activity", "find_insets", "INSET_SHARE", "INSET_SPREAD"]

#: A cell must have moved (while the rest held) for at least this share of the analysed time...
INSET_SHARE = 0.1
#: ... and its first and last movements must lie at least this share of the talk apart: a video
#: inside one slide plays while that slide is shown; a webcam goes on over the whole talk.
INSET_SPREAD = 0.5
#: ... and at least this many seconds (before then nothing is known).
MIN_SPREAD = 3.0
#: Movement over more than this share of the picture is a transition, not "the rest holds".
_REST_HOLDS = 0.25
#: Grid cells across the picture's width (4-pixel cells on the 160-pixel small pictures).
GRID_COLUMNS = 40
#: An inset is at most this share of the picture's width and height (a side-by-side layout is found
#: by the borders, see :func:`~shotdetect.slides.region.find_slide_area`).
MAX_WIDTH = 0.45
#: ... and at least this share of the width wide (and three quarters of it high): the smallest
#: webcams are 8 % of the width, 4:3.
MIN_SIZE = 0.075
MAX_HEIGHT = 0.6
#: At most this many separate regions may move at once for any of them to count (an inset and a
#: pointer); more is a slide changing in several places.
MAX_REGIONS = 2
#: An inset shows at least this many of its sides as straight edges or the picture's border.
MIN_SIDES = 2
#: Grey-level step (analysis picture) that an inset's edge shows, along most of its length.
EDGE_STEP = 18.0
EDGE_CONSISTENCY = 0.6


class Activity:
    """Where the screen moved while the rest of it held, accumulated over the talk."""

    def __init__(self, small_size: tuple[int, int]):
        sw, sh = small_size
        self.cell = max(1, sw // GRID_COLUMNS)
        self.shape = (max(1, sh // self.cell), max(1, sw // self.cell))
        self.seconds = np.zeros(self.shape, np.float32)
        self.first = np.full(self.shape, np.inf, np.float64)
        self.last = np.full(self.shape, -np.inf, np.float64)
        self.total = 0.0
        self.start: float | None = None
        self.end = 0.0

    def add(self, motion: np.ndarray, time: float, dt: float) -> None:
        """One analysed sample: its movement mask (small picture) and the time it stands for."""
        if self.start is None:
            self.start = time
        self.end = max(self.end, time)
        self.total += dt
        if not motion.any() or motion.mean() > _REST_HOLDS:
            return
        h, w = self.shape
        c = self.cell
        cells = np.any(motion[:h * c, :w * c].reshape(h, c, w, c), axis=(1, 3))  # (typed as an array)
        cells = _lone_regions(cells)
        if not cells.any():
            return  # many things moved at once: a slide changing, not an inset moving on its own
        self.seconds[cells] += dt
        np.minimum(self.first, np.where(cells, time, np.inf), out=self.first)
        np.maximum(self.last, np.where(cells, time, -np.inf), out=self.last)

    def active_cells(self) -> np.ndarray:
        span = self.end - (self.start or 0.0)
        if self.total <= 0 or span <= 0:
            return np.zeros(self.shape, bool)
        spread = max(INSET_SPREAD * span, MIN_SPREAD)
        return (self.seconds >= INSET_SHARE * self.total) & (self.last - self.first >= spread)


def _lone_regions(cells: np.ndarray) -> np.ndarray:
    """The moving cells that form a region no larger than an inset can be, when at most two regions
    moved (an inset and a pointer); none when more did (a slide changing its title and text)."""
    joined = cv2.dilate(cells.astype(np.uint8), np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    keep = np.zeros(cells.shape, bool)
    if n - 1 > MAX_REGIONS:
        return keep
    h, w = cells.shape
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_WIDTH] - 2 <= MAX_WIDTH * w and stats[i, cv2.CC_STAT_HEIGHT] - 2 <= MAX_HEIGHT * h:
            keep |= labels == i
    return keep & cells


def find_insets(activity: Activity, stills: list[np.ndarray], analysis_size: tuple[int, int]) -> list[Rect]:
    """The insets (analysis coordinates): see the module's rule.

    ``stills`` are still analysis pictures of the talk (with the insets in them) to find their edges
    in: the one that shows most of an inset's sides wins (against some slides an unframed inset's
    edge hardly shows). Without any, the boxes of the movement are widened by a margin.
    """
    cells = activity.active_cells()
    if not cells.any():
        return []
    aw, ah = analysis_size
    # join the parts of one speaker (head, shoulders) that moved apart
    joined = cv2.dilate(cells.astype(np.uint8), np.ones((3, 3), np.uint8))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    sx = aw / (activity.shape[1] * activity.cell) * activity.cell
    sy = ah / (activity.shape[0] * activity.cell) * activity.cell
    out = []
    for i in range(1, n):
        ys, xs = np.nonzero((labels == i) & cells)
        if not len(xs):
            continue
        box = Rect(int(np.floor(xs.min() * sx)), int(np.floor(ys.min() * sy)),
                   int(np.ceil((xs.max() + 1) * sx)) - int(np.floor(xs.min() * sx)),
                   int(np.ceil((ys.max() + 1) * sy)) - int(np.floor(ys.min() * sy)))
        if box.w > MAX_WIDTH * aw or box.h > MAX_HEIGHT * ah:
            continue  # most of the picture moving: not an inset
        inward = int(np.ceil(max(sx, sy))) + 1
        views: list[np.ndarray | None] = [*stills] if stills else [None]  # (none: the margin rule)
        r, sides = max((_to_edges(box, still, (aw, ah), inward) for still in views),
                       key=lambda found: found[1])
        # smaller, or without the straight sides of a picture: a pointer that kept moving about there
        if r.w >= MIN_SIZE * aw and r.h >= 0.75 * MIN_SIZE * aw and sides >= MIN_SIDES:
            out.append(r)
    return out


def _to_edges(box: Rect, still: np.ndarray | None, size: tuple[int, int], inward: int = 2) -> tuple[Rect, int]:
    """Widen the box of the movement to the inset's own rectangle.

    On each side, within a third of the box's size (the part of the inset that never moved: the
    wall behind the speaker), the inset ends at the strongest straight edge -- a grey-level step along
    most of the box's side -- or, failing one, at the picture's border if that is within reach, or
    a small margin away. The search starts ``inward`` pixels inside the box (a grid cell: the box
    of the movement is only as fine as the grid). Returns the rectangle and how many of its sides
    are a straight edge or the picture's border.
    """
    w, h = size
    x0, y0, x1, y1 = box.x, box.y, box.x + box.w, box.y + box.h
    reach_x = max(3, int(0.35 * box.w) + 2)
    reach_y = max(3, int(0.35 * box.h) + 2)
    margin = max(2, int(0.01 * w))
    img = None if still is None else cv2.GaussianBlur(still.astype(np.float32), (3, 3), 0)
    sides: list[int] = []

    def edge(lines: np.ndarray, positions: range) -> int | None:
        """The position among ``positions`` of the strongest consistent step across ``lines``."""
        best, best_at = 0.0, None
        for p in positions:
            step = np.abs(lines[:, p] - lines[:, p - 1])
            strong = step > EDGE_STEP
            if strong.mean() >= EDGE_CONSISTENCY:
                m = float(step.mean())
                if m > best:
                    best, best_at = m, p
        return best_at

    def side(start: int, stop: int, border: int, lines: np.ndarray | None, outward: int) -> int:
        # candidate edge positions from just inside the box outward to the reach (a position p is the
        # boundary between line p-1 and line p)
        lo, hi = (stop, start + inward) if outward < 0 else (start - inward, stop)
        lo, hi = max(1, lo), min(hi, lines.shape[1] - 1 if lines is not None else hi)
        found = edge(lines, range(lo, hi + 1)) if lines is not None and hi >= lo else None
        if found is not None:
            sides.append(found)
            return found
        if abs(border - start) <= abs(stop - start):
            sides.append(border)
            return border
        return start + outward * margin

    rows = None if img is None else img[y0:y1, :]             # for the left and right sides
    left = side(x0, max(0, x0 - reach_x), 0, rows, -1)
    right = side(x1, min(w, x1 + reach_x), w, rows, +1)
    cols = None if img is None else img[:, x0:x1].T          # for the top and bottom
    top = side(y0, max(0, y0 - reach_y), 0, cols, -1)
    bottom = side(y1, min(h, y1 + reach_y), h, cols, +1)
    left, top = max(0, left), max(0, top)
    right, bottom = min(w, right), min(h, bottom)
    return Rect(left, top, right - left, bottom - top), len(sides)
