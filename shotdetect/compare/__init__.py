"""Compare pictures: distances, the *same* rule, perceptual hashes, alignment and a folder index.

>>> from shotdetect.compare import compare_images, SameRule
>>> result = compare_images(image_a, image_b)            # doctest: +SKIP
>>> result.same, result.ssim, result.changed_box          # doctest: +SKIP

See :mod:`shotdetect.compare.metrics` for what each metric answers and why the default rule is what
it is; :class:`~shotdetect.compare.index.ImageIndex` finds a picture in a folder of thousands.
"""

from __future__ import annotations

from .alignment import Shift, align, estimate_shift
from .index import INDEX_NAME, ImageIndex, Match
from .metrics import (
    Comparison, RobustChange, SameRule, changed_box, changed_mask, compare_images, histogram_distances,
    match_exposure, match_sizes, mean_abs_diff, ncc, nrmse, rmse, robust_change, same_picture, small_grey, ssim,
    to_grey, zero_norm,
)
from .phash import hamming, hamming_many, phash

__all__ = [
    "Comparison", "RobustChange", "SameRule", "changed_box", "changed_mask", "compare_images",
    "histogram_distances", "match_exposure", "match_sizes", "mean_abs_diff", "ncc", "nrmse", "rmse",
    "robust_change", "same_picture", "small_grey", "ssim", "to_grey", "zero_norm", "Shift", "align",
    "estimate_shift", "INDEX_NAME", "ImageIndex", "Match", "hamming", "hamming_many", "phash",
]
