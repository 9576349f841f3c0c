"""From screen states to slides: passing disturbances, clicking through, builds and revisits.

The states found in the stream (:mod:`shotdetect.slides.states`) are turned into slides in four
steps, all on the small analysis pictures (there are only as many states as the talk has clicks):

1. consecutive states showing the same picture are one (the screen was disturbed in between);
2. states shown for less than ``min_duration`` are skipped (the speaker clicked through them), and
   what was on either side is joined again if it is the same picture;
3. a state that only *adds* content to the one before it, where that one was plain background, is
   the next step of an incremental build (:func:`~shotdetect.slides.diff.relation`); one that only
   takes content away is an earlier step of the same slide. A build's most complete step is its
   final picture;
4. with ``dedupe`` a state that shows a slide seen before -- one of its steps, or a part or an
   extension of its final picture -- is a revisit of that slide, not a new one.

A change of title or of a single bullet replaces content, so it makes a new slide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .diff import Rect, change, merge_overlapping, rect_mask, relation
from .model import Slide, Span, Step
from .select import StatePicture
from .states import NEXT_TO_PLAYING, Segment

__all__ = ["assemble", "State", "JOIN_GAP"]

#: Two times the same slide was on screen are one span if no more than this many seconds (a
#: transition, a skipped flick) lie between them.
JOIN_GAP = 2.0
#: Two states agree "everywhere else" than where a video played in either only if the regions that
#: played (and the insets) cover at most this share of the picture.
UNION_MAX_AREA = 0.5


@dataclass
class State:
    """One or more segments showing the same picture."""

    pieces: list[tuple[int, int, float, float]]  # (start_frame, end_frame, start_time, end_time)
    image: np.ndarray
    rects: list[Rect]
    picture: StatePicture | None
    samples: int
    skipped: list[Span] = field(default_factory=list)

    @classmethod
    def of(cls, seg: Segment) -> State:
        return cls([(seg.start_frame, seg.end_frame, seg.start_time, seg.end_time)], seg.image,
                   list(seg.rects), seg.picture, seg.samples)

    @property
    def start_frame(self) -> int:
        return self.pieces[0][0]

    @property
    def start_time(self) -> float:
        return self.pieces[0][2]

    @property
    def end_time(self) -> float:
        return self.pieces[-1][3]

    @property
    def duration(self) -> float:
        return sum(p[3] - p[2] for p in self.pieces)

    def absorb(self, other: State) -> None:
        self.pieces.extend(other.pieces)
        self.skipped.extend(other.skipped)
        if other.samples > self.samples or self.picture is None:
            if other.picture is not None:
                self.picture = other.picture
            self.image = other.image
        self.samples += other.samples
        self.rects = list(dict.fromkeys(self.rects + other.rects))


#: Regions left out of every comparison (webcam insets), set by :func:`assemble`.
_ALWAYS: list[Rect] = []


def _ignore(a: State, b: State, union: bool) -> np.ndarray | None:
    """Pixels left out of comparing two states: a webcam, and playing regions of both (``union``:
    of either), each with the margin where its edge is uncertain (what moved at the edge, a
    player's progress bar)."""
    h, w = a.image.shape
    near = max(2, int(NEXT_TO_PLAYING * w))

    def mask(rects):
        return rect_mask([r.grown(near, (w, h)) for r in rects], (h, w))

    ma, mb = mask(a.rects), mask(b.rects)
    if union:
        both = ma if mb is None else mb if ma is None else ma | mb
    else:
        both = ma & mb if ma is not None and mb is not None else None
    cam = rect_mask([r.grown(2, (w, h)) for r in _ALWAYS], (h, w))  # (insets end at their found edges)
    if cam is None:
        return both
    return cam if both is None else both | cam


def _comparable_around(a: State, b: State) -> bool:
    """Whether the regions playing in either state (and the insets) leave enough of the picture to
    compare the rest: they cover at most UNION_MAX_AREA of it. Measured on the regions themselves,
    not the margin left out around them: a video a third of the picture wide and high is no reason
    to give up comparing around it."""
    h, w = a.image.shape
    cover = rect_mask(list(a.rects) + list(b.rects) + _ALWAYS, (h, w))
    return cover is not None and cover.mean() <= UNION_MAX_AREA


def _kind(a: State, b: State) -> str:
    """How ``b`` relates to ``a`` (see :class:`~shotdetect.slides.diff.Relation`).

    Where a video plays in one of them only (it was caught still in the other, or it played on one
    visit and not on the next) the two are the same slide if they agree everywhere else. Whether one
    adds to the other is judged only outside regions that played in both: a slide whose content
    covers the place where the previous slide's video played does not merely remove content.
    """
    if a.rects or b.rects:
        # (not when the regions cover most of the picture: too little is left to tell slides apart)
        if _comparable_around(a, b) and relation(a.image, b.image, _ignore(a, b, True)).kind == "same":
            return "same"
    return relation(a.image, b.image, _ignore(a, b, False)).kind


def _merge_same(states: list[State]) -> list[State]:
    out: list[State] = []
    for st in states:
        if out and _kind(out[-1], st) == "same":
            out[-1].absorb(st)
        else:
            out.append(st)
    return out


@dataclass
class _Acc:
    views: list[State]
    final: int
    visits: list[tuple[int, State, int]] = field(default_factory=list)  # (order, state, view)
    same_as: int | None = None


def _same(a: State, b: State) -> bool:
    """Whether two states show the same picture (see :func:`_kind`; cheaper)."""
    if a.rects or b.rects:
        if _comparable_around(a, b) and not change(a.image, b.image, _ignore(a, b, True)).significant:
            return True
    return not change(a.image, b.image, _ignore(a, b, False)).significant


def _find_view(acc: _Acc, st: State) -> int | None:
    for i, v in enumerate(acc.views):
        if _same(v, st):
            return i
    return None


def _shows(acc: _Acc, st: State) -> bool:
    """Whether ``st`` shows this slide: one of its steps, or a part or extension of its final picture."""
    if _find_view(acc, st) is not None:
        return True
    return _kind(acc.views[acc.final], st) in ("adds", "removes")


def assemble(segments: list[Segment], *, min_duration: float, dedupe: bool,
             webcams: Sequence[Rect] = ()) -> tuple[list[Slide], list[Span]]:
    """Slides (numbered in order of first appearance) and the skipped short states.

    ``webcams`` (analysis coordinates) are left out of every comparison.
    """
    _ALWAYS[:] = list(webcams)
    states = _merge_same([State.of(s) for s in segments if s.picture is not None or s.samples])
    kept: list[State] = []
    skipped: list[Span] = []
    for st in states:
        if st.duration + 1e-9 >= min_duration and st.picture is not None:
            kept.append(st)
        else:
            skipped.extend(Span(p[0], p[1], p[2], p[3]) for p in st.pieces)
    kept = _merge_same(kept)
    _tile(kept, skipped)

    accs: list[_Acc] = []
    prev: tuple[State, _Acc] | None = None
    for order, st in enumerate(kept):
        acc = None
        if prev is not None and _kind(prev[0], st) in ("adds", "removes"):
            acc = prev[1]
        same_as = None
        if acc is None:
            earlier = next((a for a in reversed(accs) if _shows(a, st)), None)
            if dedupe:
                acc = earlier
            elif earlier is not None:
                same_as = accs.index(earlier) + 1
        if acc is None:
            acc = _Acc(views=[st], final=0, same_as=same_as)
            accs.append(acc)
            view = 0
        else:
            found = _find_view(acc, st)
            if found is None:
                acc.views.append(st)
                view = len(acc.views) - 1
                if _kind(acc.views[acc.final], st) == "adds":
                    acc.final = view
            else:
                view = found
        acc.visits.append((order, st, view))
        prev = (st, acc)
    slides = [_slide(i + 1, acc) for i, acc in enumerate(accs)]
    # a picture skipped inside the time a slide stayed on screen (its spans join across it) was a
    # disturbance of that slide: the slide's span accounts for that time
    spans = [sp for sl in slides for sp in sl.spans]
    skipped = [sk for sk in skipped
               if not any(sp.start_frame <= sk.start_frame and sk.end_frame <= sp.end_frame for sp in spans)]
    return slides, skipped


def _tile(states: list[State], skipped: list[Span]) -> None:
    """Make the slides' spans and the skipped states account for the whole talk, without gaps.

    Each picture begins at its own first frame (the change, found frame-exact) and lasts until the
    next one begins: a gap between two (a transition, a picture that never stood still, a video
    played full screen) belongs to the picture before it, which is what was on screen when it
    began. Time before the first picture belongs to the first.
    """
    # (start_frame, end_frame, start_time, end_time) pieces in time order, and how to change each
    items: list[tuple[tuple[int, int, float, float], object, int]] = []
    for st in states:
        for i, p in enumerate(st.pieces):
            items.append((p, st, i))
    for sp in skipped:
        items.append(((sp.start_frame, sp.end_frame, sp.start_time, sp.end_time), sp, -1))
    items.sort(key=lambda it: (it[0][2], it[0][0]))

    def set_piece(it, piece):
        p, owner, i = it
        if isinstance(owner, State):
            owner.pieces[i] = piece
        else:
            owner.start_frame, owner.end_frame, owner.start_time, owner.end_time = piece

    if items and (items[0][0][0] > 0 or items[0][0][2] > 0):
        p = items[0][0]
        set_piece(items[0], (0, p[1], 0.0, p[3]))
        items[0] = ((0, p[1], 0.0, p[3]), items[0][1], items[0][2])
    for k in range(len(items) - 1):
        (a, b) = items[k][0], items[k + 1][0]
        gap = b[2] - a[3]
        if gap <= 0 or b[0] <= a[1]:
            continue
        na = (a[0], b[0], a[2], b[2])
        set_piece(items[k], na)
        items[k] = (na, items[k][1], items[k][2])


def _slide(number: int, acc: _Acc) -> Slide:
    steps = []
    for i, v in enumerate(acc.views):
        steps.append(Step(step=i + 1, start_frame=v.start_frame, start_time=v.start_time, picture=v.picture,
                          final=(i == acc.final)))
    # spans: the pieces of every visit, joined where nothing else was shown in between
    spans: list[Span] = []
    last_order = None
    for order, st, _ in acc.visits:
        for p in st.pieces:
            follows = last_order is not None and order - last_order <= 1
            if spans and follows and p[2] - spans[-1].end_time <= JOIN_GAP:
                spans[-1].end_frame, spans[-1].end_time = max(spans[-1].end_frame, p[1]), max(spans[-1].end_time, p[3])
            else:
                spans.append(Span(p[0], p[1], p[2], p[3]))
            last_order = order
    # (an inset is reported once for the talk, not with each slide)
    playing = merge_overlapping(r for _, st, _ in acc.visits for r in st.rects
                                if not any(r.overlaps(c) for c in _ALWAYS))
    return Slide(number=number, steps=steps, spans=spans, same_as=acc.same_as, playing=playing)
