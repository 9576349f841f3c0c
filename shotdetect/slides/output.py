"""The files of slides mode: one image per slide (or build step), ``slides.pdf`` and ``timeline.json``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2

from ..errors import OutputError
from ..export.atomic import atomic_write_bytes, atomic_write_text
from ..export.images import IMAGE_FORMATS
from .model import SlidesResult
from .pdf import write_pdf
from .select import decode_png

__all__ = ["write_slides", "slides_json", "PDF_NAME", "TIMELINE_NAME"]

PDF_NAME = "slides.pdf"
TIMELINE_NAME = "timeline.json"


def slides_json(result: SlidesResult) -> str:
    """The ``timeline.json`` document of slides mode (schema ``shotdetect.slides``)."""
    return json.dumps(result.to_dict(), indent=1, ensure_ascii=False) + "\n"


def write_slides(result: SlidesResult, folder: str | os.PathLike[str], *, image_format: str = "png",
                 pdf: bool = True) -> list[str]:
    """Write the slide images, ``slides.pdf`` (unless ``pdf`` is False) and ``timeline.json`` into
    ``folder`` (made when missing), each atomically; fill in the slides' file names; return the image names.

    Images are named ``001.png``, ``002.png`` ... in order of first appearance, ``003-1.png``,
    ``003-2.png`` ... for the exported steps of a build. An automatically found slide area is cut out.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    crop = result.region if result.region_source == "auto" else None
    images = result.images()
    width = max(3, len(str(len(result.slides))))
    per_slide: dict[int, int] = {}
    for slide, _ in images:
        per_slide[slide.number] = per_slide.get(slide.number, 0) + 1
    names: list[str] = []
    pages: list[bytes] = []
    for slide, step in images:
        stem = f"{slide.number:0{width}d}"
        name = f"{stem}-{step.step}.{image_format}" if per_slide[slide.number] > 1 else f"{stem}.{image_format}"
        assert step.picture is not None  # images() lists the steps that have one
        image = decode_png(step.picture.png)
        if crop is not None:
            image = image[crop.y:crop.y + crop.h, crop.x:crop.x + crop.w]
        ok, data = cv2.imencode("." + image_format, image, IMAGE_FORMATS[image_format])
        if not ok:
            raise OutputError(f"could not encode {name}")
        atomic_write_bytes(folder / name, data.tobytes())
        step.file = name
        if step is slide.final:
            slide.file = name
        names.append(name)
        if pdf:
            if image_format in ("png", "jpg"):
                pages.append(data.tobytes())
            else:  # img2pdf embeds PNG and JPEG only
                pages.append(cv2.imencode(".png", image)[1].tobytes())
    if pdf and pages:
        write_pdf(pages, folder / PDF_NAME)
    atomic_write_text(folder / TIMELINE_NAME, slides_json(result))
    return names
