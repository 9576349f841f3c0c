"""Slides mode, piece by piece: picture comparison, merging, regions, geometry; and a filmed projector."""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from shotdetect.decode import DecodedPicture
from shotdetect.slides import SlideSettings, extract_slides, parse_roi
from shotdetect.slides.diff import Rect, change, median_image, relation
from shotdetect.slides.region import Geometry, find_slide_area
from shotdetect.slides.select import Reservoir, StillFrame
from tooling.slides_synth import Shown, Slide, render_slide, render_talk
from shotdetect.timeline import VideoInfo

SIZE = (640, 360)
A = Slide("Results", ["Recall 0.98 on lectures", "Precision 0.95 overall", "Twice as fast as before"])
A2 = Slide("Results", ["Recall 0.98 on lectures", "Precision 0.95 overall", "Three times slower than before"])
B = Slide("Conclusions", ["Recall 0.98 on lectures", "Precision 0.95 overall", "Twice as fast as before"])


def gray(slide, bullets=None):
    img = render_slide(slide, bullets, SIZE)
    return cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), (320, 180), interpolation=cv2.INTER_AREA)


def noisy(img, seed=0, gain=1.0, sigma=2.0):
    rng = np.random.default_rng(seed)
    return np.clip(img.astype(np.float32) * gain + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def test_relation_same_build_and_different():
    full = gray(A)
    assert relation(full, noisy(full, gain=0.93)).kind == "same"  # noise and a darker projector
    assert relation(gray(A, 2), full).kind == "adds"               # the next build step
    assert relation(full, gray(A, 2)).kind == "removes"            # going back a step
    assert relation(full, gray(A2)).kind == "different"            # one bullet replaced
    assert relation(full, gray(B)).kind == "different"             # another title


def _moved(img, rows, dx, dy):
    """``img`` with the band of ``rows`` (the slide's body) moved by dx, dy pixels (background behind)."""
    out = img.copy()
    band = img[rows].copy()
    out[rows] = np.median(img[rows], axis=(0, 1)).astype(img.dtype)
    y0, y1 = rows.start + dy, rows.stop + dy
    out[y0:y1] = np.roll(band, dx, axis=1)
    return out


def test_build_step_that_re_lays_out_the_text():
    """A build step that also moves the lines already shown (a paragraph re-centred as lines are
    added) is still the next step; a bullet replaced is still a new slide, moved or not."""
    body = slice(int(0.2 * 360), int(0.85 * 360))  # below the title bar, above the footer
    two, full, other = render_slide(A, 2, SIZE), render_slide(A, None, SIZE), render_slide(A2, None, SIZE)
    to_gray = lambda img: cv2.resize(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), (320, 180),  # noqa: E731
                                     interpolation=cv2.INTER_AREA)
    for dx, dy in ((5, 0), (0, -6), (-3, 4)):  # display pixels: 2.5 to 3 at the analysis size
        moved = to_gray(_moved(full, body, dx, dy))
        assert relation(to_gray(two), moved).kind == "adds", (dx, dy)
        assert relation(moved, to_gray(two)).kind == "removes", (dx, dy)
        assert relation(to_gray(full), to_gray(_moved(other, body, dx, dy))).kind == "different", (dx, dy)
        # the lines moved but nothing added: not a build step either way
        assert relation(to_gray(full), moved).kind == "different", (dx, dy)
    # moved further than a line's height: the lines are not taken for the lines above or below
    assert relation(to_gray(two), to_gray(_moved(full, body, 0, 24))).kind == "different"


def test_pointer_is_not_a_change():
    img = render_slide(A, None, SIZE)
    pts = np.array([[0, 0], [0, 17], [4, 13], [7, 20], [10, 19], [7, 12], [12, 12]], np.int32)
    with_pointer = img.copy()
    cv2.fillPoly(with_pointer, [pts + [400, 250]], (255, 255, 255))
    cv2.polylines(with_pointer, [pts + [400, 250]], True, (0, 0, 0), 1)
    with_pointer2 = img.copy()
    cv2.fillPoly(with_pointer2, [pts + [200, 150]], (255, 255, 255))
    cv2.polylines(with_pointer2, [pts + [200, 150]], True, (0, 0, 0), 1)
    g = [cv2.resize(cv2.cvtColor(x, cv2.COLOR_BGR2GRAY), (320, 180), interpolation=cv2.INTER_AREA)
         for x in (with_pointer, with_pointer2)]
    assert not change(g[0], g[1]).significant
    # ... while one new word is
    word = img.copy()
    cv2.putText(word, "Done", (300, 300), cv2.FONT_HERSHEY_SIMPLEX, 0.62, (30, 30, 30), 1, cv2.LINE_AA)
    gw = cv2.resize(cv2.cvtColor(word, cv2.COLOR_BGR2GRAY), (320, 180), interpolation=cv2.INTER_AREA)
    assert change(gray(A), gw).significant


def test_median_removes_what_moves():
    base = np.full((40, 60, 3), 200, np.uint8)
    frames = []
    for k in range(5):
        f = base.copy()
        f[5:10, 5 + 10 * k:10 + 10 * k] = 0  # a pointer somewhere else in each
        frames.append(f)
    assert (median_image(frames) == base).all()
    assert (median_image(frames[:4])[5:10, 5:50] >= 100).all()


def test_reservoir_spreads_over_the_whole_state():
    r = Reservoir(size=5)
    for i in range(100):
        r.offer(StillFrame(i, i / 10, None, np.zeros((2, 2), np.uint8)))
    idx = [c.index for c in r.items]
    assert len(idx) <= 5 and idx[0] == 0 and idx[-1] >= 60


def test_parse_roi():
    assert parse_roi("10,20,300,200") == Rect(10, 20, 300, 200)
    assert parse_roi(" 10, 20, 300 ,200 ") == Rect(10, 20, 300, 200)
    for bad in ("1,2,3", "a,b,c,d", "0,0,0,10", "-1,0,10,10"):
        with pytest.raises(ValueError):
            parse_roi(bad)


@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_geometry_follows_rotation_and_roi(rotation):
    rng = np.random.default_rng(1)
    coded = cv2.resize(rng.integers(0, 255, (9, 16), np.uint8), (640, 360), interpolation=cv2.INTER_NEAREST)
    frame = av.VideoFrame.from_ndarray(np.dstack([coded] * 3), format="bgr24").reformat(format="yuv420p")
    info = VideoInfo(path="x", width=640, height=360, rotation=rotation)
    display = {0: coded, 90: cv2.rotate(coded, cv2.ROTATE_90_CLOCKWISE), 180: cv2.rotate(coded, cv2.ROTATE_180),
               270: cv2.rotate(coded, cv2.ROTATE_90_COUNTERCLOCKWISE)}[rotation]
    plane = frame.planes[0]
    luma = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:plane.height, :plane.width]
    luma_display = {0: luma, 90: cv2.rotate(luma, cv2.ROTATE_90_CLOCKWISE), 180: cv2.rotate(luma, cv2.ROTATE_180),
                    270: cv2.rotate(luma, cv2.ROTATE_90_COUNTERCLOCKWISE)}[rotation]
    dh, dw = display.shape
    roi = Rect(dw // 4, dh // 8, dw // 2, dh // 2)
    geo = Geometry(info, roi)
    assert geo.display_size == (dw, dh)
    got = geo.analysis(DecodedPicture(frame))  # a frame's picture, as the input layer hands it over
    want = cv2.resize(luma_display[roi.y:roi.y + roi.h, roi.x:roi.x + roi.w], geo.analysis_size,
                      interpolation=cv2.INTER_AREA)
    assert got.shape == want.shape
    assert np.abs(got.astype(int) - want).mean() < 3


def test_geometry_square_pixels():
    info = VideoInfo(path="x", width=480, height=360, sample_aspect_ratio=Fraction(4, 3))
    assert Geometry(info).display_size == (640, 360)


def test_find_slide_area_crops_bars_not_the_slide():
    lo = np.full((180, 320), 16, np.uint8)
    hi = lo.copy()
    lo[20:160], hi[20:160] = 30, 250  # slide content changed between 20 and 160
    assert find_slide_area(lo, hi, []) == Rect(0, 20, 320, 140)
    # a plain light margin is the slide's own background: kept...
    lo2, hi2 = lo.copy(), hi.copy()
    lo2[:20], hi2[:20] = 240, 240
    lo2[160:], hi2[160:] = 16, 16
    assert find_slide_area(lo2, hi2, []) == Rect(0, 0, 320, 160)
    # ... unless a webcam sits in it (side-by-side layout)
    lo3 = np.full((180, 320), 90, np.uint8)
    hi3 = lo3.copy()
    lo3[:, :220], hi3[:, :220] = 30, 250
    lo3[60:120, 240:310], hi3[60:120, 240:310] = 0, 255
    assert find_slide_area(lo3, hi3, [Rect(240, 60, 70, 60)]) == Rect(0, 0, 220, 180)
    assert find_slide_area(lo3, hi3, []) is None


def test_camera_filming_a_projector(tmp_path):
    """Perspective, blur, grey blacks, vignetting, noise, drift and a laser dot: still only the slides."""
    talk = [Shown(A, 2.5), Shown(A2, 2.5, fade=0.4), Shown(B, 1.5, bullets=1), Shown(B, 2.5),
            Shown(A, 2.0, fade=0.4)]
    path = tmp_path / "camera.mp4"
    render_talk(path, talk, camera=True, laser=True, noise=3.0, seed=21)
    for rate in (None, 1.0):
        res = extract_slides(path, SlideSettings(sample_rate=rate))
        assert len(res.slides) == 3, rate
        assert [len(s.steps) for s in res.slides] == [1, 1, 2]
        assert res.slides[0].revisits == 1 and res.region_source == "full" and not res.webcams
