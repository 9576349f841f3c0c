"""Empty frames of an AVI file, read from its index: frames that repeat the previous picture.

AVI is a constant-rate container; an encoder that has nothing new for a frame (a static scene, a
variable-rate source) writes an empty chunk, meaning "show the previous picture again". FFmpeg's
demuxer skips those chunks, so the next frame arrives with a later timestamp and the header counts
more frames than are decoded. Known here, neither is damage: :mod:`shotdetect.decode` uses the set
of empty frames to tell a held picture from a lost stretch or a truncated file.
"""

from __future__ import annotations

import os
import struct

__all__ = ["empty_video_frames"]

#: Largest idx1 chunk read (16 bytes an entry: about 4 million chunks, hours of video).
_MAX_INDEX_BYTES = 64 << 20


def _chunks(fh, start: int, end: int):
    """(fourcc, data offset, size) of the chunks between ``start`` and ``end``."""
    at = start
    while at + 8 <= end:
        fh.seek(at)
        head = fh.read(12)
        if len(head) < 8:
            return
        fourcc, size = head[:4], struct.unpack("<I", head[4:8])[0]
        yield fourcc, at + 8, size, head[8:12]
        at += 8 + size + (size & 1)


def _video_stream(fh, start: int, end: int) -> int | None:
    """Number of the first video stream (its chunks are named ``NNdc``/``NNdb``), from the header list."""
    number = 0
    for fourcc, offset, size, kind in _chunks(fh, start, end):
        if fourcc == b"LIST" and kind == b"strl":
            for inner, ioffset, _, _ in _chunks(fh, offset + 4, offset + size):
                if inner == b"strh":
                    fh.seek(ioffset)
                    if fh.read(4) == b"vids":
                        return number
                    break
            number += 1
    return None


def empty_video_frames(path: str | os.PathLike[str]) -> frozenset[int]:
    """Frame numbers (0-based, counting every chunk of the video stream) whose chunk is empty.

    An empty set for anything but an AVI file with an ``idx1`` index; never raises.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
            if head[:4] != b"RIFF" or head[8:12] != b"AVI ":
                return frozenset()
            end = os.fstat(fh.fileno()).st_size
            stream = index = None
            for fourcc, offset, size, kind in _chunks(fh, 12, end):
                if fourcc == b"LIST" and kind == b"hdrl":
                    stream = _video_stream(fh, offset + 4, min(end, offset + size))
                elif fourcc == b"idx1":
                    fh.seek(offset)
                    index = fh.read(min(size, _MAX_INDEX_BYTES))
            if stream is None or not index:
                return frozenset()
            names = (b"%02ddc" % stream, b"%02ddb" % stream)
            empty, number = [], 0
            for at in range(0, len(index) - 15, 16):
                ckid = index[at:at + 4]
                if ckid in names:
                    if struct.unpack("<I", index[at + 12:at + 16])[0] == 0:
                        empty.append(number)
                    number += 1
            return frozenset(empty)
    except (OSError, struct.error, ValueError):
        return frozenset()
