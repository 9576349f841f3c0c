"""``timeline.json`` back into a :class:`Timeline`: the saved output of a run, of the review page, or
a file edited by hand.

The transitions are what counts. A hand edit usually moves, deletes or adds entries of
``transitions`` and leaves ``shots`` alone, so the shots are rebuilt from the transitions (each
keyframe goes to the shot that now holds it), and every time is recomputed from its frame number:
``frame / fps`` at a constant frame rate, otherwise the time the file states for that frame (a shot
boundary, a keyframe or an unchanged transition), interpolated between the nearest stated frames.
"""

from __future__ import annotations

import bisect
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..rates import rate_or_fallback
from ..timeline import TRANSITION_TYPES, AnalysedRange, Keyframe, Shot, Timeline, Transition, VideoInfo

__all__ = ["load_timeline", "timeline_from_dict", "validate", "FrameClock", "Change", "assemble",
           "video_from_dict"]


def _fraction(text: str | None) -> Fraction | None:
    if text is None:
        return None
    num, _, den = str(text).partition("/")
    return Fraction(int(num), int(den or 1)) if int(den or 1) else None


def _exact(value: float | int) -> Fraction:
    """A time written in seconds, as the Fraction it was rounded from (``0.04`` is 1/25, not a binary fraction)."""
    return Fraction(str(value))


def _exact_or_none(value: float | int | None) -> Fraction | None:
    return None if value is None else _exact(value)


def _where(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


def validate(doc: Any) -> None:
    """Check ``doc`` against the shipped JSON Schema; one-line :class:`InputError` on the first problem."""
    import jsonschema

    from ..export.json import load_schema

    validator = jsonschema.Draft202012Validator(load_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(doc))
    if error is not None:
        raise InputError(f"{_where(error.absolute_path)}: {error.message}")


def video_from_dict(v: dict[str, Any]) -> VideoInfo:
    """The ``video`` object of a timeline document."""
    return VideoInfo(
        path=v["path"], width=v["width"], height=v["height"], rotation=v.get("rotation", 0),
        sample_aspect_ratio=_fraction(v.get("sample_aspect_ratio")) or Fraction(1),
        fps=_fraction(v.get("fps")), frame_count=v["frame_count"], duration=_exact_or_none(v.get("duration")),
        time_base=_fraction(v.get("time_base")), start_time=_exact_or_none(v.get("start_time")) or Fraction(0),
        vfr=bool(v.get("vfr")), codec=v.get("codec", ""), pix_fmt=v.get("pix_fmt", ""),
        range=_range(v.get("range")),
    )


def _range(r: dict[str, Any] | None) -> AnalysedRange | None:
    """The analysed part (``--start``/``--end``), when the timeline covers only part of the video."""
    if not r:
        return None
    return AnalysedRange(start_frame=r["start_frame"], end_frame=r["end_frame"], start=_exact(r["start"]),
                         end=_exact(r["end"]))


class FrameClock:
    """Frame number -> seconds since the first frame (see the module notes).

    ``known`` maps frames to the times a file states for them; they are used unless the video has a
    constant frame rate.
    """

    def __init__(self, video: VideoInfo, known: dict[int, Fraction] | None = None):
        self.step = None if video.vfr or not video.fps else 1 / Fraction(video.fps)
        known = dict(known or {})
        known.setdefault(0, Fraction(0))
        if video.frame_count and video.duration:
            known.setdefault(video.frame_count, Fraction(video.duration))
        self.frames = sorted(known)
        self.times = [known[f] for f in self.frames]
        self.average = (Fraction(video.duration) / video.frame_count if video.frame_count and video.duration
                        else (self.step or 1 / rate_or_fallback(None)))

    def __call__(self, frame: int) -> Fraction:
        if self.step is not None:
            return frame * self.step
        i = bisect.bisect_left(self.frames, frame)
        if i < len(self.frames) and self.frames[i] == frame:
            return self.times[i]
        if i == 0 or i == len(self.frames):  # outside the stated frames: the average rate
            f0, t0 = (self.frames[-1], self.times[-1]) if i else (self.frames[0], self.times[0])
            return t0 + (frame - f0) * self.average
        f0, f1, t0, t1 = self.frames[i - 1], self.frames[i], self.times[i - 1], self.times[i]
        return t0 + (t1 - t0) * Fraction(frame - f0, f1 - f0)


@dataclass(frozen=True)
class Change:
    """One transition as an editor states it: frames only."""

    type: str
    frame: int
    start_frame: int
    end_frame: int
    score: float = 1.0
    edited: bool = False


def assemble(video: VideoInfo, changes: Iterable[Change], *, clock: FrameClock,
             keyframes: Iterable[Keyframe] = (), settings: dict[str, Any] | None = None,
             warnings: Iterable[str] = (), gaps: Iterable[dict[str, Any]] = (), what: str = "transitions") -> Timeline:
    """A consistent :class:`Timeline` from transitions given by frame: sorted, checked, shots rebuilt.

    Raises
    ------
    InputError
        A transition outside the video, of an unknown type, with its frame outside its span, or
        overlapping another.
    """
    total = video.frame_count
    if not total or total < 1:
        raise InputError("video.frame_count: the number of frames is needed")
    first = video.range.start_frame if video.range is not None else 0  # a timeline of part of the video
    items = sorted(changes, key=lambda c: (c.frame, c.start_frame))
    transitions: list[Transition] = []
    previous: Change | None = None
    for n, c in enumerate(items):
        if c.type not in TRANSITION_TYPES:
            raise InputError(f"{what}[{n}]: unknown type {c.type!r} (one of {', '.join(TRANSITION_TYPES)})")
        start, end = (c.frame, c.frame) if c.type == "cut" else (c.start_frame, c.end_frame)
        if not first < c.frame < total:
            raise InputError(f"{what}[{n}]: frame {c.frame} is outside the video ({first + 1}..{total - 1}; "
                             f"frame {first} starts the first shot)")
        if not first <= start <= c.frame <= end < total:
            raise InputError(f"{what}[{n}]: frame {c.frame} must lie within start_frame..end_frame "
                             f"({start}..{end}) inside the video")
        if previous is not None and (c.frame == previous.frame or start <= previous.end_frame):
            raise InputError(f"{what}[{n}]: the transition at frame {c.frame} overlaps the one at frame "
                             f"{previous.frame}")
        c = Change(c.type, c.frame, start, end, c.score, c.edited)
        transitions.append(Transition(type=c.type, frame=c.frame, start_frame=start, end_frame=end,
                                      time=clock(c.frame), start_time=clock(start), end_time=clock(end),
                                      score=min(1.0, max(0.0, float(c.score))), edited=c.edited))
        previous = c
    bounds = [first, *(t.frame for t in transitions), total]
    frames = sorted({k.frame: k for k in keyframes if first <= k.frame < total}.values(), key=lambda k: k.frame)
    shots = []
    for start, end in zip(bounds, bounds[1:]):
        inside = tuple(Keyframe(k.frame, clock(k.frame), k.file) for k in frames if start <= k.frame < end)
        shots.append(Shot(start_frame=start, end_frame=end, start_time=clock(start), end_time=clock(end),
                          keyframes=inside))
    return Timeline(video=video, transitions=transitions, shots=shots, settings=dict(settings or {}),
                    warnings=list(warnings), gaps=[dict(g) for g in gaps])


def timeline_from_dict(doc: dict[str, Any]) -> Timeline:
    """A validated timeline document (the ``timeline.json`` format) as a :class:`Timeline`."""
    validate(doc)
    video = video_from_dict(doc["video"])
    known: dict[int, Fraction] = {}
    for shot in doc["shots"]:
        known.setdefault(shot["start_frame"], _exact(shot["start_time"]))
        known.setdefault(shot["end_frame"], _exact(shot["end_time"]))
    keyframes = [Keyframe(k["frame"], _exact(k["time"]), k.get("file"))
                 for shot in doc["shots"] for k in shot["keyframes"]]
    for k in keyframes:
        known.setdefault(k.frame, k.time)
    for shot_bound in list(known):
        if video.frame_count and shot_bound > video.frame_count:
            raise InputError(f"shots: frame {shot_bound} is past the video's end (frame_count "
                             f"{video.frame_count})")
    changes = [Change(t["type"], t["frame"], t["start_frame"], t["end_frame"], t["score"], bool(t.get("edited")))
               for t in doc["transitions"]]
    tool = doc.get("tool", {})
    return assemble(video, changes, clock=FrameClock(video, known), keyframes=keyframes,
                    settings=tool.get("settings", {}), warnings=doc.get("warnings", []), gaps=doc.get("gaps", []))


def load_timeline(path: str | os.PathLike[str]) -> Timeline:
    """Read and check a ``timeline.json`` file.

    Raises
    ------
    InputError
        Missing, not JSON, not a shotdetect timeline, or inconsistent (one line naming the place).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a timeline.json") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    if isinstance(doc, dict) and doc.get("schema") == "shotdetect.slides":
        raise InputError(f"{path}: a slides timeline; only shot timelines can be exported")
    try:
        return timeline_from_dict(doc)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None
