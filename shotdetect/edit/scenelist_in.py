"""A scene-list CSV read back as a :class:`Timeline`: PySceneDetect's ``list-scenes`` output, or the
``scenes.csv`` that ``--export csv`` writes (the same layout).

PySceneDetect's layout: an optional first row ``Timecode List:,...``, then a header with ``Scene
Number``, ``Start Frame`` (counted from 1), ``Start Time (seconds)``, ``End Frame`` (inclusive) and
more. Every scene after the first starts with a cut. The list does not say which video it belongs to
or its frame rate, so the video is opened (not decoded) to learn them.
"""

from __future__ import annotations

import csv
import os
from fractions import Fraction
from pathlib import Path

from ..errors import InputError
from ..timeline import Timeline
from .load import Change, FrameClock, assemble

__all__ = ["load_scene_list", "read_scene_starts"]


def _number(text: str, row: int, column: str, path: Path) -> Fraction:
    try:
        return Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{path}: row {row}, {column!r}: not a number: {text!r}") from None


def read_scene_starts(path: str | os.PathLike[str]) -> tuple[list[int], dict[int, Fraction], int | None]:
    """``(first frames of the scenes (0-based), stated times by frame, frame count or None)``."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = [r for r in csv.reader(f) if any(cell.strip() for cell in r)]
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot be read as CSV ({getattr(exc, 'strerror', None) or exc})") from None
    if rows and rows[0] and rows[0][0].strip().lower().startswith("timecode list"):
        rows = rows[1:]
    if not rows:
        raise InputError(f"{path}: empty scene list")
    header = [h.strip() for h in rows[0]]
    col = {name: i for i, name in enumerate(header)}
    if "Start Frame" in col:
        start, end, base = col["Start Frame"], col.get("End Frame"), 1
    elif "start_frame" in col:  # the 0-based layout of shotdetect before 0.2
        start, end, base = col["start_frame"], col.get("end_frame"), 0
    else:
        raise InputError(f"{path}: no 'Start Frame' column (a PySceneDetect scene list has one)")
    seconds = col.get("Start Time (seconds)", col.get("start_seconds"))
    starts: list[int] = []
    times: dict[int, Fraction] = {}
    last_end: int | None = None
    for n, row in enumerate(rows[1:], start=2):
        if len(row) <= start:
            raise InputError(f"{path}: row {n} has no {header[start]!r} value")
        value = _number(row[start], n, header[start], path)
        if value.denominator != 1 or value < base:
            raise InputError(f"{path}: row {n}, {header[start]!r}: not a frame number counted from {base}: "
                             f"{row[start]!r}")
        frame = int(value) - base
        if starts and frame <= starts[-1]:
            raise InputError(f"{path}: row {n}: scene starts at frame {row[start]}, not after the previous one")
        starts.append(frame)
        if seconds is not None and len(row) > seconds and row[seconds].strip():
            times[frame] = _number(row[seconds], n, header[seconds], path)
        if end is not None and len(row) > end and row[end].strip():
            value = _number(row[end], n, header[end], path)
            last_end = int(value) + (1 - base if base else 0)  # exclusive, 0-based
    return starts, times, last_end


def load_scene_list(path: str | os.PathLike[str], video: str | os.PathLike[str]) -> Timeline:
    """The scene list at ``path`` as a timeline of hard cuts in ``video`` (opened for its facts).

    Raises
    ------
    InputError
        The list is not a scene list, or a scene lies outside the video.
    """
    from dataclasses import replace

    from ..decode import open_video

    starts, times, end = read_scene_starts(path)
    with open_video(video) as reader:
        info = reader.info
    count = end or info.frame_count
    if not count:
        raise InputError(f"{path}: the scene list has no 'End Frame' and {video} does not say how many frames it has")
    fps = info.fps
    duration = count / Fraction(fps) if fps and not info.vfr else (info.duration or None)
    info = replace(info, path=str(video), frame_count=count, duration=duration)
    if starts and starts[0] != 0:
        starts = [0, *starts]  # the list starts later: the frames before are one more scene
    changes = [Change("cut", f, f, f, score=1.0) for f in starts[1:]]
    clock = FrameClock(info, times)
    settings = {"source": "scene list", "scene_list": str(path)}
    return assemble(info, changes, clock=clock, keyframes=[], settings=settings, what=f"{Path(path).name}: scenes")


