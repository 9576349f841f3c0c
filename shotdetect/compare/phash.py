"""Perceptual hash: 64 bits that survive re-compression, resizing and small colour changes.

The hash is the sign pattern of the lowest 8x8 frequencies of a 32x32 grey thumbnail: each bit
says whether that DCT coefficient lies above the median of the 64 (Zauner's DCT hash). Two
pictures are compared by the Hamming distance of their hashes: 0-6 bits for the same picture
after JPEG, scaling or brightness changes, about 32 (chance) for unrelated pictures.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["phash", "hamming", "hamming_many", "popcount64", "HASH_BITS", "to_hex", "from_hex"]

HASH_BITS = 64
#: Side of the thumbnail the DCT is taken of, and of the low-frequency block kept.
_THUMB = 32
_KEEP = 8
#: Bit weights, most significant first: bit 63 is coefficient (0, 0).
_WEIGHTS = (np.uint64(1) << np.arange(63, -1, -1, dtype=np.uint64)).astype(np.uint64)
_BYTE_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def phash(image: np.ndarray) -> int:
    """64-bit DCT perceptual hash of a BGR, BGRA or grey uint8 picture, as a Python int.

    The picture is turned grey and area-averaged to 32x32 (its aspect ratio is ignored, so a
    resized copy hashes the same), the 2-D DCT taken, and the 8x8 lowest frequencies compared with
    their median. The DC term (overall brightness) is one of the 64 coefficients, but as it is far
    larger than the median its bit is always 1; brightness and contrast changes do not move the
    other bits.
    """
    if image.ndim == 3:
        code = cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY
        image = cv2.cvtColor(image, code)
    thumb = cv2.resize(image, (_THUMB, _THUMB), interpolation=cv2.INTER_AREA).astype(np.float32)
    low = cv2.dct(thumb)[:_KEEP, :_KEEP].ravel()
    bits = (low > np.median(low)).astype(np.uint64)
    return int((bits * _WEIGHTS).sum(dtype=np.uint64))


def popcount64(values: np.ndarray) -> np.ndarray:
    """Number of set bits of each element of a uint64 array."""
    values = np.ascontiguousarray(values, dtype=np.uint64)
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(values).astype(np.int64)
    as_bytes = values.view(np.uint8).reshape(values.shape + (8,))
    return _BYTE_POPCOUNT[as_bytes].sum(axis=-1, dtype=np.int64)


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two hashes."""
    return int(a ^ b).bit_count() if hasattr(int, "bit_count") else bin(a ^ b).count("1")


def hamming_many(query: int, hashes: np.ndarray) -> np.ndarray:
    """Hamming distances from ``query`` to every hash of a uint64 array: one XOR and a popcount."""
    return popcount64(np.bitwise_xor(hashes.astype(np.uint64, copy=False), np.uint64(query)))


def to_hex(value: int) -> str:
    return f"{value:016x}"


def from_hex(text: str) -> int:
    value = int(text, 16)
    if not 0 <= value < 1 << 64:
        raise ValueError(f"not a 64-bit hash: {text!r}")
    return value
