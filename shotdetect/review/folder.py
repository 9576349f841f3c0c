"""``shotdetect review DIR``: review the results the main command wrote into ``DIR``.

The folder holds the run's ``timeline.json`` and its manifest (:mod:`shotdetect.export.ownership`),
which records the absolute path of the video analysed; the review opens that video, starts from the
folder's timeline and saves back into the folder. Saving replaces only files shotdetect wrote there
and that are unchanged since, so a folder that holds anything else is refused before the analysis,
not at the first save.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import InputError
from ..export.outdir import refuse_foreign
from ..export.ownership import survey
from ..timeline import SCHEMA_NAME

__all__ = ["video_of_results"]


def video_of_results(folder: str | os.PathLike[str]) -> Path:
    """The video whose results ``folder`` holds (the main command's ``--out`` folder).

    Looked for where the folder's manifest says it was analysed (an absolute path), then at the
    timeline's ``video.path`` as written, then at that path relative to the folder.

    Raises
    ------
    InputError
        The folder holds no shotdetect timeline of shots, or its video is not where it was.
    OutputError
        The folder holds files shotdetect did not write (a save could not go there).
    """
    folder = Path(folder)
    path = folder / "timeline.json"
    how = f"shotdetect review VIDEO --out {folder}"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{folder}: a folder without a timeline.json; review a video ({how})") from None
    except (OSError, UnicodeDecodeError, ValueError):
        doc = None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_NAME:
        kind = doc.get("schema") if isinstance(doc, dict) and isinstance(doc.get("schema"), str) else None
        what = f"a {kind} timeline" if kind else "not a shotdetect timeline"
        raise InputError(f"{path}: {what}; review needs the results of shot detection ({how})")
    found = survey(folder)
    recorded = [found.source.get("path")] if found.source else []
    written = (doc.get("video") or {}).get("path") if isinstance(doc.get("video"), dict) else None
    if isinstance(written, str) and written:
        recorded += [written, os.fspath(folder / written)]
    video = next((Path(p) for p in recorded if isinstance(p, str) and p and Path(p).is_file()), None)
    if video is None:
        where = next((p for p in recorded if isinstance(p, str) and p), "nowhere")
        raise InputError(f"{folder}: its video is no longer at {where}; name it ({how})")
    refuse_foreign(folder, found, keep=[video])
    return video
