"""Keyframe file names from a template (``--image-name``), checked so that every picture of a run
gets its own name and ``--overwrite`` can tell a run's pictures from other files.

Fields: ``{video}`` (the input's name without extension), ``{shot}`` (0-based, as in
``timeline.json``), ``{scene}`` (1-based, as PySceneDetect numbers scenes), ``{number}`` (the
keyframe's rank in its shot, from 1) and ``{frame}``; numbers take a format such as ``{shot:04d}``.
The extension follows the image format. The default, ``shot-{shot:04d}-{number}``, gives
``shot-0000-1.jpg``.
"""

from __future__ import annotations

import re
import string

__all__ = ["NameTemplate", "DEFAULT_TEMPLATE"]

DEFAULT_TEMPLATE = "shot-{shot:04d}-{number}"
_FIELDS = {"video", "shot", "scene", "number", "frame"}


class NameTemplate:
    """A checked template for one video.

    Raises
    ------
    ValueError
        Unknown or malformed fields, a path separator, names that could repeat within a run (no
        shot, scene or frame field; no number or frame field with several keyframes per shot), or no
        fixed text besides the numbers (its files could not be told from others).
    """

    def __init__(self, template: str, *, video: str = "", keyframes: int = 1):
        self.template = template
        self.video = video
        try:
            parts = list(string.Formatter().parse(template))
        except ValueError as exc:
            raise ValueError(f"image name {template!r}: {exc}") from None
        fields = {name for _, name, _, _ in parts if name is not None}
        unknown = sorted(f for f in fields if f not in _FIELDS)
        if unknown:
            raise ValueError(f"image name {template!r}: unknown field {{{unknown[0]}}} "
                             f"(use {', '.join('{' + f + '}' for f in sorted(_FIELDS))})")
        if "/" in template or "\\" in template or template.startswith("."):
            raise ValueError(f"image name {template!r}: a file name, without folders, not starting with '.'")
        if not fields & {"shot", "scene", "frame"} or (keyframes > 1 and not fields & {"number", "frame"}):
            need = "{shot} (or {scene} or {frame})" + (" and {number}" if keyframes > 1 else "")
            raise ValueError(f"image name {template!r}: needs {need} so that every picture has its own name")
        try:
            self.name(0, 1, 0, "jpg")
        except (ValueError, IndexError, KeyError) as exc:
            raise ValueError(f"image name {template!r}: {exc}") from None
        if not re.search(r"[A-Za-z0-9]", re.sub(r"\*", "", self.glob("x")[:-2])):
            raise ValueError(f"image name {template!r}: needs some fixed text (such as 'shot-' or {{video}}) so "
                             "that its pictures can be told from other files")

    def name(self, shot: int, number: int, frame: int, ext: str) -> str:
        return self.template.format(video=self.video, shot=shot, scene=shot + 1, number=number, frame=frame) + f".{ext}"

    def glob(self, ext: str) -> str:
        """A pattern matching every name this template gives (``--overwrite`` replaces those)."""
        out = ""
        for literal, field, _, _ in string.Formatter().parse(self.template):
            out += glob_escape(literal)
            if field is not None:
                out += glob_escape(self.video) if field == "video" else "*"
        return re.sub(r"\*+", "*", out) + f".{ext}"


def glob_escape(text: str) -> str:
    """``text`` as a glob pattern matching exactly it (``[``, ``]``, ``*`` and ``?`` bracketed)."""
    return re.sub(r"([\[\]*?])", r"[\1]", text)
