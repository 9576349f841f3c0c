"""Which frame rate and which timecode numbering every output uses, decided in one place; and the one
frame-rate fallback (:data:`FALLBACK_FPS`) for inputs that have none.

Every format that writes SMPTE timecode (``timeline.json``, ``transitions.csv``, the EDL, the FCPXML,
the ``timecode`` metadata of ``timeline.otio``) takes its rate from :func:`timecode_rate` and its
numbering from :func:`is_drop_frame`, so a 29.97 fps video is drop-frame in all of them or none.

* Constant frame rate: the video's rate, with rates within 0.01 % of an NTSC rate (a container that
  says 2997/100) taken as the exact NTSC rate.
* Variable frame rate (or none known): the :data:`EDIT_RATES` entry nearest the average rate.
* EDL and FCPXML need one of :data:`EDIT_RATES`: :func:`edit_rate` (``--edl-rate`` overrides it).
"""

from __future__ import annotations

import math
from fractions import Fraction

from .timeline import VideoInfo

__all__ = ["FALLBACK_FPS", "rate_or_fallback", "EDIT_RATES", "NTSC_RATES", "exact_rate", "is_drop_frame",
           "average_rate", "edit_rate", "timecode_rate", "parse_rate"]

#: The frame rate assumed wherever one is needed (window sizes in frames, seconds given as frames,
#: the duration of the last frame) but the input has none: a damaged header, a live stream that
#: does not say, pictures without ``--fps``. 25 is what FFmpeg's image2 demuxer assumes for
#: pictures, and a middle value between the usual 24-30 and 50-60 rates, so windows sized in
#: frames stay within a factor of about 2 of their meaning in seconds.
FALLBACK_FPS = Fraction(25)


def rate_or_fallback(fps: Fraction | float | None) -> Fraction:
    """The input's frame rate, or :data:`FALLBACK_FPS` when it has none."""
    return Fraction(fps) if fps else FALLBACK_FPS


#: Frame rates editing applications and OTIO's timecode functions accept.
EDIT_RATES = tuple(Fraction(r) for r in ("24000/1001", "24", "25", "30000/1001", "30",
                                          "48000/1001", "48", "50", "60000/1001", "60"))
#: NTSC rates (n x 1000/1001).
NTSC_RATES = tuple(Fraction(n * 1000, 1001) for n in (24, 30, 48, 60, 120))


def exact_rate(fps: Fraction | float | None) -> Fraction | None:
    """``fps`` as a Fraction, snapped to the exact NTSC rate when within 0.01 % of one."""
    if fps is None or fps <= 0:
        return None
    fps = Fraction(fps).limit_denominator(1_000_000) if isinstance(fps, float) else Fraction(fps)
    for ntsc in NTSC_RATES:
        if abs(fps - ntsc) / ntsc < Fraction(1, 10_000):
            return ntsc
    return fps


def is_drop_frame(rate: Fraction | float | None) -> bool:
    """Drop-frame numbering: 29.97, 59.94 (and 119.88) fps, as editing applications expect."""
    rate = exact_rate(rate)
    return rate is not None and rate.denominator == 1001 and rate.numerator % 30000 == 0


def average_rate(video: VideoInfo) -> Fraction:
    """Frames per second over the whole video (the header's rate when the count is unknown)."""
    if video.frame_count and video.duration:
        return Fraction(video.frame_count) / Fraction(video.duration)
    return rate_or_fallback(video.fps)


def _constant(video: VideoInfo) -> Fraction | None:
    return None if video.vfr else exact_rate(video.fps)


def edit_rate(video: VideoInfo, override: Fraction | None = None) -> Fraction:
    """The EDL/FCPXML rate: the video's when it is an edit rate, else a whole multiple of it (15 -> 30,
    12.5 -> 25), else a divisor, else the nearest (by ratio) to the rate or the VFR average."""
    if override is not None:
        return Fraction(override)
    fps = _constant(video)
    if fps is not None:
        if fps in EDIT_RATES:
            return fps
        multiples = [r for r in EDIT_RATES if (r / fps).denominator == 1]
        if multiples:
            return min(multiples)
        divisors = [r for r in EDIT_RATES if (fps / r).denominator == 1]
        if divisors:
            return max(divisors)
    target = fps or average_rate(video)
    return min(EDIT_RATES, key=lambda r: abs(math.log(float(r) / float(target))))


def timecode_rate(video: VideoInfo) -> Fraction | None:
    """The rate of the SMPTE timecodes in ``timeline.json`` and ``transitions.csv``."""
    fps = _constant(video)
    if fps is not None:
        return fps
    if video.vfr or video.frame_count:
        return edit_rate(video)
    return None


def parse_rate(text: str) -> Fraction:
    """``"29.97"``, ``"30000/1001"`` or ``"25"`` -> an :data:`EDIT_RATES` entry.

    Raises
    ------
    ValueError
        Not a number, or not one of the rates an EDL can use (the message lists them).
    """
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"not a frame rate: {text!r}") from None
    for rate in EDIT_RATES:
        if abs(value - rate) < Fraction(1, 200):  # 29.97 and 23.976 as typed mean the NTSC rates
            return rate
    names = ", ".join(f"{float(r):.3f}".rstrip("0").rstrip(".") for r in EDIT_RATES)
    raise ValueError(f"{text} fps is not an edit rate (one of {names})")
