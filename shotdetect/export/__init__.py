"""Everything that writes files: the JSON timeline, keyframe images, the output folder."""

from __future__ import annotations

from .atomic import atomic_write_bytes, atomic_write_text
from .images import IMAGE_FORMATS, ImageWriter, keyframe_name
from .json import load_schema, to_json, write_json
from .outdir import OutputDir

__all__ = [
    "atomic_write_bytes", "atomic_write_text", "IMAGE_FORMATS", "ImageWriter", "keyframe_name",
    "load_schema", "to_json", "write_json", "OutputDir",
]
