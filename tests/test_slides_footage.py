"""Slides mode on real lecture captures from Opencast's own test resources (../shared/footage/opencast,
skipped when absent), held to the expectations Opencast's tests state for them."""

from __future__ import annotations

import pytest

from shotdetect.slides import SlideSettings, extract_slides

from conftest import FOOTAGE

OPENCAST = FOOTAGE / "opencast"


def _slides(name: str, **settings):
    path = OPENCAST / name
    if not path.is_file():
        pytest.skip(f"{path} not available")
    return extract_slides(path, SlideSettings(**settings))


def assert_tiles(res) -> None:
    """The slides' spans and the skipped pictures account for the whole talk: no gap, no overlap."""
    pieces = sorted([(sp.start_frame, sp.end_frame, sp.start_time, sp.end_time) for s in res.slides for sp in s.spans]
                    + [(sp.start_frame, sp.end_frame, sp.start_time, sp.end_time) for sp in res.skipped])
    assert pieces[0][0] == 0 and pieces[0][2] == 0.0
    for a, b in zip(pieces, pieces[1:]):
        assert a[1] == b[0] and a[3] == pytest.approx(b[2]), (a, b)
    assert pieces[-1][1] == res.frames


def test_scene_change_mov_one_change_at_12s():
    # Opencast's VideoSegmenterTest: segments [0, 12 s) and [12 s, 20 s) (mjpeg, 1 fps, one frame missing)
    res = _slides("scene-change.mov")
    spans = [(round(sp.start_time, 3), round(sp.end_time, 3)) for s in res.slides for sp in s.spans]
    assert spans == [(0.0, 12.0), (12.0, 20.0)]
    assert_tiles(res)


def test_audiovideo_mov_changes_at_frame_14():
    # 10 fps; the picture changes on frame 14 (1.4 s); the capture's outermost line flickers
    res = _slides("audiovideo.mov")
    assert len(res.slides) == 2
    assert res.slides[1].spans[0].start_frame == 14
    assert res.slides[1].spans[0].start_time == pytest.approx(1.4)
    assert res.slides[0].spans[0].end_frame == 14
    assert_tiles(res)


@pytest.mark.parametrize("rate", [None, 1.0])
def test_test_optimization_mp4_one_frame_per_second(rate):
    # 1 fps: builds, a full-screen video, a revisit; the numbered list (27-28 s) is on screen for two
    # frames and "End" (29 s) for one, and every slide's time is accounted for
    res = _slides("test-optimization.mp4", sample_rate=rate)
    starts = sorted(sp.start_time for s in res.slides for sp in s.spans)
    assert starts == [0.0, 7.0, 16.0, 24.0, 27.0, 29.0], starts
    # every picture from its first frame: the build steps too (two of them re-lay out a line)
    steps = sorted(st.start_time for s in res.slides for st in s.steps)
    assert steps == [0.0, 1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 16.0, 27.0, 29.0], steps
    assert res.slides[0].revisits == 1 and res.slides[0].spans[1].start_time == 24.0  # the list, again
    assert_tiles(res)
    assert res.slides[-1].spans[-1].end_time == pytest.approx(30.0)


def test_test_optimization_mp4_about_five_slides():
    # Opencast's own test expects about 5 segments (within 20 %). Two of the build steps re-lay out
    # the text already shown (a line moves 2.5 pixels as lines are added): still one slide each.
    res = _slides("test-optimization.mp4")
    assert 4 <= len(res.slides) <= 6
    # the list (0-7 s, again at 24 s), the second list (7-16 s), each built up in four steps
    assert [round(s.start_time) for s in res.slides[0].steps] == [0, 1, 3, 5]
    assert [round(s.start_time) for s in res.slides[1].steps] == [7, 9, 11, 13]


def test_av_mov_sparse_variable_frame_rate():
    # 21 frames in 10.4 s at irregular times: one slide, on screen for the whole capture
    res = _slides("av.mov")
    assert len(res.slides) == 1 and not res.skipped
    assert_tiles(res)
