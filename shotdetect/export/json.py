"""The JSON timeline (``timeline.json``), the format the benchmark and other tools read."""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import Any

from ..timeline import Timeline
from .atomic import atomic_write_text

__all__ = ["to_json", "write_json", "load_schema"]


def to_json(timeline: Timeline, *, indent: int | None = 1) -> str:
    """Serialise a timeline to JSON text (ends with a newline)."""
    return json.dumps(timeline.to_dict(), indent=indent, ensure_ascii=False) + "\n"


def write_json(timeline: Timeline, path: str | os.PathLike[str]) -> None:
    """Write the timeline to ``path`` atomically."""
    atomic_write_text(path, to_json(timeline))


def load_schema() -> dict[str, Any]:
    """The JSON Schema that every ``timeline.json`` validates against."""
    text = resources.files("shotdetect").joinpath("schema/timeline.schema.json").read_text("utf-8")
    return json.loads(text)
