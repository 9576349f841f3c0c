"""Random access into a video file: one frame by time (compare, the review page) and facts read
without decoding (``--split``). Streaming analysis does not seek; this is for looking things up.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import av

from ..errors import DecodeError, InputError
from ..timeline import VideoInfo
from .video import DecodedPicture, reason

__all__ = ["FrameSeeker", "frame_shown_at", "count_video_frames", "container_start_time"]


def frame_shown_at(path: str | os.PathLike[str], info: VideoInfo, seconds: float) -> tuple[DecodedPicture, float]:
    """The frame on screen ``seconds`` after the first frame, found by seeking, and its time.

    ``info`` is the file's (from :func:`~.video.open_video`): the first frame's timestamp and the
    picture's shape and rotation.

    Raises
    ------
    InputError
        Not a video, or ``seconds`` lies past its end.
    DecodeError
        Nothing could be decoded there.
    """
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise InputError(f"{path}: not a video file ({reason(exc)})") from exc
    with container:
        stream = container.streams.video[0]
        tb = Fraction(stream.time_base) if stream.time_base else Fraction(1, 1000)
        target = info.start_time + Fraction(seconds).limit_denominator(1_000_000)
        try:
            container.seek(int(target / tb), stream=stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            container.seek(0, stream=stream)
        best = None
        best_time: Fraction | None = None
        try:
            for vf in container.decode(stream):
                if vf.pts is None:
                    continue
                ft = Fraction(vf.pts) * tb
                if ft <= target + Fraction(1, 1_000_000) or best is None:
                    best, best_time = vf, ft
                if ft > target:
                    break
        except av.error.FFmpegError as exc:
            if best is None:
                raise DecodeError(f"{path}: cannot decode the frame at {seconds:g} s ({reason(exc)})") from exc
        if best is None or best_time is None:
            raise DecodeError(f"{path}: no frame at {seconds:g} s")
        if best_time < target - 1 and info.duration is not None and seconds > float(info.duration):
            raise InputError(f"{path}: {seconds:g} s is past the end of the video ({float(info.duration):.3f} s)")
        picture = DecodedPicture(best, info.sample_aspect_ratio, info.rotation)
        return picture, float(best_time - info.start_time)


class FrameSeeker:
    """Frames of a video file by their analysis times, for stepping back and forth (the review page).

    ``seeker.frame(t, step)`` returns the first frame shown at ``t - step / 2`` or later (times are
    seconds since the first frame). Stepping forward continues decoding without seeking; otherwise
    it seeks to the keyframe before and decodes forward, going further back where a container
    (MPEG-TS) lands late or on a frame that cannot be decoded alone. Not thread-safe.
    """

    def __init__(self, path: str | os.PathLike[str], info: VideoInfo):
        self.info = info
        self._container: Any = av.open(str(path))
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self._decoder: Iterator[tuple[Any, float]] | None = None  # (frame, seconds) after the last seek
        self._first: float | None = None  # the stream's first timestamp, learnt on the first decode

    def close(self) -> None:
        self._container.close()

    def frame(self, target: float, step: float, *, forward: bool = False) -> DecodedPicture | None:
        """The frame at ``target``; ``forward``: the target lies a little ahead of the frame last
        returned, so decoding on is tried before seeking. None when it cannot be decoded."""
        if self._decoder is not None and forward:
            frame = self._forward(target, step)
            if frame is not None:
                return self._picture(frame)
        for back in (0.0, 1.0, 4.0, 16.0, None):
            start = self._seek(None if back is None else max(0.0, target - back))
            if start is None or start > target + step / 2:
                continue
            frame = self._forward(target, step)
            if frame is not None:
                return self._picture(frame)
        return None

    def _picture(self, frame: Any) -> DecodedPicture:
        return DecodedPicture(frame, self.info.sample_aspect_ratio, self.info.rotation)

    def _frames(self) -> Iterator[tuple[Any, float]]:
        for frame in self._container.decode(self._stream):
            if frame.time is None:
                continue
            if self._first is None:
                self._first = frame.time
            yield frame, frame.time - self._first

    def _forward(self, target: float, step: float) -> Any:
        """Decode on to the frame shown at ``target`` (the last one if the video ends first)."""
        last = None
        for frame, t in self._decoder or ():
            last = frame
            if t >= target - step / 2:
                return frame
        self._decoder = None
        return last

    def _seek(self, seconds: float | None) -> float | None:
        """Seek to the keyframe before ``seconds`` (``None``: the very start); returns its time, or None."""
        self._decoder = None
        if self._first is None or seconds is None:
            self._container.seek(0)
            frames = self._frames()  # sets self._first from the first frame
            if seconds is None:
                first = next(frames, None)
                if first is None:
                    return None
                self._decoder = _chain(first, frames)
                return first[1]
            next(frames, None)
        tb = self._stream.time_base or Fraction(1, 1000)
        pts = int((seconds + (self._first or 0.0)) / tb)
        self._container.seek(max(0, pts), stream=self._stream, backward=True, any_frame=False)
        frames = self._frames()
        for frame, t in frames:  # skip anything before the first keyframe (broken without its reference)
            if frame.key_frame:
                self._decoder = _chain((frame, t), frames)
                return t
        return None


def _chain(first: tuple[Any, float], rest: Iterator[tuple[Any, float]]) -> Iterator[tuple[Any, float]]:
    yield first
    yield from rest


def count_video_frames(path: str | os.PathLike[str]) -> int:
    """Video frames in a file (packets of its first video stream; 0 when unreadable)."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return 0
            return sum(1 for packet in container.demux(container.streams.video[0]) if packet.size)
    except (OSError, ValueError, av.error.FFmpegError):
        return 0


def container_start_time(path: str | os.PathLike[str]) -> Fraction:
    """The container's start time in seconds (what ffmpeg subtracts from every timestamp); 0 when unknown."""
    try:
        with av.open(str(path)) as container:
            start = container.start_time
    except (OSError, ValueError, av.error.FFmpegError):
        return Fraction(0)
    return Fraction(start, av.time_base) if start is not None else Fraction(0)
