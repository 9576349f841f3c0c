"""Scene list as CSV (``scenes.csv``), in the spirit of PySceneDetect's, and ``transitions.csv``.

Frames are 0-based and ``end_frame`` is exclusive (the next shot's ``start_frame``), as in
``timeline.json``; seconds count from the first frame; timecodes are SMPTE at the video's frame rate
(drop-frame at 29.97 and 59.94).
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

__all__ = ["SCENE_COLUMNS", "TRANSITION_COLUMNS", "scenes_csv", "transitions_csv", "smpte",
           "write_scenes_csv", "write_transitions_csv"]

SCENE_COLUMNS = (
    "shot", "start_frame", "start_timecode", "start_seconds", "end_frame", "end_timecode", "end_seconds",
    "length_frames", "length_timecode", "length_seconds", "transition_in", "keyframes",
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


def scenes_csv(timeline: Timeline) -> str:
    """The scene list: one row per shot, numbered from 1."""
    fps = timeline.video.fps
    incoming = {t.frame: t.type for t in timeline.transitions}
    rows = []
    for i, s in enumerate(timeline.shots):
        length = s.end_time - s.start_time
        rows.append([
            i + 1, s.start_frame, smpte(s.start_time, fps), _seconds(s.start_time),
            s.end_frame, smpte(s.end_time, fps), _seconds(s.end_time),
            s.frame_count, smpte(length, fps), _seconds(length),
            incoming.get(s.start_frame, "") if i else "",
            " ".join(str(k.frame) for k in s.keyframes),
        ])
    return _csv(rows, SCENE_COLUMNS)


def transitions_csv(timeline: Timeline) -> str:
    """One row per transition, numbered from 1; ``start_frame``..``end_frame`` inclusive."""
    fps = timeline.video.fps
    rows = [[i + 1, t.type, t.frame, t.start_frame, t.end_frame, t.end_frame - t.start_frame + 1,
             _seconds(t.time), _seconds(t.start_time), _seconds(t.end_time), smpte(t.time, fps),
             f"{float(t.score):.4f}"]
            for i, t in enumerate(timeline.transitions)]
    return _csv(rows, TRANSITION_COLUMNS)


def write_scenes_csv(timeline: Timeline, path: str | os.PathLike[str], **_: Any) -> None:
    atomic_write_text(path, scenes_csv(timeline))


def write_transitions_csv(timeline: Timeline, path: str | os.PathLike[str], **_: Any) -> None:
    atomic_write_text(path, transitions_csv(timeline))
