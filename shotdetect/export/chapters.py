"""Chapters from shots: WebVTT (``chapters.vtt``), ffmpeg FFMETADATA (``chapters.ffmetadata``) and a
YouTube description list (``chapters.txt``).

Every shot starts a chapter unless the chapter so far is shorter than the minimum length, in which
case the shot joins it ("Shots 3-5"); a last chapter that is too short joins the one before.
WebVTT and FFMETADATA default to no minimum (one chapter per shot). The YouTube list follows
YouTube's rules: whole seconds, the first chapter at 00:00 and every chapter at least 10 s long
(a larger ``min_chapter_len`` is honoured). YouTube also wants at least three chapters; with fewer
it shows none. Times count from the first frame.

To put the chapters into a video file::

    ffmpeg -i video.mp4 -i chapters.ffmetadata -map 0 -map_chapters 1 -c copy with-chapters.mp4
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..timeline import Timeline
from .atomic import atomic_write_text
from .safetext import one_line

__all__ = ["Chapter", "chapters", "webvtt", "ffmetadata", "youtube", "YOUTUBE_MIN_LEN",
           "write_webvtt", "write_ffmetadata", "write_youtube"]

#: YouTube ignores chapters shorter than this many seconds.
YOUTUBE_MIN_LEN = 10.0


@dataclass(frozen=True)
class Chapter:
    """Shots ``first``..``last`` (0-based, inclusive) from ``start`` to ``end`` seconds."""

    start: Fraction
    end: Fraction
    first: int
    last: int

    @property
    def title(self) -> str:
        if self.first == self.last:
            return f"Shot {self.first + 1}"
        return f"Shots {self.first + 1}-{self.last + 1}"


def _end(timeline: Timeline) -> Fraction:
    if timeline.shots:
        return Fraction(timeline.shots[-1].end_time)
    return Fraction(timeline.video.duration or 0)


def chapters(timeline: Timeline, min_len: float = 0.0, *, whole_seconds: bool = False) -> list[Chapter]:
    """Group the shots into chapters of at least ``min_len`` seconds.

    With ``whole_seconds`` every chapter starts at a whole second (the nearest one to its first
    shot's start; the first at 0) and lengths are measured between those rounded starts.
    """
    shots = timeline.shots
    if not shots:
        return []

    def at(t: Fraction) -> Fraction:
        return Fraction(math.floor(Fraction(t) + Fraction(1, 2))) if whole_seconds else Fraction(t)

    limit = Fraction(min_len).limit_denominator(1000) if min_len else Fraction(0)
    end = at(_end(timeline))
    starts: list[tuple[Fraction, int]] = [(Fraction(0) if whole_seconds else at(shots[0].start_time), 0)]
    for i, shot in enumerate(shots[1:], 1):
        t = at(shot.start_time)
        if t - starts[-1][0] >= limit and t > starts[-1][0]:
            starts.append((t, i))
    while len(starts) > 1 and end - starts[-1][0] < limit:
        starts.pop()
    out = []
    for k, (t, first) in enumerate(starts):
        nxt = starts[k + 1] if k + 1 < len(starts) else (end, len(shots))
        out.append(Chapter(start=t, end=nxt[0], first=first, last=nxt[1] - 1))
    return out


def _vtt_time(t: Fraction) -> str:
    ms = math.floor(Fraction(t) * 1000 + Fraction(1, 2))
    s, ms = divmod(ms, 1000)
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{ms:03d}"


def webvtt(timeline: Timeline, min_len: float | None = None) -> str:
    """WebVTT chapter cues (use with ``<track kind="chapters">``)."""
    lines = ["WEBVTT", ""]
    for n, c in enumerate(chapters(timeline, min_len or 0.0), 1):
        # a title is one line: a blank line would end the cue, "-->" would start a new one
        lines += [str(n), f"{_vtt_time(c.start)} --> {_vtt_time(c.end)}", one_line(c.title).replace("-->", "->"), ""]
    return "\n".join(lines)


def _ffmeta_escape(text: str) -> str:
    for ch in "\\=;#\n":
        text = text.replace(ch, "\\" + ch)
    return text


def ffmetadata(timeline: Timeline, min_len: float | None = None) -> str:
    """ffmpeg's FFMETADATA1 format with one ``[CHAPTER]`` per chapter, in milliseconds."""
    lines = [";FFMETADATA1", ""]
    for c in chapters(timeline, min_len or 0.0):
        start = math.floor(c.start * 1000 + Fraction(1, 2))
        end = math.floor(c.end * 1000 + Fraction(1, 2))
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={start}", f"END={end}",
                  f"title={_ffmeta_escape(one_line(c.title))}", ""]
    return "\n".join(lines)


def youtube(timeline: Timeline, min_len: float | None = None) -> str:
    """``00:00 Shot 1`` lines for a YouTube video description."""
    limit = max(YOUTUBE_MIN_LEN, min_len or 0.0)
    found = chapters(timeline, limit, whole_seconds=True)
    hours = bool(found) and found[-1].end >= 3600
    lines = []
    for c in found:
        s = int(c.start)
        stamp = f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" if hours else f"{s // 60:02d}:{s % 60:02d}"
        lines.append(f"{stamp} {one_line(c.title)}")
    return "\n".join(lines) + "\n"


def write_webvtt(timeline: Timeline, path: str | os.PathLike[str], *, min_chapter_len: float | None = None,
                 **_: Any) -> None:
    atomic_write_text(path, webvtt(timeline, min_chapter_len))


def write_ffmetadata(timeline: Timeline, path: str | os.PathLike[str], *, min_chapter_len: float | None = None,
                     **_: Any) -> None:
    atomic_write_text(path, ffmetadata(timeline, min_chapter_len))


def write_youtube(timeline: Timeline, path: str | os.PathLike[str], *, min_chapter_len: float | None = None,
                  **_: Any) -> None:
    atomic_write_text(path, youtube(timeline, min_chapter_len))
