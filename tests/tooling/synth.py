"""Render synthetic test videos whose shot transitions are known exactly.

The clips are made of *shots*: each shot is a procedurally generated scene (a smooth random colour
gradient, low-frequency colour blotches and several noise-textured shapes), drawn from its own seeded
random generator, so different seeds give clearly different pictures while the same seed always gives
the same picture. A shot may have camera motion (a moving window over a larger canvas), moving
foreground objects and per-frame sensor noise, so that a detector sees realistic in-shot change and not
only perfectly still frames.

Shots are joined by hard cuts or by gradual transitions (dissolve, fade through black or white, wipe),
and in-shot distractor *events* (camera flash, caption appearing, zoom) can be added. :func:`render_clip`
encodes the result with PyAV and returns the ground truth in the format of the accuracy benchmark
(``benchmarks/``)::

    {"video": "clip.mp4", "frames": 300, "fps": 25, "width": 320, "height": 240, "codec": "x264",
     "pix_fmt": "yuv420p",
     "transitions": [{"type": "cut", "frame": 100},
                     {"type": "dissolve", "start": 190, "end": 209}],
     "negatives": [{"type": "flash", "frame": 50}]}

Frame arithmetic
----------------
Frames are counted 0-based in presentation order. Shot ``i`` owns ``shots[i].frames`` frames of the
timeline, starting at ``offset[i] = sum(shots[j].frames for j < i)``; the clip has exactly
``sum(shot.frames)`` frames whatever the transitions are. Let ``b = offset[i + 1]`` be the boundary
between shot ``i`` and shot ``i + 1``.

* A cut puts the first frame of the new shot at ``b``: truth ``{"type": "cut", "frame": b}``.
* A gradual transition of ``F`` frames replaces the last ``F // 2`` frames of shot ``i`` and the first
  ``F - F // 2`` frames of shot ``i + 1`` by mixtures: its span is ``start = b - F // 2`` to
  ``end = start + F - 1`` (inclusive). Every frame of the span is a true mixture (no frame of the span
  is pure old or pure new shot), frame ``start - 1`` is the last pure frame of the old shot and frame
  ``end + 1`` is the first pure frame of the new one. During the span both scenes keep moving: the old
  shot continues past its nominal end and the new shot starts before its nominal start.
* Mixing weights: frame ``start + j`` (``j = 0 .. F - 1``) of a dissolve is
  ``(1 - a) * old + a * new`` with ``a = (j + 1) / (F + 1)``; so for odd ``F`` the middle frame is the
  exact average of the two scenes. A wipe uses the same ``a`` as the fraction of the width (or height)
  already showing the new shot. A fade of ``F`` frames with ``hold`` black (or white) frames is
  ``out = (F - hold) // 2`` frames fading the old shot out, ``hold`` frames of plain black/white, and
  ``F - hold - out`` frames fading the new shot in, reported as ONE ``"fade"`` transition.
* Every shot must keep at least one pure frame, otherwise :class:`ValueError` is raised.

Events (:class:`Event`) use timeline frame numbers and must lie in the pure frames of one shot.

Formats
-------
=============  =============================  ==========================================
codec          pixel formats                  notes
=============  =============================  ==========================================
``libx264``    yuv420p, yuv444p,              4:2:0 formats need even width and height
               yuv420p10le, gray              (odd sizes are refused, not padded); use
                                              ``.mp4`` or ``.mkv``. ``gray`` decodes as
                                              yuv420p with neutral chroma.
``libvpx-vp9`` yuv420p, yuv444p               any size; ``.webm``/``.mkv``; no ``sar``
``mpeg4``      yuv420p                        any size; ``.avi``/``.mkv``; no ``rotation``
                                              in ``.avi``
=============  =============================  ==========================================

Metadata options: ``rotation`` writes a display matrix (read back by PyAV as ``VideoFrame.rotation``
and by ffprobe as ``rotation``); ``sar`` sets the sample aspect ratio on the codec context (read back
as ``stream.sample_aspect_ratio``); ``vfr`` gives frames unequal durations, reported per frame in the
truth's ``"times"``.

Examples
--------
>>> from tooling.synth import ShotSpec, TransitionSpec, Event, render_clip
>>> truth = render_clip(
...     "clip.mp4",
...     [ShotSpec(100, seed=1), ShotSpec(100, seed=2, pan=(3, 0)), ShotSpec(100, seed=3, motion=4)],
...     [TransitionSpec("cut"), TransitionSpec("dissolve", 20)],
...     events=[Event("flash", 50)],
... )  # doctest: +SKIP
>>> truth["transitions"]  # doctest: +SKIP
[{'type': 'cut', 'frame': 100}, {'type': 'dissolve', 'start': 190, 'end': 209}]
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

__all__ = [
    "ShotSpec",
    "TransitionSpec",
    "Event",
    "render_clip",
    "layout",
    "truth_path_for",
    "SUPPORTED_PIX_FMTS",
    "TRANSITION_KINDS",
    "EVENT_KINDS",
]

#: Transition kinds understood by :class:`TransitionSpec`.
TRANSITION_KINDS = ("cut", "dissolve", "fade", "fade-white", "wipe")
#: Event kinds understood by :class:`Event`.
EVENT_KINDS = ("flash", "text", "zoom", "flicker", "rain", "texture", "whip", "exposure", "figure", "strobe",
               "freeze", "jolt", "flare")
#: Shapes of the gradual transitions (``TransitionSpec.shape``), by kind.
TRANSITION_SHAPES = {
    "dissolve": ("linear", "ease", "pixel", "blur"),
    "wipe": ("hard", "soft", "diag", "iris", "clock", "barn", "slices", "push"),
    "fade-white": ("washed",),
}
#: Pixel formats each supported encoder accepts here.
SUPPORTED_PIX_FMTS: dict[str, tuple[str, ...]] = {
    "libx264": ("yuv420p", "yuv444p", "yuv420p10le", "gray"),
    "libvpx-vp9": ("yuv420p", "yuv444p"),
    "mpeg4": ("yuv420p",),
}
# Pixel formats that subsample chroma 2x2 in libx264 and therefore need even dimensions there.
_X264_EVEN_ONLY = ("yuv420p", "yuv420p10le")
# Short codec names used in the benchmark truth files.
_TRUTH_CODEC = {"libx264": "x264", "libvpx-vp9": "vp9", "mpeg4": "mpeg4"}
_WIPE_DIRECTIONS = ("right", "left", "down", "up")
_CAPTIONS = (
    "BREAKING NEWS", "LIVE", "Chapter 2", "Interview", "Replay", "Goal!", "Weather update",
    "Press conference", "Highlights", "Coming up next",
)


@dataclass(frozen=True)
class ShotSpec:
    """One shot of a synthetic clip.

    Parameters
    ----------
    frames : int
        Number of timeline frames the shot owns (before transitions take their share, see the module
        docstring). Must be >= 1.
    seed : int
        Seed of the scene: palette, background, shapes, moving objects and noise all derive from it.
        Two shots with the same seed show the same scene.
    pan : tuple of float, default (0.0, 0.0)
        Camera motion in output pixels per frame, ``(x, y)``; the view is a moving window over a
        larger pre-rendered canvas (sub-pixel motion is interpolated).
    motion : float, default 0.0
        Speed in pixels per frame of the main moving foreground object; ``0`` means no moving
        objects. When positive, one or two slower secondary objects move as well. Objects bounce off
        the frame edges.
    noise : float, default 0.0
        Standard deviation, in 8-bit grey levels, of fresh Gaussian noise added to every frame.
    hold : int, default 1
        Frames each picture is shown for: ``2`` is animation on twos or a jerky stream (the picture
        moves on every other frame by twice as much, and is repeated between).
    """

    frames: int
    seed: int
    pan: tuple[float, float] = (0.0, 0.0)
    motion: float = 0.0
    noise: float = 0.0
    hold: int = 1

    def __post_init__(self) -> None:
        if int(self.frames) != self.frames or self.frames < 1:
            raise ValueError(f"ShotSpec.frames must be a positive integer, got {self.frames!r}")
        if len(self.pan) != 2:
            raise ValueError(f"ShotSpec.pan must be (x, y), got {self.pan!r}")
        if self.motion < 0 or self.noise < 0:
            raise ValueError("ShotSpec.motion and ShotSpec.noise must be >= 0")
        if int(self.hold) != self.hold or self.hold < 1:
            raise ValueError(f"ShotSpec.hold must be a positive integer, got {self.hold!r}")


@dataclass(frozen=True)
class TransitionSpec:
    """How shot ``i`` turns into shot ``i + 1``.

    Parameters
    ----------
    kind : {"cut", "dissolve", "fade", "fade-white", "wipe"}, default "cut"
        ``"fade"`` goes through black, ``"fade-white"`` through white; both are reported as
        ``"fade"`` in the truth.
    frames : int, default 0
        Length ``F`` of the gradual part (the inclusive truth span has exactly ``F`` frames). Must be
        0 for a cut and >= 1 otherwise (>= ``hold + 2`` for fades).
    hold : int, default 0
        Fades only: number of plain black (white) frames in the middle of the span.
    direction : {"right", "left", "down", "up"}, default "right"
        Wipes only: the direction in which the edge between the shots travels.
    shape : str, optional
        Dissolves: ``"linear"`` (default), ``"ease"`` (slow at both ends), ``"pixel"`` (pixels switch
        to the new shot one by one, in random order), ``"blur"`` (the old shot blurs out, the new one
        sharpens in). Wipes: ``"hard"`` (default, a straight edge along ``direction``), ``"soft"``
        (a wide soft edge), ``"diag"`` (a diagonal edge), ``"iris"`` (a growing circle), ``"clock"``
        (a sweeping hand), ``"barn"`` (two doors opening from the middle), ``"slices"`` (eight bands
        wiping together), ``"push"`` (the new shot pushes the old one out of the frame). Fades through
        white: ``"washed"`` (the picture only washes out two thirds of the way to white, never
        flat, the way music videos dip between shots). Recorded in
        the truth as ``shape``.
    """

    kind: str = "cut"
    frames: int = 0
    hold: int = 0
    direction: str = "right"
    shape: str = ""

    def __post_init__(self) -> None:
        if self.kind not in TRANSITION_KINDS:
            raise ValueError(f"unknown transition kind {self.kind!r}; expected one of {TRANSITION_KINDS}")
        if int(self.frames) != self.frames or self.frames < 0:
            raise ValueError(f"TransitionSpec.frames must be an integer >= 0, got {self.frames!r}")
        if self.kind == "cut" and self.frames != 0:
            raise ValueError("a cut has frames=0")
        if self.kind != "cut" and self.frames < 1:
            raise ValueError(f"a {self.kind} needs frames >= 1")
        if self.hold < 0 or (self.hold and not self.kind.startswith("fade")):
            raise ValueError("hold is for fades only and must be >= 0")
        if self.kind.startswith("fade") and self.frames - self.hold < 2:
            raise ValueError("a fade needs frames >= hold + 2 (at least one frame out and one in)")
        if self.direction not in _WIPE_DIRECTIONS:
            raise ValueError(f"wipe direction must be one of {_WIPE_DIRECTIONS}")
        if self.shape and self.shape not in TRANSITION_SHAPES.get(self.kind, ()):
            raise ValueError(f"a {self.kind} has no shape {self.shape!r}; "
                             f"shapes: {TRANSITION_SHAPES.get(self.kind, ())}")


@dataclass(frozen=True)
class Event:
    """An in-shot distractor that is *not* a transition (reported in the truth's ``negatives``).

    Parameters
    ----------
    kind : {"flash", "text", "zoom"}
        ``"flash"``: a camera-flash brightness spike; the first frame is blended 70 % toward white and
        the following ones decay back (``frames`` must be 1..3). ``"text"``: a caption bar slides in
        from the left over the first 5 frames and stays for ``frames`` frames in all. ``"zoom"``: the
        camera zooms in smoothly by 40 % over ``frames`` frames and stays zoomed until the shot ends.
        ``"flicker"``: every frame's brightness is scaled by a random factor within ±8 % (old film,
        fluorescent light). ``"rain"``: a few hundred bright streaks at new random places every frame.
        ``"texture"``: the lower third becomes fast-changing smooth noise (water, fire). ``"whip"``:
        a whip pan, the picture racing sideways by half its width with heavy motion blur.
        ``"exposure"``: an auto-exposure swing, the picture brightening by up to half and settling
        back over ``frames`` frames. ``"figure"``: a striped disc fading in over the left third of
        the picture, staying, and fading out (motion graphics over a background that stays). ``"strobe"``: every other frame blown out toward
        white. ``"freeze"``: a freeze frame, the first frame's picture held for ``frames`` frames.
        ``"jolt"``: a handheld jolt, the camera jerking by a sixth of the picture within one frame
        (motion-blurred), holding, and jerking back on the last frame. ``"flare"``: a sun flare, a
        soft bright glow over the upper two thirds of the picture for ``frames`` frames, on and off
        at once (the shot's own movement goes on meanwhile).
    frame : int
        Timeline frame where the event starts; it and the following ``frames - 1`` frames must be
        pure frames of a single shot.
    frames : int, default 2
        Duration in frames (see ``kind``).
    """

    kind: str
    frame: int
    frames: int = 2

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {self.kind!r}; expected one of {EVENT_KINDS}")
        if self.frame < 0 or self.frames < 1:
            raise ValueError("Event.frame must be >= 0 and Event.frames >= 1")
        if self.kind == "flash" and self.frames > 3:
            raise ValueError("a flash lasts 1 to 3 frames")


# --------------------------------------------------------------------------------------------------
# timeline arithmetic


@dataclass(frozen=True)
class _Span:
    """A gradual transition placed on the timeline (inclusive ``start``..``end``)."""

    index: int  # between shot index and index + 1
    spec: TransitionSpec
    start: int
    end: int


def layout(
    shots: Sequence[ShotSpec], transitions: Sequence[TransitionSpec] | None = None
) -> tuple[list[int], list[tuple[int, int]], list[dict[str, Any]]]:
    """Place shots and transitions on the timeline without rendering anything.

    Parameters
    ----------
    shots : sequence of ShotSpec
        At least one shot.
    transitions : sequence of TransitionSpec, optional
        ``len(shots) - 1`` transitions; ``None`` means hard cuts everywhere.

    Returns
    -------
    offsets : list of int
        ``offsets[i]`` is the first timeline frame owned by shot ``i``; ``offsets[-1]`` (one more
        entry than shots) is the total number of frames.
    pure : list of (int, int)
        Inclusive range of the frames that show shot ``i`` unmixed.
    truth_transitions : list of dict
        The transitions in benchmark truth format, in timeline order.

    Raises
    ------
    ValueError
        On a wrong number of transitions or when a shot would keep no pure frame.
    """
    shots = list(shots)
    if not shots:
        raise ValueError("need at least one shot")
    if transitions is None:
        transitions = [TransitionSpec()] * (len(shots) - 1)
    transitions = list(transitions)
    if len(transitions) != len(shots) - 1:
        raise ValueError(f"need {len(shots) - 1} transitions for {len(shots)} shots, got {len(transitions)}")
    offsets = [0]
    for s in shots:
        offsets.append(offsets[-1] + int(s.frames))
    pure = []
    truth: list[dict[str, Any]] = []
    for i in range(len(shots)):
        lo = offsets[i]
        hi = offsets[i + 1] - 1
        if i > 0:
            f = transitions[i - 1].frames
            lo += f - f // 2
        if i < len(shots) - 1:
            hi -= transitions[i].frames // 2
        if hi < lo:
            raise ValueError(f"shot {i} ({shots[i].frames} frames) keeps no pure frame between its transitions")
        pure.append((lo, hi))
    for i, t in enumerate(transitions):
        b = offsets[i + 1]
        if t.kind == "cut":
            truth.append({"type": "cut", "frame": b})
        else:
            start = b - t.frames // 2
            kind = "fade" if t.kind.startswith("fade") else t.kind
            entry: dict[str, Any] = {"type": kind, "start": start, "end": start + t.frames - 1}
            if t.shape:
                entry["shape"] = t.shape
            truth.append(entry)
    return offsets, pure, truth


def _spans(offsets: list[int], transitions: Sequence[TransitionSpec]) -> list[_Span]:
    out = []
    for i, t in enumerate(transitions):
        if t.kind != "cut":
            start = offsets[i + 1] - t.frames // 2
            out.append(_Span(i, t, start, start + t.frames - 1))
    return out


def truth_path_for(path: str | os.PathLike[str]) -> Path:
    """Return where :func:`render_clip` writes the truth of ``path``: ``NAME.truth.json`` beside it."""
    p = Path(path)
    return p.with_name(p.stem + ".truth.json")


# --------------------------------------------------------------------------------------------------
# scene rendering


def _hsv_to_rgb(h: float, s: float, v: float) -> np.ndarray:
    """HSV in [0, 1] to an RGB float triple in [0, 255]."""
    i = int(h * 6.0) % 6
    f = h * 6.0 - math.floor(h * 6.0)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    rgb = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i]
    return np.array(rgb, dtype=np.float32) * 255.0


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int, channels: int = 1) -> np.ndarray:
    """Low-frequency noise in [-1, 1] of shape (h, w[, channels]): random grid upsampled bicubically."""
    gh = max(2, int(round(cells * h / max(h, w))) + 1)
    gw = max(2, int(round(cells * w / max(h, w))) + 1)
    grid = rng.uniform(-1.0, 1.0, size=(gh, gw, channels)).astype(np.float32)
    out = cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)
    if out.ndim == 2:
        out = out[:, :, None]
    return np.clip(out, -1.0, 1.0) if channels > 1 else np.clip(out[:, :, 0], -1.0, 1.0)


def _texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A (h, w) float32 texture in roughly [-1, 1]: one of blotches, stripes, checks or grain."""
    kind = rng.integers(4)
    if kind == 0:  # blotches
        return _smooth_noise(rng, h, w, int(rng.integers(3, 9)))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == 1:  # stripes at a random angle
        ang = rng.uniform(0, math.pi)
        period = rng.uniform(6, 18)
        return np.sin((xx * math.cos(ang) + yy * math.sin(ang)) * (2 * math.pi / period)).astype(np.float32)
    if kind == 2:  # soft checks
        period = rng.uniform(8, 24)
        return (np.sin(xx * (2 * math.pi / period)) * np.sin(yy * (2 * math.pi / period))).astype(np.float32)
    # grain mixed with blotches
    return 0.6 * _smooth_noise(rng, h, w, 4) + 0.4 * rng.uniform(-1, 1, size=(h, w)).astype(np.float32)


def _shape_mask(rng: np.random.Generator, h: int, w: int, kinds: int = 4) -> np.ndarray:
    """A float32 (h, w) antialiased mask in [0, 1]: ellipse, rectangle, rotated box or polygon.

    ``kinds=2`` restricts the choice to the two shapes that fill their box (ellipse, rectangle).
    """
    m = np.zeros((h, w), np.uint8)
    kind = rng.integers(kinds)
    cx, cy = w / 2.0, h / 2.0
    if kind == 0:
        cv2.ellipse(m, (int(cx), int(cy)), (max(1, int(w / 2) - 1), max(1, int(h / 2) - 1)), 0, 0, 360, 255, -1,
                    cv2.LINE_AA)
    elif kind == 1:
        cv2.rectangle(m, (1, 1), (w - 2, h - 2), 255, -1)
    elif kind == 2:
        r = min(w, h) / 2.0 - 1
        box = cv2.boxPoints(((cx, cy), (r * 1.3, r * 0.8), float(rng.uniform(0, 180))))
        cv2.fillPoly(m, [np.round(box).astype(np.int32)], 255, cv2.LINE_AA)
    else:
        n = int(rng.integers(4, 8))
        ang = np.sort(rng.uniform(0, 2 * math.pi, n))
        rad = rng.uniform(0.7, 1.0, n)
        pts = np.stack([cx + (w / 2 - 1) * rad * np.cos(ang), cy + (h / 2 - 1) * rad * np.sin(ang)], axis=1)
        cv2.fillPoly(m, [np.round(pts).astype(np.int32)], 255, cv2.LINE_AA)
    return m.astype(np.float32) / 255.0


def _textured_patch(rng: np.random.Generator, h: int, w: int, base: np.ndarray,
                    kinds: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Return (rgb float32 (h, w, 3), alpha float32 (h, w)) of a textured shape of colour ``base``."""
    tex = _texture(rng, h, w)
    accent = rng.uniform(-70, 70, size=3).astype(np.float32)
    rgb = base[None, None, :] + tex[:, :, None] * accent[None, None, :]
    rgb += rng.uniform(-1, 1, size=(h, w, 1)).astype(np.float32) * 6.0
    return rgb, _shape_mask(rng, h, w, kinds)


def _bounce(x: float, lo: float, hi: float) -> float:
    """Reflect ``x`` into ``[lo, hi]`` (a triangle wave, defined for any real ``x``)."""
    span = hi - lo
    if span <= 0:
        return lo
    y = (x - lo) % (2 * span)
    return lo + (y if y <= span else 2 * span - y)


class _Scene:
    """The pre-rendered content of one shot; :meth:`frame` renders it at a local time."""

    def __init__(self, spec: ShotSpec, size: tuple[int, int], t_min: int, t_max: int,
                 zooms: Sequence[tuple[int, int]] = ()) -> None:
        self.spec = spec
        self.w, self.h = size
        self.zooms = list(zooms)  # (local start, frames)
        rng = np.random.default_rng([int(spec.seed) & 0xFFFFFFFF, 0x5E7])
        self.noise_rng = np.random.default_rng([int(spec.seed) & 0xFFFFFFFF, 0x0015E])
        w, h = self.w, self.h
        px, py = float(spec.pan[0]), float(spec.pan[1])
        margin = 8
        cw = w + int(math.ceil(abs(px) * (t_max - t_min))) + 2 * margin
        ch = h + int(math.ceil(abs(py) * (t_max - t_min))) + 2 * margin
        # Camera window centre at local time t is c0 + pan * t; choose c0 so [t_min, t_max] fits.
        self.c0 = (
            margin + w / 2.0 + (-px * t_min if px >= 0 else -px * t_max),
            margin + h / 2.0 + (-py * t_min if py >= 0 else -py * t_max),
        )
        hue = float(rng.uniform(0, 1))
        sat = float(rng.uniform(0.35, 0.9))
        val = float(rng.uniform(0.35, 0.85))

        def colour(dh: float = 0.0) -> np.ndarray:
            return _hsv_to_rgb((hue + dh) % 1.0, float(np.clip(sat + rng.uniform(-0.3, 0.2), 0.05, 1.0)),
                               float(np.clip(val + rng.uniform(-0.35, 0.35), 0.1, 1.0)))

        # background: bilinear gradient between 4 corner colours + colour blotches + fine texture
        corners = [colour(rng.uniform(-0.12, 0.12)) for _ in range(4)]
        gx = np.linspace(0.0, 1.0, cw, dtype=np.float32)[None, :, None]
        gy = np.linspace(0.0, 1.0, ch, dtype=np.float32)[:, None, None]
        top = corners[0] * (1 - gx) + corners[1] * gx
        bot = corners[2] * (1 - gx) + corners[3] * gx
        canvas = top * (1 - gy) + bot * gy
        canvas += _smooth_noise(rng, ch, cw, int(rng.integers(3, 7)) * max(1, round(max(cw / w, ch / h))), 3) * 28.0
        canvas += _smooth_noise(rng, ch, cw, max(cw, ch) // 6)[:, :, None] * 7.0
        # static textured shapes, density proportional to the canvas area
        n_shapes = int(round(rng.integers(5, 10) * (cw * ch) / float(w * h)))
        for _ in range(n_shapes):
            sh = int(rng.uniform(0.12, 0.45) * h) + 4
            sw = int(sh * rng.uniform(0.5, 2.2)) + 4
            x0 = int(rng.integers(-sw // 3, max(1, cw - sw // 2)))
            y0 = int(rng.integers(-sh // 3, max(1, ch - sh // 2)))
            rgb, a = _textured_patch(rng, sh, sw, colour(float(rng.choice([0.0, 0.5, 0.33, -0.33]))))
            self._paste(canvas, rgb, a, x0, y0)
        self.canvas = np.clip(canvas, 0, 255).astype(np.uint8)
        # moving objects (screen coordinates, bouncing inside the frame)
        self.sprites: list[tuple[np.ndarray, np.ndarray, float, float, float, float]] = []
        if spec.motion > 0:
            speeds = [spec.motion] + [spec.motion * rng.uniform(0.3, 0.8) for _ in range(int(rng.integers(1, 3)))]
            for k, v in enumerate(speeds):
                sh = int(h * (rng.uniform(0.25, 0.4) if k == 0 else rng.uniform(0.1, 0.22))) + 4
                sw = int(sh * rng.uniform(0.7, 1.6)) + 4
                sh, sw = min(sh, h), min(sw, w)
                rgb, a = _textured_patch(rng, sh, sw, colour(0.5), kinds=2)
                a = cv2.GaussianBlur(a, (3, 3), 0)
                ang = rng.uniform(0, 2 * math.pi)
                x0, y0 = rng.uniform(0, max(1, w - sw)), rng.uniform(0, max(1, h - sh))
                self.sprites.append((rgb, a, x0, y0, v * math.cos(ang), v * math.sin(ang)))

    @staticmethod
    def _paste(dst: np.ndarray, rgb: np.ndarray, a: np.ndarray, x0: int, y0: int) -> None:
        """Alpha-blend ``rgb`` (with alpha ``a``) into float ``dst`` at integer position, clipped."""
        H, W = dst.shape[:2]
        h, w = a.shape
        xa, ya = max(0, x0), max(0, y0)
        xb, yb = min(W, x0 + w), min(H, y0 + h)
        if xb <= xa or yb <= ya:
            return
        sub_a = a[ya - y0:yb - y0, xa - x0:xb - x0, None]
        sub = rgb[ya - y0:yb - y0, xa - x0:xb - x0]
        region = dst[ya:yb, xa:xb]
        region *= 1.0 - sub_a
        region += sub * sub_a

    def _zoom(self, t: float) -> float:
        z = 1.0
        for start, n in self.zooms:
            if t >= start:
                u = min(1.0, (t - start + 1) / float(n))
                u = u * u * (3 - 2 * u)  # smoothstep
                z *= 1.0 + 0.4 * u
        return z

    def frame(self, t: int) -> np.ndarray:
        """Render local time ``t`` (may be negative or past the shot end) as float32 (h, w, 3)."""
        w, h = self.w, self.h
        t = (t // self.spec.hold) * self.spec.hold  # a held picture repeats until the next one
        cx = self.c0[0] + self.spec.pan[0] * t
        cy = self.c0[1] + self.spec.pan[1] * t
        z = self._zoom(t)
        # inverse map: output (u, v) <- canvas (cx + (u - w/2) / z, cy + (v - h/2) / z)
        m = np.array([[1.0 / z, 0.0, cx - w / 2.0 / z], [0.0, 1.0 / z, cy - h / 2.0 / z]], dtype=np.float64)
        if z == 1.0 and cx == round(cx) and cy == round(cy):
            x0, y0 = int(cx - w / 2.0), int(cy - h / 2.0)
            out = self.canvas[y0:y0 + h, x0:x0 + w].astype(np.float32)
        else:
            out = cv2.warpAffine(self.canvas, m, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                 borderMode=cv2.BORDER_REFLECT).astype(np.float32)
        for rgb, a, x0, y0, vx, vy in self.sprites:
            sh, sw = a.shape
            x = _bounce(x0 + vx * t, 0.0, float(w - sw))
            y = _bounce(y0 + vy * t, 0.0, float(h - sh))
            self._paste(out, rgb, a, int(round(x)), int(round(y)))
        if self.spec.noise > 0:
            out += self.noise_rng.standard_normal(size=out.shape, dtype=np.float32) * float(self.spec.noise)
        return out


# --------------------------------------------------------------------------------------------------
# compositing


def _mix(spec: TransitionSpec, j: int, old: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Frame ``j`` (0-based) of gradual transition ``spec`` between float frames ``old`` and ``new``."""
    f = spec.frames
    if spec.kind == "dissolve":
        a = (j + 1) / (f + 1)
        if spec.shape == "ease":
            a = 0.5 - 0.5 * np.cos(np.pi * a)
        elif spec.shape == "pixel":
            order = np.random.default_rng(f).random(old.shape[:2], dtype=np.float32)[:, :, None]
            return np.where(order < a, new, old)
        elif spec.shape == "blur":
            sigma = 0.5 + 12.0 * (1.0 - abs(2.0 * a - 1.0))
            return cv2.GaussianBlur(old if a < 0.5 else new, (0, 0), sigma)
        return old * (1 - a) + new * a
    if spec.kind in ("fade", "fade-white"):
        level = 0.0 if spec.kind == "fade" else 255.0
        if spec.shape == "washed":
            return _washed(spec, j, old, new, level)
        out_n = (f - spec.hold) // 2
        in_n = f - spec.hold - out_n
        if j < out_n:
            a = (j + 1) / (out_n + 1)
            return old * (1 - a) + level * a
        if j < out_n + spec.hold:
            return np.full_like(old, level)
        a = (j - out_n - spec.hold + 1) / (in_n + 1)
        return level * (1 - a) + new * a
    # wipe: the edge has travelled the fraction a of the frame; 1 px antialiased edge
    a = (j + 1) / (f + 1)
    h, w = old.shape[:2]
    if spec.shape == "push":
        shift = int(round(a * w))
        return np.concatenate([old[:, shift:], new[:, :shift]], axis=1)
    if spec.shape not in ("", "hard"):
        m = _wipe_mask(spec.shape, a, h, w)[:, :, None]
        return old * (1 - m) + new * m
    if spec.direction in ("right", "left"):
        pos = np.arange(w, dtype=np.float32) + 0.5
        if spec.direction == "left":
            pos = w - pos
        m = np.clip(a * w - pos + 0.5, 0.0, 1.0)[None, :, None]
    else:
        pos = np.arange(h, dtype=np.float32) + 0.5
        if spec.direction == "up":
            pos = h - pos
        m = np.clip(a * h - pos + 0.5, 0.0, 1.0)[:, None, None]
    return old * (1 - m) + new * m


#: How far toward white a washed-out dip takes the picture at its brightest.
WASHED_DEPTH = 2 / 3


def _washed(spec: TransitionSpec, j: int, old: np.ndarray, new: np.ndarray, level: float) -> np.ndarray:
    """Frame ``j`` of a dip that washes the old shot out toward ``level`` and the new one back in,
    reaching only :data:`WASHED_DEPTH` of the way: the picture never gets flat."""
    f = spec.frames
    out_n = (f - spec.hold) // 2
    in_n = f - spec.hold - out_n
    if j < out_n:
        a = WASHED_DEPTH * (j + 1) / out_n
        return old * (1 - a) + level * a
    if j < out_n + spec.hold:
        return old * (1 - WASHED_DEPTH) + level * WASHED_DEPTH
    a = WASHED_DEPTH * (1 - (j - out_n - spec.hold + 1) / (in_n + 1))
    return new * (1 - a) + level * a


def _wipe_mask(shape: str, a: float, h: int, w: int) -> np.ndarray:
    """Share of the new shot in each pixel when a wipe of ``shape`` has progressed by ``a``."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    x, y = (x + 0.5) / w, (y + 0.5) / h
    edge = 1.5 / min(h, w)  # about a pixel of antialiasing
    if shape == "soft":
        level, edge = x, 0.15
        return np.clip((a * (1 + edge) - level) / edge, 0.0, 1.0).astype(np.float32)
    if shape == "diag":
        level = (x + y) / 2
    elif shape == "iris":
        level = np.hypot(x - 0.5, (y - 0.5) * h / w) / np.hypot(0.5, 0.5 * h / w)
    elif shape == "clock":
        level = (np.arctan2(x - 0.5, 0.5 - y) / (2 * np.pi)) % 1.0
    elif shape == "barn":
        level = np.abs(x - 0.5) * 2
    else:  # slices: eight vertical bands wiping together
        level = (x * 8) % 1.0
    return np.clip((a - level) / edge + 0.5, 0.0, 1.0).astype(np.float32)


def _apply_flash(img: np.ndarray, j: int, n: int) -> np.ndarray:
    s = 0.7 * (1.0 - j / float(n))
    return img * (1 - s) + 255.0 * s


def _apply_flicker(img: np.ndarray, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
    return img * np.float32(1.0 + rng.uniform(-0.08, 0.08))


def _apply_rain(img: np.ndarray, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    out = img.copy()
    for _ in range(max(50, h * w // 300)):
        x, y = int(rng.integers(w)), int(rng.integers(h))
        cv2.line(out, (x, y), (x + 2, y + max(4, h // 30)), (220.0, 220.0, 235.0), 1)
    return img * 0.4 + out * 0.6


def _apply_texture(img: np.ndarray, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    y0 = h - h // 3
    field = (_smooth_noise(rng, h - y0, w, 12, 3) * 0.5 + 0.5) * 255.0
    out = img.copy()
    out[y0:] = 0.3 * img[y0:] + 0.7 * field.reshape(h - y0, w, 3).astype(np.float32)
    return out


def _apply_whip(img: np.ndarray, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
    w = img.shape[1]
    speed = w // 2 / max(1, n)
    shifted = np.roll(img, int(round(speed * (j + 1))), axis=1)
    k = max(3, int(speed) | 1)
    return cv2.blur(shifted, (k, 1))


def _apply_exposure(img: np.ndarray, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """An auto-exposure swing: the picture brightens by half and settles back, smoothly."""
    return img * np.float32(1.0 + 0.5 * np.sin(np.pi * (j + 1) / (n + 1)))


def _apply_figure(img: np.ndarray, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """A figure fading in over the shot and out again (motion graphics): a striped disc in the left third."""
    h, w = img.shape[:2]
    r = min(h, w) // 4
    mask = np.zeros((h, w), np.float32)
    cv2.circle(mask, (w // 4, h // 2), r, 1.0, -1, cv2.LINE_AA)
    stripes = ((np.arange(w)[None, :] // max(2, w // 40)) % 2 * 160.0 + 60.0).astype(np.float32)
    figure = np.repeat(np.broadcast_to(stripes, (h, w))[:, :, None], 3, axis=2)
    m = (mask * np.float32(min(1.0, 2.0 * np.sin(np.pi * (j + 1) / (n + 1)))))[:, :, None]
    return img * (1 - m) + figure * m


def _apply_strobe(img: np.ndarray, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """A strobe light: every other frame is blown out toward white."""
    return img * 0.4 + 153.0 if j % 2 == 0 else img


def _apply_jolt(img: np.ndarray, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """A handheld jolt: the camera jerks by about a sixth of the picture (panning and tilting at
    once) within one frame, blurred along the jerk, holds there, and jerks back on the last frame."""
    h, w = img.shape[:2]
    sign = np.random.default_rng(n).choice([-1.0, 1.0], 2)
    dx, dy = sign[0] * w / 6, sign[1] * h / 6
    moved = cv2.warpAffine(img, np.float32([[1, 0, dx], [0, 1, dy]]), (w, h), borderMode=cv2.BORDER_REFLECT)
    if j not in (0, n - 1):
        return moved
    k = int(np.hypot(dx, dy) / 3) | 1  # the jerk's motion blur, along its direction
    kernel = np.zeros((k, k), np.float32)
    ex, ey = int(k / 2 * dx / np.hypot(dx, dy)), int(k / 2 * dy / np.hypot(dx, dy))
    cv2.line(kernel, (k // 2 - ex, k // 2 - ey), (k // 2 + ex, k // 2 + ey), 1.0)
    return cv2.filter2D(moved, -1, kernel / float(kernel.sum()))


def _apply_flare(img: np.ndarray, j: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """A sun flare: a soft glow, brightest at the top, lifting the upper part of the picture."""
    h, w = img.shape[:2]
    glow = np.clip(1.0 - np.arange(h, dtype=np.float32) / (0.66 * h), 0.0, 1.0)[:, None, None]
    return img + (255.0 - img) * 0.55 * glow


_DISTRACTORS = {"flare": _apply_flare, "jolt": _apply_jolt, "flicker": _apply_flicker, "rain": _apply_rain, "texture": _apply_texture, "whip": _apply_whip,
                "exposure": _apply_exposure, "figure": _apply_figure, "strobe": _apply_strobe}


def _apply_text(img: np.ndarray, j: int, caption: str) -> np.ndarray:
    """Draw frame ``j`` of a caption bar that slides in from the left over 5 frames."""
    h, w = img.shape[:2]
    bar_h = max(12, h // 8)
    y0 = h - bar_h - max(2, h // 20)
    x0 = w // 20
    bar_w = int(round(w * 0.8 * min(1.0, (j + 1) / 5.0)))
    if bar_w <= 0:
        return img
    region = img[y0:y0 + bar_h, x0:x0 + bar_w]  # a view: drawing into it draws into img
    region *= 0.35
    region += np.float32(0.65 * 20)
    scale = bar_h / 30.0
    # text is drawn as a mask the size of the bar, so the part not yet uncovered is clipped away
    mask = np.zeros((bar_h, bar_w), np.uint8)
    cv2.putText(mask, caption, (bar_h // 3, int(bar_h * 0.72)), cv2.FONT_HERSHEY_SIMPLEX, scale, 255,
                max(1, int(round(scale * 2))), cv2.LINE_AA)
    m = (mask.astype(np.float32) / 255.0)[:, :, None]
    region *= 1.0 - m
    region += m * np.array([255.0, 255.0, 235.0], np.float32)
    return img


# --------------------------------------------------------------------------------------------------
# encoding


def _fps_value(fps: Fraction) -> int | float:
    return int(fps) if fps.denominator == 1 else round(float(fps), 6)


def render_clip(
    path: str | os.PathLike[str],
    shots: Sequence[ShotSpec],
    transitions: Sequence[TransitionSpec] | None = None,
    *,
    size: tuple[int, int] = (320, 240),
    fps: Fraction | int = 25,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    crf: int = 18,
    events: Sequence[Event] = (),
    rotation: int = 0,
    sar: Fraction | None = None,
    vfr: bool | Sequence[int] = False,
    gop: int | None = None,
    options: Mapping[str, str] | None = None,
    write_truth: bool | str | os.PathLike[str] = False,
    letterbox: float = 0.0,
) -> dict[str, Any]:
    """Render a clip with exactly known transitions and return its ground truth.

    Parameters
    ----------
    path : str or path-like
        Output file; the container is chosen from the extension (``.mp4``, ``.mkv``, ``.webm``,
        ``.avi``, ...).
    shots : sequence of ShotSpec
        The shots in order (at least one).
    transitions : sequence of TransitionSpec, optional
        ``len(shots) - 1`` transitions; ``None`` means hard cuts everywhere. See the module docstring
        for how gradual transitions take their frames from the adjacent shots.
    size : (int, int), default (320, 240)
        Coded ``(width, height)``. Odd sizes are refused with libx264 in 4:2:0 formats.
    fps : int or Fraction, default 25
        Frame rate; with ``vfr`` it is the tick rate that frame durations are multiples of.
    codec : {"libx264", "libvpx-vp9", "mpeg4"}, default "libx264"
    pix_fmt : str, default "yuv420p"
        One of :data:`SUPPORTED_PIX_FMTS` ``[codec]``. 10-bit output is fed from 16-bit RGB.
    crf : int, default 18
        Constant quality for libx264 / libvpx-vp9; for mpeg4 it becomes the quantiser range
        ``qmin=2, qmax=max(2, crf // 4)``.
    letterbox : float, default 0.0
        Height of the black bars drawn at the top and bottom of every frame, as a fraction of the height.
    events : sequence of Event, default ()
        In-shot distractors; they appear in the truth's ``negatives`` as
        ``{"type": kind, "frame": first_frame}`` (zoom and text also carry ``"end"``).
    rotation : int, default 0
        Display rotation in degrees counter-clockwise (0, 90, 180, 270, or -90, -180), written as a
        display matrix; a player shows the picture rotated. The truth's ``"rotation"`` holds the value
        PyAV's ``VideoFrame.rotation`` reads back (in [-180, 180], e.g. 270 -> -90); ffprobe shows
        the same number as ``rotation``. (The legacy clockwise ``rotate`` tag of phone videos is
        ``-rotation`` modulo 360.) Needs PyAV >= 18; not possible in ``.avi``.
    sar : Fraction, optional
        Sample (pixel) aspect ratio, e.g. ``Fraction(16, 11)``. Not possible with libvpx-vp9.
    vfr : bool or sequence of int, default False
        Variable frame rate: frame ``k`` lasts ``pattern[k % len(pattern)]`` ticks of ``1 / fps``;
        ``True`` means the pattern ``(1, 2)``. The truth then holds ``"times"`` (presentation time of
        every frame, seconds) and ``"fps"`` is the average rate ``frames / duration``.
    gop : int, optional
        Maximum keyframe interval (encoder ``gop_size``); default: the encoder's.
    options : mapping of str to str, optional
        Extra encoder options, overriding the defaults chosen here (e.g. ``{"preset": "veryfast"}``).
    write_truth : bool or path-like, default False
        ``True`` writes the truth as JSON to :func:`truth_path_for` ``(path)`` (``NAME.truth.json``
        beside the video); a path writes it there.

    Returns
    -------
    dict
        The truth: ``video`` (file name), ``frames``, ``fps``, ``width``, ``height``, ``codec``
        (``"x264"``, ``"vp9"`` or ``"mpeg4"``), ``pix_fmt``, ``transitions``, ``negatives``, plus
        ``rotation``, ``sar`` (``"16:11"``) and ``times`` when used.

    Raises
    ------
    ValueError
        For inconsistent specs, unsupported codec / pixel format / size / metadata combinations, or
        events that overlap a transition.
    """
    shots = list(shots)
    if transitions is None:
        transitions = [TransitionSpec()] * (len(shots) - 1)
    transitions = list(transitions)
    offsets, pure, truth_transitions = layout(shots, transitions)
    n_frames = offsets[-1]
    w, h = int(size[0]), int(size[1])
    if w < 16 or h < 16:
        raise ValueError("size must be at least 16x16")
    fps = Fraction(fps)
    if fps <= 0:
        raise ValueError("fps must be positive")
    if codec not in SUPPORTED_PIX_FMTS:
        raise ValueError(f"unsupported codec {codec!r}; expected one of {tuple(SUPPORTED_PIX_FMTS)}")
    if pix_fmt not in SUPPORTED_PIX_FMTS[codec]:
        raise ValueError(f"{codec} supports pix_fmt {SUPPORTED_PIX_FMTS[codec]} here, not {pix_fmt!r}")
    if codec == "libx264" and pix_fmt in _X264_EVEN_ONLY and (w % 2 or h % 2):
        raise ValueError(f"libx264 with {pix_fmt} needs even width and height, got {w}x{h} "
                         "(use yuv444p or gray, or another codec, for odd sizes)")
    path = Path(path)
    suffix = path.suffix.lower()
    rot = int(rotation)
    if rot % 90 or not -180 <= rot <= 270:
        raise ValueError("rotation must be one of 0, 90, 180, 270, -90, -180")
    rot_read = ((rot + 180) % 360) - 180  # what VideoFrame.rotation reports
    if rot and suffix == ".avi":
        raise ValueError("AVI cannot carry a display rotation; use .mp4 or .mkv")
    if rot and not hasattr(av.video.stream.VideoStream, "set_display_rotation"):
        raise ValueError(f"writing a rotation needs PyAV >= 18 (VideoStream.set_display_rotation); "
                         f"this is PyAV {av.__version__}")
    if sar is not None:
        sar = Fraction(sar)
        if sar <= 0:
            raise ValueError("sar must be positive")
        if codec == "libvpx-vp9":
            raise ValueError("sar is not supported with libvpx-vp9 (PyAV cannot set it on the WebM stream)")
    if vfr is True:
        pattern: tuple[int, ...] | None = (1, 2)
    elif vfr is False or vfr is None:
        pattern = None
    else:
        pattern = tuple(int(d) for d in vfr)
        if not pattern or min(pattern) < 1:
            raise ValueError("a vfr pattern is a non-empty sequence of positive tick counts")

    # events: validate and index by frame
    negatives: list[dict[str, Any]] = []
    per_frame: dict[int, list[tuple[Event, int]]] = {}
    zooms: dict[int, list[tuple[int, int]]] = {}
    rng_text = np.random.default_rng(12345)
    captions: dict[Event, str] = {}
    for ev in sorted(events, key=lambda e: e.frame):
        shot_i = next((i for i, (lo, hi) in enumerate(pure) if lo <= ev.frame <= hi), None)
        last = ev.frame + (ev.frames - 1 if ev.kind != "zoom" else 0)
        if shot_i is None or last > pure[shot_i][1]:
            raise ValueError(f"{ev} must lie within the pure frames of one shot; pure ranges: {pure}")
        if ev.kind == "zoom":
            zooms.setdefault(shot_i, []).append((ev.frame - offsets[shot_i], ev.frames))
            negatives.append({"type": "zoom", "frame": ev.frame, "end": ev.frame + ev.frames - 1})
            continue
        for j in range(ev.frames):
            per_frame.setdefault(ev.frame + j, []).append((ev, j))
        if ev.kind == "text":
            captions[ev] = _CAPTIONS[int(rng_text.integers(len(_CAPTIONS)))]
            negatives.append({"type": "text", "frame": ev.frame, "end": ev.frame + ev.frames - 1})
        elif ev.kind == "flash":
            negatives.append({"type": "flash", "frame": ev.frame})
        else:
            negatives.append({"type": ev.kind, "frame": ev.frame, "end": ev.frame + ev.frames - 1})

    # local time range each scene must cover
    scenes: list[_Scene] = []
    for i, s in enumerate(shots):
        t_min = -(transitions[i - 1].frames // 2) if i > 0 else 0
        t_max = s.frames - 1 + ((transitions[i].frames - transitions[i].frames // 2) if i < len(shots) - 1 else 0)
        scenes.append(_Scene(s, (w, h), t_min, t_max, zooms.get(i, ())))

    spans = _spans(offsets, transitions)
    span_at: dict[int, tuple[_Span, int]] = {}
    for sp in spans:
        for k in range(sp.start, sp.end + 1):
            span_at[k] = (sp, k - sp.start)
    shot_of = np.zeros(n_frames, dtype=np.int64)
    for i in range(len(shots)):
        shot_of[offsets[i]:offsets[i + 1]] = i

    deep = pix_fmt.endswith("10le")
    if pattern is None:
        ticks = list(range(n_frames))
        duration_ticks = n_frames
    else:
        ticks = [0]
        for k in range(n_frames - 1):
            ticks.append(ticks[-1] + pattern[k % len(pattern)])
        duration_ticks = ticks[-1] + pattern[(n_frames - 1) % len(pattern)]
    time_base = 1 / fps

    path.parent.mkdir(parents=True, exist_ok=True)
    container = _open_output(path)
    try:
        stream = container.add_stream(codec, rate=fps)
        stream.width, stream.height = w, h
        stream.pix_fmt = pix_fmt
        cc = stream.codec_context
        cc.time_base = time_base
        if gop is not None:
            cc.gop_size = int(gop)
        if sar is not None:
            cc.sample_aspect_ratio = sar
        opts: dict[str, str] = {}
        if codec == "libx264":
            opts = {"crf": str(crf), "preset": "medium"}
        elif codec == "libvpx-vp9":
            opts = {"crf": str(crf), "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}
        else:
            opts = {"qmin": "2", "qmax": str(max(2, crf // 4))}
            cc.bit_rate = int(w * h * float(fps) * 2)
        opts.update(options or {})
        cc.options = opts
        if rot:
            stream.set_display_rotation(rot)  # display matrix side data, see VideoFrame.rotation

        for k in range(n_frames):
            if k in span_at:
                sp, j = span_at[k]
                a_i = sp.index
                old = scenes[a_i].frame(k - offsets[a_i])
                new = scenes[a_i + 1].frame(k - offsets[a_i + 1])
                img = _mix(sp.spec, j, old, new)
            else:
                i = int(shot_of[k])
                img = scenes[i].frame(k - offsets[i])
            for ev, j in per_frame.get(k, ()):
                if ev.kind == "freeze":
                    i = int(shot_of[k])
                    img = scenes[i].frame(ev.frame - offsets[i])  # the picture stops at the first frame
                elif ev.kind == "flash":
                    img = _apply_flash(img, j, ev.frames)
                elif ev.kind == "text":
                    img = _apply_text(img, j, captions[ev])
                else:
                    img = _DISTRACTORS[ev.kind](img, j, ev.frames, np.random.default_rng(k))
            if letterbox:
                bar = int(round(h * letterbox))
                img[:bar] = 0.0
                img[h - bar:] = 0.0
            if deep:
                arr = (np.clip(img, 0, 255) * 257.0 + 0.5).astype(np.uint16)
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(arr), format="rgb48le")
            else:
                arr = (np.clip(img, 0, 255) + 0.5).astype(np.uint8)
                frame = av.VideoFrame.from_ndarray(arr, format="rgb24")
            frame.pts = ticks[k]
            frame.time_base = time_base
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    except BaseException:
        container.close()
        try:
            path.unlink()
        except OSError:
            pass
        raise
    container.close()

    truth: dict[str, Any] = {
        "video": path.name,
        "frames": n_frames,
        "fps": _fps_value(fps) if pattern is None else round(n_frames / float(duration_ticks / fps), 6),
        "width": w,
        "height": h,
        "codec": _TRUTH_CODEC[codec],
        "pix_fmt": pix_fmt,
        "transitions": truth_transitions,
        "negatives": negatives,
    }
    if rot:
        truth["rotation"] = rot_read
    if sar is not None:
        truth["sar"] = f"{sar.numerator}:{sar.denominator}"
    if pattern is not None:
        truth["times"] = [round(float(t * time_base), 6) for t in ticks]
    if write_truth:
        out = truth_path_for(path) if write_truth is True else Path(write_truth)
        out.write_text(json.dumps(truth, indent=1) + "\n")
    return truth


def _open_output(path: Path) -> av.container.OutputContainer:
    try:
        return av.open(str(path), "w")
    except ValueError as exc:  # unknown extension
        raise ValueError(f"cannot choose a container for {path.name!r}: {exc}") from exc
