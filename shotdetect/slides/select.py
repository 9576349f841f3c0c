"""The picture of one screen state: several still frames of it merged into a clean image.

While a state is on screen a few of its frames are kept, spread evenly over its whole time
(:class:`Reservoir`; only frames where the screen was still, never one in the middle of a fade).
When the state ends they are rendered at full size and merged (:func:`compose`):

* frames much blurrier than the sharpest one are dropped (a camera refocusing), and so are frames
  that differ from the others more than usual (someone walking past the screen);
* the rest are merged by a per-pixel median, which removes what moves between them: a mouse
  pointer, a laser dot, noise;
* where the frames disagree most of the time (a video playing inside the slide, a webcam inset)
  a median would mix several pictures, so there the single most typical frame is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .diff import Rect, median_image, rect_mask

__all__ = ["StillFrame", "Reservoir", "StatePicture", "compose", "encode_png", "decode_png"]

#: Frames kept per state: enough for a median to outvote a pointer that rests in a third of them.
RESERVOIR = 7
#: Frames blurrier than this fraction of the sharpest one (variance of the Laplacian) are dropped.
SHARPNESS_KEEP = 0.6
#: A pixel whose frames differ from their median by more than this (grey levels) in at least a
#: third of the frames is moving content: the merged picture takes one frame there.
_MOVING_LEVEL = 24


@dataclass
class StillFrame:
    """A still frame of a state: where it is, its decoded picture and its analysis picture."""

    index: int
    time: float
    source: Any
    image: np.ndarray

    @property
    def sharpness(self) -> float:
        _, std = cv2.meanStdDev(cv2.Laplacian(self.image, cv2.CV_32F))
        return float(std[0, 0]) ** 2


class Reservoir:
    """Keeps at most ``size`` candidates spread evenly over however many are offered.

    Every ``stride``-th offer is kept; when the reservoir is full every other kept one is dropped and
    the stride doubles, so memory stays bounded and the kept frames span the whole state.
    """

    def __init__(self, size: int = RESERVOIR):
        self.size = size
        self.items: list[StillFrame] = []
        self.stride = 1
        self._seen = 0

    def offer(self, candidate: StillFrame) -> None:
        if self._seen % self.stride == 0:
            self.items.append(candidate)
            if len(self.items) > self.size:
                self.items = self.items[::2]
                self.stride *= 2
        self._seen += 1

    def __len__(self) -> int:
        return len(self.items)


@dataclass
class StatePicture:
    """A merged state picture: lossless PNG bytes plus the frame most like it (for times)."""

    png: bytes
    frame: int
    time: float
    size: tuple[int, int]


def encode_png(image: np.ndarray, level: int = 1) -> bytes:
    ok, data = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, level])
    if not ok:  # pragma: no cover - OpenCV always encodes a BGR array
        raise RuntimeError("could not encode a picture as PNG")
    return data.tobytes()


def decode_png(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:  # pragma: no cover - the data is a PNG that encode_png wrote
        raise RuntimeError("could not decode a PNG picture")
    return image


def _typical(cands: list[StillFrame], ignore: np.ndarray | None) -> tuple[list[StillFrame], int]:
    """Drop blurred and unusual frames; return the rest and the index of the most typical one."""
    sharp = [c.sharpness for c in cands]
    best = max(sharp)
    kept = [c for c, s in zip(cands, sharp) if best <= 0 or s >= SHARPNESS_KEEP * best]
    med = median_image([c.image for c in kept]).astype(np.float32)
    valid = None if ignore is None else ~ignore
    dev = []
    for c in kept:
        d = np.abs(c.image.astype(np.float32) - med)
        dev.append(float(d[valid].mean()) if valid is not None and valid.any() else float(d.mean()))
    if len(kept) >= 3:
        limit = 2.0 * float(np.median(dev)) + 1.0
        pairs = [(c, d) for c, d in zip(kept, dev) if d <= limit]
        kept, dev = [p[0] for p in pairs], [p[1] for p in pairs]
    return kept, int(np.argmin(dev))


def compose(cands: list[StillFrame], crop: Rect | None, moving: list[Rect],
            analysis_size: tuple[int, int]) -> tuple[np.ndarray, StillFrame]:
    """Merge the candidates of one state into one full-size BGR picture.

    Parameters
    ----------
    crop : Rect, optional
        Display-pixel region to cut out of each frame (``--roi``).
    moving : list of Rect
        Regions known to play (analysis coordinates): the merged picture uses one frame there.

    Returns
    -------
    image : ndarray
    chosen : StillFrame
        The most typical frame (its time stands for the picture).
    """
    ignore = rect_mask(moving, (analysis_size[1], analysis_size[0]))
    kept, typical = _typical(cands, ignore)
    frames = []
    for c in kept:
        im = c.source.render()
        if crop is not None:
            im = im[crop.y:crop.y + crop.h, crop.x:crop.x + crop.w]
        frames.append(np.ascontiguousarray(im))
    chosen = kept[typical]
    if len(frames) < 3:
        return frames[typical], chosen
    med = median_image(frames)
    h, w = med.shape[:2]
    # moving content: pixels where a third of the frames stray far from the median (judged on
    # quarter-size copies: a region that plays is large)
    q = (max(1, w // 4), max(1, h // 4))
    small_med = cv2.resize(med, q, interpolation=cv2.INTER_AREA)
    far = np.zeros((q[1], q[0]), np.uint8)
    for im in frames:
        d = cv2.absdiff(cv2.resize(im, q, interpolation=cv2.INTER_AREA), small_med)
        d = cv2.max(cv2.max(d[..., 0], d[..., 1]), d[..., 2])
        far += d > _MOVING_LEVEL
    moving_px = cv2.resize((far >= max(2, -(-len(frames) // 3))).astype(np.uint8), (w, h),
                           interpolation=cv2.INTER_NEAREST).astype(bool)
    known = rect_mask(moving, (h, w), (w / analysis_size[0], h / analysis_size[1]))
    if known is not None:
        moving_px |= known
    if not moving_px.any():
        return med, chosen
    k = max(3, (w // 160) | 1)
    alpha = cv2.dilate(moving_px.astype(np.uint8) * 255, np.ones((k, k), np.uint8))
    alpha = cv2.GaussianBlur(alpha, (2 * k + 1, 2 * k + 1), 0).astype(np.float32)[..., None] / 255.0
    out = med.astype(np.float32) * (1.0 - alpha) + frames[typical].astype(np.float32) * alpha
    return np.clip(out + 0.5, 0, 255).astype(np.uint8), chosen
