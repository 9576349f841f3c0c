"""Export a timeline again (saved, reviewed or edited by hand) into a folder, in any ``--export`` format."""

from __future__ import annotations

import os
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

from ..errors import InputError
from ..export.formats import ExportOptions
from ..export.json import write_json
from ..export.outdir import OutputDir
from ..timeline import Timeline

__all__ = ["export_timeline", "find_source"]


def find_source(timeline: Timeline, timeline_file: str | os.PathLike[str] | None = None) -> Path:
    """The video a timeline was made from: ``video.path`` as written, or relative to the timeline's folder."""
    stated = Path(timeline.video.path)
    candidates = [stated]
    if timeline_file is not None and not stated.is_absolute():
        candidates.append(Path(timeline_file).resolve().parent / stated)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return stated


def export_timeline(timeline: Timeline, out: str | os.PathLike[str], formats: str | Iterable[str], *,
                    source: str | os.PathLike[str] | None = None, images: str | os.PathLike[str] | None = None,
                    overwrite: bool = False, min_chapter_len: float | None = None, accurate: bool = False,
                    edl_rate: Fraction | None = None, keep: Iterable[str | os.PathLike[str]] = ()) -> list[Path]:
    """Write ``formats`` (``"edl,otio"``, or names) of ``timeline`` into the folder ``out``.

    Besides the ``--export`` formats, ``json`` writes ``timeline.json`` itself: the checked,
    normalised timeline (a scene list turned into a timeline, a hand edit with its shots rebuilt).

    The files appear together or not at all; existing results are refused unless ``overwrite``, and
    then only the files written again are replaced (the folder's other results stay). ``source`` is the video the editorial files reference (default: the timeline's
    ``video.path``), ``images`` the folder holding the keyframe images the HTML report shows.
    Returns the files written.

    Raises
    ------
    UsageError
        An unknown format name.
    InputError
        The video is needed (``split``) but missing.
    OutputError
        The folder cannot be written, or holds these results already.
    """
    names = [n.strip().lower() for n in (formats.split(",") if isinstance(formats, str) else formats)]
    json_too = "json" in names
    names = [n for n in names if n and n != "json"]
    options = ExportOptions(formats=tuple(names) if names else (), min_chapter_len=min_chapter_len,
                            accurate=accurate, edl_rate=edl_rate)
    if not names and not json_too:
        options = ExportOptions(formats=("",))  # raises the usual "needs at least one format" error
    options.check()
    source = Path(source) if source is not None else Path(timeline.video.path)
    if "split" in options.formats and not source.is_file():
        raise InputError(f"{source}: no such video to split (give it with --video)")
    folder = Path(out)
    # Only the files written again replace earlier ones: exports added to a folder of results leave
    # its keyframes (and other exports) in place.
    with OutputDir(folder, overwrite=overwrite, keep=[source, *keep], source=source, command="export",
                   replace_all=False) as staging:
        if options.formats:
            options.write(timeline, staging, source=source, images=images)
        if json_too:
            write_json(timeline, staging / "timeline.json")
        written = sorted(p.name for p in staging.iterdir())
    return [folder / name for name in written]
