"""One picture by name, for comparing: an image file, or one frame of any input.

``clip.mp4@12.5s`` / ``clip.mp4@1:02.5`` (the frame shown then, found by seeking),
``clip.mp4#frame=300`` (by 0-based index, as in ``timeline.json``), and for the other inputs
:func:`~.open.open_source` accepts (a folder of pictures, ``udp://...``, ``pipe:0`` ...) their
first frame, or the one ``#frame=N`` / ``@T`` names.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import DecodeError, InputError
from .frame import FrameSource
from .images import is_image_file, read_image
from .open import is_image_sequence, is_live_source, open_source, stream_name
from .seek import frame_shown_at
from .video import open_video

__all__ = ["Picture", "load_picture", "parse_picture_spec", "grab_video_frame", "grab_frame"]


@dataclass(frozen=True)
class Picture:
    """A picture to compare: BGR pixels and where they came from (a path, or a stream's URL)."""

    image: np.ndarray
    label: str
    path: Path | str
    frame: int | None = None
    time: float | None = None


_TIME_SPEC = re.compile(r"^(?P<path>.+)@(?P<time>(?:\d+:){0,2}\d+(?:\.\d*)?)s?$")
_FRAME_SPEC = re.compile(r"^(?P<path>.+)#frame=(?P<frame>\d+)$")


def parse_picture_spec(spec: str) -> tuple[Path, float | None, int | None]:
    """Split ``clip.mp4@12.5s`` / ``clip.mp4@1:02.5`` / ``clip.mp4#frame=300`` into (path, time, frame).

    An existing file is always taken literally (a photo may be named ``a@2x.png``).
    """
    text, seconds, frame = _split_spec(spec)
    return Path(text), seconds, frame


def _split_spec(spec: str) -> tuple[str, float | None, int | None]:
    if Path(spec).exists():
        return spec, None, None
    m = _FRAME_SPEC.match(spec)
    if m:
        return m["path"], None, int(m["frame"])
    m = _TIME_SPEC.match(spec)
    if m and not is_live_source(m["path"]):  # in a URL an @ belongs to the address (user@host)
        seconds = 0.0
        for part in m["time"].split(":"):
            seconds = seconds * 60 + float(part)
        return m["path"], seconds, None
    return spec, None, None


def load_picture(spec: str) -> Picture:
    """Read a picture: an image file, or one frame of a video, a folder of pictures or a stream.

    Raises
    ------
    InputError
        Missing or unreadable input, not a picture or video, or a time/frame past the end.
    DecodeError
        The input opened but the frame could not be decoded.
    """
    text, seconds, frame = _split_spec(spec)
    path = Path(text)
    if is_live_source(text) or is_image_sequence(text):
        image, index, t = grab_frame(text, time=seconds, frame=frame)
        return Picture(image, spec, stream_name(text), frame=index, time=t if seconds is not None or frame else None)
    if seconds is None and frame is None:
        try:
            image = read_image(path)
        except InputError as not_picture:
            if not path.is_file() or is_image_file(path):
                raise
            try:  # a video: its first frame
                image, first, _ = grab_frame(text)
            except (InputError, DecodeError):
                raise not_picture from None  # what is wrong with it as a picture says more
            return Picture(image, str(path), path, frame=first)
        if image.ndim == 3 and image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        return Picture(image, str(path), path)
    image, found, t = grab_video_frame(path, time=seconds, frame=frame)
    return Picture(image, spec, path, frame=found, time=t)


def grab_frame(spec: str, *, time: float | None = None, frame: int | None = None) -> tuple[np.ndarray, int, float]:
    """One frame of any input, by decoding from its start: the first one, the one with 0-based index
    ``frame``, or the one shown at ``time`` seconds. Returns ``(image, index, time)``."""
    with open_source(spec) as source:
        return _decode_to(source, spec, time=time, frame=frame)


def _decode_to(source: FrameSource, name: str | os.PathLike[str], *, time: float | None = None,
               frame: int | None = None) -> tuple[np.ndarray, int, float]:
    """The frame :func:`grab_frame` describes, from an open source (decoded from where it stands)."""
    last = None
    for f in source:
        if frame is not None and f.index == frame:
            return f.source.render(), f.index, float(f.time)
        if time is not None:
            if f.time > time + 1e-6 and last is not None:
                break
            last = f
            continue
        if frame is None:
            return f.source.render(), f.index, float(f.time)
        last = f
    if time is not None and last is not None and float(last.time) >= time - 1.0:
        return last.source.render(), last.index, float(last.time)
    if last is None:
        raise DecodeError(f"{name}: no decodable frames")
    what = f"frame {frame} does not exist" if frame is not None else f"{time:g} s is past its end"
    raise InputError(f"{name}: has only {last.index + 1} frames; {what}")


def grab_video_frame(path: str | os.PathLike[str], *, time: float | None = None,
                     frame: int | None = None) -> tuple[np.ndarray, int | None, float]:
    """Full-size BGR picture of one frame of a video file, as a viewer sees it (rotation, square pixels).

    ``time`` is seconds since the first frame (the frame shown at that moment is returned) and is
    found by seeking; ``frame`` is the 0-based index in presentation order, as in ``timeline.json``,
    found by decoding from the start (exact, also for variable frame rate). Returns
    ``(image, frame index or None, time of the frame)``.
    """
    if (time is None) == (frame is None):
        raise ValueError("give exactly one of time and frame")
    if frame is not None:
        with open_video(path) as reader:
            return _decode_to(reader, path, frame=frame)
    assert time is not None
    with open_video(path) as reader:  # checks and opens the file with the usual error messages
        info = reader.info  # complete once open: the first frame is decoded
    picture, t = frame_shown_at(path, info, time)
    return picture.render(), None, t
