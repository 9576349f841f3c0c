"""Keyframe images: encoded in memory, written atomically, named by shot and rank."""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path

import cv2
import numpy as np

from ..errors import OutputError
from .atomic import atomic_write_bytes
from .names import DEFAULT_TEMPLATE, NameTemplate

__all__ = ["ImageWriter", "IMAGE_FORMATS", "keyframe_name"]

#: Supported image formats and the OpenCV encoder options used for each.
IMAGE_FORMATS = {
    "jpg": [cv2.IMWRITE_JPEG_QUALITY, 92],
    "png": [cv2.IMWRITE_PNG_COMPRESSION, 3],
    "webp": [cv2.IMWRITE_WEBP_QUALITY, 90],
}


_DEFAULT_NAMES = NameTemplate(DEFAULT_TEMPLATE)


def keyframe_name(shot: int, number: int, image_format: str) -> str:
    """File name of the ``number``-th (1-based) keyframe of shot ``shot`` (0-based), by the default template."""
    return _DEFAULT_NAMES.name(shot, number, 0, image_format)


def _target_size(wanted: tuple[int | None, int | None], w: int, h: int) -> tuple[int, int]:
    """The picture size asked for: one side given keeps the shape, both give exactly that, none keeps ``(w, h)``."""
    width, height = wanted
    if width is not None and height is not None:
        return width, height
    if width is not None:
        return width, max(1, int(round(h * width / w)))
    if height is not None:
        return max(1, int(round(w * height / h))), height
    return w, h


class ImageWriter:
    """A keyframe sink that writes each picture into ``directory``.

    Used as a context manager, it encodes and writes in a background thread, so that the analysis
    does not wait for the encoder and the disk (each file is synced before its rename); leaving the
    ``with`` block waits for the last pictures and raises the first error, or, when the block is
    left by an exception, drops what is still queued. Called outside one, it writes at once.

    Parameters
    ----------
    directory : path-like
        Folder to write into; made (with its parents) when it does not exist yet.
    image_format : {"jpg", "png", "webp"}
    width, height : int, optional
        Scale every picture to this width or height, keeping its shape; both: exactly this size.
    quality : int, optional
        1..100 for jpg and webp (default 92 and 90); png is lossless and ignores it.
    names : NameTemplate, optional
        File names from a template (``--image-name``); default ``shot-0000-1.jpg`` ...
    """

    #: Pictures waiting for the background thread (full-size BGR arrays: 6 MB each at 1080p, 25 MB at 4K).
    QUEUE_DEPTH = 1

    def __init__(self, directory: str | os.PathLike[str], image_format: str = "jpg", *,
                 width: int | None = None, height: int | None = None, quality: int | None = None,
                 names: NameTemplate | None = None):
        if image_format == "jpeg":
            image_format = "jpg"
        if image_format not in IMAGE_FORMATS:
            raise ValueError(f"unsupported image format {image_format!r} (use {', '.join(IMAGE_FORMATS)})")
        if quality is not None and not 1 <= quality <= 100:
            raise ValueError(f"image quality must be 1..100, not {quality}")
        if (width is not None and width < 1) or (height is not None and height < 1):
            raise ValueError("image width and height must be positive")
        self.directory = Path(directory)
        if not self.directory.exists():  # a library caller's new folder (a folder removed later is an error)
            try:
                self.directory.mkdir(parents=True)
            except OSError as exc:
                raise OutputError(f"{self.directory}: cannot create the folder ({exc.strerror})") from exc
        self.image_format = image_format
        self.size = (width, height)
        self.names = names
        self.options = list(IMAGE_FORMATS[image_format])
        if quality is not None and image_format != "png":
            self.options[1] = int(quality)
        self.written: list[Path] = []
        self._queue: queue.Queue[tuple[str, np.ndarray] | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._cancelled = False

    def __call__(self, *, shot: int, number: int, frame: int, image: np.ndarray) -> str:
        name = (self.names.name(shot, number, frame, self.image_format) if self.names is not None
                else keyframe_name(shot, number, self.image_format))
        self._raise_error()
        if self._queue is None:
            self._write(name, image)
        else:
            self._queue.put((name, image))
        return name

    def _write(self, name: str, image: np.ndarray) -> None:
        image = self._scaled(image)
        ok, data = cv2.imencode("." + self.image_format, image, self.options)
        if not ok:
            raise OutputError(f"could not encode keyframe {name}")
        self.written.append(atomic_write_bytes(self.directory / name, data.tobytes()))

    def _scaled(self, image: np.ndarray) -> np.ndarray:
        h, w = image.shape[:2]
        width, height = _target_size(self.size, w, h)
        if (width, height) == (w, h):
            return image
        shrink = width * height < w * h
        return cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)

    def _work(self) -> None:
        assert self._queue is not None
        while (item := self._queue.get()) is not None:
            if self._error is None and not self._cancelled:
                try:
                    self._write(*item)
                except BaseException as exc:  # reported to the caller by the next call or on exit
                    self._error = exc

    def _raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def __enter__(self) -> ImageWriter:
        self._queue = queue.Queue(maxsize=self.QUEUE_DEPTH)
        self._thread = threading.Thread(target=self._work, name="shotdetect-images", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        assert self._queue is not None and self._thread is not None
        self._cancelled = exc_type is not None
        self._queue.put(None)
        self._thread.join()
        self._queue = self._thread = None
        if exc_type is None:
            self._raise_error()
