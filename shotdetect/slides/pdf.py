"""The slides as one PDF, a page per image, made losslessly from the PNG/JPEG files with img2pdf."""

from __future__ import annotations

import os

from ..errors import OutputError, UsageError
from ..export.atomic import atomic_write_bytes

__all__ = ["pdf_bytes", "write_pdf", "have_img2pdf"]


def have_img2pdf() -> bool:
    try:
        import img2pdf  # noqa: F401
    except ImportError:
        return False
    return True


def pdf_bytes(images: list[bytes]) -> bytes:
    """A PDF with one page per encoded image (PNG without alpha, or JPEG), each page the image's size.

    Raises
    ------
    UsageError
        img2pdf is not installed.
    """
    if not images:
        raise ValueError("a PDF needs at least one page")
    try:
        import img2pdf
    except ImportError as exc:
        raise UsageError("writing the PDF needs img2pdf (pip install img2pdf), or use --no-pdf") from exc
    try:
        return img2pdf.convert(list(images))
    except Exception as exc:  # img2pdf raises its own error types for images it cannot embed
        raise OutputError(f"could not make the PDF ({type(exc).__name__}: {exc})") from exc


def write_pdf(images: list[bytes], path: str | os.PathLike[str]) -> None:
    """Write :func:`pdf_bytes` to ``path`` atomically."""
    atomic_write_bytes(path, pdf_bytes(images))
