"""The one dispatcher: whatever the user named, opened as a :class:`~.frame.FrameSource`.

Every command (shot detection, slides, compare, dedupe) opens its input here, so each accepts the
same kinds: a video file, a folder / glob / list of pictures, or a stream FFmpeg opens (``rtsp://``,
``udp://``, ``srt://``, ``http(s)://``, ``pipe:0`` or ``-`` for standard input, ``/dev/video0``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from .frame import ANALYSIS_WIDTH, FrameSource
from .images import GLOB_CHARS, ImageSequence, is_image_file
from .video import LiveSource, open_video

__all__ = ["open_source", "is_live_source", "is_image_sequence", "stream_name", "STDIN"]

#: How standard input is named to FFmpeg; ``-`` means the same.
STDIN = "pipe:0"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]+:")

#: What open_source accepts.
SourceSpec = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


def stream_name(spec: str | os.PathLike[str]) -> str:
    """The input's name as FFmpeg wants it: ``-`` is standard input (``pipe:0``)."""
    text = os.fspath(spec)
    return STDIN if text == "-" else text


def is_image_sequence(spec: str | os.PathLike[str]) -> bool:
    """True for a folder, or a glob pattern (``*``, ``?``, ``[``) that is not itself an existing file."""
    text = os.fspath(spec)
    path = Path(text)
    if path.is_dir():
        return True
    return bool(GLOB_CHARS.search(text)) and not path.exists() and not is_live_source(text)


def is_live_source(spec: str | os.PathLike[str]) -> bool:
    """True for URLs (``rtsp://``, ``udp://``, ``http://``, ``pipe:0``, ...), ``-`` (standard input) and
    capture devices (``/dev/video0``): inputs read as they arrive, never as a file path."""
    text = os.fspath(spec)
    if text == "-" or text.startswith("/dev/video"):
        return True
    return bool(_URL.match(text)) and not Path(text).exists()


def open_source(spec: SourceSpec, *, analysis_width: int = ANALYSIS_WIDTH, max_duration: float | None = None,
                threads: int = 0, order: str = "name", fps: Fraction | float | None = None,
                format: str | None = None, options: dict[str, str] | None = None,  # noqa: A002 - FFmpeg's name
                fast: bool = False, realtime: bool | None = None, still_images: bool = True) -> FrameSource:
    """Open whatever ``spec`` names for streaming analysis.

    * a list of paths, a folder, a glob pattern or a single image file -> :class:`ImageSequence`
      (``order``, ``fps``); with ``still_images=False`` a single image file is refused as "a still
      image" instead (shot detection of one photo is almost never what was meant);
    * a URL, ``-`` / ``pipe:0`` or a capture device (or anything with ``format``) -> :class:`LiveSource`
      (``format``, ``options``, ``realtime``);
    * anything else -> a video file (:func:`open_video`; ``fast``).

    The source is open when this returns: its ``info`` is complete (the first frame is decoded).

    Raises
    ------
    InputError
        Missing, unreadable, not a video or picture, no video stream, a picture too large, a
        stream that cannot be opened.
    DecodeError
        Not one frame could be decoded.
    """
    if not isinstance(spec, (str, os.PathLike)):
        return ImageSequence(spec, order=order, fps=fps, analysis_width=analysis_width, max_duration=max_duration)
    if format is not None or is_live_source(spec):
        return LiveSource(stream_name(spec), format=format, options=options, analysis_width=analysis_width,
                          max_duration=max_duration, threads=threads, fast=fast, realtime=realtime)
    if is_image_sequence(spec) or (still_images and Path(spec).is_file() and is_image_file(spec)):
        return ImageSequence(spec, order=order, fps=fps, analysis_width=analysis_width, max_duration=max_duration)
    return open_video(spec, analysis_width=analysis_width, threads=threads, max_duration=max_duration, fast=fast)
