"""Distances between two pictures, and the rule that says whether they show the same thing.

Every metric takes two uint8 (or float) arrays of the same shape: 2-D grey or 3-D BGR. Units are
8-bit grey levels (0-255) unless said otherwise.

=====================  ==========  ================================================================
metric                 range       question it answers
=====================  ==========  ================================================================
changed area (rule)    0..1        did anything visible change anywhere, ignoring noise, JPEG,
                                   exposure and a one-pixel shake (:func:`robust_change`)
correlation (rule)     -1..1       is the structure the same, even in faint pictures
zero_norm              0..1        which fraction of the pixels changed beyond the tolerance
mean_abs_diff (MAD)    0..255      how much did the pixels change on average (Manhattan norm / pixel)
rmse / nrmse           0..255/0..  like MAD, large errors weighing more / relative to A's range
ssim                   -1..1       how good is a copy, as a viewer judges quality
ncc                    -1..1       are the pictures the same up to brightness and contrast
histogram KL, B., chi2 0..         are the colours the same, wherever they are
phash distance         0..64       is it the same photo after re-encoding, resizing, recolouring
=====================  ==========  ================================================================

The default *same* decision is :class:`SameRule`: see its docstring for what it does and why.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from ..features.flow import mean_abs_diff
from ..features.histogram import bhattacharyya, chi_square, kl_divergence, yuv_histogram
from ..settings import real, whole
from .alignment import Shift, align
from .phash import hamming, phash

__all__ = [
    "to_grey", "match_sizes", "match_exposure", "mean_abs_diff", "changed_mask", "zero_norm", "rmse", "nrmse",
    "ssim", "ncc", "histogram_distances", "changed_box", "small_grey", "robust_change", "noise_sigma", "RobustChange",
    "SameRule", "Comparison", "compare_images", "same_picture", "ROBUST_SIDE", "MAX_COMPARE_SIDE",
]

#: Longer side, in pixels, of the grey copy the default rule compares.
ROBUST_SIDE = 160
#: Pictures larger than this (longer side) are scaled down before the full-resolution metrics.
MAX_COMPARE_SIDE = 4096
#: SSIM constants (Wang, Bovik, Sheikh, Simoncelli 2004).
SSIM_K1, SSIM_K2, SSIM_L = 0.01, 0.03, 255.0
_SSIM_WINDOW, _SSIM_SIGMA = 11, 1.5
#: Gain limits when the default rule matches exposures: brighter/darker by up to 1.5x is "lighting".
_MAX_GAIN = 1.5
#: ... and the brightness offset to this many grey levels (so black and white frames stay different).
_MAX_OFFSET = 40.0
#: Standard deviation, in grey levels, below which variation of the small blurred copy is noise
#: (raised to three times the noise measured in the pictures, when that is more).
_NOISE_FLOOR = 2.0
#: Pixels along the edges of the small copy where changes are not counted.
_EDGE_BAND = 2
#: Grey levels beyond which a pixel may be clipped (excluded when measuring the exposure change).
_CLIP_LOW, _CLIP_HIGH = 6.0, 249.0
#: How much the rule's Gaussian blur (sigma 1) reduces white noise: 1 / (2 sqrt(pi) sigma).
_BLUR_NOISE = 0.282


# ------------------------------------------------------------------------------------------- helpers


def to_grey(image: np.ndarray) -> np.ndarray:
    """Grey (BT.601 luma, as ``cv2.COLOR_BGR2GRAY``) of a BGR, BGRA or grey picture; grey passes through."""
    if image.ndim == 2:
        return image
    if image.shape[2] == 1:
        return image[:, :, 0]
    return cv2.cvtColor(image, cv2.COLOR_BGRA2GRAY if image.shape[2] == 4 else cv2.COLOR_BGR2GRAY)


def _bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    return image


def match_sizes(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Resize the larger picture (by area) to the size of the smaller one, with ``INTER_AREA``.

    Returns ``(a, b, which)`` where ``which`` is ``"a"``, ``"b"`` or None (nothing resized).
    """
    (ha, wa), (hb, wb) = a.shape[:2], b.shape[:2]
    if (ha, wa) == (hb, wb):
        return a, b, None
    if ha * wa >= hb * wb:
        return cv2.resize(a, (wb, hb), interpolation=cv2.INTER_AREA), b, "a"
    return a, cv2.resize(b, (wa, ha), interpolation=cv2.INTER_AREA), "b"


def match_exposure(reference: np.ndarray, image: np.ndarray, *, max_gain: float | None = None) -> np.ndarray:
    """``image`` with each channel's mean and standard deviation made equal to ``reference``'s (float32).

    ``max_gain`` limits the contrast factor to [1/max_gain, max_gain], so that the noise of a flat
    picture is never blown up into structure.
    """
    ref = reference.astype(np.float32, copy=False)
    img = image.astype(np.float32)
    ref3 = ref.reshape(-1, 1) if ref.ndim == 2 else ref.reshape(-1, ref.shape[2])
    img3 = img.reshape(-1, 1) if img.ndim == 2 else img.reshape(-1, img.shape[2])
    mr, sr = ref3.mean(axis=0), ref3.std(axis=0)
    mi, si = img3.mean(axis=0), img3.std(axis=0)
    gain = np.where(si > 1e-6, sr / np.maximum(si, 1e-6), 1.0)
    if max_gain is not None:
        gain = np.clip(gain, 1.0 / max_gain, max_gain)
    out = (img3 - mi) * gain + mr
    return out.reshape(img.shape).astype(np.float32)


def _f(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64, copy=False)


# ------------------------------------------------------------------------------------ pixel metrics


def changed_mask(a: np.ndarray, b: np.ndarray, tolerance: float = 0.0) -> np.ndarray:
    """Boolean (h, w) mask of the pixels that differ by more than ``tolerance`` in some channel."""
    d = np.abs(_f(a) - _f(b))
    if d.ndim == 3:
        d = d.max(axis=2)
    return d > tolerance


def zero_norm(a: np.ndarray, b: np.ndarray, tolerance: float = 0.0) -> float:
    """Fraction of pixels that changed by more than ``tolerance`` (the zero norm of the difference / pixel)."""
    return float(changed_mask(a, b, tolerance).mean())


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    """Root mean square error."""
    return float(math.sqrt(((_f(a) - _f(b)) ** 2).mean()))


def nrmse(a: np.ndarray, b: np.ndarray) -> float:
    """RMSE divided by the value range (max - min) of the reference ``a``; by 255 if ``a`` is flat."""
    span = float(_f(a).max() - _f(a).min())
    return rmse(a, b) / (span if span > 0 else 255.0)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """Mean structural similarity of two grey pictures (Wang et al. 2004).

    Gaussian window of 11x11 pixels, sigma 1.5; C1 = (0.01 L)^2, C2 = (0.03 L)^2, L = 255. The mean
    is taken over the pixels whose window lies inside the picture (as in the reference
    implementation); pictures too small for that use every pixel, with mirrored borders.
    """
    if a.ndim == 3:
        a, b = to_grey(a), to_grey(b)
    x, y = a.astype(np.float32), b.astype(np.float32)
    c1, c2 = (SSIM_K1 * SSIM_L) ** 2, (SSIM_K2 * SSIM_L) ** 2

    def blur(img: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(img, (_SSIM_WINDOW, _SSIM_WINDOW), _SSIM_SIGMA, borderType=cv2.BORDER_REFLECT)

    # Centred on the global means, so that blur(x^2) - blur(x)^2 does not lose the variance to
    # float32 rounding; (co)variances do not depend on the offset, the means get it back.
    ox, oy = float(x.mean(dtype=np.float64)), float(y.mean(dtype=np.float64))
    x, y = x - np.float32(ox), y - np.float32(oy)
    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx * mx
    syy = blur(y * y) - my * my
    sxy = blur(x * y) - mx * my
    mx, my = mx + np.float32(ox), my + np.float32(oy)
    num = (2 * mx * my + c1) * (2 * sxy + c2)
    den = (mx * mx + my * my + c1) * (sxx + syy + c2)
    smap = num / den
    pad = _SSIM_WINDOW // 2
    if min(smap.shape) > 2 * pad + 1:
        smap = smap[pad:-pad, pad:-pad]
    return float(np.mean(smap, dtype=np.float64))


def ncc(a: np.ndarray, b: np.ndarray) -> float:
    """Zero-mean normalised cross-correlation of two grey pictures, in [-1, 1].

    1 when ``b`` is ``a`` up to brightness and contrast (``b = g a + o``, g > 0). For a flat picture
    (no variation to correlate) it is 1 if both are flat and 0 if only one is.
    """
    if a.ndim == 3:
        a, b = to_grey(a), to_grey(b)
    x, y = _f(a) - _f(a).mean(), _f(b) - _f(b).mean()
    nx, ny = float(np.sqrt((x * x).sum())), float(np.sqrt((y * y).sum()))
    if nx < 1e-9 or ny < 1e-9:
        return 1.0 if nx < 1e-9 and ny < 1e-9 else 0.0
    return float(np.clip((x * y).sum() / (nx * ny), -1.0, 1.0))


def histogram_distances(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Colour-histogram distances of two BGR (or grey) pictures, as the shot detector measures them.

    Both are converted to YUV (``cv2.COLOR_BGR2YUV``) and described by
    :func:`shotdetect.features.histogram.yuv_histogram` (32 soft bins per channel); the distances
    average over the three channels. Returns ``kl`` (symmetric KL divergence, nats),
    ``bhattacharyya`` (0..1) and ``chi_square`` (0..1).
    """
    ha, hb = _yuv_hist(a), _yuv_hist(b)
    if np.array_equal(ha, hb):
        return {"kl": 0.0, "bhattacharyya": 0.0, "chi_square": 0.0}
    return {"kl": float(kl_divergence(ha, hb)), "bhattacharyya": float(bhattacharyya(ha, hb)),
            "chi_square": float(chi_square(ha, hb))}


def _yuv_hist(image: np.ndarray) -> np.ndarray:
    yuv = cv2.cvtColor(_bgr(image), cv2.COLOR_BGR2YUV)
    hist = np.asarray(yuv_histogram(*(np.ascontiguousarray(yuv[:, :, i]) for i in range(3))), np.float64)
    return hist / np.maximum(hist.sum(axis=-1, keepdims=True), 1e-12)  # rows sum to 1 exactly


def changed_box(mask: np.ndarray) -> tuple[int, int, int, int] | None:
    """Bounding box ``(x, y, width, height)`` of the True pixels of a mask; None when there are none."""
    ys = np.flatnonzero(mask.any(axis=1))
    if ys.size == 0:
        return None
    xs = np.flatnonzero(mask.any(axis=0))
    return int(xs[0]), int(ys[0]), int(xs[-1] - xs[0] + 1), int(ys[-1] - ys[0] + 1)


# ----------------------------------------------------------------------------- the robust comparison


def small_grey(image: np.ndarray, side: int = ROBUST_SIDE) -> np.ndarray:
    """Grey copy whose longer side is at most ``side`` pixels (area-averaged), as float32."""
    grey = to_grey(image)
    h, w = grey.shape
    if max(h, w) > side:
        scale = side / max(h, w)
        grey = cv2.resize(grey, (max(1, int(round(w * scale))), max(1, int(round(h * scale)))),
                          interpolation=cv2.INTER_AREA)
    return grey.astype(np.float32)


@dataclass(frozen=True)
class RobustChange:
    """What the default rule measured on the small copies (see :func:`robust_change`).

    ``area``: fraction of the picture that changed; ``correlation``: noise-floored correlation of
    the grey copies; ``mask``: the changed pixels at the copies' size.
    """

    area: float
    correlation: float
    mask: np.ndarray = field(repr=False)


def robust_change(a: np.ndarray, b: np.ndarray, tolerance: float = 25.0) -> RobustChange:
    """Changed area between two small grey copies (:func:`small_grey`), ignoring noise, exposure and shake.

    1. Blur both with a Gaussian of sigma 1 pixel (sensor noise, JPEG blocks and ringing).
    2. Map each picture onto the other by a gain (limited to 1/1.5..1.5) and a brightness change (up
       to a factor of 1.5 plus 40 levels), measured on the pixels clipped in neither, and clip the
       result to 0..255 as a camera does. Exposure and lighting drift cost nothing, a light switched
       on or off still counts; of the two directions the smaller difference counts, so that a
       blown-out or crushed area in one picture is not a change.
    3. Compare each pixel with the range (min..max) of the other picture's 3x3 neighbourhood, both
       ways: a shift of up to one pixel of this copy (several pixels of the original) costs nothing,
       while an object that appears, disappears or moves lies outside that range.
    4. A pixel changed if it lies more than ``tolerance`` grey levels outside; isolated pixels and
       one-pixel lines (a 2x2 opening) and a 2-pixel band along the edges are not counted.

    Also measures the correlation of the blurred copies with a noise floor (three times the noise
    measured in them, at least 2 levels): two different faint pictures, whose differences never
    reach the tolerance, still correlate poorly, while two noisy frames of a blank wall correlate well.
    """
    if a.ndim == 3:
        a, b = to_grey(a), to_grey(b)
    if a.shape != b.shape:
        b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    a, b = a.astype(np.float32), b.astype(np.float32)
    fa = cv2.GaussianBlur(a, (0, 0), 1.0)
    fb = cv2.GaussianBlur(b, (0, 0), 1.0)
    floor = max(_NOISE_FLOOR, 3.0 * _BLUR_NOISE * 0.5 * (noise_sigma(a) + noise_sigma(b)))
    corr = _floored_correlation(fa, fb, floor)
    mask = _exposure_tolerant_diff(fa, fb) > tolerance
    # A change is a blob: pixels changed alone or in a one-pixel line (noise on an edge) do not count;
    # nor does a band of 2 pixels (the blur's reach) along the edges, where a shaking camera brings
    # new content into the picture.
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)).astype(bool)
    if min(mask.shape) > 4 * _EDGE_BAND:
        mask[:_EDGE_BAND, :] = mask[-_EDGE_BAND:, :] = False
        mask[:, :_EDGE_BAND] = mask[:, -_EDGE_BAND:] = False
    return RobustChange(area=float(mask.mean()), correlation=corr, mask=mask)


def _exposure_tolerant_diff(fa: np.ndarray, fb: np.ndarray) -> np.ndarray:
    """Per-pixel difference after the limited, clipped exposure match, both ways.

    Gain and brightness are measured on the pixels that are clipped in neither picture (when
    there are enough of them): a blown-out sky would otherwise bias both.
    """
    unclipped = (fa > _CLIP_LOW) & (fa < _CLIP_HIGH) & (fb > _CLIP_LOW) & (fb < _CLIP_HIGH)
    if unclipped.mean() >= 0.2:
        xa, xb = fa[unclipped], fb[unclipped]
    else:
        xa, xb = fa, fb
    (ma, sa), (mb, sb) = (float(xa.mean()), float(xa.std())), (float(xb.mean()), float(xb.std()))
    gain = float(np.clip(sa / sb, 1 / _MAX_GAIN, _MAX_GAIN)) if sb > 1e-6 else 1.0
    shift = float(np.clip(ma - mb, mb * (1 / _MAX_GAIN - 1) - _MAX_OFFSET, mb * (_MAX_GAIN - 1) + _MAX_OFFSET))
    b_on_a = np.clip((fb - mb) * gain + mb + shift, 0, 255)
    a_on_b = np.clip((fa - mb - shift) / gain + mb, 0, 255)
    return np.minimum(_outside(fa, b_on_a), _outside(a_on_b, fb) * gain)


def _outside(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How far each pixel of either picture lies outside the min..max of the other's 3x3 neighbourhood."""
    kernel = np.ones((3, 3), np.uint8)
    outside_b = np.maximum(a - cv2.dilate(b, kernel), cv2.erode(b, kernel) - a)
    outside_a = np.maximum(b - cv2.dilate(a, kernel), cv2.erode(a, kernel) - b)
    return np.maximum(np.maximum(outside_a, outside_b), 0)


def noise_sigma(image: np.ndarray) -> float:
    """Standard deviation of the white noise in a grey picture (Immerkaer 1996: mean |Laplacian difference|)."""
    h, w = image.shape[:2]
    if h < 3 or w < 3:
        return 0.0
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
    response = cv2.filter2D(image.astype(np.float32), -1, kernel)[1:-1, 1:-1]
    return float(math.sqrt(math.pi / 2) * np.abs(response).mean() / 6.0)


def _floored_correlation(a: np.ndarray, b: np.ndarray, floor: float) -> float:
    """Correlation with a noise floor: (cov + c) / sqrt((var_a + c)(var_b + c)), c = floor^2.

    Variation no larger than the floor counts as agreeing: two noisy blank walls correlate near 1,
    two different faint pictures near 0.
    """
    x, y = a - float(a.mean()), b - float(b.mean())
    c = floor ** 2
    return float((float((x * y).mean()) + c) / math.sqrt((float((x * x).mean()) + c) * (float((y * y).mean()) + c)))


@dataclass(frozen=True, kw_only=True)
class SameRule:
    """When two pictures count as *the same*.

    Default: **at most 0.1 % of the picture changed, and a correlation of at least 0.75**, both
    measured on grey copies 160 pixels across (the longer side) as :func:`robust_change` describes.

    Why: "same" has to survive what a camera or a re-encoder does to a picture (sensor noise, JPEG
    down to quality 10, resizing, a brightness change of some 10-20 %, a one-pixel shake) yet catch
    a change confined to a small part of the picture (a person walking in, an object moved).
    Averages over the whole picture (MAD, SSIM, histograms, pHash) dilute a small local change
    among the unchanged pixels; a count of changed pixels does not, once noise (blur), exposure (gain
    match) and shake (neighbourhood range) are accounted for. The correlation condition catches
    what a pixel count at a fixed tolerance cannot: two different low-contrast pictures, whose
    differences never exceed the tolerance; its noise floor keeps two noisy frames of a blank wall
    "same". Measured on generated pictures: every re-encoding, resizing, +-20 % brightness, noise
    (sigma up to 8) and 1-2 pixel shift gives a changed area of 0.0000 and a correlation >= 0.94,
    while an object 6 % of the picture's width appearing gives 0.0015 and unrelated pictures
    0.27-0.65 and a correlation under 0.1.

    ``max_pixels``: replace all of that by the literal rule "same if at most ``max_pixels`` pixels
    differ by more than ``tolerance``" at full resolution (after ``--normalize-exposure`` and
    ``--align`` if asked for).
    """

    max_area: float = 0.001
    min_correlation: float = 0.75
    tolerance: float = 25.0
    max_pixels: int | None = None

    def __post_init__(self) -> None:
        real("max_area", self.max_area, low=0, high=1)
        real("min_correlation", self.min_correlation, low=-1, high=1)
        real("tolerance", self.tolerance, low=0, high=255)
        whole("max_pixels", self.max_pixels, low=0, optional=True)

    def describe(self) -> str:
        if self.max_pixels is not None:
            return f"same if at most {self.max_pixels} pixels differ by more than {self.tolerance:g} levels"
        return (f"same if changed area <= {self.max_area:g} and correlation >= {self.min_correlation:g} "
                f"(grey, {ROBUST_SIDE} px, tolerance {self.tolerance:g} levels)")

    def to_dict(self) -> dict[str, Any]:
        return {"max_area": self.max_area, "min_correlation": self.min_correlation, "tolerance": self.tolerance,
                "max_pixels": self.max_pixels, "side": ROBUST_SIDE}

    def robust_same(self, change: RobustChange) -> bool:
        return change.area <= self.max_area and change.correlation >= self.min_correlation


@dataclass
class Comparison:
    """All distances between two pictures and the verdict; see the module docstring for the metrics."""

    size: tuple[int, int]
    resized: str | None
    mad: float
    zero_norm: float
    changed_pixels: int
    rmse: float
    nrmse: float
    ssim: float
    ncc: float
    kl: float
    bhattacharyya: float
    chi_square: float
    phash_distance: int
    changed_area: float
    correlation: float
    changed_box: tuple[int, int, int, int] | None
    same: bool
    rule: SameRule
    normalized_exposure: bool = False
    shift: Shift | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        r = 6
        return {
            "same": self.same,
            "rule": self.rule.describe(),
            "settings": {**self.rule.to_dict(), "normalize_exposure": self.normalized_exposure,
                         "align": self.shift is not None},
            "compared_size": list(self.size),
            "resized": self.resized,
            "metrics": {
                "mean_abs_diff": round(self.mad, r), "zero_norm": round(self.zero_norm, r),
                "changed_pixels": self.changed_pixels, "rmse": round(self.rmse, r), "nrmse": round(self.nrmse, r),
                "ssim": round(self.ssim, r), "ncc": round(self.ncc, r), "kl": round(self.kl, r),
                "bhattacharyya": round(self.bhattacharyya, r), "chi_square": round(self.chi_square, r),
                "phash_distance": self.phash_distance, "changed_area": round(self.changed_area, r),
                "correlation": round(self.correlation, r),
            },
            "changed_box": list(self.changed_box) if self.changed_box else None,
            "shift": self.shift.to_dict() if self.shift is not None else None,
            "warnings": list(self.warnings),
        }


def _limit(image: np.ndarray, side: int) -> np.ndarray:
    h, w = image.shape[:2]
    if max(h, w) <= side:
        return image
    scale = side / max(h, w)
    return cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)


def compare_images(a: np.ndarray, b: np.ndarray, *, rule: SameRule | None = None, normalize_exposure: bool = False,
                   align_images: bool = False) -> Comparison:
    """Compare two pictures (BGR, BGRA or grey uint8) with every metric and decide same / different.

    Parameters
    ----------
    rule : SameRule, optional
        The decision rule (default :class:`SameRule()`).
    normalize_exposure : bool
        Match ``b``'s per-channel mean and contrast to ``a``'s before MAD, zero norm and the pixel
        count (``max_pixels`` rule).
    align_images : bool
        Estimate the shift between the pictures by phase correlation, undo it and compare only the
        overlap (a camera that moved slightly).
    """
    rule = rule or SameRule()
    warnings: list[str] = []
    a, b = _bgr(a), _bgr(b)
    (ha, wa), (hb, wb) = a.shape[:2], b.shape[:2]
    if abs(wa * hb - wb * ha) > 0.01 * wa * hb:
        warnings.append(f"the pictures differ in shape ({wa}x{ha} and {wb}x{hb}); compared after stretching")
    a, b, resized = match_sizes(a, b)
    if max(a.shape[:2]) > MAX_COMPARE_SIDE:
        a, b = _limit(a, MAX_COMPARE_SIDE), _limit(b, MAX_COMPARE_SIDE)
        warnings.append(f"large pictures compared at {a.shape[1]}x{a.shape[0]}")
    shift = None
    if align_images:
        a, b, shift = align(a, b)
        if not shift.applied and shift.response < 0.1:
            warnings.append("--align found no reliable shift; compared unaligned")
    ga, gb = to_grey(a), to_grey(b)
    if normalize_exposure:
        pa, pb = a, match_exposure(a, b)
        pga, pgb = ga, match_exposure(ga, gb)
    else:
        pa, pb, pga, pgb = a, b, ga, gb
    mask = changed_mask(pa, pb, rule.tolerance)
    hist = histogram_distances(a, b)
    change = robust_change(small_grey(ga), small_grey(gb), rule.tolerance)
    if rule.max_pixels is not None:
        same = int(mask.sum()) <= rule.max_pixels
        box = changed_box(mask)
    else:
        same = rule.robust_same(change)
        box = _scale_box(changed_box(change.mask), change.mask.shape, ga.shape)
    return Comparison(
        size=(a.shape[1], a.shape[0]), resized=resized,
        mad=mean_abs_diff(pga, pgb), zero_norm=float(mask.mean()), changed_pixels=int(mask.sum()),
        rmse=rmse(ga, gb), nrmse=nrmse(ga, gb), ssim=ssim(ga, gb), ncc=ncc(ga, gb),
        kl=hist["kl"], bhattacharyya=hist["bhattacharyya"], chi_square=hist["chi_square"],
        phash_distance=hamming(phash(ga), phash(gb)),
        changed_area=change.area, correlation=change.correlation, changed_box=box, same=same, rule=rule,
        normalized_exposure=normalize_exposure, shift=shift, warnings=warnings,
    )


def _scale_box(box: tuple[int, int, int, int] | None, small: tuple[int, ...],
               full: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    if box is None:
        return None
    sy, sx = full[0] / small[0], full[1] / small[1]
    x0, y0 = int(math.floor(box[0] * sx)), int(math.floor(box[1] * sy))
    x1 = min(full[1], int(math.ceil((box[0] + box[2]) * sx)))
    y1 = min(full[0], int(math.ceil((box[1] + box[3]) * sy)))
    return x0, y0, x1 - x0, y1 - y0


def same_picture(a: np.ndarray, b: np.ndarray, rule: SameRule | None = None) -> tuple[bool, RobustChange]:
    """Only the default rule (fast): are ``a`` and ``b`` (any sizes) the same picture?"""
    rule = rule or SameRule()
    a, b, _ = match_sizes(a, b)
    change = robust_change(small_grey(a), small_grey(b), rule.tolerance)
    return rule.robust_same(change), change
