"""Frames decoded by FFmpeg (PyAV): video files and live streams, one decoding loop for both.

Each decoded frame becomes a :class:`~.frame.Frame` with its presentation index, its exact time, and
a small YUV analysis copy taken as a strided view of the decoded planes (nearly free, unlike a
libswscale rescale of every frame). The decoded frame itself is kept only as a handle
(:class:`DecodedPicture`), so that a keyframe can be rendered at full size later without a second
decode.

Decoding runs in the one background reader (:class:`~.readahead.ReadAhead`) a few frames ahead of
the caller. :class:`VideoReader` opens a file (or a named pipe); :class:`LiveSource` anything else
FFmpeg opens (``rtsp://``, ``udp://``, ``http://``, ``srt://``, ``pipe:0``, ``/dev/video0``), read as it
arrives, dropping the oldest waiting frames of a real-time stream when the analysis falls behind.
Both check the same limits, read rotation the same way and stop at the same error limit.
"""

from __future__ import annotations

import logging
import os
import threading
import time as _time
from collections.abc import Generator, Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import av
import cv2
import numpy as np

from ..aviindex import empty_video_frames
from ..errors import DecodeError, InputError
from ..fifo import open_fifo
from ..timeline import VideoInfo
from .frame import (
    ANALYSIS_WIDTH, ClosedOnExit, Frame, SourceKind, analysis_step, check_input_file, check_picture_size, picture_bytes,
    plausible_fps, quarter_turn, rate_or_fallback,
)
from .readahead import ReadAhead

__all__ = ["DecodedPicture", "VideoReader", "LiveSource", "open_video",
           "REALTIME_PREFIXES"]

log = logging.getLogger(__name__)

#: Pixel formats whose planes can be read directly as 8-bit Y, U, V.
_PLANAR_8BIT = {
    "yuv420p": (2, 2), "yuvj420p": (2, 2), "yuv422p": (2, 1), "yuvj422p": (2, 1),
    "yuv444p": (1, 1), "yuvj444p": (1, 1), "yuv440p": (1, 2), "yuvj440p": (1, 2),
    "yuv411p": (4, 1), "yuv410p": (4, 4), "yuva420p": (2, 2), "yuva444p": (1, 1),
}
#: Pixel formats whose first plane is 8-bit luma.
_LUMA_8BIT = frozenset(_PLANAR_8BIT) | {"gray", "nv12", "nv21"}
#: A step between two frames longer than both of these (seconds; the previous frame's durations) is
#: reported as missing video.
_JUMP_SECONDS = Fraction(1, 5)
_JUMP_FRAMES = 4
#: Missing stretches reported one by one; any more are counted in one last warning.
_MAX_JUMP_WARNINGS = 3
#: Consecutive undecodable packets after which the input is considered broken beyond repair.
MAX_CONSECUTIVE_ERRORS = 200
#: Places of skipped data listed one by one (``gaps``); a live stream losing packets for hours
#: counts the rest instead of growing the list.
_MAX_GAPS = 1000
#: Decoded frames the background decoder may hold ready, in bytes (of 8-bit 4:2:0 pictures) and in
#: frames. Enough to ride out the analysis's bursts (a detector decision, a keyframe written) without
#: the decoder stopping: at 1080p 7 frames ran about 5 % faster than 3.
_READ_AHEAD_BYTES = 24 * 1024 * 1024
_READ_AHEAD_FRAMES = (2, 8)
#: Pictures the decoder's frame threads may have in flight together, in bytes, and the most threads.
_DECODER_THREAD_BYTES = 32 * 1024 * 1024
_MAX_DECODER_THREADS = 12
#: FFmpeg's AV_PICTURE_TYPE_B.
_PICTURE_TYPE_B = 3
#: Containers whose seeking and timestamps are trusted for numbering frames after a seek (``--start``).
_SEEKABLE_FORMATS = frozenset({"mov", "mp4", "m4a", "3gp", "3g2", "mj2"})
#: Live sources whose frames are dropped (oldest first) when processing falls behind: cameras and
#: streams that do not wait for their reader. Pipes, files and HTTP wait, so nothing is dropped.
REALTIME_PREFIXES = ("/dev/video", "rtsp://", "rtsps://", "rtp://", "udp://", "srt://", "rtmp://", "rtmps://")
#: Decoded frames a live source may hold for the consumer.
_LIVE_BUFFER = 32


class _Geometry(NamedTuple):
    """What an analysis copy is made for: the picture size, the sampling step, the copy's size."""

    width: int
    height: int
    step: int
    size: tuple[int, int]


#: A decoded frame as the decoding thread hands it over: the frame, packets skipped and empty so
#: far, when it was decoded, and its analysis copy (None when the consumer must make it) with the
#: geometry it was made for.
_Decoded = tuple[av.VideoFrame, int, int, float, _Geometry, "tuple[np.ndarray, np.ndarray, np.ndarray] | None"]


def _plane(frame: av.VideoFrame, i: int) -> np.ndarray:
    p = frame.planes[i]
    return np.frombuffer(memoryview(p), np.uint8).reshape(-1, p.line_size)[: p.height, : p.width]


class DecodedPicture:
    """A decoded video frame as a :class:`~.frame.FramePicture`: rendered with the stream's pixel
    shape and display rotation."""

    __slots__ = ("frame", "sample_aspect_ratio", "rotation")

    def __init__(self, frame: av.VideoFrame, sample_aspect_ratio: Fraction | None = None, rotation: int = 0):
        self.frame = frame
        self.sample_aspect_ratio = sample_aspect_ratio or Fraction(1)
        self.rotation = rotation

    @property
    def width(self) -> int:
        return int(self.frame.width)

    @property
    def height(self) -> int:
        return int(self.frame.height)

    def luma(self, width: int, height: int) -> np.ndarray:
        """A view of the decoder's own luma plane when it has that size, else converted by libswscale."""
        frame = self.frame
        if frame.format.name in _LUMA_8BIT and frame.width == width and frame.height == height:
            return _plane(frame, 0)
        return np.asarray(frame.reformat(width=width, height=height, format="gray").to_ndarray())

    def render(self, max_size: int | None = None) -> np.ndarray:
        frame = self.frame
        width = int(round(frame.width * float(self.sample_aspect_ratio)))
        height = frame.height
        if max_size and max(width, height) > max_size:
            scale = max_size / max(width, height)
            width, height = int(round(width * scale)), int(round(height * scale))
        width, height = max(2, width), max(2, height)
        if (width, height) == (frame.width, frame.height):
            image = frame.to_ndarray(format="bgr24")
        else:
            image = frame.reformat(width=width, height=height, format="bgr24", interpolation="AREA").to_ndarray()
        return _rotated(np.asarray(image), self.rotation)


def _rotated(image: np.ndarray, rotation: int) -> np.ndarray:
    turn = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}.get(rotation % 360)
    return image if turn is None else cv2.rotate(image, turn)


def _sample(plane: np.ndarray, row_step: int, col_step: int) -> np.ndarray:
    """Every ``row_step``-th row and ``col_step``-th column, as a new array.

    The rows are copied whole first: a sequential copy of a freshly decoded (uncached) picture
    is far faster than gathering single bytes across it, and the gather then runs in cache.
    """
    rows = np.ascontiguousarray(plane[::row_step]) if row_step > 1 else plane
    return np.ascontiguousarray(rows[:, ::col_step])


def _shrink(plane: np.ndarray, step: int, size: tuple[int, int]) -> np.ndarray:
    """Downscale by reading every ``step//2``-th pixel, then area-averaging 2x2 (cheap anti-aliasing)."""
    half = max(1, step // 2)
    view = _sample(plane, half, half)
    if view.shape[1] == size[0] and view.shape[0] == size[1]:
        return view
    return np.asarray(cv2.resize(view, size, interpolation=cv2.INTER_AREA))


def _chroma(plane: np.ndarray, step: int, sub: tuple[int, int], size: tuple[int, int], cstep: int) -> np.ndarray:
    if sub[0] == sub[1]:
        return _shrink(plane, cstep, size)
    sx, sy = max(1, step // sub[0]), max(1, step // sub[1])
    return np.asarray(cv2.resize(_sample(plane, sy, sx), size, interpolation=cv2.INTER_AREA))


class _BestEffortTimestamp:
    """A frame's timestamp as FFmpeg guesses it (``best_effort_timestamp``): its pts, unless the pts
    values have gone wrong (not increasing) more often than the dts values, as in AVI files with
    B-frames, whose "pts" are in decoding order. Returns ticks of the stream's time base, or None.
    """

    def __init__(self) -> None:
        self.faulty_pts = self.faulty_dts = 0
        self.last_pts: int | None = None
        self.last_dts: int | None = None

    def __call__(self, pts: int | None, dts: int | None) -> int | None:
        if dts is not None:
            self.faulty_dts += self.last_dts is not None and dts <= self.last_dts
            self.last_dts = dts
        if pts is not None:
            self.faulty_pts += self.last_pts is not None and pts <= self.last_pts
            self.last_pts = pts
        if pts is not None and self.faulty_pts <= self.faulty_dts:
            return pts
        return dts  # None when unknown: the caller extrapolates


class _AVSource(ClosedOnExit):
    """The decoding loop shared by files and live streams; see :class:`VideoReader`, :class:`LiveSource`.

    Opening decodes the first frame (so :attr:`info` holds the rotation and the first timestamp
    before anyone iterates); iterating yields it and the rest, once.
    """

    kind: SourceKind = "file"
    #: Drop the oldest waiting frames when the consumer falls behind.
    realtime = False

    def _setup(self, name: str, container: Any, *, analysis_width: int, threads: int, max_duration: float | None,
               fast: bool, depth: int | None, held: frozenset[int] = frozenset()) -> None:
        self.name = name
        self._container = container
        self.max_duration = max_duration
        #: Whether B-frames come out without deblocking (see ``fast`` in :func:`open_video`).
        self.skips_b_deblocking = False
        self.warnings: list[str] = []
        #: Places where undecodable data was skipped: dicts with after_frame, time, skipped_packets.
        self.gaps: list[dict[str, float | int]] = []
        self.corrupt_packets = 0
        #: Empty packets (a repeat of the previous picture), and the frames an AVI index marks empty.
        self.empty_packets = 0
        self._held = held
        self._read_ahead: ReadAhead[_Decoded] | None = None
        self._closing = False
        self._close_lock = threading.Lock()
        self._container_open = True
        self._analysis_width = analysis_width
        self._iterated = False
        if not container.streams.video:
            kinds = sorted({s.type for s in container.streams})
            self._close_container()
            found = f"only {', '.join(kinds)}" if kinds else "no streams at all"
            raise InputError(f"{name}: no video stream ({found})")
        self._stream = container.streams.video[0]
        cc = self._stream.codec_context
        if cc is None:  # FFmpeg has no decoder for it (an unknown or damaged codec tag)
            self._close_container()
            raise InputError(f"{name}: cannot decode its video stream (unknown or unsupported codec)")
        cc.thread_type = "AUTO"
        if self.kind == "file":
            cc.thread_count = threads or _decoder_threads(cc.width, cc.height)
        elif threads:
            cc.thread_count = threads
        if fast and cc.name == "h264":
            # The in-loop deblocking filter is a large part of H.264 decoding. H.264 encoders predict
            # from I- and P-frames, B-frames at most from each other, so skipping it on B-frames
            # leaves every I/P-frame exact, and the blocking disappears in the small analysis copy.
            # (Not for HEVC, whose encoders may code every frame after the first as a B-frame.)
            # Read by the decoder when it opens, so set now.
            cc.options = {**cc.options, "skip_loop_filter": "bidir"}
            self.skips_b_deblocking = True
        if cc.width and cc.height:
            try:
                check_picture_size(name, cc.width, cc.height)
            except InputError:
                self._close_container()
                raise
        elif self.kind == "file":  # a live stream may say its size with its first frame only
            self._close_container()
            raise InputError(f"{name}: video stream has no picture size (unsupported codec?)")
        self.info = self._read_info()
        self._set_analysis_size(self.info.width, self.info.height)
        if depth is None:
            lo, hi = _READ_AHEAD_FRAMES
            depth = min(hi, max(lo, _READ_AHEAD_BYTES // picture_bytes(self.info.width, self.info.height)))
        self._depth = depth
        self._frames: Generator[Frame, None, None] = self._decode_frames()
        try:
            self._first: Frame | None = next(self._frames)
        except StopIteration:  # pragma: no cover - the loop raises DecodeError when nothing decodes
            self._first = None
        except BaseException:
            self.close()
            raise

    def _set_analysis_size(self, width: int, height: int) -> None:
        self._step = analysis_step(width, height, self._analysis_width)
        self.analysis_size = (max(1, width // self._step), max(1, height // self._step))
        #: The picture size the analysis copy is made for, its step and size, as one value: the
        #: decoding thread reads it while the consumer may change it (a live stream's first frame).
        self._geometry = _Geometry(width, height, self._step, self.analysis_size)

    @property
    def path(self) -> str | Path:
        return self.name

    def _read_info(self) -> VideoInfo:
        s = self._stream
        cc = s.codec_context
        # The first plausible rate: a damaged header can claim millions of frames per second, and the
        # detector's windows are sized in frames.
        fps = plausible_fps(s.average_rate, s.guessed_rate, s.base_rate)
        tb = s.time_base
        duration = None
        if s.duration is not None and tb:
            duration = Fraction(s.duration) * tb
        elif self._container.duration:
            duration = Fraction(self._container.duration, av.time_base)
        frames = int(round(duration * fps)) if duration and fps else None
        if s.frames:  # the index's count; an edit list may hide some of them, then the duration is shorter
            frames = min(s.frames, frames) if frames else s.frames
        #: Whether ``frames`` comes from the stream itself (index, own duration), not the container's
        #: duration, which may include a longer audio track.
        self._count_exact = bool(s.frames and s.duration)
        if self.kind == "live":
            frames = None  # what arrives is what there is
        sar = s.sample_aspect_ratio or cc.sample_aspect_ratio or Fraction(1)
        return VideoInfo(
            path=str(self.name),
            width=max(1, cc.width or 0),
            height=max(1, cc.height or 0),
            sample_aspect_ratio=Fraction(sar) if sar else Fraction(1),
            fps=fps,
            frame_count=frames or None,
            duration=duration,
            time_base=Fraction(tb) if tb else None,
            start_time=Fraction(s.start_time) * tb if s.start_time is not None and tb else Fraction(0),
            codec=cc.name or "",
            pix_fmt=cc.format.name if cc.format else "",
        )

    def close(self) -> None:
        self._closing = True
        if self._read_ahead is not None and not self._read_ahead.stop():
            # The decoding thread is stuck inside FFmpeg (a stalled file, a stream sending nothing):
            # closing the container under it could crash the process, so the thread closes it
            # itself once FFmpeg returns.
            log.debug("%s: decoder thread still busy; it closes the input when it returns", self.name)
            return
        self._close_container()

    def _close_container(self) -> None:
        with self._close_lock:
            if not self._container_open:
                return
            self._container_open = False
            try:
                self._container.close()
            except Exception:  # noqa: BLE001 - closing a broken stream must not mask the real error
                pass
            fifo = getattr(self, "_fifo", None)
            if fifo is not None:
                fifo.close()

    def _decoded(self) -> Iterator[tuple[av.VideoFrame, int, int, float]]:
        """Decode packet by packet so one corrupt packet is skipped instead of ending the video.

        Yields each frame with the number of packets skipped so far, of empty packets so far (this
        runs ahead of the caller, so the counters themselves may already count later ones) and the
        wall-clock time it was decoded.
        """
        consecutive = 0
        try:
            packets = self._container.demux(self._stream)
            while True:
                try:
                    packet = next(packets)
                except StopIteration:
                    return
                except av.error.FFmpegError as exc:
                    # The demuxer itself failed (truncated container, a stream that broke off): keep
                    # what was decoded.
                    where = "the stream ended with an error" if self.kind == "live" \
                        else "stopped reading at a damaged part of the file"
                    self._warn(f"{where} ({reason(exc)})")
                    for vf in self._flush():
                        yield vf, self.corrupt_packets, self.empty_packets, _time.time()
                    return
                if packet.size == 0 and packet.pts is not None:
                    # An empty packet: "the previous picture again" (Theora, NUT ...), not damage. (The
                    # demuxer's last packet is empty too, without a time: it drains the decoder.)
                    self.empty_packets += 1
                    continue
                try:
                    frames = packet.decode()
                except av.error.FFmpegError as exc:
                    consecutive += 1
                    self.corrupt_packets += 1
                    if consecutive >= MAX_CONSECUTIVE_ERRORS:
                        raise DecodeError(f"{self.name}: too many undecodable packets ({reason(exc)})") from exc
                    continue
                consecutive = 0
                for vf in frames:
                    yield vf, self.corrupt_packets, self.empty_packets, _time.time()
        finally:
            if self.corrupt_packets:
                self._warn(f"skipped {self.corrupt_packets} undecodable packet(s)")
            if self._closing:  # the consumer gave up waiting for this thread: the input is ours to close
                self._close_container()

    def _flush(self) -> Iterator[av.VideoFrame]:
        try:
            yield from self._stream.codec_context.decode(None)
        except av.error.FFmpegError:
            return

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            log.warning("%s: %s", Path(str(self.name)).name, message)

    @property
    def dropped(self) -> int:
        """Frames dropped because the analysis fell behind a real-time stream."""
        return self._read_ahead.dropped if self._read_ahead is not None else 0

    def __iter__(self) -> Iterator[Frame]:
        if self._iterated:
            raise RuntimeError("a frame source can be iterated only once")
        self._iterated = True
        if self._first is None:
            return
        first, self._first = self._first, None
        yield first
        yield from self._frames

    def exact_seek_rate(self) -> Fraction | None:
        """The frame rate frames are numbered by after a seek, or None when numbering a frame by its
        timestamp would not give its place in decode order: anything but a plain, seekable file whose
        stream's own frame count matches its duration at one constant rate (MP4/MOV)."""
        s = self._stream
        fmt = set(self._container.format.name.split(","))
        if (self.kind != "file" or getattr(self, "_fifo", None) is not None or self._held or self._iterated
                or self._first is None or not fmt & _SEEKABLE_FORMATS):
            return None
        fps, guessed = s.average_rate, s.guessed_rate
        if not fps or not guessed or Fraction(fps) != Fraction(guessed) or not s.frames or not s.duration:
            return None  # variable frame rate, or a count the file does not state
        if s.frames != round(Fraction(s.duration) * Fraction(s.time_base) * Fraction(fps)):
            return None  # frames missing or repeated somewhere: a timestamp is not a place in the count
        return Fraction(fps)

    def seek_start(self, seconds: Fraction) -> bool:
        """Before iterating: start decoding at the keyframe before ``seconds`` (since the first frame)
        instead of the start; frames keep their absolute numbers, computed from their timestamps.

        Returns False, changing nothing, where that numbering would not be exact (see
        :meth:`exact_seek_rate`); the caller then decodes from the start and skips frames.
        """
        rate = self.exact_seek_rate()
        if rate is None or seconds <= 0 or self.info.time_base is None:
            return False
        t0 = self.info.start_time  # the first frame's time, known since opening
        self._frames.close()  # stops the read-ahead thread before the container is touched
        if self._read_ahead is not None and self._read_ahead.running:
            raise DecodeError(f"{self.name}: the decoder did not stop to seek to the start")
        self._first = None
        target = t0 + seconds
        try:
            self._container.seek(int(target / self.info.time_base), stream=self._stream, backward=True,
                                 any_frame=False)
            self._frames = self._decode_frames(t0=t0, rate=rate)
            first = next(self._frames, None)
        except av.error.FFmpegError:
            first = None
        if first is None or first.time > seconds:  # landed late (or nothing there): decode from the start
            self._frames.close()
            self._container.seek(0, stream=self._stream, backward=True, any_frame=False)
            self._frames = self._decode_frames(t0=t0)
            first = next(self._frames, None)
        self._first = first
        return True

    def _decode_frames(self, *, t0: Fraction | None = None, rate: Fraction | None = None) -> Generator[Frame, None, None]:
        """Decode into :class:`Frame` objects; ``t0`` is the first frame's time when known (after a seek),
        ``rate`` numbers frames by their timestamps (after a seek to the middle: see :meth:`seek_start`)."""
        tb = self.info.time_base or Fraction(1, 1000)
        step_time = 1 / rate_or_fallback(self.info.fps)
        live = self.kind == "live"
        seeked = t0 is not None
        last = Fraction(0)
        first_read = 0.0
        last_duration = step_time
        known_duration = False
        jumps = 0
        index = 0
        skipped_before = empty_before = 0
        last_ticks: int | None = None
        timestamp = _BestEffortTimestamp()
        picture_size = (self.info.width, self.info.height)
        self._read_ahead = ReadAhead(self._with_analysis_copy(self._decoded()), depth=self._depth,
                                     drop_oldest=self.realtime)
        try:
            for vf, corrupt, empty, read_at, geometry, planes in self._read_ahead:
                ticks = timestamp(vf.pts, vf.dts)
                if ticks is not None:
                    t = Fraction(ticks) * tb
                elif live and t0 is not None:  # a stream without timestamps: the time it arrived
                    t = t0 + Fraction(read_at - first_read).limit_denominator(1_000_000)
                else:
                    t = (last + step_time) if t0 is not None else Fraction(0)
                if (vf.width, vf.height) != picture_size:
                    check_picture_size(self.name, vf.width, vf.height)  # a stream may change size
                    if t0 is None and live:
                        self.info = replace(self.info, width=vf.width, height=vf.height)
                        self._set_analysis_size(vf.width, vf.height)
                    picture_size = (vf.width, vf.height)
                if t0 is None:
                    t0, first_read = t, read_at
                    self.info = replace(self.info, rotation=quarter_turn(vf.rotation, self._warn), start_time=t)
                elif t < last:
                    # Timestamps going backwards (broken muxing): keep times monotonic for every consumer.
                    self._warn("timestamps go backwards in places; times there are clamped")
                    t = last
                gap = corrupt > skipped_before and index
                if gap:
                    if len(self.gaps) < _MAX_GAPS:
                        self.gaps.append({"after_frame": index - 1, "time": round(float(last - t0), 6),
                                          "skipped_packets": corrupt - skipped_before})
                    else:
                        self._warn(f"more than {_MAX_GAPS} places with undecodable data; only the first are listed")
                skipped_before = corrupt
                # The previous picture was held on purpose: empty packets came between, or the AVI
                # index marks every frame in between as empty. Then a later time is not video missing.
                held = empty > empty_before or (
                    bool(self._held) and ticks is not None and last_ticks is not None
                    and all(n in self._held for n in range(last_ticks + 1, min(ticks, last_ticks + 100_000))))
                empty_before = empty
                last_ticks = ticks
                if rate is not None and ticks is not None:
                    index = int(round((t - t0) * rate))  # after a seek: the frame's place from its time
                if self.max_duration is not None and t - t0 > self.max_duration:
                    self._warn(f"stopped after {self.max_duration:g} s (--max-duration)")
                    break
                if (index and not live and not gap and not held and known_duration
                        and t - last > max(_JUMP_SECONDS, _JUMP_FRAMES * last_duration)):
                    # The previous frame says how long it lasts, and far more time passed: frames the demuxer
                    # dropped silently (damaged container) or a hole in the timestamps.
                    jumps += 1
                    if jumps <= _MAX_JUMP_WARNINGS:
                        self._warn(f"{float(t - last - last_duration):.3g} s of video missing after frame "
                                   f"{index - 1} (at {float(last - t0):.3f} s): damaged file or a jump in its "
                                   f"timestamps")
                duration = getattr(vf, "duration", None)  # from the container; 0 or None when it does not say
                known_duration = bool(duration and duration > 0)
                last_duration = Fraction(duration) * tb if duration and known_duration else step_time
                last = t
                if planes is None or geometry is not self._geometry:  # made for another size: make it again
                    planes = self._analysis_planes(vf, self._geometry)
                y, u, v = planes
                clean = not (self.skips_b_deblocking and vf.pict_type == _PICTURE_TYPE_B)
                picture = DecodedPicture(vf, self.info.sample_aspect_ratio, self.info.rotation)
                yield Frame(index=index, time=t - t0, y=y, u=u, v=v, source=picture, clean=clean, read_at=read_at)
                index += 1
        finally:
            self._read_ahead.stop()  # and wait: its last warnings land before anyone reads them
            if self._read_ahead.dropped:
                self._warn(f"dropped {self._read_ahead.dropped} frame(s) that arrived while earlier ones "
                           f"were processed")
        if index == 0 and not seeked:
            raise DecodeError(f"{self.name}: no decodable video frames")
        if jumps > _MAX_JUMP_WARNINGS:
            self._warn(f"video missing in {jumps - _MAX_JUMP_WARNINGS} more places")
        expected = self.info.frame_count
        if expected and self._held:  # the header counts the empty frames of a sparse AVI too
            expected = max(0, expected - len(self._held))
        if expected and self.max_duration is None and t0 is not None and index:
            if self._count_exact:  # the stream's own count: any shortfall is missing frames
                short = index < expected - 1
            else:  # estimated from a duration (which may include audio): short in frames and in time
                end = last - t0 + last_duration
                short = index < 0.9 * expected - 2 and (not self.info.duration or end < 0.9 * self.info.duration)
            if short:
                self._warn(f"video ended early: decoded {index} of about {expected} frames (truncated file?)")

    def _with_analysis_copy(self, decoded: Iterator[tuple[av.VideoFrame, int, int, float]]) -> Iterator[_Decoded]:
        """Each decoded frame with its analysis copy, made here in the decoding thread.

        The copy reads the full picture, which is no longer in the cache when the frame reaches the
        analysis; made here it overlaps the analysis of earlier frames (NumPy and OpenCV release the
        GIL while they copy). Only frames of the expected size are copied here; the consumer makes
        the copy of any other (after checking its size), and again if the size changed meanwhile.
        """
        for vf, corrupt, empty, read_at in decoded:
            geometry = self._geometry
            planes = None
            if vf.width == geometry.width and vf.height == geometry.height:
                planes = self._analysis_planes(vf, geometry)
            yield vf, corrupt, empty, read_at, geometry, planes

    def _analysis_planes(self, vf: av.VideoFrame, geometry: _Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        size, step = geometry.size, geometry.step
        fmt = vf.format.name
        sub = _PLANAR_8BIT.get(fmt)
        same_size = vf.width == geometry.width and vf.height == geometry.height
        if sub is not None and same_size:
            y = _shrink(_plane(vf, 0), step, size)
            cstep = max(1, step // sub[0]) if sub[0] == sub[1] else step
            u = _chroma(_plane(vf, 1), step, sub, size, cstep)
            v = _chroma(_plane(vf, 2), step, sub, size, cstep)
            return y, u, v
        if fmt == "gray" and same_size:
            y = _shrink(_plane(vf, 0), step, size)
            flat = np.full_like(y, 128)
            return y, flat, flat
        # Anything else (10-bit, RGB, palette, odd mid-stream size): let libswscale convert.
        small = vf.reformat(width=size[0], height=size[1], format="yuv444p")
        return _plane(small, 0).copy(), _plane(small, 1).copy(), _plane(small, 2).copy()


class VideoReader(_AVSource):
    """An open video file that yields :class:`~.frame.Frame` objects; use :func:`open_video`.

    Streams the file once: memory stays constant however long the video is.
    """

    kind: SourceKind = "file"

    def __init__(self, path: str | os.PathLike[str], *, analysis_width: int = ANALYSIS_WIDTH, threads: int = 0,
                 max_duration: float | None = None, fast: bool = False):
        path = Path(path)
        check_input_file(path, "a video", streams=True)  # (a named pipe is read as it arrives)
        self._fifo: Any = open_fifo(path)  # a named pipe: its writer awaited where signals still work
        try:
            container = av.open(f"pipe:{self._fifo.fileno()}" if self._fifo else str(path), metadata_errors="ignore")
        except av.error.FileNotFoundError as exc:
            self._close_fifo()
            raise InputError(f"{path}: no such file") from exc
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            self._close_fifo()
            if _is_iso_media(path):  # MP4/MOV whose index (moov) is missing: cut off or still being written
                raise InputError(f"{path}: incomplete or damaged MP4/MOV file, its index (moov) cannot be "
                                 f"found (truncated or still being written?)") from exc
            raise InputError(f"{path}: not a video file ({reason(exc)})") from exc
        fmt = container.format.name
        if fmt == "image2" or fmt.endswith("_pipe"):  # a photo: FFmpeg would call it a 1-frame video
            videos = container.streams.video
            cc = videos[0].codec_context if videos else None
            kind = cc.name if cc is not None else fmt.removesuffix("_pipe")
            container.close()
            self._close_fifo()
            raise InputError(f"{path}: a still image ({'jpeg' if kind == 'mjpeg' else kind}), not a video")
        self._path = path
        self._setup(str(path), container, analysis_width=analysis_width, threads=threads, max_duration=max_duration,
                    fast=fast, depth=None, held=empty_video_frames(path) if fmt == "avi" else frozenset())

    def _close_fifo(self) -> None:
        if self._fifo is not None:
            self._fifo.close()

    @property
    def path(self) -> Path:
        return self._path


class LiveSource(_AVSource):
    """A stream FFmpeg opens that is not a plain file (camera, RTSP, UDP, SRT, HTTP, pipe), read as it arrives.

    Same interface as :class:`VideoReader`; ``info.frame_count`` is None. Times are the stream's
    timestamps relative to the first frame (the time each frame arrived when the stream has none).
    For cameras and network streams (``realtime``) the oldest waiting frames are dropped when the
    consumer falls behind, so what is processed stays current; pipes, files and HTTP are never
    dropped from.

    Parameters
    ----------
    url : str
        ``/dev/video0`` (opened with the ``v4l2`` format unless ``format`` says otherwise),
        ``rtsp://...`` (over TCP), ``udp://...``, ``http(s)://...``, ``pipe:0``, ``file:...``, ...
    format : str, optional
        FFmpeg input format (``v4l2``, ``mjpeg``, ``yuv4mpegpipe``, ``mpegts`` ...).
    options : dict, optional
        FFmpeg options for the input (e.g. ``{"video_size": "1280x720"}``).
    timeout : float
        Seconds to wait for the stream to open, and for data once open.
    realtime : bool, optional
        Drop late frames; default: True for ``/dev/video*``, ``rtsp://``, ``udp://`` and the like.
    buffer : int
        Decoded frames that may wait for the consumer.
    """

    kind: SourceKind = "live"

    def __init__(self, url: str, *, format: str | None = None, options: dict[str, str] | None = None,  # noqa: A002
                 analysis_width: int = ANALYSIS_WIDTH, max_duration: float | None = None, timeout: float = 20.0,
                 realtime: bool | None = None, buffer: int = _LIVE_BUFFER, threads: int = 0, fast: bool = False):
        self.url = url
        self.realtime = url.lower().startswith(REALTIME_PREFIXES) if realtime is None else realtime
        opts = dict(options or {})
        if format is None and url.startswith("/dev/video"):
            format = "v4l2"
        if url.lower().startswith(("rtsp://", "rtsps://")):
            opts.setdefault("rtsp_transport", "tcp")
        try:
            container = av.open(url, format=format, options=opts, timeout=timeout, metadata_errors="ignore")
        except av.error.FileNotFoundError as exc:
            raise InputError(f"{url}: no such device or stream") from exc
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise InputError(f"{url}: cannot open the stream ({reason(exc)})") from exc
        self._setup(url, container, analysis_width=analysis_width, threads=threads, max_duration=max_duration,
                    fast=fast, depth=max(1, buffer))


def _decoder_threads(width: int, height: int) -> int:
    """Frame threads for the decoder: more than FFmpeg's own choice (cores + 1) where memory allows.

    Each frame thread decodes one picture ahead. While the analysis takes a core, a deeper pipeline
    lets the decoder keep the other one busy: on 2 cores and 1080p H.264, 12 threads made the
    whole run about a tenth faster than 3. Large pictures keep FFmpeg's count (4K: 12 MB each).
    """
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    by_memory = _DECODER_THREAD_BYTES // max(1, picture_bytes(width, height))
    return max(min(cores + 1, 16), min(_MAX_DECODER_THREADS, by_memory))


def _is_iso_media(path: Path) -> bool:
    """Whether the file starts like an MP4/MOV (an ``ftyp`` box)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(12)[4:8] == b"ftyp"
    except OSError:
        return False


def reason(exc: BaseException) -> str:
    """The first line of an error's message, for one-line errors and warnings."""
    text = getattr(exc, "strerror", None) or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def open_video(path: str | os.PathLike[str], *, analysis_width: int = ANALYSIS_WIDTH, threads: int = 0,
               max_duration: float | None = None, fast: bool = False) -> VideoReader:
    """Open a video file for streaming analysis.

    Parameters
    ----------
    max_duration : float, optional
        Stop after this many seconds of video (a warning records it).
    fast : bool
        For H.264, skip the deblocking filter on B-frames (about a tenth of the decoding time).
        Those frames come out with ``clean=False``: as good as the others for analysis, not for
        pictures.

    Raises
    ------
    InputError
        The path is missing, a directory, empty, not a video, or has no video stream.
    DecodeError
        Not one frame could be decoded.
    """
    return VideoReader(path, analysis_width=analysis_width, threads=threads, max_duration=max_duration, fast=fast)
