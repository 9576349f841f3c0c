"""Render synthetic recorded talks with exactly known slides, for tests, examples and checks.

A talk is a list of :class:`Shown` screen states (a slide with some of its bullets visible, for a
number of seconds, entered by a cut or a cross-fade). Rendered with OpenCV text and encoded with
PyAV, with the distractions of real recordings: a moving mouse pointer, a webcam inset of the
"speaker", a video playing inside a slide, sensor noise and brightness drift.

>>> from tooling.slides_synth import Slide, Shown, render_talk
>>> a = Slide("Results", ["first point", "second point"])
>>> truth = render_talk("talk.mp4", [Shown(a, 2.0, bullets=1), Shown(a, 3.0)])   # doctest: +SKIP
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

__all__ = ["Slide", "Shown", "Webcam", "render_talk", "render_slide"]

_FONT = cv2.FONT_HERSHEY_SIMPLEX


@dataclass(frozen=True)
class Slide:
    """A slide: a title and bullet points, optionally a region where a video plays.

    ``video`` is ``(x, y, w, h)`` as fractions of the picture; ``theme`` is ``"light"`` or ``"dark"``.
    """

    title: str
    bullets: tuple[str, ...] | list[str] = ()
    video: tuple[float, float, float, float] | None = None
    theme: str = "light"
    footer: str = "shotdetect test talk"

    def __hash__(self) -> int:
        return hash((self.title, tuple(self.bullets), self.video, self.theme, self.footer))


@dataclass
class Shown:
    """A screen state: ``slide`` with its first ``bullets`` bullets (all if None) for ``seconds``."""

    slide: Slide
    seconds: float
    bullets: int | None = None
    fade: float = 0.0  # cross-fade from the previous state, seconds (0: a cut)
    #: the bullets drawn this many pixels (of a 640-wide picture) right and down: a build step that
    #: re-lays out the text already shown
    shift: tuple[int, int] = (0, 0)

    @property
    def key(self) -> tuple[Any, ...]:
        n = len(self.slide.bullets) if self.bullets is None else self.bullets
        return (self.slide, n) if self.shift == (0, 0) else (self.slide, n, self.shift)


def render_slide(slide: Slide, bullets: int | None, size: tuple[int, int],
                 shift: tuple[int, int] = (0, 0)) -> np.ndarray:
    """The clean picture of a slide (BGR) with its first ``bullets`` bullets (moved by ``shift``)."""
    w, h = size
    s = w / 640.0
    if slide.theme == "dark":
        bg, fg, accent = (40, 30, 25), (235, 235, 235), (60, 170, 250)
    else:
        bg, fg, accent = (250, 248, 246), (30, 30, 30), (160, 80, 20)
    img = np.empty((h, w, 3), np.uint8)
    img[:] = bg
    # a slowly varying background, as themes have
    ramp = np.linspace(0, 10, h, dtype=np.float32)[:, None, None]
    img = np.clip(img.astype(np.float32) - ramp, 0, 255).astype(np.uint8)
    cv2.rectangle(img, (0, 0), (w, int(52 * s)), accent, -1)
    cv2.putText(img, slide.title, (int(24 * s), int(36 * s)), _FONT, 1.0 * s, (255, 255, 255), max(1, int(2 * s)),
                cv2.LINE_AA)
    n = len(slide.bullets) if bullets is None else bullets
    y = int((92 + shift[1]) * s)
    x = int(shift[0] * s)
    for text in list(slide.bullets)[:n]:
        cv2.circle(img, (x + int(34 * s), y - int(6 * s)), max(2, int(4 * s)), accent, -1, cv2.LINE_AA)
        cv2.putText(img, text, (x + int(48 * s), y), _FONT, 0.62 * s, fg, max(1, int(1.5 * s)), cv2.LINE_AA)
        y += int(34 * s)
    cv2.line(img, (int(24 * s), h - int(26 * s)), (w - int(24 * s), h - int(26 * s)), accent, 1)
    cv2.putText(img, slide.footer, (int(24 * s), h - int(10 * s)), _FONT, 0.4 * s, fg, 1, cv2.LINE_AA)
    if slide.video is not None:
        vx, vy, vw, vh = _video_rect(slide, size)
        cv2.rectangle(img, (vx, vy), (vx + vw, vy + vh), (0, 0, 0), -1)
    return img


def _video_rect(slide: Slide, size: tuple[int, int]) -> tuple[int, int, int, int]:
    fx, fy, fw, fh = slide.video
    return int(fx * size[0]), int(fy * size[1]), int(fw * size[0]), int(fh * size[1])


def _draw_video(img: np.ndarray, rect: tuple[int, int, int, int], t: float, rng: np.random.Generator) -> None:
    """A busy moving picture: drifting coloured discs over a changing gradient."""
    x, y, w, h = rect
    region = img[y:y + h, x:x + w]
    gx = np.linspace(0, 1, w, dtype=np.float32)[None, :]
    gy = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    for c, phase in enumerate((0.0, 2.1, 4.2)):
        region[..., c] = (110 + 90 * np.sin(6.0 * gx + 3.0 * gy + 2.5 * t + phase)).astype(np.uint8)
    for k in range(4):
        cx = int(w * (0.5 + 0.4 * np.sin(1.3 * t * (k + 1) + k)))
        cy = int(h * (0.5 + 0.4 * np.cos(1.7 * t * (k + 1) + 2 * k)))
        cv2.circle(region, (cx, cy), max(3, h // 6), (40 * k, 255 - 50 * k, 120), -1)


@dataclass(frozen=True)
class Webcam:
    """A picture-in-picture webcam inset of the speaker.

    ``corner`` is ``"top-left"``, ``"top-right"``, ``"bottom-left"`` or ``"bottom-right"``; ``width``
    the inset's width as a fraction of the picture's (4:3 inset); ``margin`` its distance from the
    picture's edges (fraction of the width; 0 puts it over the slide's footer and title bar);
    ``border`` draws a dark frame around it; ``still`` makes the speaker hold still for seconds at a
    time between movements (as real speakers do) instead of swaying all the time.
    """

    corner: str = "bottom-right"
    width: float = 0.2
    margin: float = 0.04
    border: bool = True
    still: bool = False

    def rect(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        w, h = size
        cw = int(round(self.width * w))
        ch = min(h, int(round(cw * 3 / 4)))
        m = int(round(self.margin * w))
        x = m if "left" in self.corner else w - m - cw
        y = m if "top" in self.corner else h - m - ch
        return x, y, cw, ch


def _speaker_phase(t: float, still: bool) -> float:
    """The speaker's movement clock: running time, or with pauses (moves 1.5 s, holds 2 s, ...)."""
    if not still:
        return t
    period, moving = 3.5, 1.5
    k, r = divmod(t, period)
    return k * moving + min(r, moving)


def _draw_webcam(img: np.ndarray, rect: tuple[int, int, int, int], t: float, border: bool = True) -> None:
    """A 'speaker': a head and shoulders that sway and nod, in front of a textured wall."""
    x, y, w, h = rect
    cam = img[y:y + h, x:x + w]
    cam[:] = (90, 110, 120)
    cv2.rectangle(cam, (0, int(0.15 * h)), (w, int(0.2 * h)), (70, 80, 100), -1)
    dx = int(0.12 * w * np.sin(1.9 * t))
    dy = int(0.05 * h * np.sin(3.1 * t))
    cv2.ellipse(cam, (w // 2 + dx, int(0.95 * h)), (int(0.38 * w), int(0.3 * h)), 0, 180, 360, (60, 40, 140), -1)
    cv2.circle(cam, (w // 2 + dx, int(0.42 * h) + dy), int(0.2 * h), (120, 160, 210), -1)
    cv2.circle(cam, (w // 2 + dx - int(0.07 * w), int(0.38 * h) + dy), max(1, h // 30), (30, 30, 30), -1)
    cv2.circle(cam, (w // 2 + dx + int(0.07 * w), int(0.38 * h) + dy), max(1, h // 30), (30, 30, 30), -1)
    if border:
        cv2.rectangle(img, (x, y), (x + w - 1, y + h - 1), (20, 20, 20), 2)


def _draw_cursor(img: np.ndarray, p: tuple[int, int], scale: float) -> None:
    x, y = p
    pts = np.array([[0, 0], [0, 17], [4, 13], [7, 20], [10, 19], [7, 12], [12, 12]], np.float32) * scale
    pts = (pts + [x, y]).astype(np.int32)
    cv2.fillPoly(img, [pts], (255, 255, 255), cv2.LINE_AA)
    cv2.polylines(img, [pts], True, (0, 0, 0), 1, cv2.LINE_AA)


@dataclass
class _Pointer:
    """A mouse pointer that rests, then glides to a new place, over and over."""

    size: tuple[int, int]
    rng: np.random.Generator
    pos: np.ndarray = field(default=None)  # type: ignore[assignment]
    target: np.ndarray = field(default=None)  # type: ignore[assignment]
    rest: int = 0

    def step(self) -> tuple[int, int]:
        w, h = self.size
        if self.pos is None:
            self.pos = np.array([0.6 * w, 0.6 * h])
            self.target = self.pos.copy()
        if self.rest > 0:
            self.rest -= 1
        elif np.linalg.norm(self.target - self.pos) < 2:
            if self.rng.random() < 0.5:
                self.rest = int(self.rng.integers(3, 20))
            self.target = np.array([self.rng.uniform(0.1, 0.85) * w, self.rng.uniform(0.2, 0.85) * h])
        else:
            d = self.target - self.pos
            self.pos = self.pos + d * min(1.0, 0.04 * w / max(1.0, float(np.linalg.norm(d))))
        return int(self.pos[0]), int(self.pos[1])


def _camera(size: tuple[int, int], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A projector filmed from the side: where the screen's corners land, and vignetting."""
    w, h = size
    j = lambda a: a * (0.7 + 0.6 * rng.random())  # noqa: E731
    quad = np.float32([[j(0.07) * w, j(0.09) * h], [w - j(0.10) * w, j(0.06) * h],
                       [w - j(0.06) * w, h - j(0.08) * h], [j(0.04) * w, h - j(0.07) * h]])
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    return quad, (1.0 - 0.25 * r2)[..., None]


def render_talk(path: str | os.PathLike[str], states: list[Shown], *, size: tuple[int, int] = (640, 360),
                fps: int = 10, cursor: bool = True, webcam: bool | Webcam = False, noise: float = 2.0,
                drift: float = 0.04, seed: int = 0, crf: int = 23, letterbox: int = 0, laser: bool = False,
                camera: bool = False) -> dict[str, Any]:
    """Render a talk and return its truth.

    Parameters
    ----------
    states : list of Shown
        The screen states in order; a state's ``fade`` is taken from its own time.
    fps : int
        Frames per second (1 or 2: a sparse screen capture; a state then lasts whole frames).
    webcam : bool or Webcam
        Draw a webcam inset of the speaker over the slide: True for the default one (bottom-right
        corner, a fifth of the width, framed, always moving), or a :class:`Webcam` saying where.
    noise, drift : float
        Gaussian noise (grey levels) and the amplitude of a slow brightness drift (fraction).
    letterbox : int
        Height in pixels of black bars above and below the slide (the slide is squeezed between).
    laser : bool
        A red laser dot wandering over the slide now and then.
    camera : bool
        The screen as a camera filming a projector sees it: perspective, blur, grey blacks, vignetting.

    Returns
    -------
    dict
        ``fps``, ``frames``, ``size``, ``states`` (per state: ``start_frame``, ``end_frame``,
        ``key`` index into ``pictures``, ``slide`` title, ``bullets``), ``pictures`` (the clean
        renders as BGR arrays, one per distinct state) and ``webcam`` (rect or None).
    """
    w, h = size
    rng = np.random.default_rng(seed)
    slide_h = h - 2 * letterbox
    pictures: list[np.ndarray] = []
    keys: list[tuple[Any, ...]] = []

    def picture(st: Shown) -> int:
        if st.key not in keys:
            img = np.zeros((h, w, 3), np.uint8)
            img[letterbox:letterbox + slide_h] = render_slide(st.slide, st.bullets, (w, slide_h), st.shift)
            keys.append(st.key)
            pictures.append(img)
        return keys.index(st.key)

    if webcam is True:  # the original inset (kept as it was: tests compare against its place)
        cam_rect = (int(0.76 * w), int(0.70 * h) - letterbox, int(0.2 * w), int(0.26 * h))
        cam = Webcam()
    elif webcam:
        cam = webcam
        cx, cy, cw, ch = cam.rect((w, h))
        cam_rect = (cx, cy - letterbox, cw, ch)
    else:
        cam_rect, cam = None, None
    noise_bank = [rng.normal(0, noise, (h, w, 1)).astype(np.float32) for _ in range(6)] if noise > 0 else None
    pointer = _Pointer((w, h), rng)
    dot = _Pointer((w, h), rng)
    if camera:
        quad, vignette = _camera((w, h), rng)
        warp = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), quad)
    truth_states = []
    container = av.open(str(path), "w")
    try:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "ultrafast", "tune": "stillimage"}
        stream.time_base = Fraction(1, fps)
        frame_no = 0
        prev_img: np.ndarray | None = None
        for st in states:
            k = picture(st)
            base = pictures[k]
            n = max(1, int(round(st.seconds * fps)))
            nf = int(round(st.fade * fps)) if prev_img is not None else 0
            truth_states.append({"start_frame": frame_no, "end_frame": frame_no + n, "key": k,
                                 "slide": st.slide.title, "bullets": st.key[1], "fade_frames": nf})
            for j in range(n):
                t = frame_no / fps
                img = base.copy()
                if st.slide.video is not None:
                    vx, vy, vw, vh = _video_rect(st.slide, (w, slide_h))
                    _draw_video(img, (vx, vy + letterbox, vw, vh), t, rng)
                if j < nf and prev_img is not None:
                    a = (j + 1) / (nf + 1)
                    img = cv2.addWeighted(prev_img, 1 - a, img, a, 0)
                if cursor:
                    _draw_cursor(img, pointer.step(), w / 1280 * 1.6)
                if laser and (frame_no // (3 * fps)) % 2 == 1:  # on for 3 s, off for 3 s
                    x, y = dot.step()
                    x += int(rng.normal(0, 1.5))
                    y += int(rng.normal(0, 1.5))
                    cv2.circle(img, (x, y), max(2, w // 200), (60, 60, 255), -1, cv2.LINE_AA)
                    cv2.circle(img, (x, y), max(1, w // 400), (220, 220, 255), -1, cv2.LINE_AA)
                if camera:
                    img = cv2.warpPerspective(img, warp, (w, h), borderValue=(35, 38, 40))
                    img = cv2.GaussianBlur(img, (0, 0), 0.8 * w / 640)
                    img = (img.astype(np.float32) * 0.72 + 38) * vignette
                    img = np.clip(img, 0, 255).astype(np.uint8)
                if cam_rect is not None:  # composited over the recording, like a picture-in-picture
                    cx, cy, cw, ch = cam_rect
                    _draw_webcam(img, (cx, cy + letterbox, cw, ch), _speaker_phase(t, cam.still), cam.border)
                if noise_bank is not None or drift:
                    f = img.astype(np.float32) * np.float32(1 + drift * np.sin(0.3 * t))
                    if noise_bank is not None:
                        f += noise_bank[frame_no % len(noise_bank)]
                    img = np.clip(f, 0, 255).astype(np.uint8)
                vf = av.VideoFrame.from_ndarray(img, format="bgr24")
                vf.pts = frame_no
                for packet in stream.encode(vf):
                    container.mux(packet)
                frame_no += 1
            prev_img = base
        for packet in stream.encode(None):
            container.mux(packet)
    finally:
        container.close()
    if camera:  # the clean renders as the camera sees them (for comparisons)
        pictures = [np.clip((cv2.warpPerspective(p, warp, (w, h), borderValue=(35, 38, 40)).astype(np.float32)
                             * 0.72 + 38) * vignette, 0, 255).astype(np.uint8) for p in pictures]
    return {"fps": fps, "frames": frame_no, "size": size, "states": truth_states, "pictures": pictures,
            "webcam": [cam_rect[0], cam_rect[1] + letterbox, cam_rect[2], cam_rect[3]] if cam_rect else None,
            "path": str(Path(path))}
