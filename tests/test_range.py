"""--start / --end / --duration: only part of a video analysed, with the whole video's frame numbers and times."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest

from shotdetect.decode import open_source
from shotdetect.decode.span import SpanSource, parse_position
from shotdetect.edit.load import load_timeline
from tooling.synth import ShotSpec, render_clip

#: Cuts at frames 40, 70, 105, 135, 180, 210 (250 frames, 10 s at 25 fps).
SHOTS = [ShotSpec(n, seed=60 + i, motion=2.0) for i, n in enumerate([40, 30, 35, 30, 45, 30, 40])]
CUTS = [40, 70, 105, 135, 180, 210]


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """An H.264 MP4 with B-frames (seeked) and two that are decoded from the start: VFR H.264, VP9 WebM."""
    folder = tmp_path_factory.mktemp("range")
    out = {}
    for name, kw in {"h264.mp4": {"options": {"preset": "fast", "bf": "3"}, "gop": 30},
                     "vfr.mp4": {"options": {"preset": "ultrafast"}, "vfr": True},
                     "vp9.webm": {"codec": "libvpx-vp9"}}.items():
        truth = render_clip(folder / name, SHOTS, size=(256, 144), **kw)
        assert [t["frame"] for t in truth["transitions"]] == CUTS
        out[name] = folder / name
    return out


def _timeline(*args):
    result = run_cli(*args, "--json", "-", "--no-images", "-q")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _cuts(doc):
    return [s["start_frame"] for s in doc["shots"][1:]]


@pytest.mark.parametrize("name,seeks", [("h264.mp4", True), ("vfr.mp4", False), ("vp9.webm", False)])
def test_cut_frames_match_the_full_run(clips, name, seeks):
    full = _timeline(clips[name])
    assert _cuts(full) == CUTS
    part = _timeline(clips[name], "--start", "97f", "--end", "200f")
    assert _cuts(part) == [105, 135, 180]
    assert part["shots"][0]["start_frame"] == 97 and part["shots"][-1]["end_frame"] == 200
    times = {s["start_frame"]: s["start_time"] for s in full["shots"]}
    assert [s["start_time"] for s in part["shots"][1:]] == [times[f] for f in (105, 135, 180)]
    assert part["video"]["range"]["start_frame"] == 97 and part["video"]["range"]["end_frame"] == 200
    with open_source(clips[name]) as reader:  # the MP4 is seeked; the others are decoded from the start
        span = SpanSource(reader, parse_position("97f"))
        first = next(iter(span))
        assert span.seeked is seeks and first.index == 97


def test_seconds_and_duration(clips):
    doc = _timeline(clips["h264.mp4"], "--start", "0:03.3", "--duration", "4.7s")
    assert doc["video"]["range"] == {"start_frame": 83, "end_frame": 200, "start": 3.32, "end": 8.0}
    assert _cuts(doc) == [105, 135, 180]
    assert doc["shots"][0]["start_time"] == 3.32


def test_exports_use_the_original_files_times(clips, tmp_path):
    out = tmp_path / "out"
    result = run_cli(clips["h264.mp4"], "--out", out, "--start", "3.3", "--end", "8", "--export",
                     "edl,otio,csv", "-q")
    assert result.returncode == 0, result.stderr
    edl = [line.split() for line in (out / "timeline.edl").read_text().splitlines() if line[:3].isdigit()]
    assert [(e[4], e[5]) for e in edl] == [("00:00:03:08", "00:00:04:05"), ("00:00:04:05", "00:00:05:10"),
                                           ("00:00:05:10", "00:00:07:05"), ("00:00:07:05", "00:00:08:00")]
    otio = json.loads((out / "timeline.otio").read_text())
    clips_ = otio["tracks"]["children"][0]["children"]
    assert [c["source_range"]["start_time"]["value"] for c in clips_] == [83, 105, 135, 180]
    rows = (out / "scenes.csv").read_text().splitlines()[1:]
    assert [r.split(",")[1] for r in rows] == ["84", "106", "136", "181"]  # PySceneDetect counts from 1
    keyframe = json.loads((out / "timeline.json").read_text())["shots"][0]["keyframes"][0]
    assert 83 <= keyframe["frame"] < 105 and (out / keyframe["file"]).is_file()
    again = load_timeline(out / "timeline.json")  # the range reads back
    assert again.video.range is not None and again.video.range.start_frame == 83
    assert [s.start_frame for s in again.shots] == [83, 105, 135, 180]


def test_range_errors(clips):
    past = run_cli(clips["h264.mp4"], "--start", "30", "-q")
    assert past.returncode == 3 and "past the end" in past.stderr and len(past.stderr.splitlines()) == 1
    past = run_cli(clips["vfr.mp4"], "--start", "900f", "-q")
    assert past.returncode == 3 and "past the end" in past.stderr
    backwards = run_cli(clips["h264.mp4"], "--start", "5", "--end", "4")
    assert backwards.returncode == 2 and "--end" in backwards.stderr
    backwards = run_cli(clips["h264.mp4"], "--start", "00:00:05:10", "--end", "00:00:05:02", "-q")
    assert backwards.returncode == 2 and "must come after" in backwards.stderr
    assert len(backwards.stderr.strip().splitlines()) == 1
    timecodes = _timeline(clips["h264.mp4"], "--start", "00:00:03:22", "--end", "00:00:08:00")
    assert timecodes["video"]["range"]["start_frame"] == 97 and _cuts(timecodes) == [105, 135, 180]
    bad = run_cli(clips["h264.mp4"], "--start", "soon")
    assert bad.returncode == 2 and "not a time or frame" in bad.stderr


def test_config_file_sets_the_range(clips, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('start = "97f"\nend = "200f"\nroi = "0,0,128,72"\n')
    doc = _timeline(clips["h264.mp4"], "--config", config)
    assert doc["video"]["range"]["start_frame"] == 97 and _cuts(doc) == [105, 135, 180]
    assert doc["tool"]["settings"]["roi"] == [0, 0, 128, 72]


def test_positions():
    assert parse_position("1:02.5").value == Fraction(125, 2)
    assert parse_position("1:00:02").value == 3602
    assert parse_position("300f").unit == "frame"
    assert parse_position("00:00:02:12", timecode_fps=Fraction(25)).value == 62
    for bad in ("", "-1", "1:75", "xf", "nan"):
        with pytest.raises(ValueError):
            parse_position(bad)
