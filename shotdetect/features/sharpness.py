"""How sharp a frame looks, to prefer crisp keyframes over motion-blurred ones."""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["sharpness"]


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian of a grey image: higher is sharper; 0 for a flat frame."""
    _, std = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_32F))
    return float(std[0, 0]) ** 2
