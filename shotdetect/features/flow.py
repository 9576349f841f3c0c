"""Dense optical flow between small grey frames, and what is left of the difference after it.

Camera motion and moving objects change many pixels but are explained by a flow field; a cut is not.
The motion-compensated residual is therefore the pixel signal that separates a pan from a cut.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["MotionEstimator", "mean_abs_diff", "MIN_FLOW_SIDE"]

#: Smallest side of the pictures DIS flow is estimated on. Its image pyramid needs both sides at
#: least four patches (8 px) tall at its finest level; below 32 px on either side OpenCV fails or,
#: for wide pictures, crashes the interpreter. Smaller pictures are stretched to this first.
MIN_FLOW_SIDE = 32


#: Pixel types OpenCV's norm takes as they are; others are compared as float64.
_NORM_TYPES = (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64)


def mean_abs_diff(a: np.ndarray, b: np.ndarray, *, full_scale: float = 1.0) -> float:
    """Mean absolute difference of two pictures of the same shape: the Manhattan norm of ``a - b``
    divided by the number of values, in grey levels (0..255 for 8-bit pictures), or as a fraction of
    ``full_scale`` (``full_scale=255`` gives 0..1 for 8-bit pictures, as the frame signals use)."""
    if a.dtype == b.dtype and a.dtype.type in _NORM_TYPES:
        return float(cv2.norm(a, b, cv2.NORM_L1)) / (full_scale * a.size)
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).mean()) / full_scale


class MotionEstimator:
    """DIS optical flow (OpenCV) estimated on half-size frames, applied at the analysis size.

    Estimating the flow on a quarter of the pixels is four times cheaper and loses little (the
    flow is smooth); measuring the residual at the full analysis size keeps its sensitivity.

    Parameters
    ----------
    size : (width, height)
        Size of the grey frames whose residual is measured.
    """

    def __init__(self, size: tuple[int, int]):
        self._dis = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
        # Patches 6 pixels apart instead of 4 (they still overlap, being 8 wide): a third less work
        # for a flow field that is smooth at this size anyway.
        self._dis.setPatchStride(6)
        w, h = size
        self._size = size
        self._grid_x, self._grid_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        # Pixels near the border have no counterpart after a pan; leave them out of the residual
        # (unless the picture is so small that nothing would be left).
        m = max(1, min(w, h) // 16) if min(w, h) > 2 else 0
        self._inner = (slice(m, h - m), slice(m, w - m))
        self._diag = float(np.hypot(w, h))

    def compare(self, previous: np.ndarray, current: np.ndarray,
                previous_small: np.ndarray, current_small: np.ndarray) -> tuple[float, float]:
        """Flow magnitude and motion-compensated residual from ``previous`` to ``current``.

        ``previous_small`` and ``current_small`` are the same frames at a lower resolution, on which
        the flow is estimated.

        Returns
        -------
        magnitude : float
            Mean flow length as a fraction of the frame diagonal.
        residual : float
            Mean absolute difference in [0, 1] between ``current`` and ``previous`` warped onto it.
        """
        h, w = current_small.shape
        if min(w, h) < MIN_FLOW_SIDE:  # too small for DIS: stretch both frames (flow is rescaled below)
            grown = (max(w, MIN_FLOW_SIDE), max(h, MIN_FLOW_SIDE))
            current_small = cv2.resize(current_small, grown, interpolation=cv2.INTER_LINEAR)
            previous_small = cv2.resize(previous_small, grown, interpolation=cv2.INTER_LINEAR)
            h, w = current_small.shape
        # (OpenCV makes the output array when given None; its type stubs miss that)
        small = self._dis.calc(current_small, previous_small, None)  # type: ignore[call-overload]
        flow = cv2.resize(small, self._size, interpolation=cv2.INTER_LINEAR)
        flow *= np.array([self._size[0] / w, self._size[1] / h], np.float32)  # to analysis pixels, per axis
        fx, fy = flow[..., 0], flow[..., 1]
        warped = cv2.remap(previous, self._grid_x + fx, self._grid_y + fy,
                           cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        inner = self._inner
        residual = mean_abs_diff(current[inner], warped[inner], full_scale=255.0)
        length = cv2.magnitude(np.ascontiguousarray(fx[inner]), np.ascontiguousarray(fy[inner]))
        return float(cv2.mean(length)[0]) / self._diag, residual
