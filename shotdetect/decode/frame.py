"""What every frame source yields and promises: :class:`Frame`, :class:`FramePicture`, :class:`FrameSource`.

The rest of shotdetect (detection, slides, dedupe, compare) sees only these types, so it does not
care whether frames come from a file, a live stream or a folder of pictures. The limits every kind
of input is checked against live here too, with the one frame-rate fallback.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, runtime_checkable

import numpy as np

from ..errors import InputError
from ..rates import FALLBACK_FPS, rate_or_fallback

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from ..timeline import VideoInfo

__all__ = ["Frame", "FramePicture", "FrameSource", "SourceKind", "ANALYSIS_WIDTH", "MAX_PIXELS", "MAX_SIDE",
           "MAX_FPS", "FALLBACK_FPS", "rate_or_fallback", "check_picture_size", "plausible_fps", "quarter_turn",
           "picture_bytes", "analysis_step", "check_input_file", "ClosedOnExit"]

#: Where frames come from: a file (known length, seekable), a live stream (read as it arrives, no
#: known end) or a sequence of image files.
SourceKind = Literal["file", "live", "images"]

#: Target width of the analysis copy, in pixels; the real width lies between this and twice this.
ANALYSIS_WIDTH = 160
#: Largest picture accepted from a video or stream, in pixels (8192 x 8192), and largest side:
#: bigger streams are refused up front rather than exhausting memory in the decoder.
MAX_PIXELS = 8192 * 8192
MAX_SIDE = 16384
#: Highest frame rate taken from a header; a higher one is taken as damage and the next guess used.
MAX_FPS = 1000
def analysis_step(width: int, height: int, analysis_width: int = ANALYSIS_WIDTH) -> int:
    """Sampling step of the analysis copy. Very tall pictures (more than 4:1) are also bounded by their
    height, so the copy of a 1:20 strip stays small; the others are sized by their width."""
    return max(1, width // analysis_width, height // (4 * analysis_width))


def picture_bytes(width: int, height: int) -> int:
    """Size of one decoded 8-bit 4:2:0 picture: what memory budgets count frames in."""
    return width * height * 3 // 2


def check_input_file(path: Path, what: str, *, streams: bool = False) -> int:
    """The checks an input file gets before it is opened, with one set of messages: it exists, is no
    folder, is not empty and can be read. ``what`` names the kind expected (``"an image"``). With
    ``streams``, a named pipe or a device (size 0: read as it arrives) passes. Returns its size."""
    try:
        st = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory, not {what} file")
    if st.st_size == 0 and (stat.S_ISREG(st.st_mode) or not streams):
        raise InputError(f"{path}: empty file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    return st.st_size


def check_picture_size(name: str, width: int, height: int) -> None:
    """Refuse a picture too large to decode safely (a decompression bomb or a damaged header)."""
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        limit = (f"{MAX_SIDE} pixels per side" if max(width, height) > MAX_SIDE
                 else f"{MAX_PIXELS / 1e6:.1f} megapixels ({MAX_PIXELS} pixels)")
        raise InputError(f"{name}: picture of {width}x{height} is larger than the supported {limit}")


def plausible_fps(*guesses: Fraction | float | None) -> Fraction | None:
    """The first rate in (0, :data:`MAX_FPS`]: a damaged header can claim millions of frames a second."""
    for rate in guesses:
        if rate and 0 < rate <= MAX_FPS:
            return Fraction(rate)
    return None


def quarter_turn(angle: float | None, warn: Callable[[str], None] | None = None) -> int:
    """Clockwise display rotation, a quarter turn, from PyAV's counter-clockwise angle (degrees).

    Other angles are rounded to the nearest quarter turn and a damaged display matrix (PyAV reads a
    degenerate one as INT_MIN) is ignored; ``warn`` hears about both.
    """
    if not angle:
        return 0
    if not -360 <= angle <= 360:
        if warn is not None:
            warn(f"ignored an invalid display rotation ({angle:g} degrees)")
        return 0
    clockwise = -angle % 360
    turn = int(round(clockwise / 90)) * 90 % 360
    if abs((clockwise - turn + 180) % 360 - 180) > 1 and warn is not None:
        warn(f"display rotation of {clockwise:g} degrees rounded to {turn}")
    return turn


@runtime_checkable
class FramePicture(Protocol):
    """The full-size picture behind a :class:`Frame`: a decoded video frame or an image file.

    Held by reference (a decoded frame's buffers, or only a path), so keeping one costs little
    until it is rendered.
    """

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...

    def render(self, max_size: int | None = None) -> np.ndarray:
        """BGR uint8 picture as a viewer sees it (square pixels, rotation applied); the longer side
        at most ``max_size`` pixels when given."""
        ...

    def luma(self, width: int, height: int) -> np.ndarray:
        """8-bit grey picture of the stored (unrotated) frame at ``width`` x ``height``."""
        ...


@dataclass
class Frame:
    """One frame: where it is, when it is, a small copy for analysis, and its full picture.

    Attributes
    ----------
    index : int
        0-based position in presentation (decode output) order.
    time : Fraction
        Seconds since the first frame.
    y, u, v : ndarray of uint8, shape (h, w)
        Analysis-size luma and chroma planes (chroma resampled to the luma grid).
    source : FramePicture
        The full picture, rendered on demand (keyframes, kept pictures).
    clean : bool
        False for a frame decoded with a shortcut (see ``fast`` in :func:`open_video`): fine for
        analysis, slightly blocky at full size, so a poor choice of keyframe.
    read_at : float
        Wall-clock time (seconds since the epoch) when the frame was decoded: what a live
        consumer measures its latency from.
    """

    index: int
    time: Fraction
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    source: FramePicture
    clean: bool = True
    read_at: float = 0.0


_Source = TypeVar("_Source", bound="ClosedOnExit")


class ClosedOnExit:
    """The context manager every source is: ``with source:`` closes it when the block ends."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self: _Source) -> _Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class FrameSource(Protocol):
    """An open input: facts known before the first frame, the frames, and ``close()``.

    Attributes
    ----------
    kind : {"file", "live", "images"}
    info : VideoInfo
        Size, rotation, frame rate (None when unknown), duration and frame count (None for live
        streams): complete when the source is open, since opening decodes the first frame.
    analysis_size : (width, height)
        Size of every frame's ``y``, ``u``, ``v`` planes.
    warnings : list of str
        Problems met so far (damaged data skipped, frames dropped ...).
    gaps : list of dict
        Places where undecodable data was skipped: ``after_frame``, ``time``, ``skipped_packets``.
    max_duration : float or None
        The ``max_duration`` it was opened with.
    """

    kind: SourceKind
    info: VideoInfo
    analysis_size: tuple[int, int]
    warnings: list[str]
    gaps: list[dict[str, float | int]]
    max_duration: float | None

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...

    def __enter__(self) -> FrameSource: ...

    def __exit__(self, *exc: object) -> None: ...

