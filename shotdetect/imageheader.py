"""The picture size an image file declares, read from its header before anything is decoded.

A few dozen bytes can declare a picture of billions of pixels (a GIF's logical screen, an RLE
bitmap, a deflated TIFF, a JPEG whose frame header hides behind megabytes of comments): decoding
one would take gigabytes. :func:`check_declared_size` refuses such a file up front. Formats not
parsed here are still bounded: the package sets OpenCV's own limit (``OPENCV_IO_MAX_IMAGE_PIXELS``)
to the same number before OpenCV is loaded, and OpenCV checks it after reading the header.
"""

from __future__ import annotations

import re
import struct

from .errors import InputError

__all__ = ["MAX_IMAGE_PIXELS", "declared_size", "check_declared_size"]

#: Largest picture decoded, in pixels (four times the largest video frame: 16384 x 16384). As BGR
#: that is 805 MB, the memory ceiling of one decoded image.
MAX_IMAGE_PIXELS = 4 * 8192 * 8192

_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_PNM_TOKEN = re.compile(rb"(?:\s|#[^\n]*\n)*(\S+)")


def _jpeg(data: bytes) -> tuple[int, int] | None:
    """Walks every marker segment (comments and APPn may fill megabytes) up to the frame header."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # segments without a length
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if marker in _JPEG_SOF and i + 9 <= len(data):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        if marker in (0xDA, 0xD9):  # scan data or end before any frame header
            return None
        i += 2 + length
    return None


def _gif(data: bytes) -> tuple[int, int]:
    """The logical screen (what decoders allocate), grown to hold the first image if it sticks out."""
    w, h, flags = struct.unpack("<HHB", data[6:11])
    i = 13 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
    while i < len(data):
        block = data[i]
        if block == 0x2C and i + 10 <= len(data):  # image descriptor
            left, top, iw, ih = struct.unpack("<HHHH", data[i + 1:i + 9])
            return max(w, left + iw), max(h, top + ih)
        if block == 0x21 and i + 2 <= len(data):  # extension: skip its sub-blocks
            i += 2
            while i < len(data) and data[i]:
                i += data[i] + 1
            i += 1
            continue
        break
    return w, h


def _bmp(data: bytes) -> tuple[int, int]:
    (header,) = struct.unpack("<I", data[14:18])
    if header == 12:  # OS/2 BITMAPCOREHEADER
        w, h = struct.unpack("<HH", data[18:22])
        return w, h
    w, h = struct.unpack("<ii", data[18:26])
    return abs(w), abs(h)


def _tiff(data: bytes) -> tuple[int, int] | None:
    order = "<" if data[:2] == b"II" else ">"
    (magic,) = struct.unpack(order + "H", data[2:4])
    if magic == 43:  # BigTIFF
        (offset,) = struct.unpack(order + "Q", data[8:16])
        (count,) = struct.unpack(order + "Q", data[offset:offset + 8])
        entries, size, start = count, 20, offset + 8
    else:
        (offset,) = struct.unpack(order + "I", data[4:8])
        (count,) = struct.unpack(order + "H", data[offset:offset + 2])
        entries, size, start = count, 12, offset + 2
    found: dict[int, int] = {}
    for k in range(min(entries, 4096)):
        at = start + k * size
        entry = data[at:at + size]
        if len(entry) < size:
            break
        tag, kind = struct.unpack(order + "HH", entry[:4])
        if tag in (256, 257):
            value = entry[8:] if size == 12 else entry[12:]
            found[tag] = (struct.unpack(order + "H", value[:2])[0] if kind == 3
                          else struct.unpack(order + ("I" if size == 12 else "Q"), value)[0] if kind in (4, 16)
                          else struct.unpack(order + "I", value[:4])[0])
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        w = int.from_bytes(data[24:27], "little") + 1
        h = int.from_bytes(data[27:30], "little") + 1
        return w, h
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    return None


def _pnm(data: bytes) -> tuple[int, int] | None:
    if data[:2] == b"P7":  # PAM: WIDTH and HEIGHT lines
        w = re.search(rb"\nWIDTH\s+(\d+)", data[:4096])
        h = re.search(rb"\nHEIGHT\s+(\d+)", data[:4096])
        return (int(w[1]), int(h[1])) if w and h else None
    tokens, at = [], 2
    for _ in range(2):
        m = _PNM_TOKEN.match(data, at)
        if not m:
            return None
        tokens.append(int(m[1]))
        at = m.end()
    return tokens[0], tokens[1]


def _pfm(data: bytes) -> tuple[int, int] | None:
    parts = data[:256].split()
    return (int(parts[1]), int(parts[2])) if len(parts) >= 3 else None


def _hdr(data: bytes) -> tuple[int, int] | None:
    m = re.search(rb"\n([-+])([XY]) (\d+) ([-+])([XY]) (\d+)", data[:65536])
    if not m:
        return None
    first, second = int(m[3]), int(m[6])
    return (second, first) if m[2] == b"Y" else (first, second)


def _jpeg2000(data: bytes) -> tuple[int, int] | None:
    at = data.find(b"ihdr", 0, 65536)  # JP2 file: image header box
    if at >= 0:
        h, w = struct.unpack(">II", data[at + 4:at + 12])
        return w, h
    at = data.find(b"\xff\x51", 0, 65536)  # raw codestream: SIZ marker
    if at >= 0:
        xsiz, ysiz, xo, yo = struct.unpack(">IIII", data[at + 6:at + 22])
        return xsiz - xo, ysiz - yo
    return None


def _avif(data: bytes) -> tuple[int, int] | None:
    at = data.find(b"ispe", 0, 65536)  # image spatial extents property
    if at < 0:
        return None
    w, h = struct.unpack(">II", data[at + 8:at + 16])
    return w, h


def declared_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) the header of an image file declares, or None for a format not parsed here
    (or a header too damaged to read). Never raises."""
    try:
        if data[:8] == b"\x89PNG\r\n\x1a\n":
            return struct.unpack(">II", data[16:24]) if data[12:16] == b"IHDR" else None
        if data[:2] == b"\xff\xd8":
            return _jpeg(data)
        if data[:6] in (b"GIF87a", b"GIF89a"):
            return _gif(data)
        if data[:2] == b"BM":
            return _bmp(data)
        if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
            return _tiff(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _webp(data)
        if len(data) > 2 and data[:1] == b"P" and data[1:2] in b"1234567":
            return _pnm(data)
        if data[:2] in (b"PF", b"Pf"):
            return _pfm(data)
        if data[:4] == b"\x59\xa6\x6a\x95":  # Sun raster
            w, h = struct.unpack(">II", data[4:12])
            return w, h
        if data[:2] == b"#?":  # Radiance HDR
            return _hdr(data)
        if data[4:8] == b"jP  " or data[:4] == b"\xff\x4f\xff\x51":
            return _jpeg2000(data)
        if data[4:8] == b"ftyp":
            return _avif(data)
    except (struct.error, ValueError, IndexError):
        return None
    return None


def check_declared_size(name: object, data: bytes, *, reduction: int = 1) -> tuple[int, int] | None:
    """Raise :class:`InputError` when ``data`` declares a picture larger than :data:`MAX_IMAGE_PIXELS`
    (once decoded at 1/``reduction`` of its size); returns the declared size, or None if unknown."""
    size = declared_size(data)
    if size is not None and size[0] * size[1] // (reduction * reduction) > MAX_IMAGE_PIXELS:
        raise InputError(f"{name}: picture of {size[0]}x{size[1]} is larger than the supported "
                         f"{MAX_IMAGE_PIXELS // 1_000_000} megapixels")
    return size
