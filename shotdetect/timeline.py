"""The result model: transitions, shots and keyframes of one video, and its JSON form.

Times are kept as exact :class:`fractions.Fraction` seconds (pts x time_base, relative to the first
frame) and turned into floats only when serialised, so variable-frame-rate video stays exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

__all__ = [
    "VideoInfo",
    "AnalysedRange",
    "Transition",
    "Keyframe",
    "Shot",
    "Timeline",
    "TRANSITION_TYPES",
    "SCHEMA_NAME",
    "SCHEMA_VERSION",
    "timecode",
]

SCHEMA_NAME = "shotdetect.timeline"
SCHEMA_VERSION = 1
#: Kinds of transition a timeline can hold. ``cut`` is instantaneous; the others span frames.
TRANSITION_TYPES = ("cut", "dissolve", "fade", "wipe")


def _seconds(value: Fraction | float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _ratio(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def timecode(seconds: Fraction | float, fps: Fraction | None) -> str:
    """SMPTE timecode ``HH:MM:SS:FF`` of a time at a nominal frame rate.

    29.97 and 59.94 fps use drop-frame numbering (``;`` before the frame field), as NLEs expect
    (:func:`shotdetect.rates.is_drop_frame`; every output decides it there).
    Without a frame rate the frame field is hundredths of a second.
    """
    if not fps or fps <= 0:
        cs = int(round(float(seconds) * 100))
        s, cs = divmod(cs, 100)
        return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{cs:02d}"
    from .rates import exact_rate, is_drop_frame

    fps = exact_rate(fps) or fps
    nominal = max(1, int(round(float(fps))))  # a time-lapse below 0.5 fps still counts whole frames
    frames = int(round(float(seconds) * float(fps)))
    drop = is_drop_frame(fps)
    if drop:
        # Drop-frame: skip frame numbers 0 and 1 (x2 at 59.94) each minute except every tenth.
        per_drop = nominal // 15
        per_10min = nominal * 600 - per_drop * 9
        per_min = nominal * 60 - per_drop
        tens, rem = divmod(frames, per_10min)
        frames += per_drop * 9 * tens
        if rem > per_drop:
            frames += per_drop * ((rem - per_drop) // per_min)
    ff = frames % nominal
    s = frames // nominal
    sep = ";" if drop else ":"
    return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{sep}{ff:02d}"


@dataclass(frozen=True)
class AnalysedRange:
    """The part of the video that was analysed (``--start`` / ``--end``): absolute frame numbers and
    times, ``end_frame`` and ``end`` exclusive (where the last shot ends)."""

    start_frame: int
    end_frame: int
    start: Fraction
    end: Fraction

    def to_dict(self) -> dict[str, Any]:
        return {"start_frame": self.start_frame, "end_frame": self.end_frame,
                "start": _seconds(self.start), "end": _seconds(self.end)}


@dataclass(frozen=True)
class VideoInfo:
    """Facts about the analysed video stream, as read from the container."""

    path: str
    width: int
    height: int
    rotation: int = 0
    sample_aspect_ratio: Fraction = Fraction(1)
    fps: Fraction | None = None
    frame_count: int | None = None
    duration: Fraction | None = None
    time_base: Fraction | None = None
    start_time: Fraction = Fraction(0)
    vfr: bool = False
    codec: str = ""
    pix_fmt: str = ""
    #: Set when only part of the video was analysed; then ``frame_count`` and ``duration`` run to its end.
    range: AnalysedRange | None = None

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown to a viewer: square pixels, rotation applied."""
        w = int(round(self.width * float(self.sample_aspect_ratio or 1)))
        w += w % 2
        h = self.height
        return (h, w) if self.rotation % 180 else (w, h)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "sample_aspect_ratio": _ratio(self.sample_aspect_ratio),
            "fps": _ratio(self.fps),
            "frame_count": self.frame_count,
            "duration": _seconds(self.duration),
            "time_base": _ratio(self.time_base),
            "start_time": _seconds(self.start_time),
            "vfr": self.vfr,
            "codec": self.codec,
            "pix_fmt": self.pix_fmt,
            **({"range": self.range.to_dict()} if self.range is not None else {}),
        }


@dataclass(frozen=True)
class Transition:
    """A change from one shot to the next.

    ``frame`` is the first frame that belongs more to the new shot; ``start_frame`` and
    ``end_frame`` are inclusive (equal to ``frame`` for a cut).
    """

    type: str
    frame: int
    start_frame: int
    end_frame: int
    time: Fraction
    start_time: Fraction
    end_time: Fraction
    score: float
    #: Set by a person (the review page, a hand edit), not by the detector.
    edited: bool = False

    def to_dict(self, index: int, fps: Fraction | None) -> dict[str, Any]:
        out = {
            "index": index,
            "type": self.type,
            "frame": self.frame,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "time": _seconds(self.time),
            "start_time": _seconds(self.start_time),
            "end_time": _seconds(self.end_time),
            "timecode": timecode(self.time, fps),
            "score": round(float(self.score), 4),
        }
        if self.edited:
            out["edited"] = True
        return out


@dataclass(frozen=True)
class Keyframe:
    """A representative frame of a shot and, when images were written, its file name."""

    frame: int
    time: Fraction
    file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"frame": self.frame, "time": _seconds(self.time), "file": self.file}


@dataclass(frozen=True)
class Shot:
    """A run of frames between two transitions; ``end_frame`` is exclusive."""

    start_frame: int
    end_frame: int
    start_time: Fraction
    end_time: Fraction
    keyframes: tuple[Keyframe, ...] = ()

    @property
    def frame_count(self) -> int:
        return self.end_frame - self.start_frame

    def to_dict(self, index: int) -> dict[str, Any]:
        return {
            "index": index,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "start_time": _seconds(self.start_time),
            "end_time": _seconds(self.end_time),
            "keyframes": [k.to_dict() for k in self.keyframes],
        }


@dataclass
class Timeline:
    """Everything found in one video: the value :func:`shotdetect.detect` returns."""

    video: VideoInfo
    transitions: list[Transition] = field(default_factory=list)
    shots: list[Shot] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: Where undecodable data was skipped: ``{"after_frame", "time", "skipped_packets"}``.
    gaps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def cuts(self) -> list[int]:
        """First frame of every shot after the first."""
        return [s.start_frame for s in self.shots[1:]]

    def to_dict(self) -> dict[str, Any]:
        from ._version import __version__

        from .rates import timecode_rate

        rate = timecode_rate(self.video)
        return {
            "schema": SCHEMA_NAME,
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "shotdetect", "version": __version__, "settings": dict(self.settings)},
            "video": self.video.to_dict(),
            "transitions": [t.to_dict(i, rate) for i, t in enumerate(self.transitions)],
            "shots": [s.to_dict(i) for i, s in enumerate(self.shots)],
            "warnings": list(self.warnings),
            "gaps": [dict(g) for g in self.gaps],
        }
