"""Editorial timelines through OpenTimelineIO: ``timeline.otio``, and via OTIO's adapter plugins a
CMX 3600 EDL (``timeline.edl``) and a Final Cut Pro X XML (``timeline.fcpxml``).

The video becomes one track of clips, one clip per shot, each referencing the source file
(an :class:`ExternalReference` with its absolute ``file://`` URL and the analysed range); a gradual
transition becomes an OTIO ``SMPTE_Dissolve`` :class:`Transition` between its two clips, whose
``in_offset`` reaches back to the transition's first frame and ``out_offset`` forward past its last.

Time
----
* ``timeline.otio`` keeps the video's own clock. Constant frame rate: the rate is the exact
  rational frame rate (24000/1001 is stored as 23.976023976...) and every value is a frame number.
  Variable frame rate: the rate is ``1 / time_base`` (e.g. 90000) and values are exact timestamps.
* EDL and FCPXML need a frame rate an editing application accepts (23.976, 24, 25, 29.97, 30,
  47.952, 48, 50, 59.94, 60). A video at one of them is written frame-exact; 29.97 and 59.94 use
  drop-frame timecode. Another constant rate uses a rate that is a whole multiple of it when there
  is one (15 -> 30, 12.5 -> 25, so still frame-exact), else the nearest; variable-frame-rate video
  uses the rate nearest its average, and boundaries round to the nearest frame of that rate.
* Times start at 0 on the first frame, as in ``timeline.json`` (``video.start_time`` is kept in
  the metadata).
"""

from __future__ import annotations

import math
import os
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import OutputError
from ..timeline import Timeline
from .atomic import atomic_write_text
from ..rates import EDIT_RATES, average_rate, exact_rate, is_drop_frame
from ..rates import edit_rate as _video_edit_rate
from .safetext import one_line, valid_unicode, valid_unicode_tree

__all__ = ["EDIT_RATES", "edit_rate", "build_otio", "write_otio", "write_edl", "write_fcpxml"]


def _otio() -> Any:
    try:
        import opentimelineio
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise OutputError("OpenTimelineIO exports need the opentimelineio package "
                          "(pip install opentimelineio)") from exc
    return opentimelineio


def _constant_fps(timeline: Timeline) -> Fraction | None:
    v = timeline.video
    return None if v.vfr or not v.fps else exact_rate(v.fps)


def edit_rate(timeline: Timeline, override: Fraction | None = None) -> Fraction:
    """The frame rate EDL and FCPXML exports use for this video (see the module notes);
    ``override`` (``--edl-rate``) replaces it."""
    return _video_edit_rate(timeline.video, override)


class _Clock:
    """Positions of frames on the OTIO time axis at ``rate``."""

    def __init__(self, timeline: Timeline, *, editorial: bool, rate: Fraction | None = None):
        self.fps = _constant_fps(timeline)
        if editorial:
            self.rate = edit_rate(timeline, rate)
        elif self.fps is not None:
            self.rate = self.fps
        else:
            tb = timeline.video.time_base
            self.rate = 1 / Fraction(tb) if tb else Fraction(1_000_000)
        self.by_frame = self.fps is not None and self.rate == self.fps
        self.round = editorial
        self.frame_step = 1 / (self.fps or average_rate(timeline.video))

    def at(self, frame: int, time: Fraction) -> int | float:
        if self.by_frame:
            return frame
        value = Fraction(time) * self.rate
        if self.round or value.denominator == 1:
            return math.floor(value + Fraction(1, 2))
        return float(value)

    def after(self, frame: int, time: Fraction) -> int | float:
        """Position just after ``frame`` (its exclusive end)."""
        if self.by_frame:
            return frame + 1
        return self.at(frame + 1, Fraction(time) + self.frame_step)


def _reel(source: Path) -> str:
    reel = re.sub(r"[^A-Za-z0-9]", "", source.stem).upper()[:8]
    return reel or "AX"


def build_otio(timeline: Timeline, source: str | os.PathLike[str], *, editorial: bool = False,
               edl_rate: Fraction | None = None) -> Any:
    """The timeline as an ``opentimelineio.schema.Timeline`` (see the module notes for the clock).

    ``editorial=True`` uses :func:`edit_rate` (or ``edl_rate``), the frame rate written to EDL and FCPXML.
    """
    otio = _otio()
    rt = otio.opentime.RationalTime
    tr = otio.opentime.TimeRange
    clock = _Clock(timeline, editorial=editorial, rate=edl_rate)
    rate = float(clock.rate)
    source = Path(source).resolve()
    url = source.as_uri()
    shots = timeline.shots
    bounds = [clock.at(s.start_frame, s.start_time) for s in shots]
    if shots:
        last = shots[-1]
        bounds.append(clock.at(last.end_frame, last.end_time))
    for i in range(1, len(bounds)):  # every shot keeps at least one frame after rounding
        bounds[i] = max(bounds[i], bounds[i - 1] + 1)
    total = bounds[-1] if bounds else 0
    video = timeline.video
    reel = _reel(source)

    def reference() -> Any:
        return otio.schema.ExternalReference(
            target_url=url, available_range=tr(rt(0, rate), rt(total, rate)),
            metadata={"shotdetect": {"path": valid_unicode(str(source)), "start_time": float(video.start_time)}},
        )

    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    gradual = {t.frame: t for t in timeline.transitions if t.type != "cut"}
    for i, shot in enumerate(shots):
        length = bounds[i + 1] - bounds[i]
        t = gradual.get(shot.start_frame) if i else None
        if t is not None:
            previous = bounds[i] - bounds[i - 1]
            in_offset = min(previous, max(0, bounds[i] - clock.at(t.start_frame, t.start_time)))
            out_offset = min(length, max(0, clock.after(t.end_frame, t.end_time) - bounds[i]))
            if in_offset or out_offset:
                track.append(otio.schema.Transition(
                    name=f"{t.type} into shot {i + 1}",
                    transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                    in_offset=rt(in_offset, rate), out_offset=rt(out_offset, rate),
                    metadata={"shotdetect": {"type": t.type, "frame": t.frame, "start_frame": t.start_frame,
                                             "end_frame": t.end_frame, "score": round(float(t.score), 4)}},
                ))
        track.append(otio.schema.Clip(
            name=f"Shot {i + 1}",
            media_reference=reference(),
            source_range=tr(rt(bounds[i], rate), rt(length, rate)),
            metadata={
                "shotdetect": {"shot": i, "start_frame": shot.start_frame, "end_frame": shot.end_frame,
                               "start_time": float(shot.start_time), "end_time": float(shot.end_time),
                               "keyframes": [k.frame for k in shot.keyframes]},
                "cmx_3600": {"reel": reel},
            },
        ))
    from .._version import __version__

    return otio.schema.Timeline(
        name=one_line(source.stem),  # EDL's TITLE line and FCPXML's project name: one line, valid XML
        tracks=[track],
        global_start_time=rt(0, rate),
        metadata=valid_unicode_tree({"shotdetect": {
            "version": __version__, "video": video.to_dict(), "settings": dict(timeline.settings),
            "rate": str(clock.rate), "timecode": _timecode_metadata(timeline, edl_rate if editorial else None)}}),
    )


def _timecode_metadata(timeline: Timeline, rate: Fraction | None) -> dict[str, Any]:
    """The SMPTE rate and numbering every output uses (:mod:`shotdetect.rates`), for OTIO readers."""
    from ..rates import timecode_rate

    tc = edit_rate(timeline, rate) if rate is not None else timecode_rate(timeline.video)
    return {"rate": str(tc) if tc else None, "drop_frame": is_drop_frame(tc)}


def write_otio(timeline: Timeline, path: str | os.PathLike[str], *, source: str | os.PathLike[str],
               **_: Any) -> None:
    """``timeline.otio`` (OTIO JSON) on the video's own clock."""
    otio = _otio()
    atomic_write_text(path, otio.adapters.write_to_string(build_otio(timeline, source), "otio_json"))


def _adapter(name: str, package: str) -> Any:
    """OTIO's adapter plugin ``name``, or a one-line error saying which package provides it."""
    otio = _otio()
    try:
        return otio.adapters.from_name(name)
    except otio.exceptions.NotSupportedError as exc:
        raise OutputError(f"the {name} writer needs the {package} package (pip install {package})") from exc


def _adapter_write(timeline: Any, adapter: str, package: str, **kwargs: Any) -> str:
    _adapter(adapter, package)
    return _otio().adapters.write_to_string(timeline, adapter, **kwargs)


def write_edl(timeline: Timeline, path: str | os.PathLike[str], *, source: str | os.PathLike[str],
              edl_rate: Fraction | None = None, **_: Any) -> None:
    """``timeline.edl``: CMX 3600, written by the ``cmx_3600`` adapter (otio-cmx3600-adapter).

    A dissolve is an EDL ``D`` event starting at the transition's first frame; the header's
    ``FCM`` line says whether timecodes are drop-frame (29.97 and 59.94 fps); a comment of the first
    event states the frame rate of the timecodes (``edl_rate``, ``--edl-rate``, or the one chosen).
    """
    rate = edit_rate(timeline, edl_rate)
    otio_timeline = build_otio(timeline, source, editorial=True, edl_rate=edl_rate)
    text = _adapter_write(otio_timeline, "cmx_3600", "otio-cmx3600-adapter", rate=float(rate), style="avid")
    fcm = f"FCM: {'DROP FRAME' if is_drop_frame(rate) else 'NON-DROP FRAME'}"
    lines = text.splitlines()
    at = 1 if lines and lines[0].startswith("TITLE:") else 0
    lines.insert(at, fcm)
    # The rate as a comment of the first event (readers refuse comments before it).
    events = [n for n, line in enumerate(lines) if line[:3].isdigit()]
    where = events[1] if len(events) > 1 else len(lines)
    lines.insert(where, f"* FRAME RATE: {_rate_text(rate)} FPS{_rate_note(timeline, edl_rate)}")
    atomic_write_text(path, "\n".join(lines) + "\n")


def _rate_text(rate: Fraction) -> str:
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def _rate_note(timeline: Timeline, override: Fraction | None) -> str:
    if override is not None:
        return " (SET WITH --EDL-RATE)"
    if timeline.video.vfr:
        return (f" (VARIABLE FRAME RATE VIDEO, AVERAGE {float(average_rate(timeline.video)):.3f} FPS; "
                "CUTS ROUNDED TO THE NEAREST FRAME)")
    return ""


def write_fcpxml(timeline: Timeline, path: str | os.PathLike[str], *, source: str | os.PathLike[str],
                 edl_rate: Fraction | None = None, **_: Any) -> None:
    """``timeline.fcpxml``: Final Cut Pro X XML, written by the ``fcpx_xml`` adapter.

    The adapter's table of frame durations keys 23.976 and 29.97 by their rounded values, so the
    exact NTSC rates (and the other edit rates) are registered with it first. FCPXML has no
    transition objects in this adapter: dissolves are left out, the cut points stay.
    """
    # The module instance OTIO's plugin system loaded (not necessarily the importable one).
    module = _adapter("fcpx_xml", "otio-fcpx-xml-adapter").module()
    table = getattr(module, "FRAMERATE_FRAMEDURATION", None)
    if isinstance(table, dict):
        for r in EDIT_RATES:
            table.setdefault(float(r), f"{r.denominator}/{r.numerator}s")
    otio_timeline = build_otio(timeline, source, editorial=True, edl_rate=edl_rate)
    text = _adapter_write(otio_timeline, "fcpx_xml", "otio-fcpx-xml-adapter")
    if 'frameDuration=""' in text:
        raise OutputError(f"the installed fcpx_xml adapter cannot write {float(edit_rate(timeline, edl_rate)):.3f} fps")
    # The sequence's timecode numbering, as in every other output (drop-frame at 29.97 and 59.94).
    tc_format = "DF" if is_drop_frame(edit_rate(timeline, edl_rate)) else "NDF"
    text = re.sub(r"<sequence(?![^>]*tcFormat)", f'<sequence tcFormat="{tc_format}"', text)
    atomic_write_text(path, text)
