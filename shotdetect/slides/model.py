"""The result of slides mode and its JSON form (schema ``shotdetect.slides``, version 1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..timeline import VideoInfo
from .diff import Rect
from .select import StatePicture

__all__ = ["SlideSettings", "Span", "Step", "Slide", "SlidesResult", "SCHEMA_NAME", "SCHEMA_VERSION"]

SCHEMA_NAME = "shotdetect.slides"
SCHEMA_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class SlideSettings:
    """What slides mode does; the defaults suit recorded talks.

    Attributes
    ----------
    min_duration : float
        Screen states shown for less than this many seconds (clicking through) are skipped.
    sample_rate : float, optional
        Analysed frames per second (all frames are decoded); None analyses every frame.
    roi : Rect, optional
        Display-pixel region holding the slides; analysed alone and cut out of the exported images.
    auto_area : bool
        Without ``roi``: crop constant borders (letterbox bars, the margin around a side-by-side
        webcam) off the exported images.
    dedupe : bool
        A slide shown again later is exported once (its revisits are listed).
    keep_builds : bool
        Export every step of an incremental build, not only the most complete one.
    """

    min_duration: float = 1.0
    sample_rate: float | None = None
    roi: Rect | None = None
    auto_area: bool = True
    dedupe: bool = True
    keep_builds: bool = False

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["roi"] = self.roi.as_list() if self.roi else None
        return d


@dataclass
class Span:
    """A time the slide was on screen; ``end_frame`` is exclusive."""

    start_frame: int
    end_frame: int
    start_time: float
    end_time: float

    def to_dict(self) -> dict[str, Any]:
        return {"start_frame": self.start_frame, "end_frame": self.end_frame,
                "start_time": round(self.start_time, 6), "end_time": round(self.end_time, 6)}


@dataclass
class Step:
    """One build step of a slide (a slide without builds has one step).

    ``picture`` is the merged picture of this step; ``final`` marks the most complete step, the
    one exported by default.
    """

    step: int
    start_frame: int
    start_time: float
    picture: StatePicture | None
    final: bool = False
    file: str | None = None


@dataclass
class Slide:
    """A distinct slide, numbered in order of first appearance."""

    number: int
    steps: list[Step]
    spans: list[Span]
    same_as: int | None = None  # with dedupe off: the earlier slide this one shows again
    file: str | None = None
    #: Regions that played while the slide was shown (a video in it; display pixels), left out of
    #: comparing it. Insets that went on over the talk are the result's ``webcams`` instead.
    playing: list[Rect] = field(default_factory=list)

    @property
    def final(self) -> Step:
        return next((s for s in self.steps if s.final), self.steps[-1])

    @property
    def revisits(self) -> int:
        return max(0, len(self.spans) - 1)

    def exported_steps(self, keep_builds: bool) -> list[Step]:
        return [s for s in self.steps if s.picture is not None] if keep_builds else [self.final]


@dataclass
class SlidesResult:
    """Everything slides mode found in one video."""

    video: VideoInfo
    settings: SlideSettings
    slides: list[Slide]
    region: Rect
    region_source: str
    #: Webcam insets found (display pixels): left out of every comparison.
    webcams: list[Rect] = field(default_factory=list)
    skipped: list[Span] = field(default_factory=list)
    analysed_frames: int = 0
    frames: int = 0
    warnings: list[str] = field(default_factory=list)

    def images(self) -> list[tuple[Slide, Step]]:
        """The pictures to export, in order: (slide, step)."""
        out = []
        for slide in self.slides:
            for step in slide.exported_steps(self.settings.keep_builds):
                if step.picture is not None:
                    out.append((slide, step))
        return out

    def to_dict(self) -> dict[str, Any]:
        from .. import __version__

        def span_of(slide: Slide, step: Step) -> Span:
            t = step.picture.time if step.picture else step.start_time
            return next((s for s in slide.spans if s.start_time - 1e-6 <= t < s.end_time + 1e-6), slide.spans[0])

        images = []
        for slide, step in self.images():
            sp = span_of(slide, step)
            picture = step.picture
            assert picture is not None  # images() lists only steps with a picture
            images.append({"file": step.file, "slide": slide.number, "step": step.step,
                           "frame": picture.frame, "time": round(picture.time, 6),
                           "start_time": round(sp.start_time, 6), "end_time": round(sp.end_time, 6)})
        slides = []
        for slide in self.slides:
            fin = slide.final
            slides.append({
                "number": slide.number,
                "file": slide.file,
                "frame": fin.picture.frame if fin.picture else None,
                "time": round(fin.picture.time, 6) if fin.picture else None,
                "spans": [s.to_dict() for s in slide.spans],
                "builds": [{"step": s.step, "start_frame": s.start_frame, "start_time": round(s.start_time, 6),
                            "frame": s.picture.frame if s.picture else None,
                            "time": round(s.picture.time, 6) if s.picture else None,
                            "final": s.final, "file": s.file} for s in slide.steps],
                "revisits": slide.revisits,
                "same_as": slide.same_as,
                "playing": [dict(zip("xywh", r.as_list())) for r in slide.playing],
            })
        return {
            "schema": SCHEMA_NAME,
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "shotdetect", "version": __version__, "mode": "slides",
                     "settings": self.settings.to_dict()},
            "video": self.video.to_dict(),
            "region": {**dict(zip("xywh", self.region.as_list())), "source": self.region_source},
            "webcams": [dict(zip("xywh", r.as_list())) for r in self.webcams],
            "analysed_frames": self.analysed_frames,
            "slides": slides,
            "images": images,
            "skipped": [s.to_dict() for s in self.skipped],
            "warnings": list(self.warnings),
        }
