"""Keyframe images: encoded in memory, written atomically, named by shot and rank."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np

from ..errors import OutputError
from .atomic import atomic_write_bytes

__all__ = ["ImageWriter", "IMAGE_FORMATS", "keyframe_name"]

#: Supported image formats and the OpenCV encoder options used for each.
IMAGE_FORMATS = {
    "jpg": [cv2.IMWRITE_JPEG_QUALITY, 92],
    "png": [cv2.IMWRITE_PNG_COMPRESSION, 3],
    "webp": [cv2.IMWRITE_WEBP_QUALITY, 90],
}


def keyframe_name(shot: int, number: int, image_format: str) -> str:
    """File name of the ``number``-th (1-based) keyframe of shot ``shot`` (0-based)."""
    return f"shot-{shot:04d}-{number}.{image_format}"


class ImageWriter:
    """A keyframe sink that writes each picture into ``directory``.

    Parameters
    ----------
    directory : path-like
        Existing folder to write into.
    image_format : {"jpg", "png", "webp"}
    """

    def __init__(self, directory: str | os.PathLike[str], image_format: str = "jpg"):
        if image_format == "jpeg":
            image_format = "jpg"
        if image_format not in IMAGE_FORMATS:
            raise ValueError(f"unsupported image format {image_format!r} (use {', '.join(IMAGE_FORMATS)})")
        self.directory = Path(directory)
        self.image_format = image_format
        self.written: list[Path] = []

    def __call__(self, *, shot: int, number: int, frame: int, image: np.ndarray) -> str:
        name = keyframe_name(shot, number, self.image_format)
        ok, data = cv2.imencode("." + self.image_format, image, IMAGE_FORMATS[self.image_format])
        if not ok:
            raise OutputError(f"could not encode keyframe {name}")
        self.written.append(atomic_write_bytes(self.directory / name, data.tobytes()))
        return name
