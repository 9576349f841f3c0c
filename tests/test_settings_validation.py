"""The library refuses nonsense settings at once, with an error of the ShotdetectError tree."""

from __future__ import annotations

import pytest

import shotdetect
from shotdetect import InvalidSettingsError, ShotdetectError
from shotdetect.compare import SameRule
from shotdetect.detect import DetectorSettings

NONSENSE = [
    ("sensitivity", 2), ("sensitivity", -0.1), ("sensitivity", float("nan")), ("sensitivity", "0.5"),
    ("sensitivity", True), ("threshold", -1), ("threshold", 0), ("threshold", float("inf")),
    ("min_shot_len", 0), ("min_shot_len", -3), ("min_shot_len", "abc"), ("min_shot_len", "0s"),
    ("min_shot_len", float("nan")), ("min_shot_len", "infs"), ("min_shot_len", None),
    ("keyframes", -1), ("keyframes", 1.5), ("keyframes", "2"), ("gradual", "no"),
    ("max_duration", -1), ("max_duration", 0), ("max_duration", float("nan")),
    ("stall_timeout", -1), ("analysis_width", 0), ("analysis_width", 8), ("image_fps", 0),
    ("image_order", "random"), ("keyframe_sink", "dir/"), ("progress", 3),
]


@pytest.mark.parametrize("name,value", NONSENSE, ids=[f"{n}={v!r}" for n, v in NONSENSE])
def test_detect_refuses_nonsense_before_opening_anything(name, value):
    with pytest.raises(InvalidSettingsError) as caught:
        shotdetect.detect("/nonexistent/video.mp4", **{name: value})  # checked before the file is looked at
    error = caught.value
    assert isinstance(error, ShotdetectError) and isinstance(error, ValueError)
    assert str(error).startswith(f"{name}=") and "must be" in str(error)


@pytest.mark.parametrize("fields", [dict(sensitivity=2), dict(threshold=-1), dict(min_shot_frames=0),
                                    dict(min_shot_frames=2.5), dict(gradual=None)])
def test_detector_settings_check_their_fields(fields):
    with pytest.raises(InvalidSettingsError):
        DetectorSettings(**fields)


@pytest.mark.parametrize("fields", [dict(max_area=2), dict(max_area=float("nan")), dict(min_correlation=-2),
                                    dict(tolerance=300), dict(max_pixels=-1), dict(max_pixels=0.5)])
def test_same_rule_checks_its_fields(fields):
    with pytest.raises(InvalidSettingsError):
        SameRule(**fields)
    SameRule(max_area=0, min_correlation=-1, tolerance=0, max_pixels=0)


def test_sensible_values_pass(short_clip):
    DetectorSettings(sensitivity=1, threshold=None, min_shot_frames=1, gradual=False)
    timeline = shotdetect.detect(short_clip[0], sensitivity=0.7, threshold=0.2, min_shot_len="0.5s", keyframes=0,
                                 max_duration=30, stall_timeout=None)
    assert timeline.shots and all(not s.keyframes for s in timeline.shots)
    assert shotdetect.detect(short_clip[0], min_shot_len=0.2).shots
