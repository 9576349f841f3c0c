"""Pictures from sources other than one video file: still images, image sequences, live streams.

Everything here produces the same :class:`~shotdetect.decode.Frame` objects as
:func:`~shotdetect.decode.open_video`, so the rest of shotdetect does not care where frames come from:

* :class:`ImageSequence`: a folder of images or a glob pattern, ordered naturally by name
  (``img2`` before ``img10``), by modification time, or by EXIF ``DateTimeOriginal``.
* :class:`LiveSource`: anything FFmpeg opens that is not a plain file (``/dev/video0`` via v4l2,
  ``rtsp://``, ``http://``, ``pipe:0``), read as it arrives.
* :func:`open_source`: picks one of those, or :func:`~shotdetect.decode.open_video` for a file.

Single pictures: :func:`read_image` (unicode paths, EXIF orientation applied) and
:func:`load_picture`, which also understands a frame of a video: ``clip.mp4@12.5s``,
``clip.mp4@1:02.5`` or ``clip.mp4#frame=300``.

The ``source`` of a frame made from an image file is an :class:`ImageRef`: it quacks like the parts
of ``av.VideoFrame`` that :func:`~shotdetect.decode.render_frame` uses (``width``, ``height``,
``to_ndarray``, ``reformat``), so keyframes of an image sequence are rendered by the same code.
"""

from __future__ import annotations

import glob as _glob
import logging
import os
import queue
import re
import struct
import threading
import time as _time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

from .decode import ANALYSIS_WIDTH, Frame, open_video, render_frame
from .console import native_messages_hidden
from .imageheader import MAX_IMAGE_PIXELS, check_declared_size
from .errors import DecodeError, InputError
from .timeline import VideoInfo

__all__ = [
    "IMAGE_EXTENSIONS", "ORDERS", "read_image", "image_size", "read_exif", "natural_key", "list_images",
    "ImageRef", "ImageSequence", "LiveSource", "open_source", "is_live_source", "is_image_sequence",
    "Picture", "load_picture", "parse_picture_spec", "grab_video_frame",
]

log = logging.getLogger(__name__)

#: File name endings read as images (lower case).
IMAGE_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".dib", ".tif", ".tiff", ".webp", ".jp2",
    ".pbm", ".pgm", ".ppm", ".pnm", ".pxm", ".sr", ".ras", ".hdr", ".pic", ".exr", ".avif",
})
#: Orders of an image sequence.
ORDERS = ("name", "mtime", "exif")
#: Frame rate given to image sequences when none is asked for (as FFmpeg's image2 demuxer does).
DEFAULT_SEQUENCE_FPS = Fraction(25)
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
#: Bytes of an image file searched for its declared size (a JPEG's frame header may follow
#: megabytes of metadata); beyond this OpenCV's own limit (set in ``shotdetect/__init__.py``) applies.
_HEADER_BYTES = 16 << 20
_GLOB_CHARS = re.compile(r"[*?\[]")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:")


# ------------------------------------------------------------------------------------------ one image


def _check_file(path: Path, what: str = "image") -> int:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not an {what} file")
    if st.st_size == 0:
        raise InputError(f"{path}: empty file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    return st.st_size


def read_image(path: str | os.PathLike[str], *, grey: bool = False, min_width: int | None = None) -> np.ndarray:
    """Decode an image file into a BGR (or grey) uint8 array, EXIF orientation applied.

    Reads through ``np.fromfile`` + ``cv2.imdecode`` so that any path (unicode, long) works.

    Parameters
    ----------
    grey : bool
        Return a 2-D grey image instead of BGR.
    min_width : int, optional
        The caller only needs this many pixels across: a large JPEG is then decoded at 1/2, 1/4 or
        1/8 size straight from its DCT coefficients (several times faster), never below ``min_width``.

    Raises
    ------
    InputError
        Missing, a folder, empty, unreadable, not an image, or larger than shotdetect accepts.
    """
    path = Path(path)
    _check_file(path)
    factor = 1
    if min_width:
        size = image_size(path)
        if size is not None and path.suffix.lower() in {".jpg", ".jpeg", ".jpe", ".jfif"}:
            while factor < 8 and size[0] // (factor * 2) >= min_width:
                factor *= 2
    flags = {
        (False, 1): cv2.IMREAD_COLOR, (True, 1): cv2.IMREAD_GRAYSCALE,
        (False, 2): cv2.IMREAD_REDUCED_COLOR_2, (True, 2): cv2.IMREAD_REDUCED_GRAYSCALE_2,
        (False, 4): cv2.IMREAD_REDUCED_COLOR_4, (True, 4): cv2.IMREAD_REDUCED_GRAYSCALE_4,
        (False, 8): cv2.IMREAD_REDUCED_COLOR_8, (True, 8): cv2.IMREAD_REDUCED_GRAYSCALE_8,
    }[(grey, factor)]
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    # Every format's declared size, before decoding (a tiny file can declare billions of pixels).
    check_declared_size(path, data[:_HEADER_BYTES].tobytes(), reduction=factor)
    try:
        with native_messages_hidden():  # libjpeg/libpng complaints: the error below says it in one line
            image = cv2.imdecode(data, flags)
    except cv2.error as exc:
        if "validateInputImageSize" in str(exc):  # OpenCV's own limit, for a header not parsed here
            raise InputError(f"{path}: picture larger than the supported {MAX_IMAGE_PIXELS // 1_000_000} "
                             f"megapixels") from exc
        raise InputError(f"{path}: cannot decode the image ({str(exc).strip().splitlines()[-1]})") from exc
    if image is None or image.size == 0:
        raise InputError(f"{path}: not an image file (or a format OpenCV cannot read)")
    if image.dtype != np.uint8:  # 16-bit PNG/TIFF, float EXR/HDR: scale to 8 bits
        image = _to_uint8(image)
    return image


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint16:
        return (image >> 8).astype(np.uint8)
    f = image.astype(np.float32)
    if f.max() <= 1.0 + 1e-6:
        f = f * 255.0
    return np.clip(f, 0, 255).astype(np.uint8)


def image_size(path: str | os.PathLike[str], head: bytes | None = None) -> tuple[int, int] | None:
    """(width, height) as displayed (EXIF orientation applied) from the header of a JPEG or PNG.

    ``head``: the first bytes of the file when already read. Returns None for other formats or a
    header it does not understand; never raises.
    """
    try:
        if head is None:
            with open(path, "rb") as fh:
                head = fh.read(32)
                if head[:2] == b"\xff\xd8":
                    fh.seek(2)
                    return _displayed_size(_jpeg_info(fh))
        if head[:8] == b"\x89PNG\r\n\x1a\n" and len(head) >= 24 and head[12:16] == b"IHDR":
            w, h = struct.unpack(">II", head[16:24])
            return int(w), int(h)
        if head[:2] == b"\xff\xd8":
            return _displayed_size(_jpeg_info(_Reader(head)))
    except (OSError, ValueError, struct.error):
        return None
    return None


def _displayed_size(info: dict[str, Any]) -> tuple[int, int] | None:
    size = info.get("size")
    if size is None:
        return None
    w, h = size
    return (h, w) if info.get("orientation", 1) in (5, 6, 7, 8) else (w, h)


class _Reader:
    """A minimal file-like object over bytes already read (the header of a JPEG), positioned after SOI."""

    def __init__(self, data: bytes):
        self.data, self.pos = data, 2

    def read(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk

    def seek(self, offset: int, whence: int = 0) -> None:
        self.pos = offset if whence == 0 else self.pos + offset


# ------------------------------------------------------------------------------------------------ EXIF


def read_exif(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The few EXIF fields shotdetect uses, read from a JPEG's APP1 segment.

    Returns a dict with any of ``datetime_original`` (:class:`datetime`, from DateTimeOriginal, or
    DateTime when that is missing, with SubSecTimeOriginal when present), ``orientation`` (1-8) and
    ``size`` ((width, height) as stored, before orientation). Empty for non-JPEG files or files
    without EXIF; never raises for malformed data.
    """
    try:
        with open(path, "rb") as fh:
            if fh.read(2) != b"\xff\xd8":
                return {}
            return _jpeg_info(fh)
    except (OSError, ValueError, struct.error):
        return {}


def _jpeg_info(fh: Any) -> dict[str, Any]:
    """Walk the JPEG markers after SOI up to the first frame header (SOF), parsing APP1/Exif."""
    info: dict[str, Any] = {}
    for _ in range(256):  # a sane bound on the number of segments before the picture
        b = fh.read(1)
        while b == b"\xff":  # fill bytes
            b = fh.read(1)
        if not b:
            break
        marker = b[0]
        if marker == 0xFF:
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue  # stand-alone markers
        if marker == 0xDA or marker == 0xD9:  # start of scan / end of image: no more headers
            break
        length_bytes = fh.read(2)
        if len(length_bytes) < 2:
            break
        length = struct.unpack(">H", length_bytes)[0]
        if length < 2:
            break
        if marker == 0xE1 and "exif_done" not in info:
            payload = fh.read(length - 2)
            if payload[:6] == b"Exif\x00\x00":
                info.update(_parse_tiff(payload[6:]))
                info["exif_done"] = True
        elif marker in _JPEG_SOF:
            payload = fh.read(length - 2)
            if len(payload) >= 5:
                h, w = struct.unpack(">HH", payload[1:5])
                info["size"] = (int(w), int(h))
            break
        else:
            fh.seek(length - 2, 1)
    info.pop("exif_done", None)
    return info


def _parse_tiff(data: bytes) -> dict[str, Any]:
    """Orientation and DateTimeOriginal from the TIFF structure inside an EXIF APP1 payload."""
    if len(data) < 8:
        return {}
    endian = {b"II": "<", b"MM": ">"}.get(data[:2])
    if endian is None or struct.unpack(endian + "H", data[2:4])[0] != 42:
        return {}

    def ifd(offset: int) -> dict[int, tuple[int, int, bytes]]:
        """tag -> (type, count, 4-byte value field) of the IFD at ``offset``."""
        if offset <= 0 or offset + 2 > len(data):
            return {}
        n = struct.unpack(endian + "H", data[offset:offset + 2])[0]
        out = {}
        for i in range(min(n, 512)):
            at = offset + 2 + 12 * i
            if at + 12 > len(data):
                break
            tag, typ, count = struct.unpack(endian + "HHI", data[at:at + 8])
            out[tag] = (typ, count, data[at + 8:at + 12])
        return out

    def ascii_value(entry: tuple[int, int, bytes] | None) -> str | None:
        if entry is None or entry[0] != 2:
            return None
        _, count, field = entry
        raw = field[:count] if count <= 4 else data[(o := struct.unpack(endian + "I", field)[0]):o + count]
        return raw.split(b"\x00", 1)[0].decode("ascii", "replace").strip() or None

    def short_value(entry: tuple[int, int, bytes] | None) -> int | None:
        if entry is None or entry[0] != 3:
            return None
        return struct.unpack(endian + "H", entry[2][:2])[0]

    def long_value(entry: tuple[int, int, bytes] | None) -> int | None:
        if entry is None or entry[0] not in (4, 13):
            return None
        return struct.unpack(endian + "I", entry[2])[0]

    out: dict[str, Any] = {}
    ifd0 = ifd(struct.unpack(endian + "I", data[4:8])[0])
    orientation = short_value(ifd0.get(0x0112))
    if orientation and 1 <= orientation <= 8:
        out["orientation"] = orientation
    exif_ifd = ifd(long_value(ifd0.get(0x8769)) or 0)
    stamp = ascii_value(exif_ifd.get(0x9003)) or ascii_value(ifd0.get(0x0132))
    when = _exif_datetime(stamp)
    if when is not None:
        sub = ascii_value(exif_ifd.get(0x9291))
        if sub and sub.isdigit():
            when = when.replace(microsecond=int((sub + "000000")[:6]))
        out["datetime_original"] = when
    return out


def _exif_datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


# ----------------------------------------------------------------------------------------- sequences


def natural_key(name: str) -> tuple[Any, ...]:
    """Sort key putting ``img2`` before ``img10``: runs of digits compare as numbers, text case-blind."""
    parts = [p for p in re.split(r"(\d+)", name) if p]
    primary = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.casefold()) for p in parts)
    return primary, name  # ties (IMG1 / img1, 01 / 1) broken by the name itself


def is_image_file(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def is_image_sequence(spec: str | os.PathLike[str]) -> bool:
    """True for a folder, or a glob pattern (``*``, ``?``, ``[``) that is not itself an existing file."""
    text = os.fspath(spec)
    path = Path(text)
    if path.is_dir():
        return True
    return bool(_GLOB_CHARS.search(text)) and not path.exists()


def is_live_source(spec: str | os.PathLike[str]) -> bool:
    """True for URLs (``rtsp://``, ``http://``, ``pipe:0``, ...) and capture devices (``/dev/video0``)."""
    text = os.fspath(spec)
    if text.startswith("/dev/video"):
        return True
    return bool(_URL.match(text)) and not Path(text).exists()


def list_images(spec: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], order: str = "name") -> list[Path]:
    """The image files of a folder, a glob pattern, or an explicit list, in the asked ``order``.

    Folders are not searched recursively; hidden files (``.name``) are skipped. ``order`` is
    ``"name"`` (natural order of the file names, then of the folders), ``"mtime"`` (modification
    time, then name) or ``"exif"`` (EXIF DateTimeOriginal; files without one use their modification
    time).

    Raises
    ------
    InputError
        The folder is missing or holds no images, or the pattern matches none.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    if isinstance(spec, (str, os.PathLike)):
        text = os.fspath(spec)
        path = Path(text)
        if path.is_dir():
            try:
                files = [p for p in path.iterdir() if p.is_file() and is_image_file(p) and not p.name.startswith(".")]
            except OSError as exc:
                raise InputError(f"{path}: cannot list the folder ({exc.strerror})") from exc
            where = f"{path}: no image files in this folder"
        elif _GLOB_CHARS.search(text) and not path.exists():
            files = [Path(p) for p in _glob.glob(os.path.expanduser(text), recursive=True)]
            files = [p for p in files if p.is_file() and is_image_file(p)]
            where = f"{text}: no image files match this pattern"
        elif not path.exists():
            raise InputError(f"{path}: no such file or folder")
        else:
            files = [path]
            where = ""
    else:
        files = [Path(p) for p in spec]
        for p in files:
            if not p.exists():
                raise InputError(f"{p}: no such file")
        where = "no image files given"
    if not files:
        raise InputError(where)
    return sort_images(files, order)


def sort_images(files: Sequence[Path], order: str = "name") -> list[Path]:
    def by_name(p: Path) -> tuple[Any, ...]:
        return natural_key(p.name), natural_key(str(p.parent))

    if order == "name":
        return sorted(files, key=by_name)
    if order == "mtime":
        return sorted(files, key=lambda p: (_mtime(p), by_name(p)))
    return sorted(files, key=lambda p: (_exif_or_mtime(p), by_name(p)))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _exif_or_mtime(path: Path) -> float:
    """Seconds since the epoch when the picture was taken (EXIF, as local time), else its mtime."""
    when = read_exif(path).get("datetime_original")
    if when is not None:
        try:
            return when.timestamp()
        except (OverflowError, OSError, ValueError):
            pass
    return _mtime(path)


class _Resized:
    """What :meth:`ImageRef.reformat` returns: a resized BGR picture with ``to_ndarray``."""

    def __init__(self, image: np.ndarray):
        self._image = image

    def to_ndarray(self, format: str = "bgr24", **_: Any) -> np.ndarray:  # noqa: A002 - PyAV's name
        return _convert(self._image, format)


def _convert(image: np.ndarray, format: str | None) -> np.ndarray:  # noqa: A002
    if format in (None, "bgr24"):
        return image
    if format == "rgb24":
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    if format == "gray":
        return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    raise ValueError(f"ImageRef cannot convert to {format!r}")


@dataclass(frozen=True)
class ImageRef:
    """An image file standing in for a decoded ``av.VideoFrame`` (the ``source`` of a :class:`Frame`).

    Holds only the path and the picture size; the picture is read again when rendered, so keeping
    many of them costs no memory. Provides what :func:`~shotdetect.decode.render_frame` uses.
    """

    path: Path
    width: int
    height: int

    def to_ndarray(self, format: str = "bgr24", **_: Any) -> np.ndarray:  # noqa: A002
        image = read_image(self.path)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        elif image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        if (image.shape[1], image.shape[0]) != (self.width, self.height):
            image = cv2.resize(image, (self.width, self.height), interpolation=cv2.INTER_AREA)
        return _convert(image, format)

    def reformat(self, width: int | None = None, height: int | None = None, format: str | None = None,  # noqa: A002
                 interpolation: Any = None, **_: Any) -> _Resized:
        image = self.to_ndarray("bgr24")
        size = (int(width or self.width), int(height or self.height))
        if size != (self.width, self.height):
            image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        return _Resized(_convert(image, format))


def _yuv_planes(image: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Analysis-size Y, U, V planes (full-range BT.601, as cv2 converts) of a BGR or grey picture."""
    if image.ndim == 3 and image.shape[2] == 4:
        image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    small = image if (image.shape[1], image.shape[0]) == size else cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if small.ndim == 2:
        flat = np.full_like(small, 128)
        return np.ascontiguousarray(small), flat, flat.copy()
    yuv = cv2.cvtColor(small, cv2.COLOR_BGR2YUV)
    return (np.ascontiguousarray(yuv[:, :, 0]), np.ascontiguousarray(yuv[:, :, 1]),
            np.ascontiguousarray(yuv[:, :, 2]))


class ImageSequence:
    """A folder, glob or list of images read as a video: the same interface as ``VideoReader``.

    Attributes ``info`` (:class:`VideoInfo`; ``width``/``height`` of the first readable image,
    ``fps`` the given rate, ``codec`` ``"image"``), ``analysis_size``, ``warnings``, ``gaps`` and
    ``max_duration``; iterating yields :class:`Frame` objects whose ``source`` is an
    :class:`ImageRef`. An unreadable image in the sequence is skipped with a warning (like a
    corrupt packet in a video); pictures of another size are scaled to the first one's.

    Times are ``index / fps``; with ``order="exif"`` they are the EXIF capture times (or the
    modification time of files without one) relative to the first picture, never going backwards.
    """

    def __init__(self, spec: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *, order: str = "name",
                 fps: Fraction | float | None = None, analysis_width: int = ANALYSIS_WIDTH,
                 max_duration: float | None = None):
        self.files = list_images(spec, order)
        self.order = order
        self.path = Path(os.fspath(spec)) if isinstance(spec, (str, os.PathLike)) else self.files[0].parent
        self.max_duration = max_duration
        self.analysis_width = analysis_width
        self.warnings: list[str] = []
        self.gaps: list[dict[str, float | int]] = []
        self.skipped: list[Path] = []
        fps = Fraction(fps).limit_denominator(1001) if fps else DEFAULT_SEQUENCE_FPS
        self._fps = fps
        self._first: tuple[int, Path, np.ndarray] | None = None
        for i, path in enumerate(self.files):  # the first readable image sets the picture size
            try:
                self._first = (i, path, self._read(path, analysis_width))
                break
            except InputError as exc:
                self._skip(path, exc)
        if self._first is None:
            raise InputError(f"{self.path}: none of the {len(self.files)} image file(s) could be read "
                             f"({self.warnings[0] if self.warnings else 'unknown reason'})")
        _, first_path, first_image = self._first
        # A reduced decode happens only when the header told the size; otherwise the decode is full size.
        width, height = image_size(first_path) or (first_image.shape[1], first_image.shape[0])
        step = max(1, width // analysis_width)
        self.analysis_size = (max(1, width // step), max(1, height // step))
        self._times = self._capture_times() if order == "exif" else None
        self.info = VideoInfo(
            path=str(self.path), width=width, height=height, fps=fps, frame_count=len(self.files),
            duration=Fraction(len(self.files)) / fps, time_base=1 / fps, codec="image", pix_fmt="bgr24",
        )

    @staticmethod
    def _read(path: Path, analysis_width: int) -> np.ndarray:
        return read_image(path, min_width=analysis_width)

    def _skip(self, path: Path, exc: Exception) -> None:
        self.skipped.append(path)
        message = f"skipped unreadable image {path.name}: {str(exc).split(': ', 1)[-1]}"
        self.warnings.append(message)
        log.warning("%s", message)

    def _capture_times(self) -> list[Fraction]:
        stamps = [_exif_or_mtime(p) for p in self.files]
        t0 = stamps[0]
        out, last = [], Fraction(0)
        for s in stamps:
            t = max(last, Fraction(s - t0).limit_denominator(1_000_000))
            out.append(t)
            last = t
        return out

    def __enter__(self) -> ImageSequence:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        pass

    def __len__(self) -> int:
        return len(self.files)

    def __iter__(self) -> Iterator[Frame]:
        assert self._first is not None
        index = 0
        size = self.analysis_size
        warned_aspect = False
        for i, path in enumerate(self.files):
            if i < self._first[0]:
                continue
            t = self._times[i] if self._times is not None else Fraction(i) / self._fps
            if self.max_duration is not None and t > self.max_duration:
                self.warnings.append(f"stopped after {self.max_duration:g} s (--max-duration)")
                break
            if i == self._first[0]:
                image = self._first[2]
            else:
                try:
                    image = self._read(path, self.analysis_width)
                except InputError as exc:
                    self._skip(path, exc)
                    if index:
                        self.gaps.append({"after_frame": index - 1, "time": round(float(t), 6), "skipped_packets": 1})
                    continue
            ih, iw = image.shape[:2]
            if not warned_aspect and abs(iw * self.info.height - ih * self.info.width) > 0.02 * iw * self.info.height:
                self.warnings.append(f"{path.name}: picture differs in shape from the first "
                                     f"({self.info.width}x{self.info.height}); scaled to it")
                warned_aspect = True
            y, u, v = _yuv_planes(image, size)
            yield Frame(index=index, time=t, y=y, u=u, v=v,
                        source=ImageRef(path, self.info.width, self.info.height))
            index += 1
        if index == 0:
            raise DecodeError(f"{self.path}: no readable images")


# --------------------------------------------------------------------------------------------- live


#: Live sources whose frames are dropped (oldest first) when processing falls behind.
_REALTIME_PREFIXES = ("/dev/video", "rtsp://", "rtsps://", "rtp://", "udp://", "srt://", "rtmp://", "rtmps://")
_END = object()


class LiveSource:
    """A stream opened by FFmpeg that is not a plain file, read as it arrives (camera, RTSP, HTTP, pipe).

    Same interface as ``VideoReader``. Times are the stream's timestamps relative to the first frame
    (wall-clock time since opening when the stream has none); ``info.frame_count`` is None. Each
    frame's analysis copy is made by libswscale (a live stream's format is not known in advance).

    The stream is read and decoded in a background thread, so that the consumer reacts to Ctrl-C at
    once even while FFmpeg waits for data. For cameras and network streams (``realtime``) the oldest
    waiting frames are dropped when the consumer falls behind, so what is processed stays current;
    pipes and files are never dropped from.

    Parameters
    ----------
    url : str
        ``/dev/video0`` (opened with the ``v4l2`` format unless ``format`` says otherwise),
        ``rtsp://...`` (over TCP), ``http(s)://...``, ``pipe:0``, ``file:...``, ...
    format : str, optional
        FFmpeg input format (``v4l2``, ``mjpeg``, ``yuv4mpegpipe``, ...).
    options : dict, optional
        FFmpeg options for the input (e.g. ``{"video_size": "1280x720"}``).
    timeout : float
        Seconds to wait for the stream to open, and for data once open.
    realtime : bool, optional
        Drop late frames; default: True for ``/dev/video*``, ``rtsp://``, ``udp://`` and the like.
    buffer : int
        Decoded frames that may wait for the consumer.
    """

    def __init__(self, url: str, *, format: str | None = None, options: dict[str, str] | None = None,  # noqa: A002
                 analysis_width: int = ANALYSIS_WIDTH, max_duration: float | None = None, timeout: float = 20.0,
                 realtime: bool | None = None, buffer: int = 32):
        self.url = url
        self.path = url
        self.max_duration = max_duration
        self.warnings: list[str] = []
        self.gaps: list[dict[str, float | int]] = []
        self.dropped = 0
        self.realtime = url.lower().startswith(_REALTIME_PREFIXES) if realtime is None else realtime
        self._buffer = max(1, buffer)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        opts = dict(options or {})
        if format is None and url.startswith("/dev/video"):
            format = "v4l2"
        if url.lower().startswith(("rtsp://", "rtsps://")):
            opts.setdefault("rtsp_transport", "tcp")
        try:
            self._container = av.open(url, format=format, options=opts, timeout=timeout, metadata_errors="ignore")
        except av.error.FileNotFoundError as exc:
            raise InputError(f"{url}: no such device or stream") from exc
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise InputError(f"{url}: cannot open the stream ({_reason(exc)})") from exc
        if not self._container.streams.video:
            self._container.close()
            raise InputError(f"{url}: no video stream")
        self._stream = self._container.streams.video[0]
        self._stream.codec_context.thread_type = "AUTO"
        cc = self._stream.codec_context
        width, height = cc.width or 0, cc.height or 0
        self._analysis_width = analysis_width
        fps = self._stream.average_rate or self._stream.guessed_rate or self._stream.base_rate
        self.info = VideoInfo(
            path=url, width=max(1, width), height=max(1, height),
            sample_aspect_ratio=Fraction(self._stream.sample_aspect_ratio or 1),
            fps=Fraction(fps) if fps else None, frame_count=None,
            time_base=Fraction(self._stream.time_base) if self._stream.time_base else None,
            codec=cc.name or "", pix_fmt=cc.format.name if cc.format else "",
        )
        self.analysis_size = self._size_for(self.info.width, self.info.height)

    def _size_for(self, width: int, height: int) -> tuple[int, int]:
        step = max(1, width // self._analysis_width)
        return max(1, width // step), max(1, height // step)

    def __enter__(self) -> LiveSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading. A reader thread stuck waiting for data closes the stream when it wakes up."""
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout=1.0)
            return  # the thread closes the container itself once its read returns
        if self._thread is None:
            self._close_container()

    def _close_container(self) -> None:
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - closing a broken network stream must not mask the real error
            pass

    def __iter__(self) -> Iterator[Frame]:
        if self._thread is not None:
            raise RuntimeError("a LiveSource can be iterated only once")
        waiting: queue.Queue[Any] = queue.Queue(maxsize=self._buffer)
        self._thread = threading.Thread(target=self._produce, args=(waiting,), name="shotdetect-live", daemon=True)
        self._thread.start()
        index = 0
        try:
            while True:
                try:
                    item = waiting.get(timeout=0.2)
                except queue.Empty:
                    continue
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                t, vf = item
                if self.max_duration is not None and t > self.max_duration:
                    self.warnings.append(f"stopped after {self.max_duration:g} s (--max-duration)")
                    break
                if index == 0:
                    self.info = replace(self.info, width=vf.width, height=vf.height,
                                        rotation=_quarter_turn(vf.rotation))
                    self.analysis_size = self._size_for(vf.width, vf.height)
                w, h = self.analysis_size
                small = vf.reformat(width=w, height=h, format="yuv444p")
                planes = [np.frombuffer(p, np.uint8).reshape(-1, p.line_size)[:h, :w].copy() for p in small.planes]
                yield Frame(index=index, time=t, y=planes[0], u=planes[1], v=planes[2], source=vf)
                index += 1
        finally:
            self._stop.set()
            if self.dropped:
                self.warnings.append(f"dropped {self.dropped} frame(s) that arrived while earlier ones were processed")
        if index == 0:
            raise DecodeError(f"{self.url}: no decodable video frames")

    def _offer(self, waiting: queue.Queue[Any], item: Any, *, droppable: bool) -> bool:
        """Hand an item to the consumer; False once the consumer has stopped."""
        while not self._stop.is_set():
            try:
                waiting.put(item, timeout=0.2)
                return True
            except queue.Full:
                if droppable and self.realtime:
                    try:
                        waiting.get_nowait()
                        self.dropped += 1
                    except queue.Empty:
                        pass
        return False

    def _produce(self, waiting: queue.Queue[Any]) -> None:
        """Reader thread: demux and decode, hand (time, frame) pairs over, then _END (or the error)."""
        start = _time.monotonic()
        t0: Fraction | None = None
        last = Fraction(0)
        tb = Fraction(self._stream.time_base) if self._stream.time_base else None
        errors = 0
        produced = 0
        try:
            for packet in self._container.demux(self._stream):
                if self._stop.is_set():
                    return
                try:
                    decoded = packet.decode()
                except av.error.FFmpegError:
                    errors += 1
                    if errors >= 200:
                        raise DecodeError(f"{self.url}: too many undecodable packets") from None
                    continue
                errors = 0
                for vf in decoded:
                    if vf.pts is not None and tb:
                        stamp = Fraction(vf.pts) * tb
                    else:
                        stamp = Fraction(_time.monotonic() - start).limit_denominator(1_000_000)
                    if t0 is None:
                        t0 = stamp
                    t = max(last, stamp - t0)
                    last = t
                    if not self._offer(waiting, (t, vf), droppable=True):
                        return
                    produced += 1
        except av.error.FFmpegError as exc:
            if produced == 0:
                self._offer(waiting, DecodeError(f"{self.url}: {_reason(exc)}"), droppable=False)
                return
            self.warnings.append(f"the stream ended with an error ({_reason(exc)})")
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which raises it
            self._offer(waiting, exc, droppable=False)
            return
        finally:
            self._close_container()
        self._offer(waiting, _END, droppable=False)


def _quarter_turn(angle: float | None) -> int:
    """Clockwise display rotation, rounded to a quarter turn, from PyAV's counter-clockwise angle."""
    if not angle or not -360 <= angle <= 360:  # none, or a damaged display matrix
        return 0
    return int(round((-angle % 360) / 90)) * 90 % 360


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


# ------------------------------------------------------------------------------------------ dispatch


def open_source(spec: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
                analysis_width: int = ANALYSIS_WIDTH, max_duration: float | None = None, threads: int = 0,
                order: str = "name", fps: Fraction | float | None = None, format: str | None = None,  # noqa: A002
                options: dict[str, str] | None = None) -> Any:
    """Open whatever ``spec`` names for streaming analysis; returns a reader yielding :class:`Frame`.

    * a list of paths, a folder, or a glob pattern -> :class:`ImageSequence` (``order``, ``fps``);
    * a single image file -> a one-picture :class:`ImageSequence`;
    * a URL or capture device -> :class:`LiveSource` (``format``, ``options``);
    * anything else -> :func:`~shotdetect.decode.open_video`.

    Every reader has ``info``, ``analysis_size``, ``warnings``, ``gaps``, ``max_duration``, is a
    context manager, and its frames' ``source`` renders with :func:`~shotdetect.decode.render_frame`.
    """
    if not isinstance(spec, (str, os.PathLike)):
        return ImageSequence(spec, order=order, fps=fps, analysis_width=analysis_width, max_duration=max_duration)
    if is_image_sequence(spec) or (Path(spec).is_file() and is_image_file(spec)):
        return ImageSequence(spec, order=order, fps=fps, analysis_width=analysis_width, max_duration=max_duration)
    if format is not None or is_live_source(spec):
        return LiveSource(os.fspath(spec), format=format, options=options, analysis_width=analysis_width,
                          max_duration=max_duration)
    return open_video(spec, analysis_width=analysis_width, threads=threads, max_duration=max_duration)


# ------------------------------------------------------------------------------- pictures by name


@dataclass(frozen=True)
class Picture:
    """A picture to compare: BGR pixels and where they came from."""

    image: np.ndarray
    label: str
    path: Path
    frame: int | None = None
    time: float | None = None


_TIME_SPEC = re.compile(r"^(?P<path>.+)@(?P<time>(?:\d+:){0,2}\d+(?:\.\d*)?)s?$")
_FRAME_SPEC = re.compile(r"^(?P<path>.+)#frame=(?P<frame>\d+)$")


def parse_picture_spec(spec: str) -> tuple[Path, float | None, int | None]:
    """Split ``clip.mp4@12.5s`` / ``clip.mp4@1:02.5`` / ``clip.mp4#frame=300`` into (path, time, frame).

    An existing file is always taken literally (a photo may be named ``a@2x.png``).
    """
    if Path(spec).exists():
        return Path(spec), None, None
    m = _FRAME_SPEC.match(spec)
    if m:
        return Path(m["path"]), None, int(m["frame"])
    m = _TIME_SPEC.match(spec)
    if m:
        seconds = 0.0
        for part in m["time"].split(":"):
            seconds = seconds * 60 + float(part)
        return Path(m["path"]), seconds, None
    return Path(spec), None, None


def load_picture(spec: str) -> Picture:
    """Read a picture: an image file, or one frame of a video (``video.mp4@12.5s``, ``video.mp4#frame=300``).

    Raises
    ------
    InputError
        Missing or unreadable file, not an image, or a time/frame past the end of the video.
    DecodeError
        The video opened but the frame could not be decoded.
    """
    path, seconds, frame = parse_picture_spec(spec)
    if seconds is None and frame is None:
        image = read_image(path)
        if image.ndim == 3 and image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        return Picture(image, str(path), path)
    image, index, t = grab_video_frame(path, time=seconds, frame=frame)
    return Picture(image, spec, path, frame=index, time=t)


def grab_video_frame(path: str | os.PathLike[str], *, time: float | None = None,
                     frame: int | None = None) -> tuple[np.ndarray, int | None, float]:
    """Full-size BGR picture of one frame of a video, as a viewer sees it (rotation, square pixels).

    ``time`` is seconds since the first frame (the frame shown at that moment is returned) and is
    found by seeking; ``frame`` is the 0-based index in presentation order, as in ``timeline.json``,
    found by decoding from the start (exact, also for variable frame rate). Returns
    ``(image, frame index or None, time of the frame)``.
    """
    if (time is None) == (frame is None):
        raise ValueError("give exactly one of time and frame")
    if frame is not None:
        with open_video(path) as reader:
            for f in reader:
                if f.index == frame:
                    return render_frame(f.source, reader.info), f.index, float(f.time)
            raise InputError(f"{path}: has only {f.index + 1} frames; frame {frame} does not exist")
    assert time is not None
    with open_video(path) as reader:  # checks and opens the file with the usual error messages
        info = reader.info
        first = next(iter(reader), None)
        if first is None:
            raise DecodeError(f"{path}: no decodable video frames")
        info = reader.info
        t0 = info.start_time
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise InputError(f"{path}: not a video file ({_reason(exc)})") from exc
    with container:
        stream = container.streams.video[0]
        tb = Fraction(stream.time_base) if stream.time_base else Fraction(1, 1000)
        target = t0 + Fraction(time).limit_denominator(1_000_000)
        try:
            container.seek(int(target / tb), stream=stream, backward=True, any_frame=False)
        except av.error.FFmpegError:
            container.seek(0, stream=stream)
        best = None
        best_time = None
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
                raise DecodeError(f"{path}: cannot decode the frame at {time:g} s ({_reason(exc)})") from exc
        if best is None or best_time is None:
            raise DecodeError(f"{path}: no frame at {time:g} s")
        if best_time < target - 1 and info.duration is not None and time > float(info.duration):
            raise InputError(f"{path}: {time:g} s is past the end of the video ({float(info.duration):.3f} s)")
        return render_frame(best, info), None, float(best_time - t0)
