"""The single streaming pass: decode -> features -> detect -> keyframes -> timeline.

:func:`detect` is the library's entry point. Everything happens in one pass over the file with
memory bounded by the detector's look-ahead; keyframe pictures are handed to a sink (for example
:class:`shotdetect.export.images.ImageWriter`) as soon as their shot is final.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Protocol

import cv2

from .decode import ANALYSIS_WIDTH, FrameSource, open_source, picture_bytes, rate_or_fallback
from .detect import DETECTORS, Candidate, DetectorSettings, StreamingDetector
from .detect.cuts import cut_strength_of
from .features import FeatureExtractor, FrameSignals
from .interrupts import signals_deferred
from .keyframes import KeyframeSelector, Pick
from .region import AnalysisCrop, Rect, parse_roi
from .decode.span import Position, SpanSource, parse_position, with_range
from .errors import DecodeError, UsageError
from .settings import check_detect_options
from .timeline import Keyframe, Shot, Timeline, Transition, VideoInfo
from .watchdog import Watchdog

__all__ = ["detect", "KeyframeSink", "Progress", "TransitionListener", "StreamInterrupted"]


class KeyframeSink(Protocol):
    """Receives each keyframe picture as soon as it is chosen; returns the file name it used."""

    def __call__(self, *, shot: int, number: int, frame: int, image: Any) -> str | None: ...


#: Called as ``progress(frames_done, frames_expected_or_None)`` every few frames.
Progress = Callable[[int, "int | None"], None]
#: Called as ``listener(transition, read_at)`` as soon as a transition is final; ``read_at`` is the
#: wall-clock time (seconds since the epoch) when the transition's frame was decoded.
TransitionListener = Callable[[Transition, float], None]
#: How often a live source's detector decides, in seconds of video: the transitions' latency is the
#: detectors' reach plus up to this much (a file's detector decides every few seconds, which is cheaper).
LIVE_DECISION_SECONDS = Fraction(1, 5)


class StreamInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) ended a run with ``finish_on_interrupt``: the stream was taken to end there.

    ``timeline`` holds everything up to that point, the transitions the detector could still
    decide included; ``cause`` is the original interrupt (a :class:`~shotdetect.entry.Terminated`
    for SIGTERM).
    """

    def __init__(self, timeline: Timeline, cause: KeyboardInterrupt):
        super().__init__("interrupted")
        self.timeline = timeline
        self.cause = cause


def _position(value: Position | str | None, name: str) -> Position | None:
    """``start``/``end``/``duration`` as a :class:`Position` (text is parsed; a bad one is a usage error)."""
    if value is None or isinstance(value, Position):
        return value
    try:
        return parse_position(str(value))
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None


def _min_shot_frames(min_shot_len: int | float | str, fps: Fraction | None) -> int:
    """Minimum shot length in frames, from a frame count (int) or seconds (float or '0.5s')."""
    if isinstance(min_shot_len, str):
        text = min_shot_len.strip().lower()
        if text.endswith("s"):
            return max(1, int(round(float(text[:-1]) * float(rate_or_fallback(fps)))))
        return max(1, int(text))
    if isinstance(min_shot_len, float):
        return max(1, int(round(min_shot_len * float(rate_or_fallback(fps)))))
    return max(1, int(min_shot_len))


@dataclass
class _ShotBuilder:
    """Turns final transitions into shots, asking the keyframe selector for each closed shot.

    Shots that would not make sense are not made: a shot shorter than ``min_frames`` at either end
    of the video joins its neighbour (the transition between them is dropped), and the frames of a
    fade at the very start or end (a fade-in from black, a fade-out to black) belong to the first or
    last shot instead of forming a black shot of their own; the fade is still listed.
    """

    selector: KeyframeSelector
    sink: KeyframeSink | None
    info: VideoInfo
    times: dict[int, Fraction]
    min_frames: int = 1
    #: Hears every transition as soon as it is final (with the wall time its frame was read).
    listener: TransitionListener | None = None
    reads: dict[int, float] | None = None
    #: Keep every shot and transition for the timeline; False keeps only the last few (what the next
    #: decisions need), so a stream of any length runs in bounded memory.
    retain: bool = True

    def __post_init__(self) -> None:
        self.shots: list[Shot] = []
        self.transitions: list[Transition] = []
        self.shot_count = 0
        self._origin = 0  # the first analysed frame: 0, or the start of --start's range
        self._start = 0
        self._start_time = Fraction(0)

    def begin(self, frame: int, time: Fraction) -> None:
        """The first analysed frame (not frame 0 when only a range is analysed): the first shot starts there."""
        self._origin = self._start = frame
        self._start_time = time

    def transition(self, cand: Candidate) -> None:
        t = self.times
        self.transitions.append(Transition(
            type=cand.type, frame=cand.frame, start_frame=cand.start, end_frame=cand.end,
            time=t[cand.frame], start_time=t[cand.start], end_time=t[cand.end], score=cand.score,
        ))
        if not self.shot_count and not cand.is_gradual and cand.frame - self._origin < self.min_frames:
            self.transitions.pop()  # the first shot would be too short: it joins the second
            return
        if self.listener is not None:
            self.listener(self.transitions[-1], (self.reads or {}).get(cand.frame, 0.0))
        if not self.retain:
            del self.transitions[:-2]  # _close reads the last two spans, finish the last one
        if cand.is_gradual and cand.start <= self._start:
            return  # the frames before `frame` are all part of this transition (a fade-in at the start)
        self._close(cand.frame, (cand.start, cand.end) if cand.is_gradual else None)

    def finish(self, frame_count: int) -> None:
        last = self.transitions[-1] if self.transitions else None
        tail_in_fade = last is not None and last.start_frame != last.end_frame \
            and last.start_frame <= self._start and last.end_frame >= frame_count - 1
        # A transition already announced to the listener stays: the short shot after it is kept.
        too_short = frame_count - self._start < self.min_frames and self.listener is None
        if self.shots and (tail_in_fade or too_short):
            # The open shot joins the previous one; a cut that would have made it is dropped.
            if too_short and not tail_in_fade and last is not None and last.frame == self._start:
                self.transitions.pop()
            end_time = self.times.get(frame_count)
            assert end_time is not None
            self.shots[-1] = replace(self.shots[-1], end_frame=frame_count, end_time=end_time)
            return
        self._close(frame_count, None, end_time=self.times.get(frame_count))

    def _close(self, end: int, ending: tuple[int, int] | None, end_time: Fraction | None = None) -> None:
        """Close the open shot at ``end``; ``ending`` is the span of the gradual transition that ends it."""
        if end <= self._start:
            return
        spans = [(t.start_frame, t.end_frame) for t in self.transitions if t.start_frame != t.end_frame]
        avoid = [span for span in spans[-2:] if span[1] >= self._start]  # the ones at its start and end
        if ending is not None and ending not in avoid:
            avoid.append(ending)
        picks = self.selector.close_shot(self._start, end, avoid=avoid)
        index = self.shot_count
        keyframes = tuple(self._keyframe(index, n, p) for n, p in enumerate(picks, 1))
        end_time = end_time if end_time is not None else self.times[end]
        self.shots.append(Shot(start_frame=self._start, end_frame=end, start_time=self._start_time,
                               end_time=end_time, keyframes=keyframes))
        self.shot_count += 1
        if not self.retain:
            del self.shots[:-1]  # finish may extend the last one
        self._start, self._start_time = end, end_time

    def _keyframe(self, shot: int, number: int, pick: Pick) -> Keyframe:
        name = None
        if self.sink is not None and pick.picture is not None:
            image = pick.picture.render()
            name = self.sink(shot=shot, number=number, frame=pick.frame, image=image)
        return Keyframe(frame=pick.frame, time=pick.time, file=name)


class _TimeIndex(dict):
    """Frame index -> time for the recent frames that transitions can still refer to."""

    def trim(self, before: int) -> None:
        for key in [k for k in self if k < before]:
            del self[key]


@dataclass
class _Cadence:
    """Shortest and longest frame duration seen: enough to tell constant from variable frame rate."""

    shortest: Fraction | None = None
    longest: Fraction | None = None

    def add(self, step: Fraction) -> None:
        self.shortest = step if self.shortest is None else min(self.shortest, step)
        self.longest = step if self.longest is None else max(self.longest, step)

    @property
    def variable(self) -> bool:
        """Durations differing by more than a tenth (beyond time-base rounding) mean VFR."""
        if self.shortest is None or self.longest is None or self.longest <= 0:
            return False
        return self.shortest <= 0 or (self.longest - self.shortest) / self.longest > Fraction(1, 10)


def detect(
    path: str | os.PathLike[str],
    *,
    sensitivity: float = 0.5,
    threshold: float | None = None,
    min_shot_len: int | float | str = 3,
    gradual: bool = True,
    keyframes: int = 1,
    keyframe_sink: KeyframeSink | None = None,
    on_signals: Callable[[FrameSignals, float], None] | None = None,
    progress: Progress | None = None,
    analysis_width: int = ANALYSIS_WIDTH,
    max_duration: float | None = None,
    stall_timeout: float | None = 120.0,
    image_order: str = "name",
    image_fps: float | None = None,
    on_transition: TransitionListener | None = None,
    retain: bool = True,
    finish_on_interrupt: bool = False,
    source_format: str | None = None,
    source_options: dict[str, str] | None = None,
    start: Position | str | None = None,
    end: Position | str | None = None,
    duration: Position | str | None = None,
    roi: Rect | str | None = None,
) -> Timeline:
    """Find the transitions and shots of a video in one streaming pass.

    Parameters
    ----------
    path : path-like
        Anything :func:`shotdetect.decode.open_source` opens: a video file, a folder or glob pattern of
        images read as a sequence, or a stream (``udp://``, ``rtsp://``, ``http://``, ``pipe:0`` ...).
    sensitivity : float
        0..1; higher finds subtler transitions. See :class:`~shotdetect.detect.DetectorSettings`.
    threshold : float, optional
        Absolute cut-strength floor, overriding the one implied by ``sensitivity``.
    min_shot_len : int, float or str
        Shortest shot: frames (int), seconds (float), or a string such as ``"0.5s"`` or ``"12"``.
    gradual : bool
        Also find fades, dissolves and wipes.
    keyframes : int
        Keyframes to pick per shot (0 for none).
    keyframe_sink : callable, optional
        Receives each keyframe picture (BGR array, full size, rotation applied) and returns its file name.
    on_signals : callable, optional
        Receives every frame's :class:`FrameSignals` and its cut strength (for ``--stats``).
    progress : callable, optional
        ``progress(done, total_or_None)``, called every few frames.
    max_duration : float, optional
        Analyse at most this many seconds from the start (a warning records the cut-off).
    stall_timeout : float, optional
        Give up with :class:`DecodeError` when no frame arrives for this many seconds.
    image_order : {"name", "mtime", "exif"}
        For an image sequence: order by natural name, modification time or EXIF capture time
        (then also the times come from EXIF).
    image_fps : float, optional
        For an image sequence: pictures per second (default 25) when times are not from EXIF.
    on_transition : callable, optional
        ``on_transition(transition, read_at)`` as soon as each transition is final (live use:
        ``read_at`` is the wall time its frame was decoded). For a live source the detector then
        decides every :data:`LIVE_DECISION_SECONDS`, so a transition is heard about once the
        detectors' reach after it has arrived.
    retain : bool
        Keep every shot and transition for the returned timeline (default). False keeps only what
        the next decisions need, for streams that run for hours: the timeline then lists the last
        shot only (``on_transition`` has heard about every transition).
    finish_on_interrupt : bool
        Ctrl-C or SIGTERM ends the stream like its end: the transitions the detector can still
        decide are decided (and heard about), then :class:`StreamInterrupted` carries the timeline.
    source_format, source_options : optional
        FFmpeg input format and options for a stream (see :class:`shotdetect.decode.LiveSource`).
    start, end, duration : Position or str, optional
        Analyse only from ``start`` (inclusive) to ``end`` (exclusive) or for ``duration``: seconds
        (``12.5``, ``1:02.5``), a timecode (``00:01:02:12``) or a frame (``300f``); see
        :mod:`shotdetect.decode.span`. Frame numbers and times stay those of the whole video; the
        timeline's ``video.range`` records the part analysed.
    roi : Rect or str, optional
        Look only at this region (``"x,y,w,h"``, display pixels: square, rotation applied) for
        transitions; keyframes stay full pictures.

    Returns
    -------
    Timeline

    Raises
    ------
    InputError, DecodeError
        The file is not a readable video.
    """
    # Every option checked before any work: a nonsense value raises InvalidSettingsError at once.
    check_detect_options(dict(
        sensitivity=sensitivity, threshold=threshold, min_shot_len=min_shot_len, gradual=gradual, keyframes=keyframes,
        keyframe_sink=keyframe_sink, on_signals=on_signals, progress=progress, analysis_width=analysis_width,
        max_duration=max_duration, stall_timeout=stall_timeout, image_order=image_order,
        image_fps=image_fps))
    positions = [_position(p, name) for p, name in ((start, "start"), (end, "end"), (duration, "duration"))]
    if isinstance(roi, str):
        try:
            roi = parse_roi(roi)
        except ValueError as exc:
            raise UsageError(f"roi: {exc}") from None
    watchdog = Watchdog(stall_timeout)
    try:
        # Shortcut decoding (fast): frames that come out slightly blocky are never preferred as keyframes.
        with watchdog, _opencv_single_threaded(), open_source(
                path, analysis_width=analysis_width, max_duration=max_duration, order=image_order, fps=image_fps,
                format=source_format, options=source_options, fast=True, still_images=False) as opened:
            reader: FrameSource = opened
            if any(positions):
                try:
                    reader = SpanSource(opened, *positions)
                except ValueError as exc:
                    raise UsageError(str(exc)) from None
            crop = AnalysisCrop(reader.info, roi, reader.analysis_size) if roi is not None else None
            return _run(reader, watchdog, crop=crop, sensitivity=sensitivity, threshold=threshold, min_shot_len=min_shot_len,
                        gradual=gradual, keyframes=keyframes, keyframe_sink=keyframe_sink,
                        on_signals=on_signals, progress=progress, analysis_width=analysis_width,
                        on_transition=on_transition, retain=retain, finish_on_interrupt=finish_on_interrupt)
    except StreamInterrupted:
        raise
    except KeyboardInterrupt:
        if watchdog.fired:
            raise DecodeError(f"{path}: decoding made no progress for {stall_timeout:g} s; gave up") from None
        raise


@contextlib.contextmanager
def _opencv_single_threaded() -> Iterator[None]:
    """Run OpenCV on the calling thread only while a video is analysed.

    Its frames are tiny (about 160x90), so splitting one across threads costs more in hand-offs
    than it saves, and the decoder's threads already keep every core busy. (The setting is global
    to the process; the previous one is restored.)
    """
    before = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def _run(reader: FrameSource, watchdog: Watchdog, *, sensitivity: float, threshold: float | None,
         min_shot_len: int | float | str, gradual: bool, keyframes: int, keyframe_sink: KeyframeSink | None,
         on_signals: Callable[[FrameSignals, float], None] | None, progress: Progress | None,
         analysis_width: int, on_transition: TransitionListener | None = None, retain: bool = True,
         finish_on_interrupt: bool = False, crop: AnalysisCrop | None = None) -> Timeline:
    info = reader.info  # complete once the source is open (rotation included)
    min_frames = _min_shot_frames(min_shot_len, info.fps)
    settings = DetectorSettings(sensitivity=sensitivity, threshold=threshold,
                                min_shot_frames=min_frames, gradual=gradual)
    fps = float(rate_or_fallback(info.fps))
    live = reader.kind == "live" and on_transition is not None
    if live:  # decide often, and hold candidates back only for the detectors that run
        detector = StreamingDetector(info.fps, settings, tuple(d for d in DETECTORS if gradual or not d.gradual),
                                     decide_every=max(1, int(round(LIVE_DECISION_SECONDS * fps))))
    else:
        detector = StreamingDetector(info.fps, settings)
    features = FeatureExtractor(crop.size if crop is not None else reader.analysis_size)
    selector = KeyframeSelector(fps=fps, per_shot=max(0, keyframes), keep_pictures=keyframe_sink is not None,
                                picture_bytes=picture_bytes(info.width, info.height))
    times = _TimeIndex()
    reads = _TimeIndex()  # wall time each recent frame was read, for the listener's latency
    builder = _ShotBuilder(selector, keyframe_sink, info, times, min_frames=min_frames, listener=on_transition,
                           reads=reads, retain=retain)
    count = 0
    first_frame, first_time = 0, Fraction(0)
    last_time = Fraction(0)
    cadence = _Cadence()
    interrupted: KeyboardInterrupt | None = None
    frames = iter(reader)
    # With finish_on_interrupt a frame is taken in whole or not at all: Ctrl-C arriving halfway takes
    # effect once it is in, so the timeline, the shots and their keyframes cover the same frames.
    whole_frame = signals_deferred if finish_on_interrupt else contextlib.nullcontext
    while True:
        try:
            frame = next(frames)  # where a live run spends its time: Ctrl-C lands here
        except StopIteration:
            break
        except KeyboardInterrupt as exc:
            if not finish_on_interrupt or watchdog.fired:
                raise
            interrupted = exc
            break
        try:
            with whole_frame():
                watchdog.kick()
                planes = crop(frame.y, frame.u, frame.v) if crop is not None else (frame.y, frame.u, frame.v)
                signals = features.push(frame.index, frame.time, *planes)
                strength = cut_strength_of(signals)
                if on_signals is not None:
                    on_signals(signals, strength)
                if count:
                    cadence.add(frame.time - last_time)
                else:
                    builder.begin(frame.index, frame.time)
                    first_frame, first_time = frame.index, frame.time
                if frame.index % 1024 == 1023:
                    oldest = detector.oldest_frame  # what a transition still to come may refer to
                    times.trim(oldest)
                    reads.trim(oldest)
                times[frame.index] = frame.time
                reads[frame.index] = frame.read_at
                last_time = frame.time
                if keyframes:
                    selector.add(frame.index, frame.time, sharpness=signals.sharpness, hist=signals.hist,
                                 change=strength, picture=frame.source, clean=frame.clean)
                for cand in detector.push(signals):
                    builder.transition(cand)
                count = frame.index + 1
                if progress is not None and count % 25 == 0:
                    progress(count, info.frame_count)
        except KeyboardInterrupt as exc:
            if not finish_on_interrupt or watchdog.fired:
                raise
            interrupted = exc  # raised once the frame was in whole: stop after it
            break
    if count == 0:
        raise interrupted or DecodeError(f"{info.path}: no decodable video frames")
    for cand in detector.finish():
        builder.transition(cand)
    step = 1 / Fraction(info.fps) if info.fps else (cadence.shortest or 1 / rate_or_fallback(None))
    times[count] = last_time + step
    builder.finish(count)
    if progress is not None:
        progress(count, count)
    info = replace(info, frame_count=count, duration=last_time + step, vfr=cadence.variable)
    if isinstance(reader, SpanSource):
        info = with_range(info, (first_frame, first_time), (count, last_time + step))
    warnings = list(reader.warnings)
    if interrupted is not None:
        warnings.append(f"interrupted after {count} frames ({float(last_time + step):.3f} s); "
                        f"the transitions up to there are complete")
    timeline = Timeline(
        video=info,
        transitions=builder.transitions,
        shots=builder.shots,
        settings={
            "sensitivity": sensitivity,
            "threshold": threshold,
            "min_shot_len": min_frames,
            "gradual": gradual,
            "keyframes": keyframes,
            "analysis_width": analysis_width,
            "max_duration": reader.max_duration,
            **({"roi": [crop.roi.x, crop.roi.y, crop.roi.w, crop.roi.h]} if crop is not None else {}),
        },
        warnings=warnings,
        gaps=list(reader.gaps),
    )
    if interrupted is not None:
        raise StreamInterrupted(timeline, interrupted)
    return timeline
