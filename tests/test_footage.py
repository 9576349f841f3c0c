"""Real footage from ../shared/footage (skipped when absent)."""

from __future__ import annotations

import jsonschema
import pytest

import shotdetect
from shotdetect.export import load_schema


def _detect(path, **kw):
    if not path.is_file():
        pytest.skip(f"{path} not available")
    images = []
    tl = shotdetect.detect(path, keyframe_sink=lambda **k: images.append(k["image"]) or None, **kw)
    return tl, images


def _near(found, expected, slack=1):
    return len(found) == len(expected) and all(abs(f - e) <= slack for f, e in zip(found, expected))


EXPECTED_195 = [70, 170, 301, 421, 484]


def test_issue_195_schema_and_later_cuts(footage):
    tl, images = _detect(footage / "pyscenedetect" / "issue-195-aspect-ratio.mp4")
    jsonschema.validate(tl.to_dict(), load_schema())
    assert len(tl.transitions) == 5
    cuts = [t.frame for t in tl.transitions if t.type == "cut"]
    assert all(any(abs(c - e) <= 1 for e in EXPECTED_195) for c in cuts)
    assert _near([t.frame for t in tl.transitions][1:], EXPECTED_195[1:])
    assert len(images) == len(tl.shots)
    assert tl.shots[-1].end_frame == tl.video.frame_count


def test_issue_195_cuts(footage):
    tl, _ = _detect(footage / "pyscenedetect" / "issue-195-aspect-ratio.mp4", keyframes=0)
    assert all(t.type == "cut" for t in tl.transitions)
    assert _near([t.frame for t in tl.transitions], EXPECTED_195)


def test_goldeneye_vfr(footage):
    tl, _ = _detect(footage / "pyscenedetect" / "goldeneye-vfr-drop3.mp4")
    assert tl.video.vfr is True
    assert [t.frame for t in tl.transitions] == [60, 140]
    assert all(t.type == "cut" for t in tl.transitions)
    jsonschema.validate(tl.to_dict(), load_schema())


def test_issue_134_rotation(footage):
    tl, images = _detect(footage / "pyscenedetect" / "issue-134-rotate.mp4")
    assert tl.video.rotation == 90
    assert tl.video.width > tl.video.height  # coded landscape ...
    assert images
    for img in images:
        assert img.shape[0] > img.shape[1]  # ... shown portrait
        assert img.shape[:2] == (tl.video.width, tl.video.height)
    jsonschema.validate(tl.to_dict(), load_schema())


def test_traffic_camera_no_transitions(footage):
    tl, images = _detect(footage / "dvr-scan" / "traffic_camera.mp4")
    assert tl.transitions == []
    assert len(tl.shots) == 1
    assert len(images) == 1
    assert tl.shots[0].end_frame == tl.video.frame_count
