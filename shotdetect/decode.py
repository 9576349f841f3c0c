"""Stream frames out of a video file: the only module that talks to PyAV.

Each decoded frame becomes a :class:`Frame` with its presentation index, its exact time, and a small
YUV analysis copy taken as a strided view of the decoded planes (nearly free, unlike a libswscale
rescale of every frame). The decoded frame itself is kept only as a handle, so that a keyframe can be
rendered at full size later without a second decode.

Decoding runs in a background thread a few frames ahead of the caller (PyAV releases the GIL while
FFmpeg decodes), so the analysis of one frame overlaps the decoding of the next ones instead of
leaving the decoder's threads waiting for new packets.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from .aviindex import empty_video_frames
from .errors import DecodeError, InputError
from .fifo import open_fifo
from .timeline import VideoInfo

__all__ = ["Frame", "VideoReader", "open_video", "render_frame", "luma_plane", "picture_bytes", "ANALYSIS_WIDTH",
           "MAX_PIXELS", "MAX_SIDE", "MAX_FPS"]

log = logging.getLogger(__name__)

#: Target width of the analysis copy, in pixels; the real width lies between this and twice this.
ANALYSIS_WIDTH = 160
#: Pixel formats whose planes can be read directly as 8-bit Y, U, V.
_PLANAR_8BIT = {
    "yuv420p": (2, 2), "yuvj420p": (2, 2), "yuv422p": (2, 1), "yuvj422p": (2, 1),
    "yuv444p": (1, 1), "yuvj444p": (1, 1), "yuv440p": (1, 2), "yuvj440p": (1, 2),
    "yuv411p": (4, 1), "yuv410p": (4, 4), "yuva420p": (2, 2), "yuva444p": (1, 1),
}
#: A step between two frames longer than both of these (seconds; the previous frame's durations) is
#: reported as missing video.
_JUMP_SECONDS = Fraction(1, 5)
_JUMP_FRAMES = 4
#: Missing stretches reported one by one; any more are counted in one last warning.
_MAX_JUMP_WARNINGS = 3
#: Consecutive undecodable packets after which the file is considered broken beyond repair.
_MAX_CONSECUTIVE_ERRORS = 200
#: Largest picture accepted, in pixels (8192 x 8192), and largest side. Bigger streams are refused
#: up front rather than exhausting memory in the decoder.
MAX_PIXELS = 8192 * 8192
MAX_SIDE = 16384
#: Highest frame rate taken from a file's header; a higher one is taken as damage and the next guess used.
MAX_FPS = 1000
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


@dataclass
class Frame:
    """One decoded frame: where it is, when it is, and a small copy for analysis.

    Attributes
    ----------
    index : int
        0-based position in presentation (decode output) order.
    time : Fraction
        Seconds since the first frame, from pts x time_base.
    y, u, v : ndarray of uint8, shape (h, w)
        Analysis-size luma and chroma planes (chroma resampled to the luma grid).
    source : av.VideoFrame
        The decoded frame, to render a full-size keyframe with :func:`render_frame`.
    clean : bool
        False for a frame decoded with a shortcut (see ``fast`` in :func:`open_video`): fine for
        analysis, slightly blocky at full size, so a poor choice of keyframe.
    """

    index: int
    time: Fraction
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    source: av.VideoFrame
    clean: bool = True


def _plane(frame: av.VideoFrame, i: int) -> np.ndarray:
    p = frame.planes[i]
    return np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[: p.height, : p.width]


#: Pixel formats whose first plane is 8-bit luma.
_LUMA_8BIT = frozenset(_PLANAR_8BIT) | {"gray", "nv12", "nv21"}


def luma_plane(frame: av.VideoFrame, width: int, height: int) -> np.ndarray:
    """8-bit luma of a decoded frame at ``width`` x ``height``: a view of the decoder's own plane when
    the frame has one of that size, else converted by libswscale (10-bit, RGB, another size)."""
    if frame.format.name in _LUMA_8BIT and frame.width == width and frame.height == height:
        return _plane(frame, 0)
    return frame.reformat(width=width, height=height, format="gray").to_ndarray()


def picture_bytes(width: int, height: int) -> int:
    """Size of one decoded 8-bit 4:2:0 picture: what memory budgets count frames in."""
    return width * height * 3 // 2


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
    return cv2.resize(view, size, interpolation=cv2.INTER_AREA)


class VideoReader:
    """An open video file that yields :class:`Frame` objects; use :func:`open_video`.

    Streams the file once: memory stays constant however long the video is.
    """

    def __init__(self, path: str | os.PathLike[str], *, analysis_width: int = ANALYSIS_WIDTH, threads: int = 0,
                 max_duration: float | None = None, fast: bool = False):
        self.path = Path(path)
        self.max_duration = max_duration
        #: Whether B-frames come out without deblocking (see ``fast`` in :func:`open_video`).
        self.skips_b_deblocking = False
        self._read_ahead: _ReadAhead | None = None
        _check_path(self.path)
        self._fifo = open_fifo(self.path)  # a named pipe: its writer awaited where signals still work
        try:
            self._container = av.open(f"pipe:{self._fifo.fileno()}" if self._fifo else str(self.path),
                                      metadata_errors="ignore")
        except av.error.FileNotFoundError as exc:
            raise InputError(f"{self.path}: no such file") from exc
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            if _is_iso_media(self.path):  # MP4/MOV whose index (moov) is missing: cut off or still being written
                raise InputError(f"{self.path}: incomplete or damaged MP4/MOV file, its index (moov) cannot be "
                                 f"found (truncated or still being written?)") from exc
            raise InputError(f"{self.path}: not a video file ({_reason(exc)})") from exc
        fmt = self._container.format.name
        if fmt == "image2" or fmt.endswith("_pipe"):  # a photo: FFmpeg would call it a 1-frame video
            videos = self._container.streams.video
            cc = videos[0].codec_context if videos else None
            kind = cc.name if cc is not None else fmt.removesuffix("_pipe")
            self._container.close()
            raise InputError(f"{self.path}: a still image ({'jpeg' if kind == 'mjpeg' else kind}), not a video")
        if not self._container.streams.video:
            kinds = sorted({s.type for s in self._container.streams})
            self._container.close()
            found = f"only {', '.join(kinds)}" if kinds else "no streams at all"
            raise InputError(f"{self.path}: no video stream ({found})")
        self._stream = self._container.streams.video[0]
        cc = self._stream.codec_context
        if cc is None:  # FFmpeg has no decoder for it (an unknown or damaged codec tag)
            self._container.close()
            raise InputError(f"{self.path}: cannot decode its video stream (unknown or unsupported codec)")
        cc.thread_type = "AUTO"
        cc.thread_count = threads or _decoder_threads(cc.width, cc.height)
        if fast and cc.name == "h264":
            # The in-loop deblocking filter is a large part of H.264 decoding. H.264 encoders predict
            # from I- and P-frames, B-frames at most from each other, so skipping it on B-frames
            # leaves every I/P-frame exact, and the blocking disappears in the small analysis copy.
            # (Not for HEVC, whose encoders may code every frame after the first as a B-frame.)
            # Read by the decoder when it opens, so set now.
            cc.options = {**cc.options, "skip_loop_filter": "bidir"}
            self.skips_b_deblocking = True
        if not cc.width or not cc.height:
            self._container.close()
            raise InputError(f"{self.path}: video stream has no picture size (unsupported codec?)")
        if cc.width * cc.height > MAX_PIXELS or max(cc.width, cc.height) > MAX_SIDE:
            self._container.close()
            limit = (f"{MAX_SIDE} pixels per side" if max(cc.width, cc.height) > MAX_SIDE
                     else f"{MAX_PIXELS / 1e6:.1f} megapixels ({MAX_PIXELS} pixels)")
            raise InputError(f"{self.path}: picture of {cc.width}x{cc.height} is larger than the supported "
                             f"{limit}")
        self.info = self._read_info()
        # Very tall pictures (more than 4:1) are also bounded by their height, so the analysis copy
        # of a 1:20 strip stays small; ordinary and portrait videos are sized by their width.
        step = max(1, self.info.width // analysis_width, self.info.height // (4 * analysis_width))
        self._step = step
        self.analysis_size = (max(1, self.info.width // step), max(1, self.info.height // step))
        self.warnings: list[str] = []
        #: Places where undecodable data was skipped: dicts with after_frame, time, skipped_packets.
        self.gaps: list[dict[str, float | int]] = []
        self.corrupt_packets = 0
        #: Empty packets (a repeat of the previous picture), and the frames an AVI index marks empty.
        self.empty_packets = 0
        self._held = empty_video_frames(self.path) if self._container.format.name == "avi" else frozenset()

    def _read_info(self) -> VideoInfo:
        s = self._stream
        cc = s.codec_context
        # The first plausible rate: a damaged header can claim millions of frames per second, and the
        # detector's windows are sized in frames.
        fps = next((r for r in (s.average_rate, s.guessed_rate, s.base_rate) if r and 0 < r <= MAX_FPS), None)
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
        sar = s.sample_aspect_ratio or cc.sample_aspect_ratio or Fraction(1)
        return VideoInfo(
            path=str(self.path),
            width=cc.width,
            height=cc.height,
            sample_aspect_ratio=Fraction(sar) if sar else Fraction(1),
            fps=Fraction(fps) if fps else None,
            frame_count=frames or None,
            duration=duration,
            time_base=Fraction(tb) if tb else None,
            start_time=Fraction(s.start_time) * tb if s.start_time is not None and tb else Fraction(0),
            codec=cc.name or "",
            pix_fmt=cc.format.name if cc.format else "",
        )

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._read_ahead is not None and not self._read_ahead.stop():
            # The decoding thread is stuck inside FFmpeg (the watchdog gave up on it): closing the
            # container under it could crash the process, so leave it to the process's exit.
            log.debug("%s: decoder thread still busy; container left open", self.path.name)
            return
        self._container.close()
        if self._fifo is not None:
            self._fifo.close()

    def _decoded(self) -> Iterator[tuple[av.VideoFrame, int, int]]:
        """Decode packet by packet so one corrupt packet is skipped instead of ending the video.

        Yields each frame with the number of packets skipped so far and of empty packets so far
        (this runs ahead of the caller, so the counters themselves may already count later ones).
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
                    # The demuxer itself failed (truncated container): keep what was decoded.
                    self._warn(f"stopped reading at a damaged part of the file ({_reason(exc)})")
                    for vf in self._flush():
                        yield vf, self.corrupt_packets, self.empty_packets
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
                    if consecutive >= _MAX_CONSECUTIVE_ERRORS:
                        raise DecodeError(f"{self.path}: too many undecodable packets ({_reason(exc)})") from exc
                    continue
                consecutive = 0
                for vf in frames:
                    yield vf, self.corrupt_packets, self.empty_packets
        finally:
            if self.corrupt_packets:
                self._warn(f"skipped {self.corrupt_packets} undecodable packet(s)")

    def _flush(self) -> Iterator[av.VideoFrame]:
        try:
            yield from self._stream.codec_context.decode(None)
        except av.error.FFmpegError:
            return

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
            log.warning("%s: %s", self.path.name, message)

    def __iter__(self) -> Iterator[Frame]:
        tb = self.info.time_base or Fraction(1, 1000)
        step_time = 1 / self.info.fps if self.info.fps else Fraction(1, 25)
        t0: Fraction | None = None
        last: Fraction | None = None
        last_duration = step_time
        known_duration = False
        jumps = 0
        index = 0
        skipped_before = empty_before = 0
        last_ticks: int | None = None
        timestamp = _BestEffortTimestamp()
        lo, hi = _READ_AHEAD_FRAMES
        depth = min(hi, max(lo, _READ_AHEAD_BYTES // picture_bytes(self.info.width, self.info.height)))
        self._read_ahead = _ReadAhead(self._decoded(), depth=depth)
        try:
            for vf, corrupt, empty in self._read_ahead:
                ticks = timestamp(vf.pts, vf.dts)
                if ticks is not None:
                    t = Fraction(ticks) * tb
                else:
                    t = (last + step_time) if last is not None else Fraction(0)
                if t0 is None:
                    t0 = t
                    self.info = replace(self.info, rotation=self._rotation(vf.rotation), start_time=t)
                elif t < last:
                    # Timestamps going backwards (broken muxing): keep times monotonic for every consumer.
                    self._warn("timestamps go backwards in places; times there are clamped")
                    t = last
                gap = corrupt > skipped_before and index
                if gap:
                    self.gaps.append({"after_frame": index - 1, "time": round(float(last - t0), 6),
                                      "skipped_packets": corrupt - skipped_before})
                skipped_before = corrupt
                # The previous picture was held on purpose: empty packets came between, or the AVI
                # index marks every frame in between as empty. Then a later time is not video missing.
                held = empty > empty_before or (
                    bool(self._held) and ticks is not None and last_ticks is not None
                    and all(n in self._held for n in range(last_ticks + 1, min(ticks, last_ticks + 100_000))))
                empty_before = empty
                last_ticks = ticks
                if self.max_duration is not None and t - t0 > self.max_duration:
                    self._warn(f"stopped after {self.max_duration:g} s (--max-duration)")
                    break
                if (index and not gap and not held and known_duration
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
                last_duration = Fraction(duration) * tb if known_duration else step_time
                last = t
                y, u, v = self._analysis_planes(vf)
                clean = not (self.skips_b_deblocking and vf.pict_type == _PICTURE_TYPE_B)
                yield Frame(index=index, time=t - t0, y=y, u=u, v=v, source=vf, clean=clean)
                index += 1
        finally:
            self._read_ahead.stop()  # and wait: its last warnings land before anyone reads them
        if index == 0:
            raise DecodeError(f"{self.path}: no decodable video frames")
        if jumps > _MAX_JUMP_WARNINGS:
            self._warn(f"video missing in {jumps - _MAX_JUMP_WARNINGS} more places")
        expected = self.info.frame_count
        if expected and self._held:  # the header counts the empty frames of a sparse AVI too
            expected = max(0, expected - len(self._held))
        if expected and self.max_duration is None:
            if self._count_exact:  # the stream's own count: any shortfall is missing frames
                short = index < expected - 1
            else:  # estimated from a duration (which may include audio): short in frames and in time
                end = last - t0 + last_duration
                short = index < 0.9 * expected - 2 and (not self.info.duration or end < 0.9 * self.info.duration)
            if short:
                self._warn(f"video ended early: decoded {index} of about {expected} frames (truncated file?)")

    def _rotation(self, angle: float | None) -> int:
        """Clockwise display rotation, a quarter turn, from PyAV's counter-clockwise angle (degrees)."""
        if not angle:
            return 0
        if not -360 <= angle <= 360:  # a damaged display matrix (PyAV reads a degenerate one as INT_MIN)
            self._warn(f"ignored an invalid display rotation ({angle:g} degrees)")
            return 0
        clockwise = -angle % 360
        turn = int(round(clockwise / 90)) * 90 % 360
        if abs((clockwise - turn + 180) % 360 - 180) > 1:
            self._warn(f"display rotation of {clockwise:g} degrees rounded to {turn}")
        return turn

    def _analysis_planes(self, vf: av.VideoFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        size = self.analysis_size
        fmt = vf.format.name
        sub = _PLANAR_8BIT.get(fmt)
        if sub is not None and vf.width == self.info.width and vf.height == self.info.height:
            y = _shrink(_plane(vf, 0), self._step, size)
            cstep = max(1, self._step // sub[0]) if sub[0] == sub[1] else self._step
            u = _chroma(_plane(vf, 1), self._step, sub, size, cstep)
            v = _chroma(_plane(vf, 2), self._step, sub, size, cstep)
            return y, u, v
        if fmt == "gray":
            y = _shrink(_plane(vf, 0), self._step, size)
            flat = np.full_like(y, 128)
            return y, flat, flat
        # Anything else (10-bit, RGB, palette, odd mid-stream size): let libswscale convert.
        small = vf.reformat(width=size[0], height=size[1], format="yuv444p")
        return _plane(small, 0).copy(), _plane(small, 1).copy(), _plane(small, 2).copy()


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


class _ReadAhead:
    """Runs an iterator in a daemon thread, up to ``depth`` items ahead of the consumer.

    Exceptions raised by the iterator reach the consumer in order. The consumer waits in short
    slices, so Ctrl-C and the watchdog's interrupt still reach it while the producer is stuck.
    """

    _END = object()

    def __init__(self, source: Iterator[object], depth: int):
        self._source = source
        self._queue: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(maxsize=depth)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._produce, name="shotdetect-decode", daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            for item in self._source:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(self._END, exc)
            return
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()  # a generator's clean-up runs here, not at garbage collection in another thread
        self._put(self._END)

    def _put(self, item: object, error: BaseException | None = None) -> bool:
        while not self._stopping.is_set():
            try:
                self._queue.put((item, error), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[object]:
        while True:
            try:
                item, error = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is self._END:
                if error is not None:
                    raise error
                return
            yield item

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the producer to stop and wait for it; False if it is still running after ``timeout`` s
        (then it is given up on: later calls do not wait again)."""
        if not self._stopping.is_set():
            self._stopping.set()
            self._thread.join(timeout)
        return not self._thread.is_alive()


def _chroma(plane: np.ndarray, step: int, sub: tuple[int, int], size: tuple[int, int], cstep: int) -> np.ndarray:
    if sub[0] == sub[1]:
        return _shrink(plane, cstep, size)
    sx, sy = max(1, step // sub[0]), max(1, step // sub[1])
    return cv2.resize(_sample(plane, sy, sx), size, interpolation=cv2.INTER_AREA)


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


def _check_path(path: Path) -> None:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a video file")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    if path.is_file() and size == 0:
        raise InputError(f"{path}: empty file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def open_video(path: str | os.PathLike[str], *, analysis_width: int = ANALYSIS_WIDTH, threads: int = 0,
               max_duration: float | None = None, fast: bool = False) -> VideoReader:
    """Open a video for streaming analysis.

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
    """
    return VideoReader(path, analysis_width=analysis_width, threads=threads, max_duration=max_duration, fast=fast)


def render_frame(frame: av.VideoFrame, info: VideoInfo, *, max_size: int | None = None) -> np.ndarray:
    """Full-size BGR image of a decoded frame as a viewer sees it: square pixels, rotation applied.

    Parameters
    ----------
    max_size : int, optional
        Limit the longer side to this many pixels.
    """
    sar = info.sample_aspect_ratio or Fraction(1)
    width = int(round(frame.width * float(sar)))
    height = frame.height
    if max_size and max(width, height) > max_size:
        scale = max_size / max(width, height)
        width, height = int(round(width * scale)), int(round(height * scale))
    width, height = max(2, width), max(2, height)
    if (width, height) == (frame.width, frame.height):
        image = frame.to_ndarray(format="bgr24")
    else:
        image = frame.reformat(width=width, height=height, format="bgr24", interpolation="AREA").to_ndarray()
    rotation = info.rotation % 360
    if rotation == 90:
        image = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE)
    elif rotation == 180:
        image = cv2.rotate(image, cv2.ROTATE_180)
    elif rotation == 270:
        image = cv2.rotate(image, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return image
