"""Which files in an output folder shotdetect wrote: the manifest written with the results.

Every run that writes into a folder records the files it wrote (name, size, modification time) and
the source it analysed in ``.shotdetect-manifest.json``, written atomically after the results. Later
runs replace or remove only files that a manifest lists *and* that still have the recorded size and
time; anything else in the folder (the user's photos, an edited result, results of an older version
that wrote no manifest) is not ours, and the folder is refused. Names are never matched by pattern.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["MANIFEST_NAME", "STAGING_MARK", "Survey", "survey", "write_manifest", "read_manifest",
           "source_record", "file_record", "is_staging_folder"]

MANIFEST_NAME = ".shotdetect-manifest.json"
#: A file inside every staging / set-aside folder, so that only folders proven ours are cleaned up.
STAGING_MARK = ".shotdetect-staging"
_SCHEMA = "shotdetect.manifest"
_VERSION = 1


def file_record(path: Path) -> dict[str, Any]:
    """The facts that tell a file apart from one written later under the same name."""
    st = path.stat()
    return {"name": path.name, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def source_record(source: str | os.PathLike[str] | None) -> dict[str, Any] | None:
    """What was analysed: absolute path, and size and time when it is a regular file."""
    if source is None:
        return None
    text = os.fspath(source)
    path = Path(text)
    try:
        st = path.stat()
    except (OSError, ValueError):
        return {"path": text}
    if not stat.S_ISREG(st.st_mode):
        return {"path": str(path.resolve())}
    return {"path": str(path.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def is_staging_folder(path: Path) -> bool:
    """A hidden staging or set-aside folder made by shotdetect (it holds our mark file)."""
    return path.name.startswith(".shotdetect-") and path.is_dir() and not path.is_symlink() \
        and (path / STAGING_MARK).is_file()


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest, or ``None`` when it has none (or an unreadable one)."""
    try:
        doc = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("schema") != _SCHEMA or not isinstance(doc.get("files"), list):
        return None
    return doc


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and bool(name) and "/" not in name and "\\" not in name \
        and "\0" not in name and not name.startswith(".")


@dataclass
class Survey:
    """What an output folder holds, from the point of view of ownership."""

    manifest: dict[str, Any] | None = None
    #: Files a manifest lists that still have the recorded size and time (ours to replace).
    owned: list[str] = field(default_factory=list)
    #: Every other entry (user files, edited results, unlisted results of an older version).
    foreign: list[str] = field(default_factory=list)
    #: Staging folders of runs that were killed (only meaningful while the folder lock is held).
    stale: list[str] = field(default_factory=list)

    @property
    def source(self) -> dict[str, Any] | None:
        src = (self.manifest or {}).get("source")
        return src if isinstance(src, dict) else None

    @property
    def command(self) -> str | None:
        return (self.manifest or {}).get("command")


def survey(folder: Path) -> Survey:
    """Sort the entries of ``folder`` into ours (listed and unchanged), stale staging and foreign."""
    result = Survey(manifest=read_manifest(folder))
    listed: dict[str, list[tuple[object, object]]] = {}  # name -> (size, mtime_ns) as the manifest says
    for entry in (result.manifest or {}).get("files", []):
        if isinstance(entry, dict) and _plain_name(entry.get("name")):
            listed.setdefault(entry["name"], []).append((entry.get("size"), entry.get("mtime_ns")))
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return result
    for name in entries:
        path = folder / name
        if name == MANIFEST_NAME and result.manifest is not None:
            continue
        if is_staging_folder(path):
            result.stale.append(name)
            continue
        try:
            st = path.lstat()
        except OSError:
            continue  # vanished meanwhile
        if name in listed and stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) in listed[name]:
            result.owned.append(name)
        else:
            result.foreign.append(name)
    return result


def write_manifest(folder: Path, names: Iterable[str], *, command: str, source: dict[str, Any] | None,
                   extra: Iterable[dict[str, Any]] = (), into: Path | None = None) -> Path:
    """Record ``names`` (files in ``folder``) as written by this run; atomically.

    ``extra``: further records (e.g. the files of the previous run while results are being swapped).
    ``into``: write the manifest file there instead of into ``folder``.
    """
    from .. import __version__
    from .atomic import atomic_write_text

    files = [file_record(folder / name) for name in names]
    doc = {
        "schema": _SCHEMA, "schema_version": _VERSION,
        "tool": {"name": "shotdetect", "version": __version__},
        "command": command, "source": source, "files": [*files, *extra],
    }
    return atomic_write_text((into or folder) / MANIFEST_NAME, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
