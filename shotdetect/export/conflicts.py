"""Refuse, before any work, output paths that would write over an input or over each other.

``shotdetect v.mkv --json v.mkv --overwrite`` would replace the video with its own timeline, and
``--json X --stats X`` would keep only one of the two; both are :class:`OutputError` (exit 5), as is
an output file named inside the ``--out`` folder (it would be mixed with, or replace, the results).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import OutputError

__all__ = ["check_output_paths"]


def _input_files(inputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    files: list[Path] = []
    for raw in inputs:
        text = os.fspath(raw)
        path = Path(text)
        try:
            if path.is_dir():
                files.extend(p for p in path.iterdir() if p.is_file())
            elif path.exists():
                files.append(path)
            elif glob.has_magic(text):
                files.extend(Path(p) for p in glob.glob(text))
        except OSError:
            continue
    return files


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def check_output_paths(inputs: Iterable[str | os.PathLike[str]], outputs: Mapping[str, str | os.PathLike[str] | None],
                       *, folder: str | os.PathLike[str] | None = None) -> None:
    """Check the output files named by option (``{"--json": path, "--stats": path}``).

    ``-`` (stdout) and devices or pipes (``/dev/null``) are never a conflict.

    Raises
    ------
    OutputError
        An output is an input, two outputs are one file, or an output lies in ``folder``.
    """
    named = {option: Path(os.fspath(p)) for option, p in outputs.items() if p is not None and os.fspath(p) != "-"}
    named = {o: p for o, p in named.items() if not (p.exists() and not p.is_file())}
    if not named:
        return
    sources = _input_files(inputs)
    for option, path in named.items():
        if path.exists() and any(_same(path, src) for src in sources):
            raise OutputError(f"{path}: {option} names an input; it would be written over")
    seen: dict[str, str] = {}
    for option, path in named.items():
        real = os.path.realpath(path)
        if real in seen:
            raise OutputError(f"{path}: {seen[real]} and {option} name the same file; give each its own")
        seen[real] = option
    if folder is not None:
        out = os.path.realpath(folder)
        for option, path in named.items():
            if os.path.realpath(path.parent) == out:
                raise OutputError(f"{path}: {option} names a file inside the --out folder; "
                                  "put it outside (the folder holds only the results of one run)")
