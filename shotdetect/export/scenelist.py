"""Scene list as CSV (``scenes.csv``) in PySceneDetect's layout, and ``transitions.csv``.

``scenes.csv`` has PySceneDetect's column names and conventions, so its ``load-scenes`` command (and
anything written for its lists) reads it: frames counted from 1, ``End Frame`` inclusive, timecodes
as clock time ``HH:MM:SS.mmm``; two more columns follow (``Transition In``, ``Keyframes``, also
counted from 1). Its first line is the header (PySceneDetect's optional ``Timecode List:`` line is
left out, as with its ``--skip-cuts``).

``transitions.csv`` keeps ``timeline.json``'s conventions: frames from 0, SMPTE timecodes at the rate
and numbering of :func:`shotdetect.rates.timecode_rate` (drop-frame at 29.97 and 59.94, as in every
other output).
"""

from __future__ import annotations

import csv
import io
import os
from fractions import Fraction
from typing import Any

from ..timeline import Timeline, timecode
from .atomic import atomic_write_text
from .safetext import csv_cell

__all__ = ["SCENE_COLUMNS", "TRANSITION_COLUMNS", "scenes_csv", "transitions_csv", "smpte", "clock",
           "write_scenes_csv", "write_transitions_csv"]

SCENE_COLUMNS = (
    "Scene Number", "Start Frame", "Start Timecode", "Start Time (seconds)", "End Frame", "End Timecode",
    "End Time (seconds)", "Length (frames)", "Length (timecode)", "Length (seconds)", "Transition In", "Keyframes",
)
TRANSITION_COLUMNS = (
    "transition", "type", "frame", "start_frame", "end_frame", "length_frames", "time_seconds",
    "start_seconds", "end_seconds", "timecode", "score",
)


def smpte(seconds: Fraction | float, fps: Fraction | None) -> str:
    """:func:`~shotdetect.timeline.timecode`, falling back to hundredths of a second for rates under
    half a frame per second (time-lapse), which have no SMPTE frame field."""
    return timecode(seconds, fps if fps and round(fps) >= 1 else None)


def _seconds(value: Fraction | float) -> str:
    return f"{float(value):.6f}"


def _csv(rows: list[list[Any]], header: tuple[str, ...]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([csv_cell(cell) for cell in row] for row in rows)
    return buf.getvalue()


def clock(seconds: Fraction | float) -> str:
    """``HH:MM:SS.mmm``, the timecode of PySceneDetect's scene lists."""
    ms = int(round(float(seconds) * 1000))
    s, ms = divmod(ms, 1000)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{ms:03d}"


def scenes_csv(timeline: Timeline) -> str:
    """The scene list: one row per shot, numbered from 1, frames counted from 1 (PySceneDetect's layout)."""
    incoming = {t.frame: t.type for t in timeline.transitions}
    rows = []
    for i, s in enumerate(timeline.shots):
        length = s.end_time - s.start_time
        rows.append([
            i + 1, s.start_frame + 1, clock(s.start_time), _seconds(s.start_time),
            s.end_frame, clock(s.end_time), _seconds(s.end_time),
            s.frame_count, clock(length), _seconds(length),
            incoming.get(s.start_frame, "") if i else "",
            " ".join(str(k.frame + 1) for k in s.keyframes),
        ])
    return _csv(rows, SCENE_COLUMNS)


def transitions_csv(timeline: Timeline) -> str:
    """One row per transition, numbered from 1; ``start_frame``..``end_frame`` inclusive."""
    from ..rates import timecode_rate

    fps = timecode_rate(timeline.video)
    rows = [[i + 1, t.type, t.frame, t.start_frame, t.end_frame, t.end_frame - t.start_frame + 1,
             _seconds(t.time), _seconds(t.start_time), _seconds(t.end_time), smpte(t.time, fps),
             f"{float(t.score):.4f}"]
            for i, t in enumerate(timeline.transitions)]
    return _csv(rows, TRANSITION_COLUMNS)


def write_scenes_csv(timeline: Timeline, path: str | os.PathLike[str], **_: Any) -> None:
    atomic_write_text(path, scenes_csv(timeline))


def write_transitions_csv(timeline: Timeline, path: str | os.PathLike[str], **_: Any) -> None:
    atomic_write_text(path, transitions_csv(timeline))
