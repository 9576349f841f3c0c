"""Per-frame features and frame-to-frame distances: the signals every detector reads.

:class:`FeatureExtractor` turns the stream of decoded :class:`~shotdetect.decode.Frame` objects into
a stream of :class:`FrameSignals`, one per frame, each holding the distances to the previous frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np

from .flow import MotionEstimator, mean_abs_diff
from .histogram import bhattacharyya, kl_divergence, yuv_histogram
from .sharpness import sharpness

__all__ = ["FrameSignals", "FeatureExtractor", "SIGNAL_COLUMNS", "REPEAT_DIFF", "STILL_DIFF"]

# What a frame's ``diff`` (mean absolute luma difference to the previous frame, 0..1) says about it.
#: A repeated frame (frame-rate conversion, animation on twos): 0.1 grey levels, only coding noise.
REPEAT_DIFF = 0.0004
#: A still frame: about half a grey level, too little change to hold motion worth measuring.
STILL_DIFF = 0.002

#: Names of the scalar signals, in the order of :meth:`FrameSignals.row`, as written by ``--stats``.
SIGNAL_COLUMNS = ("bhattacharyya", "kl", "diff", "flow", "residual", "luma", "contrast", "sharpness")


@dataclass(frozen=True)
class FrameSignals:
    """Features of one frame and its distances to the previous frame (zero for the first frame).

    Attributes
    ----------
    bhattacharyya, kl : float
        Colour-histogram distances to the previous frame.
    diff : float
        Mean absolute luma difference to the previous frame, in [0, 1].
    flow : float
        Mean optical-flow length from the previous frame, as a fraction of the frame diagonal.
    residual : float
        Luma difference left after motion compensation, in [0, 1].
    luma, contrast : float
        Mean and standard deviation of luma, in [0, 1]; both tend to a constant in a fade.
    sharpness : float
        Variance of the Laplacian of the analysis frame.
    hist : ndarray, shape (3, bins)
        Colour histogram, kept for comparisons across more than one frame.
    thumb : ndarray of uint8, shape (h, w)
        Small luma image, kept for comparisons across more than one frame.
    chroma : ndarray of uint8, shape (2, h, w)
        The U and V planes at the thumbnail's size: whether a pixel changed colour, not only brightness.
    """

    index: int
    time: Fraction
    bhattacharyya: float
    kl: float
    diff: float
    flow: float
    residual: float
    luma: float
    contrast: float
    sharpness: float
    hist: np.ndarray
    thumb: np.ndarray
    chroma: np.ndarray

    def row(self) -> tuple[float, ...]:
        return tuple(getattr(self, name) for name in SIGNAL_COLUMNS)


class FeatureExtractor:
    """Computes :class:`FrameSignals` for consecutive frames, remembering only the previous one.

    Optical flow is estimated on the half-size thumbnail (a quarter of the pixels), and not at all
    when the frame barely changed: then there is no motion to compensate and the residual is the
    difference itself.
    """

    def __init__(self, analysis_size: tuple[int, int]):
        w, h = analysis_size
        self._thumb_size = (max(8, w // 2), max(6, h // 2))
        self._motion = MotionEstimator(analysis_size)
        self._previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # hist, y, thumb

    def push(self, index: int, time: Fraction, y: np.ndarray, u: np.ndarray, v: np.ndarray) -> FrameSignals:
        hist = yuv_histogram(y, u, v)
        mean, std = cv2.meanStdDev(y)
        thumb = cv2.resize(y, self._thumb_size, interpolation=cv2.INTER_AREA)
        chroma = np.stack([cv2.resize(p, self._thumb_size, interpolation=cv2.INTER_AREA) for p in (u, v)])
        if self._previous is None:
            bd = kl = diff = flow = residual = 0.0
        else:
            prev_hist, prev_y, prev_thumb = self._previous
            bd = float(bhattacharyya(prev_hist, hist))
            kl = float(kl_divergence(prev_hist, hist))
            diff = mean_abs_diff(prev_y, y, full_scale=255.0)
            if diff < STILL_DIFF:  # no motion to compensate: the residual is the difference
                flow, residual = 0.0, diff
            else:
                flow, residual = self._motion.compare(prev_y, y, prev_thumb, thumb)
        self._previous = (hist, y, thumb)
        return FrameSignals(
            index=index, time=time, bhattacharyya=bd, kl=kl, diff=diff, flow=flow, residual=residual,
            luma=float(mean[0, 0]) / 255.0, contrast=float(std[0, 0]) / 255.0, sharpness=sharpness(y),
            hist=hist, thumb=thumb, chroma=chroma,
        )
