"""How sharp a frame looks, to prefer crisp keyframes over motion-blurred ones."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["sharpness"]


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian of a grey image: higher is sharper; 0 for a flat frame."""
    return float(cv2.Laplacian(gray, cv2.CV_32F).var())
