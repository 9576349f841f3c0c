"""Cut the stream of a recorded talk into *screen states*: stretches where the slide stood still.

Streaming, in bounded memory. Two pictures of every frame are used:

* every decoded frame gives a small picture (:data:`~shotdetect.slides.region.SMALL_WIDTH` wide,
  nearly free: taken from the decoder's own analysis plane). Around each analysed sample they say
  whether the screen is *calm* -- nothing significant moving within :data:`CALM_WINDOW` seconds
  either side -- and, once a change is known, on which frame it happened;
* every analysed sample (each frame, or ``sample_rate`` per second) gives an analysis picture
  (:data:`~shotdetect.slides.region.ANALYSIS_WIDTH` wide) compared with the current state.

A sample that shows no significant change from the current state's reference belongs to it. A
sample that does is *pending*: if the screen comes back the change was a passing disturbance;
if a pending sample is calm the screen has settled on something new and a new state begins
(pending samples that already show the new picture are taken into it, so it begins at the change
itself); while the screen keeps moving nothing is decided -- a fade, or a video playing.

Playing regions: when the screen has not settled for :data:`DYNAMIC_AFTER` seconds and what keeps
moving is a part of the picture (at most :data:`DYNAMIC_MAX_AREA` of it), that part is a playing
region -- a video inside the slide, a webcam inset -- and is left out of the comparisons from then
on. It may widen a little (:data:`GROW_ZONE`) as more of the video gets moving -- movement beside
it that goes on for :data:`DYNAMIC_AFTER`, as a video's does, not a change that happens once beside
it (a slide's title changing with the slide) -- and never beyond :data:`DYNAMIC_MAX_AREA`. A new state keeps
the regions of the old one that still play (a webcam) and drops the others (the video belonged to
the previous slide).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from .diff import Change, Rect, change, feature_size, median_image, rect_mask, significant
from .insets import Activity, find_insets
from .region import Geometry
from .select import Reservoir, StatePicture, StillFrame

__all__ = ["Segment", "Segmenter", "CALM_WINDOW", "DYNAMIC_AFTER"]

#: Half-width of the window around a sample in which the screen must be still for the sample to
#: show a settled picture (seconds). Slide transitions last 0.2-1 s: a sample within one sees
#: the picture change on at least one side.
CALM_WINDOW = 0.2
#: Grey-level difference that counts as movement between small pictures 0.2 s apart: there
#: (160 px wide, gain matched, 3x3 smoothed) noise stays under 5 levels, while a fade moves the
#: picture 10 levels and more in 0.2 s.
MOTION_THRESHOLD = 7.0
#: How long the screen may keep moving before the moving part is taken for a playing region
#: (seconds): longer than any slide transition, short enough not to lose much of a video slide.
DYNAMIC_AFTER = 1.0
#: How far back the moving part is gathered from, then (seconds; at least the last two samples).
DYNAMIC_RECENT = 0.5
#: A playing region must leave most of the picture still; otherwise it is a transition or a video
#: shown full screen, and no state is there.
DYNAMIC_MAX_AREA = 0.5
#: Margin added around the movement seen, as a fraction of the picture width.
DYNAMIC_MARGIN = 0.02
#: A playing region may widen by at most this fraction of the picture width on each side of where
#: it was first seen, over movement touching it while the rest of the screen is still (a video
#: whose first seconds moved in its middle only). Bounded, so it never creeps over the slide.
GROW_ZONE = 0.1
#: Movement outside the playing regions above this fraction of the picture is a transition, not
#: a region playing more widely.
GROW_MAX_AREA = 0.1
#: A change that lies within this fraction of the picture width around a playing region belongs to
#: it (the controls and progress bar of a video player).
NEXT_TO_PLAYING = 0.05
#: How often the insets recognised so far are looked for again (seconds of the talk).
INSET_CHECK = 1.0
#: Pending samples kept at most (the oldest go first: they can only be a transition).
MAX_PENDING = 256


@dataclass
class Segment:
    """One screen state, as found in the stream.

    Frames are 0-based; ``end_frame`` is exclusive. ``image`` is the median analysis picture of its
    calm samples, ``rects`` the playing regions inside it (analysis coordinates).
    """

    start_frame: int
    end_frame: int
    start_time: float
    end_time: float
    image: np.ndarray
    rects: list[Rect]
    picture: StatePicture | None
    samples: int

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time


@dataclass
class _Sample:
    index: int
    time: float
    image: np.ndarray
    small: np.ndarray
    source: Any
    motion: np.ndarray | None = None  # significant movement around it (small picture coordinates)
    # (the same, on each side; and the neighbouring frame compared with when it lies further away
    # than CALM_WINDOW: a sparse capture)
    sides: tuple[np.ndarray | None, np.ndarray | None] = (None, None)
    sparse: tuple[tuple[int, float, np.ndarray] | None, tuple[int, float, np.ndarray] | None] = (None, None)


@dataclass(eq=False)
class _Playing:
    """A playing region: where it is, how far it may widen, when it last moved on its own."""

    rect: Rect
    zone: Rect
    active: float
    #: movement seen beside it (what it would widen to), since when and when last: it widens only
    #: once that has gone on for DYNAMIC_AFTER
    growth: Rect | None = None
    growth_since: float = 0.0
    growth_last: float = 0.0


@dataclass
class _Open:
    ref: np.ndarray
    first: _Sample
    last: _Sample
    start: tuple[int, float]
    reservoir: Reservoir = field(default_factory=Reservoir)
    rects: list[Rect] = field(default_factory=list)
    last_calm: _Sample | None = None
    count: int = 0
    calm_count: int = 0
    refreshed_at: int = 1


class Segmenter:
    """Feed every decoded frame with :meth:`push`, then call :meth:`finish`; states go to ``on_segment``.

    Parameters
    ----------
    geometry : Geometry
        Picture sizes and the region analysed.
    render : callable
        ``render(candidates, rects) -> StatePicture``: the merged full-size picture of a state, called
        when the state ends (while its frames are still held).
    on_segment : callable
        Receives each :class:`Segment` as soon as it is final.
    sample_interval : float, optional
        Seconds between analysed samples (None: every frame).
    """

    def __init__(self, geometry: Geometry, render: Callable[[list[StillFrame], list[Rect]], StatePicture | None],
                 on_segment: Callable[[Segment], None], *, sample_interval: float | None = None):
        self.render = render
        self.on_segment = on_segment
        self.interval = sample_interval
        self.aw, self.ah = geometry.analysis_size
        self.sw, self.sh = geometry.small_size
        self.small_scale = (self.sw / self.aw, self.sh / self.ah)
        self.feature = feature_size(self.aw)
        # movement over 0.2 s: a pointer covers up to twice its size, so twice the usual smallest region
        self.small_feature = 2 * feature_size(self.sw)
        self._ring_seconds = max(2.0, 2 * (sample_interval or 0) + 4 * CALM_WINDOW + 1.0)
        self.ring: deque[tuple[int, float, np.ndarray]] = deque()
        self.queue: deque[_Sample] = deque()
        self.pending: list[_Sample] = []
        self.seg: _Open | None = None
        self.prev_last: _Sample | None = None
        self.playing: list[_Playing] = []
        #: per-pixel minimum and maximum of every analysed picture (None before the first sample)
        self.extremes: tuple[np.ndarray, np.ndarray] | None = None
        self._next_sample = 0.0
        self._last_frame: tuple[int, float] = (-1, 0.0)
        self._frame_step = 1 / 25
        self._moved_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.activity = Activity((self.sw, self.sh))
        #: insets recognised so far (see :mod:`~shotdetect.slides.insets`): left out of everything
        self.insets: list[Rect] = []
        self._insets_checked = -np.inf
        self._activity_from: tuple[float, np.ndarray] | None = None

    # ----------------------------------------------------------------- input
    def wants(self, time: float) -> bool:
        """Whether the frame at ``time`` is a sample to analyse."""
        if self.interval is None:
            return True
        if time + 1e-9 >= self._next_sample:
            self._next_sample += self.interval * (int((time + 1e-9 - self._next_sample) // self.interval) + 1)
            return True
        return False

    def push(self, index: int, time: float, small: np.ndarray, image: np.ndarray | None = None,
             source: Any = None) -> None:
        """One decoded frame: its small picture, and for samples the analysis picture and frame."""
        if self._last_frame[0] >= 0:
            self._frame_step = max(1e-4, time - self._last_frame[1])
        self._last_frame = (index, time)
        self.ring.append((index, time, small))
        self._observe_activity(time, small)
        while len(self.ring) > 4 and (time - self.ring[0][1] > self._ring_seconds or len(self.ring) > 2400):
            self.ring.popleft()
        if image is not None:
            if self.extremes is None:
                self.extremes = (image.copy(), image.copy())
            else:
                lo, hi = self.extremes
                np.minimum(lo, image, out=lo)
                np.maximum(hi, image, out=hi)
            self.queue.append(_Sample(index, time, image, small, source))
        while self.queue and (time >= self.queue[0].time + CALM_WINDOW and index > self.queue[0].index):
            self._process(self.queue.popleft())

    def _observe_activity(self, time: float, small: np.ndarray) -> None:
        """Movement over the last CALM_WINDOW (or since the previous frame, when frames are sparser),
        from every decoded frame whatever the sample rate: where insets play."""
        prev = self._activity_from
        if prev is None:
            self._activity_from = (time, small)
            return
        if time - prev[0] < CALM_WINDOW - 1e-6:
            return
        moved = change(prev[1], small, threshold=MOTION_THRESHOLD, min_size=self.small_feature // 2).mask
        self.activity.add(moved, time, min(time - prev[0], 2.0))
        self._activity_from = (time, small)

    def finish(self) -> None:
        while self.queue:
            self._process(self.queue.popleft())
        if self.seg is not None:
            index, time = self._last_frame
            self._close((index + 1, time + self._frame_step))

    # ----------------------------------------------------------------- helpers
    @property
    def rects(self) -> list[Rect]:
        return [p.rect for p in self.playing] + self.insets

    def _frame(self, index: int) -> tuple[int, float, np.ndarray] | None:
        if not self.ring:
            return None
        i = index - self.ring[0][0]
        if 0 <= i < len(self.ring) and self.ring[i][0] == index:
            return self.ring[i]
        return None

    def _ignore(self, rects: list[Rect] | None = None) -> np.ndarray | None:
        return rect_mask(self.rects if rects is None else list(rects) + self.insets, (self.ah, self.aw))

    def _small_ignore(self, rects: list[Rect] | None = None) -> np.ndarray | None:
        rects = self.rects if rects is None else list(rects) + self.insets
        return rect_mask(rects, (self.sh, self.sw), self.small_scale)

    def _small_box(self, r: Rect) -> Rect:
        return r.scaled(*self.small_scale, (self.sw, self.sh))

    def _big_box(self, r: Rect) -> Rect:
        return r.scaled(self.aw / self.sw, self.ah / self.sh, (self.aw, self.ah))

    def _motion(self, s: _Sample) -> np.ndarray:
        """Significant movement in the small pictures within CALM_WINDOW either side of ``s``."""
        if s.motion is not None:
            return s.motion
        t = s.time
        before = after = None
        sparse_before = sparse_after = None
        for f in self.ring:
            idx, tm, sm = f
            if idx >= s.index:
                break
            if tm >= t - CALM_WINDOW - 1e-9 or idx == s.index - 1:
                before = sm
                sparse_before = f if tm < t - CALM_WINDOW - 1e-9 else None
                break
        for f in reversed(self.ring):
            idx, tm, sm = f
            if idx <= s.index:
                break
            if tm <= t + CALM_WINDOW + 1e-9 or idx == s.index + 1:
                after = sm
                sparse_after = f if tm > t + CALM_WINDOW + 1e-9 else None
                break
        mb = None if before is None else self._moved(before, s.small)
        ma = None if after is None else self._moved(s.small, after)
        moving = np.zeros(s.small.shape, bool)
        for m in (mb, ma):
            if m is not None:
                moving |= m
        s.motion, s.sides, s.sparse = moving, (mb, ma), (sparse_before, sparse_after)
        return moving

    def _moved(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Movement from small picture ``a`` to ``b`` (remembered: one sample's "after" is often the
        next one's "before")."""
        key = (id(a), id(b))
        hit = self._moved_cache.get(key)
        if hit is not None and hit[0] is a and hit[1] is b:
            return hit[2]
        m = change(a, b, threshold=MOTION_THRESHOLD, min_size=self.small_feature).mask
        self._moved_cache[key] = (a, b, m)
        if len(self._moved_cache) > 64:
            self._moved_cache.pop(next(iter(self._moved_cache)))
        return m

    def _calm(self, s: _Sample, rects: list[Rect] | None = None) -> bool:
        """Nothing significant moves around ``s`` outside the playing regions.

        In a sparse capture (1 or 2 frames a second) the neighbouring frames lie further away than
        CALM_WINDOW, and a change between two of them is a cut, not a movement: a frame is calm if the
        picture held on one side of it (the first or last frame of a picture), or if it differs from
        both neighbours without being a blend of them (a fade) while the frame before it held (a
        picture shown for a single frame).
        """
        motion = self._motion(s)
        if not motion.any():
            return True
        ignore = self._small_ignore(rects)

        def moved(m: np.ndarray | None) -> bool:
            if m is None or not m.any():
                return False
            return bool(significant(m if ignore is None else m & ~ignore, self.small_feature)[1])

        mb, ma = moved(s.sides[0]), moved(s.sides[1])
        if not (mb or ma):
            return True
        sb, sa = s.sparse
        if (mb and sb is None) or (ma and sa is None):
            return False  # movement within CALM_WINDOW: the screen is moving
        if not (mb and ma):
            return True
        assert sb is not None and sa is not None  # (both sides moved, neither within CALM_WINDOW)
        return not _blend(sb[2], s.small, sa[2]) and self._held(sb, ignore)

    def _held(self, f: tuple[int, float, np.ndarray], ignore: np.ndarray | None) -> bool:
        """Whether frame ``f`` shows the same picture as the frame before it (or is the first)."""
        prev = self._frame(f[0] - 1)
        if prev is None:
            return f[0] == 0
        return not change(prev[2], f[2], ignore, threshold=MOTION_THRESHOLD, min_size=self.small_feature).significant

    def _moved_in(self, s: _Sample, p: _Playing) -> bool:
        """Whether ``s`` shows movement inside region ``p`` (outside smaller playing regions in it)."""
        motion = self._motion(s)
        if not motion.any():
            return False
        sr = self._small_box(p.rect)
        inside = motion[sr.y:sr.y + sr.h, sr.x:sr.x + sr.w].copy()
        for o in self.playing:  # a webcam inside a video's region does not keep the video playing
            if o is not p and o.rect.area < p.rect.area:
                so = self._small_box(o.rect)
                x0, y0 = max(so.x, sr.x) - sr.x, max(so.y, sr.y) - sr.y
                x1, y1 = min(so.x + so.w, sr.x + sr.w) - sr.x, min(so.y + so.h, sr.y + sr.h) - sr.y
                if x1 > x0 and y1 > y0:
                    inside[y0:y1, x0:x1] = False
        return bool(inside.any())

    def _stirring(self, s: _Sample, boxes: list[Rect]) -> bool:
        """Whether anything at all moves inside ``boxes`` (analysis coordinates) around ``s``, however
        small: the calm test counts only movement as large as a word."""
        for f in (self._frame(s.index - 1), self._frame(s.index + 1)):
            if f is None or abs(f[1] - s.time) > CALM_WINDOW + 1e-9:
                continue  # (a sparse capture: a change between two frames is a cut)
            moved = cv2.blur(cv2.absdiff(f[2], s.small), (3, 3)) > MOTION_THRESHOLD
            for b in boxes:
                r = self._small_box(b)
                if np.count_nonzero(moved[r.y:r.y + r.h, r.x:r.x + r.w]) >= 2:
                    return True
        return False

    def _beside_playing(self, boxes: list[Rect]) -> bool:
        """Whether every changed region lies at a playing region (its player's progress bar, controls)."""
        if not self.playing:
            return False
        near = max(2, int(NEXT_TO_PLAYING * self.aw))
        zones = [p.rect.grown(near, (self.aw, self.ah)) for p in self.playing]
        return all(any(z.contains(b) for z in zones) for b in boxes)

    def _boundary(self, a: _Sample | None, b: _Sample, playing: np.ndarray | None = None) -> tuple[int, float]:
        """First frame after sample ``a`` that shows ``b``'s picture more than ``a``'s (judged outside
        the playing regions and ``playing``, small picture coordinates)."""
        if a is None or b.index <= a.index + 1:
            return b.index, b.time
        ignore = self._small_ignore()
        if playing is not None:
            ignore = playing if ignore is None else ignore | playing
        ch = change(a.small, b.small, ignore, min_size=1)
        region = ch.diff > MOTION_THRESHOLD
        if ignore is not None:
            region &= ~ignore
        wanted = range(a.index + 1, b.index)
        frames = [f for f in map(self._frame, wanted) if f is not None]
        if region.sum() < 3 or len(frames) < len(wanted):
            mid = (a.index + b.index + 1) // 2
            f = self._frame(mid)
            return (mid, f[1]) if f else (b.index, b.time)
        av = a.small[region].astype(np.float32)
        bv = b.small[region].astype(np.float32)
        for idx, tm, sm in frames:
            v = sm[region].astype(np.float32)
            if np.abs(v - bv).mean() < np.abs(v - av).mean():
                return idx, tm
        return b.index, b.time

    # ----------------------------------------------------------------- the state machine
    def _process(self, s: _Sample) -> None:
        if s.time - self._insets_checked >= INSET_CHECK:
            self._update_insets(s)
        if self.playing:
            self._grow(s)
        calm = self._calm(s)
        if calm:  # playing regions that moved while the rest of the screen stood still are alive
            for p in self.playing:
                if self._moved_in(s, p):
                    p.active = s.time
        if self.seg is None:
            self._add_pending(s)
            if calm:
                self._open(s)
            else:
                self._try_playing(s)
            return
        ch = change(self.seg.ref, s.image, self._ignore())
        if not self._confirmed(ch, s) or self._beside_playing(ch.boxes):
            self._member(s, calm)
            return
        self._add_pending(s)
        if calm and not self._large(ch) and self._stirring(s, ch.boxes):
            calm = False  # a small change that is still moving: a pointer gliding, not a new word
        if calm:
            self._close(self._boundary(self.seg.last, self.pending[0]))
            self._open(s)
        else:
            self._try_playing(s)

    def _update_insets(self, s: _Sample) -> None:
        """Look again for insets, with what the talk has shown so far."""
        self._insets_checked = s.time
        still = self.seg.ref if self.seg is not None else s.image
        insets = find_insets(self.activity, [still], (self.aw, self.ah))
        if insets != self.insets:
            self.insets = insets
            if self.seg is not None:
                self.seg.rects = self.rects

    def _confirmed(self, ch: Change, s: _Sample) -> bool:
        """Whether a change from the reference is real, not a pointer that rested in the reference.

        A small change must also be seen against the latest still sample of the state: a pointer
        that moved a little differs from the reference at its old and its new place, which together
        can look like a word, but from the latest still sample only where it moved since. And
        against the state's first sample: in a young state the reference and the latest still
        sample can be one and the same frame, with the pointer resting in it (a state opened when
        an inset's movement was taken for a playing region); a new word shows against every
        earlier picture of the state, a pointer that moved a little not against one where it was
        elsewhere.
        """
        if not ch.significant:
            return False
        seg = self.seg
        if self._large(ch) or seg is None or seg.last_calm is None or seg.last_calm is s:
            return True
        mask = ch.mask
        others = [seg.last_calm] if seg.first is seg.last_calm else [seg.last_calm, seg.first]
        for other in others:
            if other is not s:
                mask = mask & change(other.image, s.image, self._ignore()).mask
        return bool(significant(mask, self.feature)[1])

    def _large(self, ch: Change) -> bool:
        """A change larger than a pointer at two places could make (twice the smallest region)."""
        return any(b.w - 4 >= 2 * self.feature for b in ch.boxes) or ch.area >= 4 * self.feature ** 2

    def _add_pending(self, s: _Sample) -> None:
        if self.pending:  # only the newest pending sample can still start a state and need its frame
            self.pending[-1].source = None
        self.pending.append(s)
        if len(self.pending) > MAX_PENDING:
            del self.pending[: len(self.pending) - MAX_PENDING]

    def _member(self, s: _Sample, calm: bool) -> None:
        seg = self.seg
        assert seg is not None
        self.pending.clear()  # a passing disturbance: the state goes on
        seg.last = s
        seg.count += 1
        if calm:
            seg.calm_count += 1
            seg.last_calm = s
            seg.reservoir.offer(StillFrame(s.index, s.time, s.source, s.image))
            # a reference free of the pointer and of noise: the median of the kept still frames
            if seg.calm_count >= 2 * seg.refreshed_at and len(seg.reservoir) >= 3:
                seg.ref = median_image([c.image for c in seg.reservoir.items]).astype(np.float32)
                seg.refreshed_at = seg.calm_count

    def _open(self, s: _Sample) -> None:
        # keep the playing regions that still play (a webcam), drop the others (a video that belonged
        # to the previous slide): alive means found just now or moving in the new state's first sample
        self.playing = [p for p in self.playing if p.active >= s.time or self._moved_in(s, p)]
        ignore = self._ignore()
        earlier = self.pending[:-1] if self.pending and self.pending[-1] is s else self.pending
        kept_moving = self._kept_moving(earlier, s)
        if kept_moving is not None:  # (a video that started with the slide, not yet known as playing)
            ignore = kept_moving if ignore is None else ignore | kept_moving
        members = [s]
        for p in reversed(earlier):
            ch = change(s.image, p.image, ignore)
            if self._large(ch) and not self._beside_playing(ch.boxes):
                break  # (a pointer elsewhere is no reason to stop)
            members.insert(0, p)
        first = members[0]
        k = next((i for i, p in enumerate(self.pending) if p is first), 0)
        before = self.pending[k - 1] if k > 0 else self.prev_last
        playing = None if kept_moving is None else cv2.resize(
            kept_moving.astype(np.uint8), (self.sw, self.sh), interpolation=cv2.INTER_NEAREST).astype(bool)
        if before is not None and before is not self.prev_last and self.prev_last is not None and \
                _blend(self.prev_last.small, before.small, first.small, playing):
            before = self.prev_last  # a cross-fade: the change lies where it is half done
        start = self._boundary(before, first, playing) if before is not None else (0, 0.0)
        seg = _Open(ref=s.image.astype(np.float32), first=first, last=s, start=start, rects=self.rects)
        seg.count = len(members)
        seg.calm_count = 1
        seg.last_calm = s
        seg.reservoir.offer(StillFrame(s.index, s.time, s.source, s.image))
        self.seg = seg
        self.pending.clear()

    def _kept_moving(self, samples: list[_Sample], s: _Sample) -> np.ndarray | None:
        """Where the picture kept changing from sample to sample, over DYNAMIC_AFTER or longer, up to
        ``s`` (analysis coordinates), in a part of the picture only: something playing, which says
        nothing about when the slide changed. None if nowhere."""
        seq = (samples + [s])[-16:]
        if len(seq) < 3 or s.time - seq[0].time < DYNAMIC_AFTER:
            return None
        first = np.full((self.ah, self.aw), np.inf)
        last = np.full((self.ah, self.aw), -np.inf)
        for a, b in zip(seq, seq[1:]):
            m = change(a.image, b.image).mask
            if not m.any() or m.mean() > DYNAMIC_MAX_AREA / 2:
                continue  # nothing, or a transition
            first[m] = np.minimum(first[m], b.time)
            last[m] = np.maximum(last[m], b.time)
        long = (last - first) >= DYNAMIC_AFTER - 1e-6
        if not long.any():
            return None
        # the boxes of the changing parts that kept changing, with the usual margin
        n, labels, stats, _ = cv2.connectedComponentsWithStats(np.isfinite(first).astype(np.uint8), connectivity=8)
        keep = set(np.unique(labels[long]).tolist()) - {0}
        margin = max(2, int(DYNAMIC_MARGIN * self.aw))
        rects = [Rect(int(stats[i, 0]), int(stats[i, 1]), int(stats[i, 2]), int(stats[i, 3])).grown(
            margin, (self.aw, self.ah)) for i in keep]
        mask = rect_mask(rects, (self.ah, self.aw))
        if mask is None or mask.mean() > DYNAMIC_MAX_AREA:
            return None
        return mask

    def _close(self, end: tuple[int, float]) -> None:
        seg = self.seg
        assert seg is not None
        cands = list(seg.reservoir.items)
        image = median_image([c.image for c in cands]) if cands else seg.ref.astype(np.uint8)
        picture = self.render(cands, list(seg.rects)) if cands else None
        start_frame, start_time = seg.start
        end_frame, end_time = end
        if end_frame <= start_frame:
            end_frame, end_time = start_frame + 1, start_time + self._frame_step
        self.on_segment(Segment(start_frame=start_frame, end_frame=end_frame, start_time=start_time,
                                end_time=end_time, image=image, rects=list(seg.rects), picture=picture,
                                samples=seg.count))
        self.prev_last = seg.last
        self.seg = None

    def _set_playing(self, playing: list[_Playing]) -> None:
        self.playing = playing
        if self.seg is not None:
            self.seg.rects = self.rects

    def _try_playing(self, s: _Sample) -> None:
        """If the screen has been moving for a while in one part only, call that part a playing region."""
        pend = self.pending
        if len(pend) < 3 or s.time - pend[0].time < DYNAMIC_AFTER:
            return
        later = pend[1:]  # the first pending sample may straddle the change that started it all
        recent = [p for p in later if p.time >= s.time - DYNAMIC_RECENT]
        if len(recent) < 2:
            recent = later[-2:]
        # playing: what moves now (in the latest sample) and moved again and again before -- in at
        # least half of the recent samples, two at least. Starting from what moves now leaves out
        # the tail of a transition that just ended.
        for p in recent:
            if self._motion(p).mean() > DYNAMIC_MAX_AREA / 2:
                return  # a transition is still going on
        motions = [self._motion(p) for p in recent]  # (all known by now)
        # (movement right beside a known region is that region's: a speaker leaning out of the inset)
        beside = max(2, int(NEXT_TO_PLAYING * self.aw))
        old = self._small_ignore([r.grown(beside, (self.aw, self.ah)) for r in self.rects])
        latest = motions[-1] if old is None else motions[-1] & ~old
        _, now = significant(latest, self.small_feature)
        slack = max(2, int(GROW_ZONE * self.sw / 2))
        bounds_small = (self.sw, self.sh)
        need = max(2, (len(recent) + 1) // 2)
        boxes = []
        for b in now:
            near = b.grown(slack, bounds_small)
            hits = [m for m in motions if m[near.y:near.y + near.h, near.x:near.x + near.w].any()]
            if len(hits) < need:
                continue
            for m in hits:  # the extent: all of that movement nearby
                ys, xs = np.nonzero(m[near.y:near.y + near.h, near.x:near.x + near.w])
                b = b.union(Rect(near.x + int(xs.min()), near.y + int(ys.min()),
                                 int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1))
            boxes.append(b)
        if not boxes:
            return
        bounds = (self.aw, self.ah)
        margin = max(2, int(DYNAMIC_MARGIN * self.aw))
        zone = max(2, int(GROW_ZONE * self.aw))
        found = []
        for b in boxes:
            r = self._big_box(b).grown(margin, bounds)
            found.append(_Playing(r, r.grown(zone, bounds), s.time))
        playing = _merge(self.playing + found)
        cover = rect_mask([p.rect for p in playing], (self.ah, self.aw))
        if cover is not None and cover.mean() > DYNAMIC_MAX_AREA:
            return
        ignore = self._ignore([p.rect for p in playing])
        if self.seg is not None and not change(self.seg.ref, s.image, ignore).significant:
            self._set_playing(playing)  # a video started playing inside the slide: the state goes on
            self.pending.clear()
            self.seg.last = s
            return
        if not self._calm(s, [p.rect for p in playing]):
            return
        if self.seg is not None:  # the state that ended did not have the new regions
            self._close(self._boundary(self.seg.last, pend[0]))
        self._set_playing(playing)
        self._open(s)

    def _grow(self, s: _Sample) -> None:
        """More of a video got moving: movement touching a playing region, while the rest of the
        screen is still, widens the region -- once it has gone on for DYNAMIC_AFTER (a video keeps
        moving there; a slide changing next to the region, its title say, moves once), never beyond
        its zone, and never so far that the playing regions cover more than DYNAMIC_MAX_AREA (a
        region playing inside a slide leaves most of it still)."""
        motion = self._motion(s)
        ignore = self._small_ignore()
        if ignore is None or not motion.any():
            return
        rest = motion & ~ignore
        if not rest.any() or rest.mean() > GROW_MAX_AREA:
            return  # nothing new, or a transition
        _, boxes = significant(rest, self.small_feature)
        if not boxes:
            return
        margin = max(2, int(DYNAMIC_MARGIN * self.aw))
        bounds = (self.aw, self.ah)
        changed = False
        for b in (self._big_box(b) for b in boxes):
            near = [p for p in self.playing if p.rect.overlaps(b, margin)]
            if not near:
                return  # something else moves as well: not this region's business
            p = max(near, key=lambda p: _overlap(p.rect.grown(margin, bounds), b))
            grown = p.rect.union(b.grown(margin, bounds)).clipped(p.zone)
            if grown == p.rect:
                continue
            if p.growth is None or s.time - p.growth_last > DYNAMIC_AFTER:
                p.growth, p.growth_since = grown, s.time  # (movement beside it anew)
            else:
                p.growth = p.growth.union(grown)
            p.growth_last = s.time
            if s.time - p.growth_since < DYNAMIC_AFTER - 1e-6:
                continue
            cover = rect_mask([p.growth] + [o.rect for o in self.playing if o is not p], (self.ah, self.aw))
            if cover is not None and cover.mean() <= DYNAMIC_MAX_AREA:
                p.rect = p.growth
                changed = True
            p.growth = None
        if changed:
            self._set_playing(_merge(self.playing))


def _merge(playing: list[_Playing]) -> list[_Playing]:
    """Join regions that are mostly the same; keep the others apart, even where they overlap (a
    webcam inset beside a video in the slide must not become one region spanning both: the video
    stops with its slide, the webcam goes on)."""
    out: list[_Playing] = []
    for p in playing:
        if p.rect.area <= 0:
            continue
        for o in out:
            if _overlap(p.rect, o.rect) >= 0.5 * max(p.rect.area, o.rect.area):
                o.rect, o.zone, o.active = o.rect.union(p.rect), o.zone.union(p.zone), max(o.active, p.active)
                break
        else:
            out.append(p)
    return out


def _overlap(a: Rect, b: Rect) -> int:
    w = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    h = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    return max(0, w) * max(0, h)


def _blend(a: np.ndarray, v: np.ndarray, b: np.ndarray, ignore: np.ndarray | None = None) -> bool:
    """Whether picture ``v`` is a mix of ``a`` and ``b`` (a frame inside a cross-fade), judged where
    ``a`` and ``b`` differ (outside ``ignore``)."""
    af, vf, bf = (x.astype(np.float32) for x in (a, v, b))
    d = bf - af
    where = np.abs(d) > 2 * MOTION_THRESHOLD
    if ignore is not None:
        where &= ~ignore
    if where.sum() < 16:
        return False
    dv, dd = (vf - af)[where], d[where]
    lam = float((dv * dd).sum() / (dd * dd).sum())
    if not 0.1 <= lam <= 0.9:
        return False
    residual = float(np.abs(dv - lam * dd).mean())
    return residual < 0.25 * float(np.abs(dd).mean())
