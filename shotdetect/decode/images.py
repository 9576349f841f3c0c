"""Pictures from image files: one image, its EXIF, and a folder, glob or list of them read as a video.

* :func:`read_image`: any path (unicode, long), EXIF orientation applied, declared size checked
  before decoding.
* :class:`ImageSequence`: a folder of images or a glob pattern, ordered naturally by name
  (``img2`` before ``img10``), by modification time, or by EXIF ``DateTimeOriginal``; a
  :class:`~.frame.FrameSource` of kind ``"images"``.
* :class:`ImageRef`: an image file as a frame's picture (:class:`~.frame.FramePicture`), read again
  when rendered, so holding many costs no memory.
"""

from __future__ import annotations

import glob as _glob
import logging
import os
import re
import struct
import time as _time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..console import native_messages_hidden
from ..errors import DecodeError, InputError
from ..imageheader import MAX_IMAGE_PIXELS, check_declared_size
from ..timeline import VideoInfo
from .frame import (
    ANALYSIS_WIDTH, FALLBACK_FPS, MAX_FPS, ClosedOnExit, Frame, SourceKind, analysis_step, check_input_file,
)

__all__ = [
    "IMAGE_EXTENSIONS", "ORDERS", "read_image", "image_size", "read_exif", "natural_key", "list_images",
    "sort_images", "is_image_file", "ImageRef", "ImageSequence",
]

log = logging.getLogger(__name__)

#: File name endings read as images (lower case).
IMAGE_EXTENSIONS = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".bmp", ".dib", ".tif", ".tiff", ".webp", ".jp2",
    ".pbm", ".pgm", ".ppm", ".pnm", ".pxm", ".sr", ".ras", ".hdr", ".pic", ".exr", ".avif",
})
#: Orders of an image sequence.
ORDERS = ("name", "mtime", "exif")
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
#: Bytes of an image file searched for its declared size (a JPEG's frame header may follow
#: megabytes of metadata); beyond this OpenCV's own limit (set in ``shotdetect/__init__.py``) applies.
_HEADER_BYTES = 16 << 20
GLOB_CHARS = re.compile(r"[*?\[]")


# ------------------------------------------------------------------------------------------ one image


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
    check_input_file(path, "an image")
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
        elif GLOB_CHARS.search(text) and not path.exists():
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


@dataclass(frozen=True)
class ImageRef:
    """An image file as the picture of a :class:`~.frame.Frame` (a :class:`~.frame.FramePicture`).

    Holds only the path and the sequence's picture size (pictures of another size are scaled to
    it); the picture is read again when rendered, so keeping many of them costs no memory.
    """

    path: Path
    width: int
    height: int

    def _full(self) -> np.ndarray:
        image = read_image(self.path)
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        elif image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        if (image.shape[1], image.shape[0]) != (self.width, self.height):
            image = cv2.resize(image, (self.width, self.height), interpolation=cv2.INTER_AREA)
        return np.asarray(image)

    def render(self, max_size: int | None = None) -> np.ndarray:
        image = self._full()
        width, height = self.width, self.height
        if max_size and max(width, height) > max_size:
            scale = max_size / max(width, height)
            size = (max(2, int(round(width * scale))), max(2, int(round(height * scale))))
            image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
        return image

    def luma(self, width: int, height: int) -> np.ndarray:
        grey = cv2.cvtColor(self._full(), cv2.COLOR_BGR2GRAY)
        if (width, height) != (self.width, self.height):
            grey = cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA)
        return np.asarray(grey)


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


class ImageSequence(ClosedOnExit):
    """A folder, glob or list of images read as a video: a :class:`~.frame.FrameSource` of kind ``"images"``.

    Attributes ``info`` (:class:`VideoInfo`; ``width``/``height`` of the first readable image,
    ``fps`` the given rate, ``codec`` ``"image"``), ``analysis_size``, ``warnings``, ``gaps`` and
    ``max_duration``; iterating yields :class:`Frame` objects whose ``source`` is an
    :class:`ImageRef`. An unreadable image in the sequence is skipped with a warning (like a
    corrupt packet in a video); pictures of another size are scaled to the first one's.

    Times are ``index / fps`` (:data:`~.frame.FALLBACK_FPS` pictures a second unless ``fps`` says);
    with ``order="exif"`` they are the EXIF capture times (or the modification time of files
    without one) relative to the first picture, never going backwards.
    """

    kind: SourceKind = "images"

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
        if fps and not 0 < fps <= MAX_FPS:
            raise InputError(f"{self.path}: {fps:g} pictures per second is outside the supported 0..{MAX_FPS}")
        fps = Fraction(fps).limit_denominator(1001) if fps else FALLBACK_FPS
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
        step = analysis_step(width, height, analysis_width)
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
                        source=ImageRef(path, self.info.width, self.info.height), read_at=_time.time())
            index += 1
        if index == 0:
            raise DecodeError(f"{self.path}: no readable images")
