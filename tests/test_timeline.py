"""The result model: SMPTE timecodes and the JSON form of a timeline."""

from __future__ import annotations

import json
from fractions import Fraction

import jsonschema
import pytest

from shotdetect.export import load_schema, to_json
from shotdetect.timeline import Keyframe, Shot, Timeline, Transition, VideoInfo, timecode

NTSC = Fraction(30000, 1001)
NTSC60 = Fraction(60000, 1001)


def at(frame, fps):
    """Exact time of a frame number at a frame rate."""
    return Fraction(frame) / fps


@pytest.mark.parametrize("frame, expected", [
    (0, "00:00:00;00"),
    (29, "00:00:00;29"),
    (30, "00:00:01;00"),
    (1799, "00:00:59;29"),
    (1800, "00:01:00;02"),   # frame numbers ;00 and ;01 are dropped at each minute
    (1801, "00:01:00;03"),
    (3597, "00:01:59;29"),
    (3598, "00:02:00;02"),
    (17981, "00:09:59;29"),
    (17982, "00:10:00;00"),  # ... except every tenth minute
    (17983, "00:10:00;01"),
    (18000, "00:10:00;18"),
    (19782, "00:11:00;02"),
    (107892, "01:00:00;00"),
])
def test_drop_frame_2997(frame, expected):
    assert timecode(at(frame, NTSC), NTSC) == expected


def test_drop_frame_2997_from_float_seconds():
    assert timecode(60.06, NTSC) == "00:01:00;02"  # 1800 frames of 1001/30000 s


@pytest.mark.parametrize("frame, expected", [
    (3599, "00:00:59;59"),
    (3600, "00:01:00;04"),   # 59.94 drops four frame numbers a minute
    (35964, "00:10:00;00"),
])
def test_drop_frame_5994(frame, expected):
    assert timecode(at(frame, NTSC60), NTSC60) == expected


@pytest.mark.parametrize("seconds, fps, expected", [
    (0, Fraction(25), "00:00:00:00"),
    (Fraction(24, 25), Fraction(25), "00:00:00:24"),
    (1, Fraction(25), "00:00:01:00"),
    (Fraction(93087, 25), Fraction(25), "01:02:03:12"),
    (3723.48, Fraction(25), "01:02:03:12"),
    (Fraction(1001, 1000), Fraction(24000, 1001), "00:00:01:00"),  # 23.976 is non-drop
    (Fraction(239 * 1001, 24000), Fraction(24000, 1001), "00:00:09:23"),
    (Fraction(10), Fraction(24000, 1001), "00:00:10:00"),  # 239.76 frames round to frame 240
    (Fraction(1, 2), Fraction(50), "00:00:00:25"),
])
def test_non_drop(seconds, fps, expected):
    tc = timecode(seconds, fps)
    assert tc == expected
    assert ";" not in tc


def test_no_frame_rate_uses_hundredths():
    assert timecode(1.234, None) == "00:00:01.23"
    assert timecode(Fraction(3725, 1), None) == "01:02:05.00"


def _timeline(vfr=False):
    third = Fraction(1, 3)
    info = VideoInfo(path="x.mp4", width=320, height=240, fps=Fraction(30000, 1001), frame_count=90,
                     duration=Fraction(3003, 1000), time_base=Fraction(1, 30000), vfr=vfr,
                     sample_aspect_ratio=Fraction(1))
    t = Transition(type="cut", frame=10, start_frame=10, end_frame=10, time=third, start_time=third,
                   end_time=third, score=0.123456789)
    shots = [
        Shot(0, 10, Fraction(0), third, (Keyframe(4, Fraction(2, 15), "shot-0000-1.jpg"),)),
        Shot(10, 90, third, Fraction(3003, 1000), (Keyframe(50, Fraction(5, 3)),)),
    ]
    return Timeline(video=info, transitions=[t], shots=shots, settings={"sensitivity": 0.5})


def test_json_rounding_and_schema():
    doc = _timeline().to_dict()
    jsonschema.validate(doc, load_schema())
    tr = doc["transitions"][0]
    assert tr["time"] == 0.333333 and tr["start_time"] == 0.333333 and tr["end_time"] == 0.333333
    assert tr["score"] == 0.1235
    assert tr["timecode"] == "00:00:00;10"
    assert doc["shots"][1]["keyframes"][0] == {"frame": 50, "time": 1.666667, "file": None}
    assert doc["shots"][0]["keyframes"][0]["file"] == "shot-0000-1.jpg"
    assert doc["video"]["fps"] == "30000/1001"
    assert doc["video"]["duration"] == 3.003
    assert doc["video"]["time_base"] == "1/30000"
    assert doc["video"]["sample_aspect_ratio"] == "1/1"
    assert [s["index"] for s in doc["shots"]] == [0, 1]
    # the text form round-trips
    assert json.loads(to_json(_timeline())) == doc
    assert to_json(_timeline()).endswith("\n")


def test_model_properties():
    tl = _timeline()
    assert tl.cuts == [10]
    assert [s.frame_count for s in tl.shots] == [10, 80]
    assert VideoInfo("a", 720, 576, sample_aspect_ratio=Fraction(16, 15)).display_size == (768, 576)
    assert VideoInfo("a", 320, 240, rotation=90).display_size == (240, 320)


def test_schema_rejects_bad_documents():
    schema = load_schema()
    doc = _timeline().to_dict()
    bad = json.loads(json.dumps(doc))
    bad["transitions"][0]["type"] = "spin"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = json.loads(json.dumps(doc))
    bad["video"]["rotation"] = -90
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
    bad = json.loads(json.dumps(doc))
    del bad["shots"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
