"""Everything that writes files: the JSON timeline, keyframe images, the output folder, and the
``--export`` formats (OTIO, EDL, FCPXML, CSV, chapters, HTML report, split files; see :mod:`.formats`)."""

from __future__ import annotations

from .atomic import atomic_write_bytes, atomic_write_text
from .formats import FORMATS, ExportOptions, parse_export_list
from .images import IMAGE_FORMATS, ImageWriter, keyframe_name
from .json import load_schema, to_json, write_json
from .outdir import OutputDir

__all__ = [
    "atomic_write_bytes", "atomic_write_text", "IMAGE_FORMATS", "ImageWriter", "keyframe_name",
    "load_schema", "to_json", "write_json", "OutputDir", "ExportOptions", "FORMATS", "parse_export_list",
]
