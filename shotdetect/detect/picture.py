"""How alike two small grey pictures are, tolerant of a pixel of movement, noise and exposure.

Shared by the detectors that must tell "the same picture, moved or re-exposed a little" from "a
different picture": fades (did the shot come back after a dip?) and the mix detector.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import cv2
import numpy as np

from ..features.histogram import bhattacharyya
from .window import SignalWindow

__all__ = ["changed_shares", "colour_changed_share", "moved_changed_share", "band", "outside", "changed_share", "structure_changed_share", "same_picture", "warped_residual_ratio", "PIXEL_TOLERANCE"]

#: Grey levels a pixel may differ from its 3x3 neighbourhood and still show the same picture
#: (noise and compression; the neighbourhood itself absorbs a pixel of movement).
PIXEL_TOLERANCE = 10.0
#: Least mean luma difference between A and B (grey levels) for a dissolve or wipe.
MIN_ENDPOINT_DIFF = 15.0


_NEIGHBOURS = np.ones((3, 3), np.uint8)


def band(picture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest value each pixel may take and still show the same picture: the range of
    its 3x3 neighbourhood widened by :data:`PIXEL_TOLERANCE` (a pixel of shift, noise, compression)."""
    lo = cv2.erode(picture, _NEIGHBOURS).astype(np.float32) - PIXEL_TOLERANCE
    hi = cv2.dilate(picture, _NEIGHBOURS).astype(np.float32) + PIXEL_TOLERANCE
    return lo, hi


def outside(picture: np.ndarray, band: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return (picture < band[0]) | (picture > band[1])


def changed_share(a: np.ndarray, b: np.ndarray) -> float:
    """Share of the picture that differs between two grey thumbnails, each pixel compared with the
    other picture's neighbourhood, so a pixel of movement or noise is not counted."""
    fa, fb = a.astype(np.float32), b.astype(np.float32)
    return float((outside(fb, band(a)) & outside(fa, band(b))).mean())


def changed_shares(thumbs: np.ndarray, k: int) -> np.ndarray:
    """:func:`changed_share` of frames ``t`` and ``t + k`` for every ``t``, at once (the same values,
    each picture's band worked out once, the comparisons in blocks to bound the memory)."""
    n = len(thumbs)
    out = np.zeros(max(0, n - k))
    if n <= k:
        return out
    # Bands in uint8, clipped at 0 and 255: no pixel value lies outside those anyway.
    tol = int(PIXEL_TOLERANCE)
    lo = np.empty_like(thumbs)
    hi = np.empty_like(thumbs)
    for t, picture in enumerate(thumbs):
        lo[t] = cv2.erode(picture, _NEIGHBOURS)
        hi[t] = cv2.dilate(picture, _NEIGHBOURS)
    lo -= np.minimum(lo, tol)
    hi += np.minimum(255 - hi, tol)
    flat, lo, hi = thumbs.reshape(n, -1), lo.reshape(n, -1), hi.reshape(n, -1)
    for first in range(0, n - k, _BLOCK):
        a = slice(first, min(n - k, first + _BLOCK))
        b = slice(a.start + k, a.stop + k)
        changed = ((flat[b] < lo[a]) | (flat[b] > hi[a])) & ((flat[a] < lo[b]) | (flat[a] > hi[b]))
        out[a] = np.count_nonzero(changed, axis=1) / flat.shape[1]
    return out


#: Frames compared at once by :func:`changed_shares`.
_BLOCK = 64


def colour_changed_share(a: np.ndarray, b: np.ndarray, chroma_a: np.ndarray, chroma_b: np.ndarray) -> float:
    """Share of the picture whose brightness or colour differs between two frames (see
    :func:`changed_share`; ``chroma_*`` are the U and V planes at the thumbnails' size)."""
    changed = np.zeros(a.shape, bool)
    for pa, pb in ((a, b), (chroma_a[0], chroma_b[0]), (chroma_a[1], chroma_b[1])):
        changed |= outside(pb.astype(np.float32), band(pa)) & outside(pa.astype(np.float32), band(pb))
    return float(changed.mean())


def _normalised(picture: np.ndarray) -> np.ndarray:
    """The picture with its brightness and contrast set to fixed values: what an exposure change
    leaves alone."""
    p = picture.astype(np.float32)
    std = max(float(p.std()), 4.0)
    return np.clip(128 + (p - float(p.mean())) * (48 / std), 0, 255).astype(np.uint8)


def structure_changed_share(a: np.ndarray, b: np.ndarray) -> float:
    """:func:`changed_share` after normalising brightness and contrast: an exposure ramp or a
    flash changes the values but not the picture, a new shot changes both."""
    return changed_share(_normalised(a), _normalised(b))


def same_picture(w: SignalWindow, a: int, b: int) -> bool:
    """Whether frames ``a`` and ``b`` (clipped to the window) show the same picture."""
    a, b = max(0, a), min(len(w) - 1, b)
    pixels = float(np.abs(w.thumbs[a].astype(np.int16) - w.thumbs[b]).mean())
    return pixels < MIN_ENDPOINT_DIFF / 2 and float(bhattacharyya(w.hists[a], w.hists[b])) < 0.1




def moved_changed_share(a: np.ndarray, b: np.ndarray) -> float:
    """:func:`changed_share` after moving ``a`` onto ``b`` along the dense optical flow between
    them, borders left out: what is left of a difference that camera motion, a zoom, a slow drift
    or moving objects made. A new shot cannot be flowed out of the old one."""
    h, w = a.shape
    # DIS needs a few patches in each direction; tiny or very wide thumbnails are enlarged first.
    scale = max(1.0, _FLOW_MIN_SIDE / min(h, w))
    size = (int(round(w * scale)), int(round(h * scale)))
    big_a: np.ndarray = cv2.resize(a, size, interpolation=cv2.INTER_LINEAR) if scale > 1 else a
    big_b: np.ndarray = cv2.resize(b, size, interpolation=cv2.INTER_LINEAR) if scale > 1 else b
    # (OpenCV allocates the output when given None, which its type stubs do not allow for.)
    flow = np.asarray(_dis(cv2.DISOPTICAL_FLOW_PRESET_FAST).calc(big_b, big_a, None))  # type: ignore[call-overload]
    grid_x, grid_y = np.meshgrid(np.arange(size[0], dtype=np.float32), np.arange(size[1], dtype=np.float32))
    moved = cv2.remap(big_a, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REPLICATE)
    m = max(1, min(size) // 10)
    inner = (slice(m, size[1] - m), slice(m, size[0] - m))
    return changed_share(np.ascontiguousarray(moved[inner]), np.ascontiguousarray(big_b[inner]))


def warped_residual_ratio(a: np.ndarray, b: np.ndarray) -> float:
    """How much of the difference between two consecutive grey thumbnails is left once either is
    moved onto the other along dense optical flow: the larger of the two directions' mean residual,
    over their plain mean difference (borders left out). About 0.2 when the camera moved fast
    (motion blur and all), over 0.4 at a cut: a new picture cannot be flowed out of the old one, in
    either direction (one direction alone can smear a textured picture into a flat one).

    Both pictures are blurred first (:data:`_MOTION_BLUR_SIGMA`): the motion blur of a jerk smears
    what the sharp frame shows, which no flow can undo. The flow is the careful kind (DIS "medium"
    on the thumbnails enlarged twice), too slow for every frame but affordable for the few frames
    that may be cuts.
    """
    key = a.tobytes() + b.tobytes()
    cache: OrderedDict[bytes, float] | None = getattr(_local, "ratios", None)
    if cache is None:
        cache = _local.ratios = OrderedDict()
    if key in cache:
        return cache[key]
    cache[key] = ratio = _warped_residual_ratio(a, b)
    if len(cache) > _RATIO_CACHE_SIZE:
        cache.popitem(last=False)
    return ratio


#: Pairs whose :func:`warped_residual_ratio` is remembered: the streaming detector decides on
#: overlapping windows and asks about the same candidate cut a few times.
_RATIO_CACHE_SIZE = 64


def _warped_residual_ratio(a: np.ndarray, b: np.ndarray) -> float:
    """:func:`warped_residual_ratio`, worked out."""
    h, w = a.shape
    # DIS needs a few patches in each direction (it crashes on slivers): tiny or very wide
    # thumbnails are enlarged further.
    scale = max(float(_CAREFUL_SCALE), _FLOW_MIN_SIDE / min(h, w))
    size = (int(round(w * scale)), int(round(h * scale)))
    sigma = _MOTION_BLUR_SIGMA * scale
    big_a = cv2.GaussianBlur(cv2.resize(a, size, interpolation=cv2.INTER_LINEAR), (0, 0), sigma)
    big_b = cv2.GaussianBlur(cv2.resize(b, size, interpolation=cv2.INTER_LINEAR), (0, 0), sigma)
    grid_x, grid_y = np.meshgrid(np.arange(size[0], dtype=np.float32), np.arange(size[1], dtype=np.float32))
    m = max(1, min(size) // 10)
    inner = (slice(m, size[1] - m), slice(m, size[0] - m))
    raw = float(np.abs(big_a[inner].astype(np.float32) - big_b[inner]).mean())
    if raw == 0:
        return 0.0
    left = 0.0
    for src, dst in ((big_a, big_b), (big_b, big_a)):
        flow = np.asarray(_dis(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(dst, src, None))  # type: ignore[call-overload]
        moved = cv2.remap(src, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
        left = max(left, float(np.abs(moved[inner].astype(np.float32) - dst[inner]).mean()))
    return left / raw


#: Gaussian blur, in thumbnail pixels, applied to both pictures before :func:`warped_residual_ratio`
#: compares them: wide enough to hide the streaks of a jerk's motion blur, narrow enough to leave a
#: cut's new picture different.
_MOTION_BLUR_SIGMA = 1.5
#: Enlargement of the thumbnails for :func:`warped_residual_ratio` (DIS patches of 8 px need a few
#: dozen pixels of height to find a fast movement).
_CAREFUL_SCALE = 2


#: Shortest side, in pixels, of the pictures the optical flow between two ends is estimated on.
_FLOW_MIN_SIDE = 48


def _dis(preset: int) -> cv2.DISOpticalFlow:
    """One DIS estimator per preset and thread (they keep state between calls)."""
    estimators: dict[int, cv2.DISOpticalFlow] | None = getattr(_local, "dis", None)
    if estimators is None:
        estimators = _local.dis = {}
    estimator = estimators.get(preset)
    if estimator is None:
        estimator = estimators[preset] = cv2.DISOpticalFlow.create(preset)
    return estimator


_local = threading.local()
