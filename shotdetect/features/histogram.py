"""Colour histograms of small YUV frames and the distances between them.

A histogram here is an array of shape (3, bins): one normalised histogram per Y, U, V channel.
Distances average over the channels, giving luma and colour equal say.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["BINS", "yuv_histogram", "soften", "bhattacharyya", "kl_divergence", "chi_square"]

#: Bins per channel. 32 bins of 8 levels: coarse enough to ignore noise and compression, fine enough
#: to separate two shots of similar overall colour.
BINS = 32
#: Probability mass mixed into every bin before logarithms, so empty bins never give infinities.
_KL_SMOOTHING = 1e-3


def yuv_histogram(y: np.ndarray, u: np.ndarray, v: np.ndarray, *, bins: int = BINS) -> np.ndarray:
    """Normalised per-channel histograms of 8-bit planes (soft-binned, see :func:`soften`).

    Returns
    -------
    ndarray of float64, shape (3, bins)
        Each row sums to 1.
    """
    out = np.empty((3, bins), np.float64)
    for row, plane in zip(out, (y, u, v)):
        row[:] = cv2.calcHist([plane], [0], None, [bins], [0, 256]).ravel()
        row /= max(1.0, float(row.sum()))  # in float64: equal pictures give distances of exactly 0
    return soften(out)


def soften(hist: np.ndarray) -> np.ndarray:
    """Spread each bin a quarter into each neighbour (mass preserved).

    Flat, low-contrast pictures (fog, night, a title card) pile into one or two bins; without this
    a shift of one grey level moves all the mass to the next bin and looks like a new picture.
    """
    padded = np.concatenate([hist[..., :1], hist, hist[..., -1:]], axis=-1)
    return 0.25 * padded[..., :-2] + 0.5 * padded[..., 1:-1] + 0.25 * padded[..., 2:]


def bhattacharyya(p: np.ndarray, q: np.ndarray) -> float | np.ndarray:
    """Bhattacharyya (Hellinger) distance, in [0, 1]: 0 for equal histograms, 1 for disjoint ones.

    Works on the last axis and averages over channels, so stacks of histograms of shape
    (..., 3, bins) give an array of shape (...).
    """
    bc = np.sqrt(p * q).sum(axis=-1)
    return np.sqrt(np.clip(1.0 - bc, 0.0, 1.0)).mean(axis=-1)


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float | np.ndarray:
    """Symmetrised Kullback-Leibler divergence (nats), smoothed so it is always finite.

    ``(KL(p||q) + KL(q||p)) / 2``, averaged over channels.
    """
    bins = p.shape[-1]
    ps = (p + _KL_SMOOTHING / bins) / (1 + _KL_SMOOTHING)
    qs = (q + _KL_SMOOTHING / bins) / (1 + _KL_SMOOTHING)
    d = (ps - qs) * (np.log(ps) - np.log(qs))
    return (0.5 * d.sum(axis=-1)).mean(axis=-1)


def chi_square(p: np.ndarray, q: np.ndarray) -> float | np.ndarray:
    """Symmetric chi-square distance, in [0, 1] for normalised histograms."""
    s = p + q
    with np.errstate(invalid="ignore", divide="ignore"):
        terms = np.where(s > 0, (p - q) ** 2 / s, 0.0)
    return (0.5 * terms.sum(axis=-1)).mean(axis=-1)
