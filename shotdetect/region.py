"""``--roi`` for shot detection: the part of the picture the detector looks at.

The region is given in display pixels (the picture as a player shows it: square pixels, rotation
applied, like the keyframe images) and cut out of every frame's small analysis planes, so the
features see only it; keyframes stay full pictures. The display-to-decoded mapping and the checks
are the slide extractor's (:class:`shotdetect.slides.region.Geometry`), so both commands read
``--roi`` alike.
"""

from __future__ import annotations

import numpy as np

from .slides.diff import Rect
from .slides.region import Geometry, parse_roi
from .timeline import VideoInfo

__all__ = ["AnalysisCrop", "parse_roi", "Rect"]


class AnalysisCrop:
    """Cuts a display-pixel region out of analysis planes of ``analysis_size`` (decoded orientation).

    Raises
    ------
    UsageError
        The region lies outside the picture or is smaller than 16x16 pixels.
    """

    def __init__(self, info: VideoInfo, roi: Rect, analysis_size: tuple[int, int]):
        x, y, w, h = Geometry(info, roi).coded  # decoded pixels, before the aspect stretch and rotation
        aw, ah = analysis_size
        sx, sy = aw / max(1, info.width), ah / max(1, info.height)
        self.x0 = min(aw - 1, max(0, int(round(x * sx))))
        self.y0 = min(ah - 1, max(0, int(round(y * sy))))
        self.x1 = max(self.x0 + 1, min(aw, int(round((x + w) * sx))))
        self.y1 = max(self.y0 + 1, min(ah, int(round((y + h) * sy))))
        self.roi = roi

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the cut planes."""
        return (self.x1 - self.x0, self.y1 - self.y0)

    def __call__(self, *planes: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(np.ascontiguousarray(p[self.y0:self.y1, self.x0:self.x1]) for p in planes)
