"""Part of an input (``--start`` / ``--end`` / ``--duration``): positions, and a source that yields only them.

A position is seconds since the first frame (``12.5``, ``12.5s``, ``1:02.5``, ``0:01:02.5``), a
timecode ``HH:MM:SS:FF`` (frames at the video's nominal rate) or a frame number (``300f``). Frames
keep their absolute numbers and times: a video file that can be numbered exactly from its timestamps
(:meth:`~.video.VideoReader.exact_seek_rate`) is seeked to the keyframe before the start; anything
else is decoded from its start and the frames before the range are skipped unanalysed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Literal

from ..errors import InputError
from ..rates import rate_or_fallback
from ..timeline import VideoInfo
from .frame import Frame, FrameSource, SourceKind

__all__ = ["Position", "parse_position", "is_timecode", "SpanSource"]

_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)$")
_TIMECODE = re.compile(r"^(\d+):(\d+):(\d+)[:;](\d+)$")
#: Frame times are compared with positions rounded to this (a time typed to the microsecond matches).
_SLACK = Fraction(1, 1_000_000)


@dataclass(frozen=True)
class Position:
    """A place in a video: seconds since the first frame, or a frame number (``unit="frame"``)."""

    value: Fraction
    unit: Literal["seconds", "frame"] = "seconds"
    text: str = ""

    def seconds(self, fps: Fraction | None) -> Fraction:
        return self.value / rate_or_fallback(fps) if self.unit == "frame" else self.value

    def reached_by(self, frame: Frame) -> bool:
        """Whether ``frame`` lies at or after this position."""
        return frame.index >= self.value if self.unit == "frame" else frame.time >= self.value - _SLACK

    def plus(self, length: Position, fps: Fraction | None) -> Position:
        """This position moved on by ``length`` (``--duration``)."""
        if self.unit == length.unit:
            return Position(self.value + length.value, self.unit, f"{self.text}+{length.text}")
        return Position(self.seconds(fps) + length.seconds(fps), "seconds", f"{self.text}+{length.text}")

    def __str__(self) -> str:
        return self.text or (f"{self.value}f" if self.unit == "frame" else f"{float(self.value):g}s")


def parse_position(text: str, *, timecode_fps: Fraction | None = None) -> Position:
    """``12.5``, ``12.5s``, ``1:02.5``, ``1:00:02.5`` (seconds), ``300f`` (frame), ``00:01:02:12``
    (timecode: frames at ``timecode_fps``, resolved when the video's rate is known).

    Raises ValueError with a readable message.
    """
    raw = text
    t = text.strip().lower()
    try:
        if t.endswith("f"):
            frames = int(t[:-1])
            if frames < 0:
                raise ValueError
            return Position(Fraction(frames), "frame", raw)
        tc = _TIMECODE.match(t)
        if tc:
            h, m, s, ff = (int(g) for g in tc.groups())
            if m >= 60 or s >= 60:
                raise ValueError
            return Position(Fraction((h * 60 + m) * 60 + s), "seconds", raw) if timecode_fps is None else \
                Position(Fraction((h * 60 + m) * 60 + s) * round(timecode_fps) + ff, "frame", raw)
        clock = _CLOCK.match(t)
        if clock:
            hours, minutes, secs = clock.groups()
            if int(minutes) >= 60 and hours is not None or float(secs) >= 60:
                raise ValueError
            value = Fraction(int(hours or 0) * 3600 + int(minutes) * 60) + Fraction(secs)
        else:
            body = t[:-1] if t.endswith("s") else t
            if not body or not math.isfinite(float(body)):
                raise ValueError
            value = Fraction(body)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"not a time or frame: {raw!r} (seconds 12.5 or 12.5s, 1:02.5, 0:01:02.5, "
                         f"a timecode 00:01:02:12, or a frame number 300f)") from None
    if value < 0:
        raise ValueError(f"must not be negative: {raw!r}")
    return Position(value, "seconds", raw)


def is_timecode(text: str) -> bool:
    """``HH:MM:SS:FF``: a frame count only once the video's rate is known."""
    return bool(_TIMECODE.match(text.strip()))


def timecode_frames(position: Position, fps: Fraction | None) -> Position:
    """A timecode position (``HH:MM:SS:FF``) as a frame number at the video's nominal rate."""
    text = position.text.strip()
    if is_timecode(text) and fps:
        return parse_position(text, timecode_fps=Fraction(fps))
    return position


class SpanSource:
    """A frame source yielding only the frames from ``start`` (inclusive) to ``end`` (exclusive).

    Opening seeks where the input allows exact frame numbers (:attr:`seeked`); every frame keeps its
    absolute index and time. When the range holds no frame (``start`` past the end) iterating raises
    :class:`InputError`.
    """

    def __init__(self, source: FrameSource, start: Position | None = None, end: Position | None = None,
                 duration: Position | None = None):
        self._source = source
        fps = source.info.fps
        self.start = timecode_frames(start, fps) if start is not None else None
        end = timecode_frames(end, fps) if end is not None else None
        if duration is not None:
            length = timecode_frames(duration, fps)
            origin = self.start or Position(Fraction(0), "seconds", "0")
            ends = origin.plus(length, fps)
            end = ends if end is None or ends.seconds(fps) < end.seconds(fps) else end
        self.end = end
        if self.start is not None and self.end is not None and self.end.seconds(fps) <= self.start.seconds(fps):
            raise ValueError(f"the end ({self.end}) must come after the start ({self.start})")
        seek = getattr(source, "seek_start", None)
        self.seeked = bool(self.start is not None and seek is not None and seek(self.start.seconds(fps)))
        self.first: Frame | None = None
        self.last: Frame | None = None

    kind: SourceKind

    def __getattr__(self, name: str) -> Any:  # kind, info, analysis_size, warnings, gaps, max_duration ...
        return getattr(self._source, name)

    @property
    def info(self) -> VideoInfo:
        return self._source.info

    @info.setter
    def info(self, value: VideoInfo) -> None:
        self._source.info = value

    def __iter__(self) -> Iterator[Frame]:
        for frame in self._source:
            if self.end is not None and self.end.reached_by(frame):
                break
            if self.start is not None and not self.start.reached_by(frame):
                continue
            if self.first is None:
                self.first = frame
            self.last = frame
            yield frame
        if self.first is None:
            info = self._source.info
            where = f" ({float(info.duration):.3f} s)" if info.duration else ""
            raise InputError(f"{info.path}: --start {self.start} is past the end of the video{where}")

    def close(self) -> None:
        self._source.close()

    def __enter__(self) -> FrameSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def with_range(info: VideoInfo, start: tuple[int, Fraction], end: tuple[int, Fraction]) -> VideoInfo:
    """``info`` recording the analysed range (see :class:`~shotdetect.timeline.AnalysedRange`)."""
    from ..timeline import AnalysedRange

    return replace(info, range=AnalysedRange(start_frame=start[0], end_frame=end[0], start=start[1], end=end[1]))
