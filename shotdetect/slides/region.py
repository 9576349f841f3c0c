"""Which part of the picture holds the slide: ``--roi``, and borders found automatically.

All rectangles a user sees are in *display* pixels: the picture as a player shows it (square
pixels, rotation applied), the same pixels as the exported images. :class:`Geometry` maps such a
region back onto the decoded planes (coded pixels, before the sample-aspect stretch and rotation)
so that the analysis pictures are cut and scaled straight from the decoder's planes.

Playing regions (a webcam inset of the speaker, a video inside a slide) are found while the talk
is analysed (see :mod:`shotdetect.slides.states`); here :func:`find_slide_area` uses them at the end
together with borders that never change (letterbox or pillarbox bars, the uniform background
around a side-by-side webcam) to decide what the exported images are cropped to.
"""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np

from ..errors import UsageError
from ..timeline import VideoInfo
from .diff import Rect

__all__ = ["Geometry", "parse_roi", "find_slide_area", "ANALYSIS_WIDTH", "SMALL_WIDTH"]

#: Width of the analysis picture: slide text stays legible as a change (a line of 18-pixel text on a
#: 1280-pixel screen is still 4-5 pixels high), and a comparison costs about a millisecond.
ANALYSIS_WIDTH = 320
#: Width of the small picture taken from every decoded frame (also the unsampled ones) to see
#: whether the screen is still moving around a sample and where a change happened exactly.
SMALL_WIDTH = 160

_ROTATE = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}


def parse_roi(text: str) -> Rect:
    """``"x,y,w,h"`` in display pixels (integers, w and h positive)."""
    parts = [p.strip() for p in text.replace(" ", ",").split(",") if p.strip()]
    if len(parts) != 4:
        raise ValueError("expected x,y,w,h (four numbers, pixels)")
    try:
        x, y, w, h = (int(round(float(p))) for p in parts)
    except (ValueError, OverflowError):  # not a number, nan, inf
        raise ValueError("expected x,y,w,h (four numbers, pixels)") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise ValueError("x and y must be >= 0, w and h > 0")
    return Rect(x, y, w, h)


class Geometry:
    """Maps between display pixels and the decoded planes, and cuts analysis pictures.

    Parameters
    ----------
    info : VideoInfo
        The stream (size, sample aspect ratio, rotation).
    roi : Rect, optional
        Display-pixel region to analyse; the whole picture when omitted.
    """

    def __init__(self, info: VideoInfo, roi: Rect | None = None, *, analysis_width: int = ANALYSIS_WIDTH,
                 small_width: int = SMALL_WIDTH):
        self.info = info
        sar = float(info.sample_aspect_ratio or Fraction(1)) or 1.0
        self.rotation = info.rotation % 360
        self.sar = sar
        # display size as a frame picture's render() makes it
        w0 = max(2, int(round(info.width * sar)))
        h0 = info.height
        self.display_size = (h0, w0) if self.rotation in (90, 270) else (w0, h0)
        dw, dh = self.display_size
        if roi is None:  # the whole picture, however small (it is then stretched to the minimum below)
            roi = Rect(0, 0, dw, dh)
        else:
            if roi.x + roi.w > dw or roi.y + roi.h > dh:
                raise UsageError(f"--roi {roi.x},{roi.y},{roi.w},{roi.h} lies outside the {dw}x{dh} picture")
            if roi.w < 16 or roi.h < 16:
                raise UsageError("--roi must be at least 16x16 pixels")
        self.roi = roi
        # the region in pre-rotation display coordinates (stretched, not rotated)
        pre = self._unrotate(roi, w0, h0)
        # ... and in coded pixels
        self.coded = (pre[0] / sar, pre[1], pre[2] / sar, pre[3])
        # At most analysis_width wide and twice that tall (a 1:20 strip stays small), at least 16x16
        # (a picture smaller than that is enlarged, so tiny videos give a result too).
        scale = min(1.0, analysis_width / roi.w, 2 * analysis_width / roi.h)
        aw = max(16, int(round(roi.w * scale)))
        self.analysis_size = (aw, max(16, int(round(roi.h * scale))))
        sw = min(small_width, max(16, aw // 2))
        self.small_size = (sw, max(6, int(round(sw * roi.h / roi.w))))

    def _unrotate(self, r: Rect, w0: int, h0: int) -> tuple[float, float, float, float]:
        rot = self.rotation
        if rot == 90:  # display x = h0 - (py + ph), display y = px
            return (r.y, h0 - (r.x + r.w), r.h, r.w)
        if rot == 180:
            return (w0 - (r.x + r.w), h0 - (r.y + r.h), r.w, r.h)
        if rot == 270:  # display x = py, display y = w0 - (px + pw)
            return (w0 - (r.y + r.h), r.x, r.h, r.w)
        return (r.x, r.y, r.w, r.h)

    def _cut(self, plane: np.ndarray, scale_x: float, scale_y: float, size: tuple[int, int]) -> np.ndarray:
        x, y, w, h = self.coded
        x0 = int(round(x * scale_x))
        y0 = int(round(y * scale_y))
        x1 = max(x0 + 1, min(plane.shape[1], int(round((x + w) * scale_x))))
        y1 = max(y0 + 1, min(plane.shape[0], int(round((y + h) * scale_y))))
        part = plane[y0:y1, x0:x1]
        tw, th = size if self.rotation in (0, 180) else (size[1], size[0])
        step = max(1, min(part.shape[1] // tw, part.shape[0] // th) // 2)
        if step > 1:  # read every step-th pixel first: area-averaging the rest is then cheap
            part = part[::step, ::step]
        out = cv2.resize(np.ascontiguousarray(part), (tw, th), interpolation=cv2.INTER_AREA)
        if self.rotation in _ROTATE:
            out = cv2.rotate(out, _ROTATE[self.rotation])
        return out

    def analysis(self, frame) -> np.ndarray:
        """Analysis picture (uint8 grey, ``analysis_size``) of a decoded ``av.VideoFrame``."""
        plane = frame.luma(self.info.width, self.info.height)
        return self._cut(plane, 1.0, 1.0, self.analysis_size)

    def small(self, y: np.ndarray) -> np.ndarray:
        """Small picture (``small_size``) from the decoder's analysis luma plane of a frame."""
        return self._cut(y, y.shape[1] / self.info.width, y.shape[0] / self.info.height, self.small_size)

    def to_display(self, r: Rect, size: tuple[int, int]) -> Rect:
        """A rectangle in a picture of ``size`` covering the region, in display pixels."""
        sx, sy = self.roi.w / size[0], self.roi.h / size[1]
        s = r.scaled(sx, sy)
        return Rect(s.x + self.roi.x, s.y + self.roi.y, s.w, s.h)


#: Border pixels: a bar must stay within this many grey levels of its colour everywhere, always.
_BAR_TOLERANCE = 8
#: Darkest bars are taken without further evidence; a lighter uniform margin only when a webcam
#: sits in it (side-by-side layout): a light, plain margin may as well be the slide's own background.
_DARK_BAR = 28


def find_slide_area(lo: np.ndarray, hi: np.ndarray, webcams: list[Rect]) -> Rect | None:
    """The slide's part of the analysed region, or None when that is all of it.

    Parameters
    ----------
    lo, hi : ndarray of uint8
        Per-pixel minimum and maximum of every analysed picture (analysis coordinates).
    webcams : list of Rect
        Regions that kept playing for much of the talk (analysis coordinates).

    Rows and columns are peeled off each side while every pixel in them is either inside a webcam
    rectangle or a constant bar colour that never changed during the talk. Dark bars (letterbox,
    pillarbox) always go; a lighter plain margin goes only if a webcam lies wholly in the part
    removed (a side-by-side layout; a webcam over the slide's corner is no reason to cut the slide).
    """
    h, w = lo.shape
    cam = np.zeros((h, w), bool)
    for r in webcams:
        cam[r.y:r.y + r.h, r.x:r.x + r.w] = True
    still = (hi.astype(np.int16) - lo.astype(np.int16)) <= _BAR_TOLERANCE
    mid = ((lo.astype(np.uint16) + hi) // 2).astype(np.int16)

    def peel(lines_mid, lines_still, lines_cam) -> tuple[int, bool]:
        """How many leading lines are bars (and whether they hold a webcam)."""
        colour = None
        n = 0
        has_cam = False
        for m, s, c in zip(lines_mid, lines_still, lines_cam):
            free = ~c
            if not free.any():
                n += 1
                has_cam = True
                continue
            if not s[free].all():
                break
            vals = m[free]
            if colour is None:
                colour = float(np.median(vals))
            if np.abs(vals - colour).max() > _BAR_TOLERANCE:
                break
            has_cam |= bool(c.any())
            n += 1
        if n and colour is not None and colour > _DARK_BAR and not has_cam:
            return 0, False
        if n and colour is None and not has_cam:
            return 0, False
        return n, bool(n) and (colour is None or colour > _DARK_BAR)

    def beside(n: int, light: bool, inside) -> int:
        """A light margin goes only when a webcam lies wholly in it (beside the slide, not over it)."""
        return n if not light or any(inside(r, n) for r in webcams) else 0

    top = beside(*peel(mid, still, cam), lambda r, n: r.y + r.h <= n)
    bottom = beside(*peel(mid[::-1], still[::-1], cam[::-1]), lambda r, n: r.y >= h - n)
    left = beside(*peel(mid.T, still.T, cam.T), lambda r, n: r.x + r.w <= n)
    right = beside(*peel(mid.T[::-1], still.T[::-1], cam.T[::-1]), lambda r, n: r.x >= w - n)
    # a bar is a real border only if it is a sizeable, consistent strip
    min_bar = max(2, int(0.02 * min(w, h)))
    top = top if top >= min_bar else 0
    bottom = bottom if bottom >= min_bar else 0
    left = left if left >= min_bar else 0
    right = right if right >= min_bar else 0
    if not (top or bottom or left or right):
        return None
    x0, y0, x1, y1 = left, top, w - right, h - bottom
    if x1 - x0 < 0.3 * w or y1 - y0 < 0.3 * h:  # nothing sensible left: keep everything
        return None
    return Rect(x0, y0, x1 - x0, y1 - y0)
