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


#: Page sides PDF readers accept, in points (1/72 inch): img2pdf refuses anything outside.
_MIN_SIDE, _MAX_SIDE = 3.0, 14400.0


def _page_layout(width_px: int, height_px: int, ndpi: tuple[float, float]) -> tuple[float, float, float, float]:
    """Each page the image's size at its resolution (96 dpi if it names none), scaled up or down as
    little as needed to fit PDF's page limits: a slide cropped to a few pixels, or a very long strip,
    still makes a page (with the image's aspect ratio, as far as the limits allow)."""
    width = width_px * 72.0 / (ndpi[0] or 96.0)
    height = height_px * 72.0 / (ndpi[1] or 96.0)
    scale = 1.0
    if min(width, height) < _MIN_SIDE:
        scale = _MIN_SIDE / min(width, height)
    if max(width, height) * scale > _MAX_SIDE:
        scale = _MAX_SIDE / max(width, height)
    width = min(_MAX_SIDE, max(_MIN_SIDE, width * scale))
    height = min(_MAX_SIDE, max(_MIN_SIDE, height * scale))
    return width, height, width, height


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
        return img2pdf.convert(list(images), layout_fun=_page_layout)
    except Exception as exc:  # img2pdf raises its own error types for images it cannot embed
        raise OutputError(f"could not make the PDF ({type(exc).__name__}: {exc})") from exc


def write_pdf(images: list[bytes], path: str | os.PathLike[str]) -> None:
    """Write :func:`pdf_bytes` to ``path`` atomically."""
    atomic_write_bytes(path, pdf_bytes(images))
