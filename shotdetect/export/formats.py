"""The registry of export formats written next to ``timeline.json`` (``--export LIST``).

Every format is one entry of :data:`FORMATS`: the files it writes and, for each, a writer function
``write(timeline, path, **options)`` named as ``"module:function"`` inside :mod:`shotdetect.export`
(imported only when used, so the command line starts fast). A writer writes ``path`` atomically and
ignores the options it does not use. The options every writer may receive are:

``source``
    The analysed video (path).
``scores``
    A :class:`~shotdetect.export.scores.ScoreSeries` of per-frame cut strengths, or ``None``.
``images``
    The folder holding the keyframe images named in the timeline (the staging folder), or ``None``.
``min_chapter_len``
    Seconds (``None``: each chapter file's own default).
``accurate``
    Re-encode split files for frame-exact cuts instead of copying the streams.
``edl_rate``
    The frame rate of the EDL and FCPXML (``None``: chosen from the video, see ``editorial``).

Adding a format means adding one entry here (and its writer module).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import OutputError, UsageError

if TYPE_CHECKING:  # pragma: no cover
    from ..features import FrameSignals
    from ..timeline import Timeline
    from .scores import ScoreSeries

__all__ = ["ExportFormat", "FORMATS", "ExportOptions", "parse_export_list", "chain_signals"]


@dataclass(frozen=True)
class ExportFormat:
    """One ``--export`` name.

    Attributes
    ----------
    name : str
        What the user types.
    description : str
        One line for ``--help`` and the README.
    outputs : tuple of (file name, "module:function")
        Files written into the output folder. A file name of ``""`` means the writer gets the
        folder itself and names its own files (they must match ``patterns``).
    patterns : tuple of str
        Glob patterns of every file this format may leave, so ``--overwrite`` replaces them.
    requires : tuple of str
        Python modules that must be importable, with the pip package that provides each.
    programs : tuple of str
        Executables that must be on PATH.
    uses_scores : bool
        The writer wants the per-frame cut strengths (collected during the analysis).
    in_all : bool
        Included in ``--export all``.
    """

    name: str
    description: str
    outputs: tuple[tuple[str, str], ...]
    patterns: tuple[str, ...] = ()
    requires: tuple[tuple[str, str], ...] = ()
    programs: tuple[str, ...] = ()
    uses_scores: bool = False
    in_all: bool = True

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.outputs if name) + self.patterns


_OTIO = (("opentimelineio", "opentimelineio"),)

FORMATS: dict[str, ExportFormat] = {f.name: f for f in (
    ExportFormat("otio", "OpenTimelineIO timeline, one clip per shot, dissolves as transitions",
                 (("timeline.otio", "editorial:write_otio"),), requires=_OTIO),
    ExportFormat("edl", "CMX 3600 edit decision list (through the OTIO cmx_3600 adapter)",
                 (("timeline.edl", "editorial:write_edl"),),
                 requires=_OTIO + (("otio_cmx3600_adapter", "otio-cmx3600-adapter"),)),
    ExportFormat("fcpxml", "Final Cut Pro X XML (through the OTIO fcpx_xml adapter)",
                 (("timeline.fcpxml", "editorial:write_fcpxml"),),
                 requires=_OTIO + (("otio_fcpx_xml_adapter", "otio-fcpx-xml-adapter"),)),
    ExportFormat("csv", "scene list (scenes.csv) and transition list (transitions.csv)",
                 (("scenes.csv", "scenelist:write_scenes_csv"),
                  ("transitions.csv", "scenelist:write_transitions_csv"))),
    ExportFormat("chapters", "chapters as WebVTT, ffmpeg FFMETADATA and a YouTube description list",
                 (("chapters.vtt", "chapters:write_webvtt"),
                  ("chapters.ffmetadata", "chapters:write_ffmetadata"),
                  ("chapters.txt", "chapters:write_youtube"))),
    ExportFormat("html", "self-contained report.html: facts, keyframe contact sheet, score plot",
                 (("report.html", "report:write_html"),), uses_scores=True),
    ExportFormat("split", "every shot as its own video file, shot-0000.<ext>, cut by ffmpeg",
                 (("", "split:write_split"),),
                 patterns=("shot-[0-9][0-9][0-9][0-9].*", "shot-[0-9][0-9][0-9][0-9][0-9]*.*"),
                 programs=("ffmpeg",), in_all=False),
)}


def parse_export_list(text: str | Iterable[str]) -> tuple[str, ...]:
    """``"otio,edl, csv"`` -> ``("otio", "edl", "csv")``; ``"all"`` is every format but ``split``.

    Raises
    ------
    UsageError
        An unknown name (the message lists the known ones).
    """
    items = text.split(",") if isinstance(text, str) else list(text)
    names: list[str] = []
    for raw in items:
        name = raw.strip().lower()
        if not name:
            continue
        if name == "all":
            wanted = [n for n, f in FORMATS.items() if f.in_all]
        elif name in FORMATS:
            wanted = [name]
        else:
            raise UsageError(f"unknown export format {raw.strip()!r} (choose from {', '.join(FORMATS)}, or all)")
        names.extend(n for n in wanted if n not in names)
    if not names:
        raise UsageError("--export needs at least one format")
    return tuple(names)


def _load(target: str) -> Callable[..., Any]:
    module, _, function = target.partition(":")
    return getattr(importlib.import_module(f"shotdetect.export.{module}"), function)


def chain_signals(*callbacks: Callable[[FrameSignals, float], None] | None
                  ) -> Callable[[FrameSignals, float], None] | None:
    """One ``on_signals`` callback calling each of ``callbacks`` that is not ``None``."""
    live = [c for c in callbacks if c is not None]
    if len(live) <= 1:
        return live[0] if live else None

    def both(signals: FrameSignals, strength: float) -> None:
        for callback in live:
            callback(signals, strength)

    return both


@dataclass(frozen=True)
class ExportOptions:
    """Which formats to write and how: picklable, so a batch worker gets a copy.

    Parameters
    ----------
    formats : tuple of str
        Names from :data:`FORMATS`.
    min_chapter_len : float, optional
        Shortest chapter in seconds; shorter shots are merged into one chapter. ``None``: 0 for
        WebVTT and FFMETADATA (one chapter per shot), 10 for the YouTube list (YouTube's rule; the
        YouTube list never goes below 10).
    accurate : bool
        ``split`` re-encodes (libx264) for frame-exact cuts instead of copying the streams (whose
        cuts snap to the nearest earlier keyframe).
    max_points : int
        Points kept of the per-frame score series for the HTML plot.
    """

    formats: tuple[str, ...] = ()
    min_chapter_len: float | None = None
    accurate: bool = False
    max_points: int = 2000
    #: EDL/FCPXML frame rate (``--edl-rate``); ``None`` picks one from the video.
    edl_rate: Fraction | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "formats", parse_export_list(self.formats) if self.formats else ())

    def __bool__(self) -> bool:
        return bool(self.formats)

    def check(self) -> None:
        """Fail early, before the analysis, when a format's library or program is missing.

        Raises
        ------
        OutputError
            With the pip package or program to install.
        """
        for name in self.formats:
            fmt = FORMATS[name]
            for module, package in fmt.requires:
                if importlib.util.find_spec(module) is None:
                    raise OutputError(f"--export {name} needs the Python package {package} "
                                      f"(pip install {package})")
            for program in fmt.programs:
                if shutil.which(program) is None:
                    what = "--split" if name == "split" else f"--export {name}"
                    raise OutputError(f"{what} needs the {program} program, which is not on PATH")

    @property
    def uses_scores(self) -> bool:
        return any(FORMATS[n].uses_scores for n in self.formats)

    def score_series(self) -> ScoreSeries | None:
        """A collector to pass as ``on_signals`` when a format plots the scores, else ``None``."""
        if not self.uses_scores:
            return None
        from .scores import ScoreSeries

        return ScoreSeries(self.max_points)

    def write(self, timeline: Timeline, folder: str | os.PathLike[str], *, source: str | os.PathLike[str],
              scores: ScoreSeries | None = None, images: str | os.PathLike[str] | None = None) -> list[Path]:
        """Write every chosen format into ``folder``; returns the files written."""
        folder = Path(folder)
        try:  # a library caller may name a folder that does not exist yet
            folder.mkdir(parents=True, exist_ok=True)
            before = set(folder.iterdir())
        except OSError as exc:
            raise OutputError(f"{folder}: cannot write here ({exc.strerror or exc})") from exc
        options: dict[str, Any] = {
            "source": Path(source), "scores": scores, "images": Path(images) if images else folder,
            "min_chapter_len": self.min_chapter_len, "accurate": self.accurate, "edl_rate": self.edl_rate,
        }
        for name in self.formats:
            for file_name, target in FORMATS[name].outputs:
                _load(target)(timeline, folder / file_name if file_name else folder, **options)
        return sorted(set(folder.iterdir()) - before)
