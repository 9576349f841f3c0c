"""End-to-end tests of shotdetect.detect() on synthetic clips with exactly known transitions."""

from __future__ import annotations

import jsonschema
import numpy as np
import pytest

import shotdetect
from shotdetect.export import load_schema
from tooling.synth import Event, ShotSpec, TransitionSpec, render_clip

from conftest import FAST, SIZE, cut_frames


class Collector:
    """A keyframe sink that keeps every call."""

    def __init__(self):
        self.calls = []

    def __call__(self, *, shot, number, frame, image):
        self.calls.append({"shot": shot, "number": number, "frame": frame, "image": image})
        return f"kf-{shot}-{number}.jpg"


def _check_tiling(tl):
    assert tl.shots, "no shots"
    assert tl.shots[0].start_frame == 0
    for a, b in zip(tl.shots, tl.shots[1:]):
        assert a.end_frame == b.start_frame
        assert a.end_time == b.start_time
        assert a.end_frame > a.start_frame
    assert tl.shots[-1].end_frame == tl.video.frame_count
    # every transition starts a shot
    assert [t.frame for t in tl.transitions] == [s.start_frame for s in tl.shots[1:]]


def _overlaps(found, truth, slack=2):
    return found.start_frame <= truth["end"] + slack and found.end_frame >= truth["start"] - slack


def test_hard_cuts_exact(cut_clip):
    path, truth = cut_clip
    tl = shotdetect.detect(path)
    assert tl.video.frame_count == truth["frames"]
    assert [(t.type, t.frame) for t in tl.transitions] == [("cut", f) for f in cut_frames(truth)]
    for t in tl.transitions:
        assert t.start_frame == t.end_frame == t.frame
        assert t.time == pytest.approx(t.frame / 25)
        assert 0 < t.score <= 1.0 + 1e-9
    assert tl.cuts == cut_frames(truth)
    assert len(tl.shots) == len(truth["transitions"]) + 1
    _check_tiling(tl)


def test_timeline_schema_valid(cut_clip):
    path, _ = cut_clip
    tl = shotdetect.detect(path)
    doc = tl.to_dict()
    jsonschema.validate(doc, load_schema())
    assert doc["video"]["frame_count"] == tl.video.frame_count
    assert doc["video"]["fps"] == "25/1"
    assert len(doc["shots"]) == len(tl.shots)
    assert doc["transitions"][0]["timecode"] == "00:00:01:05"  # frame 30 at 25 fps


@pytest.mark.parametrize("fixture, kind", [("dissolve_clip", "dissolve"), ("fade_clip", "fade")])
def test_gradual_transitions(request, fixture, kind):
    path, truth = request.getfixturevalue(fixture)
    tl = shotdetect.detect(path)
    gradual_truth = [t for t in truth["transitions"] if t["type"] == kind]
    assert len(gradual_truth) == 1
    g = gradual_truth[0]
    assert len(tl.transitions) == len(truth["transitions"]), tl.transitions
    found = tl.transitions[0]
    assert found.type == kind
    assert _overlaps(found, g)
    assert abs(found.start_frame - g["start"]) <= 2
    assert abs(found.end_frame - g["end"]) <= 2
    assert found.start_frame <= found.frame <= found.end_frame
    # the trailing hard cut is still exact
    assert (tl.transitions[1].type, tl.transitions[1].frame) == ("cut", cut_frames(truth)[0])
    _check_tiling(tl)
    jsonschema.validate(tl.to_dict(), load_schema())


def test_flash_and_fast_pan_are_not_transitions(negatives_clip):
    path, truth = negatives_clip
    assert truth["negatives"] == [{"type": "flash", "frame": 20}]
    tl = shotdetect.detect(path)
    # only the one real cut between the still shot and the fast pan
    assert [(t.type, t.frame) for t in tl.transitions] == [("cut", 60)]


def test_flash_in_moving_shot_is_not_a_fade(clips_dir):
    shots = [ShotSpec(40, 21), ShotSpec(50, 22, pan=(8, 0)), ShotSpec(40, 23, motion=3)]
    truth = render_clip(clips_dir / "flash-motion.mp4", shots, [TransitionSpec("cut")] * 2,
                        events=[Event("flash", 110, 2)], size=SIZE, options=FAST)
    tl = shotdetect.detect(clips_dir / "flash-motion.mp4")
    assert [(t.type, t.frame) for t in tl.transitions] == [("cut", f) for f in cut_frames(truth)]


def test_keyframes_one_per_shot_full_size(cut_clip):
    path, truth = cut_clip
    sink = Collector()
    tl = shotdetect.detect(path, keyframe_sink=sink)
    assert len(sink.calls) == len(tl.shots)
    assert [c["shot"] for c in sink.calls] == list(range(len(tl.shots)))
    for call, shot in zip(sink.calls, tl.shots):
        assert call["number"] == 1
        img = call["image"]
        assert img.shape == (truth["height"], truth["width"], 3)
        assert img.dtype.name == "uint8"
        assert img.std() > 5  # a real picture, not a blank
        assert len(shot.keyframes) == 1
        kf = shot.keyframes[0]
        assert kf.frame == call["frame"]
        assert kf.file == f"kf-{call['shot']}-1.jpg"
        assert shot.start_frame <= kf.frame < shot.end_frame
        if shot.frame_count > 10:
            assert kf.frame != shot.start_frame


def test_keyframes_without_sink_still_picked(cut_clip):
    path, _ = cut_clip
    tl = shotdetect.detect(path)
    for shot in tl.shots:
        assert len(shot.keyframes) == 1
        assert shot.keyframes[0].file is None
        assert shot.start_frame <= shot.keyframes[0].frame < shot.end_frame


def test_three_keyframes_per_shot(cut_clip):
    path, _ = cut_clip
    sink = Collector()
    tl = shotdetect.detect(path, keyframes=3, keyframe_sink=sink)
    assert len(sink.calls) == sum(len(s.keyframes) for s in tl.shots)
    for shot in tl.shots:
        assert 1 <= len(shot.keyframes) <= 3
        frames = [k.frame for k in shot.keyframes]
        assert len(set(frames)) == len(frames)
        assert all(shot.start_frame <= f < shot.end_frame for f in frames)
    assert any(len(s.keyframes) > 1 for s in tl.shots)


def test_zero_keyframes(cut_clip):
    path, truth = cut_clip
    sink = Collector()
    tl = shotdetect.detect(path, keyframes=0, keyframe_sink=sink)
    assert sink.calls == []
    assert all(s.keyframes == () for s in tl.shots)
    assert tl.cuts == cut_frames(truth)


@pytest.mark.parametrize("fixture", ["dissolve_clip", "fade_clip"])
def test_gradual_false_reports_only_cuts(request, fixture):
    path, truth = request.getfixturevalue(fixture)
    tl = shotdetect.detect(path, gradual=False)
    assert all(t.type == "cut" for t in tl.transitions)
    assert cut_frames(truth)[0] in [t.frame for t in tl.transitions]
    assert tl.settings["gradual"] is False
    _check_tiling(tl)


@pytest.mark.parametrize("fixture", ["cut_clip", "dissolve_clip", "negatives_clip"])
def test_sensitivity_monotonic(request, fixture):
    path, _ = request.getfixturevalue(fixture)
    counts = [len(shotdetect.detect(path, sensitivity=s, keyframes=0).transitions) for s in (0.1, 0.5, 0.9)]
    assert counts == sorted(counts), counts


def test_min_shot_len_and_progress(cut_clip):
    path, truth = cut_clip
    seen = []
    tl = shotdetect.detect(path, min_shot_len="1s", progress=lambda done, total: seen.append((done, total)))
    # shots shorter than 25 frames cannot exist
    assert tl.settings["min_shot_len"] == 25
    assert all(s.frame_count >= 25 for s in tl.shots[:-1])
    assert seen and seen[-1] == (truth["frames"], truth["frames"])
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_on_signals_one_call_per_frame(cut_clip):
    path, truth = cut_clip
    rows = []
    shotdetect.detect(path, keyframes=0, on_signals=lambda sig, strength: rows.append((sig.index, strength)))
    assert [i for i, _ in rows] == list(range(truth["frames"]))
    strengths = dict(rows)
    cuts = cut_frames(truth)
    assert min(strengths[c] for c in cuts) > max(s for i, s in rows if i not in cuts)


def test_missing_file_raises_input_error(tmp_path):
    with pytest.raises(shotdetect.InputError):
        shotdetect.detect(tmp_path / "missing.mp4")
    with pytest.raises(ValueError):  # InputError is also a ValueError
        shotdetect.detect(tmp_path)


def test_keyframe_bins_prefer_clean_frames():
    from shotdetect.keyframes import KeyframeSelector

    selector = KeyframeSelector(fps=25, per_shot=1)
    hist = np.full((3, 32), 1 / 32)
    for i in range(12):  # one bin; the unclean frames are the sharper ones (blocking looks sharp)
        selector.add(i, i / 25, sharpness=50.0 if i % 3 else 10.0, hist=hist, change=0.0, picture=i,
                     clean=i % 3 == 0)
    (pick,) = selector.close_shot(0, 12)
    assert pick.frame % 3 == 0 and pick.frame > 0  # a clean frame, after the settling frames


def test_keyframe_falls_back_to_unclean_frames():
    from shotdetect.keyframes import KeyframeSelector

    selector = KeyframeSelector(fps=25, per_shot=1)
    hist = np.full((3, 32), 1 / 32)
    for i in range(4):
        selector.add(i, i / 25, sharpness=10.0 + i, hist=hist, change=0.0, picture=i, clean=False)
    (pick,) = selector.close_shot(0, 4)
    assert pick.frame == 3
