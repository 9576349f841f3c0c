"""Undo a small camera shift between two pictures before comparing them.

:func:`estimate_shift` finds the translation by phase correlation (``cv2.phaseCorrelate``, with a
Hann window against edge effects); :func:`align` shifts the second picture back by it and crops both
to the part they share, so that every metric then compares the same scene points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["Shift", "estimate_shift", "align", "MIN_RESPONSE", "MAX_SHIFT"]

#: Peak strength under which no reliable shift was found (unrelated pictures give about 0.01-0.05).
MIN_RESPONSE = 0.1
#: Largest shift accepted, as a fraction of the picture's width or height.
MAX_SHIFT = 0.25
#: Longer side of the copy the shift is estimated on (the result is scaled back).
_ESTIMATE_SIDE = 1024


@dataclass(frozen=True)
class Shift:
    """Displacement of the picture content from the first image to the second, in pixels.

    ``dx > 0``: things appear further right in the second image. ``response`` is the phase
    correlation peak in [0, 1] (1: a perfect shifted copy). ``applied`` says whether it was used.
    """

    dx: float
    dy: float
    response: float
    applied: bool = False

    def to_dict(self) -> dict[str, float | bool]:
        return {"dx": round(self.dx, 3), "dy": round(self.dy, 3), "response": round(self.response, 4),
                "applied": self.applied}


def _grey32(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return image.astype(np.float32)


def estimate_shift(a: np.ndarray, b: np.ndarray) -> Shift:
    """Translation of ``b`` relative to ``a`` (same size, BGR or grey), by phase correlation."""
    if a.shape[:2] != b.shape[:2]:
        raise ValueError("estimate_shift needs two pictures of the same size")
    h, w = a.shape[:2]
    scale = min(1.0, _ESTIMATE_SIDE / max(h, w))
    ga, gb = _grey32(a), _grey32(b)
    if scale < 1.0:
        size = (max(8, int(round(w * scale))), max(8, int(round(h * scale))))
        ga = cv2.resize(ga, size, interpolation=cv2.INTER_AREA)
        gb = cv2.resize(gb, size, interpolation=cv2.INTER_AREA)
        scale_x, scale_y = w / size[0], h / size[1]
    else:
        scale_x = scale_y = 1.0
    if min(ga.shape) < 8:
        return Shift(0.0, 0.0, 0.0)
    window = cv2.createHanningWindow((ga.shape[1], ga.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(ga, gb, window)
    return Shift(float(dx) * scale_x, float(dy) * scale_y, float(max(0.0, response)))


def align(a: np.ndarray, b: np.ndarray, shift: Shift | None = None) -> tuple[np.ndarray, np.ndarray, Shift]:
    """Shift ``b`` back onto ``a`` and crop both to their overlap.

    The shift is applied only when it is reliable (``response >= MIN_RESPONSE``), at least 0.1 pixel and
    smaller than :data:`MAX_SHIFT` of the picture; otherwise the pictures come back unchanged.
    Returns ``(a_cropped, b_aligned_cropped, shift)``.
    """
    shift = estimate_shift(a, b) if shift is None else shift
    h, w = a.shape[:2]
    usable = (shift.response >= MIN_RESPONSE and abs(shift.dx) <= MAX_SHIFT * w and abs(shift.dy) <= MAX_SHIFT * h
              and (abs(shift.dx) >= 0.1 or abs(shift.dy) >= 0.1))
    if not usable:
        return a, b, Shift(shift.dx, shift.dy, shift.response, applied=False)
    # b(x + dx, y + dy) = a(x, y): sample b there to bring it onto a's grid.
    m = np.array([[1, 0, shift.dx], [0, 1, shift.dy]], dtype=np.float32)
    moved = cv2.warpAffine(b, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_REPLICATE)
    x0 = int(math.ceil(-shift.dx)) if shift.dx < 0 else 0
    x1 = w - (int(math.ceil(shift.dx)) if shift.dx > 0 else 0)
    y0 = int(math.ceil(-shift.dy)) if shift.dy < 0 else 0
    y1 = h - (int(math.ceil(shift.dy)) if shift.dy > 0 else 0)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return a, b, Shift(shift.dx, shift.dy, shift.response, applied=False)
    return (np.ascontiguousarray(a[y0:y1, x0:x1]), np.ascontiguousarray(moved[y0:y1, x0:x1]),
            Shift(shift.dx, shift.dy, shift.response, applied=True))
