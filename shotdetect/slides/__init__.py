"""Slides mode: turn a recorded talk into its slides -- one image per slide, builds and revisits known.

>>> from shotdetect.slides import extract_slides, SlideSettings
>>> result = extract_slides("talk.mp4", SlideSettings(min_duration=1.0))   # doctest: +SKIP
>>> [(s.number, s.spans[0].start_time, len(s.steps)) for s in result.slides] # doctest: +SKIP

One streaming pass over the video (every frame decoded, every frame or ``sample_rate`` frames per
second analysed):

``region.py``   the analysed region (``--roi``) and the slide area (borders, webcam) for the images
``states.py``   the stream cut into screen states, ignoring pointers, noise and playing regions
``insets.py``   webcams and other insets, recognised from how they behave over the talk
``select.py``   one clean picture per state: a median of its still frames
``builds.py``   states -> slides: clicking through, builds, revisits
``diff.py``     the picture comparison all of them use
``pdf.py``      the PDF
``output.py``   the files: slide images, slides.pdf, timeline.json
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

from ..decode import open_source
from .builds import assemble
from .diff import Rect, merge_overlapping
from .insets import find_insets
from .model import SCHEMA_NAME, SCHEMA_VERSION, Slide, SlideSettings, SlidesResult, Span, Step
from .region import Geometry, find_slide_area, parse_roi
from .select import StatePicture, StillFrame, compose, encode_png
from .states import Segment, Segmenter

__all__ = ["extract_slides", "SlideSettings", "SlidesResult", "Slide", "Step", "Span", "Rect", "parse_roi",
           "SCHEMA_NAME", "SCHEMA_VERSION"]

def extract_slides(path: str | os.PathLike[str], settings: SlideSettings | None = None, *,
                   progress: Callable[[int, int | None], None] | None = None) -> SlidesResult:
    """Find the slides of a recorded talk.

    Parameters
    ----------
    settings : SlideSettings, optional
    progress : callable, optional
        ``progress(frames_done, frames_expected_or_None)``.

    Raises
    ------
    InputError, DecodeError
        As :func:`shotdetect.decode.open_source` (a video file, pictures or a stream).
    UsageError
        ``settings.roi`` lies outside the picture.
    """
    settings = settings or SlideSettings()
    segments: list[Segment] = []
    with open_source(path) as reader:
        geo: Geometry | None = None
        seg: Segmenter | None = None
        total = reader.info.frame_count
        analysed = frames = 0
        for frame in reader:
            if geo is None or seg is None:  # the first frame fixes the rotation
                geo = Geometry(reader.info, settings.roi)
                crop = None if settings.roi is None else settings.roi

                def render(cands: list[StillFrame], rects: list[Rect], _g=geo, _c=crop) -> StatePicture:
                    image, chosen = compose(cands, _c, rects, _g.analysis_size)
                    return StatePicture(encode_png(image), chosen.index, chosen.time, (image.shape[1], image.shape[0]))

                interval = 1.0 / settings.sample_rate if settings.sample_rate else None
                seg = Segmenter(geo, render, segments.append, sample_interval=interval)
            t = float(frame.time)
            small = geo.small(frame.y)
            if seg.wants(t):
                seg.push(frame.index, t, small, geo.analysis(frame.source), frame.source)
                analysed += 1
            else:
                seg.push(frame.index, t, small)
            frames += 1
            if progress is not None and frames % 16 == 0:
                progress(frames, total)
        assert seg is not None and geo is not None
        seg.finish()
        if progress is not None:
            progress(frames, frames)
        info = reader.info
        warnings = list(reader.warnings)

    webcams = merge_overlapping(find_insets(seg.activity, _still_pictures(segments), geo.analysis_size))
    slides, skipped = assemble(segments, min_duration=settings.min_duration, dedupe=settings.dedupe,
                               webcams=webcams)
    for slide in slides:  # (analysis coordinates until now)
        slide.playing = [geo.to_display(r, geo.analysis_size) for r in slide.playing]
    region, source = geo.roi, ("roi" if settings.roi is not None else "full")
    if settings.roi is None and settings.auto_area and seg.extremes is not None:
        area = find_slide_area(*seg.extremes, webcams)
        if area is not None:
            region, source = geo.to_display(area, geo.analysis_size), "auto"
    if not slides:
        warnings.append("no slide stayed on screen long enough to be exported")
    return SlidesResult(video=info, settings=settings, slides=slides, region=region, region_source=source,
                        webcams=[geo.to_display(r, geo.analysis_size) for r in webcams], skipped=skipped,
                        analysed_frames=analysed, frames=frames, warnings=warnings)


def _still_pictures(segments: list[Segment], count: int = 4) -> list[np.ndarray]:
    """The pictures of the longest screen states (still views of the talk, insets included)."""
    return [s.image for s in sorted(segments, key=lambda s: -s.duration)[:count]]
