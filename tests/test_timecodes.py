"""One timecode rate and numbering in every output: drop-frame at 29.97 and 59.94 in timeline.json,
transitions.csv, the EDL, the FCPXML and the OTIO metadata, or in none of them; a variable-frame-rate
EDL says which rate it uses, and ``--edl-rate`` sets it."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from fractions import Fraction

import pytest

from conftest import _render
from shotdetect.export.editorial import write_edl, write_fcpxml
from shotdetect.rates import exact_rate, is_drop_frame, parse_rate, timecode_rate
from tooling.synth import ShotSpec
from shotdetect.timeline import Shot, Timeline, Transition, VideoInfo

otio = pytest.importorskip("opentimelineio")

SHOTS = [ShotSpec(25, seed=41), ShotSpec(30, seed=42), ShotSpec(25, seed=43)]
ALL = "edl,fcpxml,otio,csv"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


def edl_record_ins(text):
    """Record-in timecode of every event, in order."""
    return [line.split()[-2] for line in text.splitlines() if re.match(r"^\d{3,}\s", line)]


def outputs(out):
    doc = json.loads((out / "timeline.json").read_text())
    with open(out / "transitions.csv", newline="") as f:
        csv_tc = [r["timecode"] for r in csv.DictReader(f)]
    edl = (out / "timeline.edl").read_text()
    fcpxml = (out / "timeline.fcpxml").read_text()
    timeline = otio.adapters.read_from_file(str(out / "timeline.otio"))
    meta = dict(timeline.metadata["shotdetect"]["timecode"])
    return doc, csv_tc, edl, fcpxml, meta


@pytest.mark.parametrize("fps, drop", [(Fraction(30000, 1001), True), (Fraction(25), False)])
def test_one_numbering_everywhere(tmp_path, fps, drop):
    video, truth = _render(tmp_path, "clip.mp4", SHOTS, fps=fps)
    out = tmp_path / "out"
    proc = run_cli(video, "--out", out, "--no-images", "--export", ALL, "-q")
    assert proc.returncode == 0, proc.stderr
    doc, csv_tc, edl, fcpxml, meta = outputs(out)
    json_tc = [t["timecode"] for t in doc["transitions"]]
    assert len(json_tc) == 2
    separator = ";" if drop else ":"
    assert all(tc[8] == separator for tc in json_tc + csv_tc + edl_record_ins(edl))
    assert csv_tc == json_tc
    assert edl_record_ins(edl)[1:] == json_tc  # each later event starts at a cut
    assert ("FCM: DROP FRAME" in edl) == drop and ("FCM: NON-DROP FRAME" in edl) == (not drop)
    assert f'tcFormat="{"DF" if drop else "NDF"}"' in fcpxml
    assert meta == {"rate": str(fps), "drop_frame": drop}


def make_timeline(fps, *, vfr=False, times=None):
    """Cuts at frames 30 and 66 of 90 frames; ``times`` maps frame -> seconds."""
    t = (lambda f: Fraction(times[f])) if times else (lambda f: f / Fraction(fps))
    video = VideoInfo(path="/media/a.mp4", width=320, height=180, fps=Fraction(fps), frame_count=90,
                      duration=t(90), time_base=Fraction(1, 90000), vfr=vfr)
    bounds = [0, 30, 66, 90]
    shots = [Shot(a, b, t(a), t(b)) for a, b in zip(bounds, bounds[1:])]
    cuts = [Transition("cut", f, f, f, t(f), t(f), t(f), 0.9) for f in bounds[1:-1]]
    return Timeline(video=video, transitions=cuts, shots=shots)


def test_a_container_rate_near_ntsc_is_ntsc_everywhere(tmp_path):
    """2997/100 (as some containers store 29.97): drop-frame in the JSON as in the EDL."""
    tl = make_timeline(Fraction(2997, 100))
    assert exact_rate(Fraction(2997, 100)) == Fraction(30000, 1001)
    tcs = [t["timecode"] for t in tl.to_dict()["transitions"]]
    write_edl(tl, tmp_path / "t.edl", source="/media/a.mp4")
    write_fcpxml(tl, tmp_path / "t.fcpxml", source="/media/a.mp4")
    edl = (tmp_path / "t.edl").read_text()
    assert "FCM: DROP FRAME" in edl and edl_record_ins(edl)[1:] == tcs
    assert all(";" in tc for tc in tcs)
    assert 'tcFormat="DF"' in (tmp_path / "t.fcpxml").read_text()


def test_vfr_edl_states_its_rate_and_json_agrees(tmp_path):
    video, truth = _render(tmp_path, "vfr.mp4", SHOTS, vfr=True)
    out = tmp_path / "out"
    proc = run_cli(video, "--out", out, "--no-images", "--export", ALL, "-q")
    assert proc.returncode == 0, proc.stderr
    doc, csv_tc, edl, fcpxml, meta = outputs(out)
    assert doc["video"]["vfr"] is True
    rate = re.search(r"^\* FRAME RATE: ([0-9.]+) FPS \(VARIABLE FRAME RATE", edl, re.M)
    assert rate, edl
    assert parse_rate(rate.group(1)) == Fraction(meta["rate"])
    json_tc = [t["timecode"] for t in doc["transitions"]]
    assert edl_record_ins(edl)[1:] == json_tc == csv_tc
    # The EDL reads back at the rate it states, every cut at its time rounded to that rate.
    edl_rate = float(parse_rate(rate.group(1)))
    back = otio.adapters.read_from_file(str(out / "timeline.edl"), adapter_name="cmx_3600", rate=edl_rate)
    starts = [c.range_in_parent().start_time.to_seconds() for c in back.tracks[0].find_clips()][1:]
    assert starts == pytest.approx([t["time"] for t in doc["transitions"]], abs=0.5 / edl_rate)

    # --edl-rate sets it (here through the export command, from the saved timeline).
    again = tmp_path / "again"
    proc = run_cli("export", out / "timeline.json", "--to", "edl", "--edl-rate", "25", "--out", again)
    assert proc.returncode == 0, proc.stderr
    edl25 = (again / "timeline.edl").read_text()
    assert "* FRAME RATE: 25 FPS (SET WITH --EDL-RATE)" in edl25 and "FCM: NON-DROP FRAME" in edl25
    back = otio.adapters.read_from_file(str(again / "timeline.edl"), adapter_name="cmx_3600", rate=25)
    starts = [c.range_in_parent().start_time.to_frames() for c in back.tracks[0].find_clips()][1:]
    assert starts == [round(t["time"] * 25) for t in doc["transitions"]]


def test_edl_rate_on_the_main_command(tmp_path):
    video, truth = _render(tmp_path, "clip.mp4", SHOTS)
    out = tmp_path / "out"
    proc = run_cli(video, "--out", out, "--no-images", "--export", "edl", "--edl-rate", "29.97", "-q")
    assert proc.returncode == 0, proc.stderr
    edl = (out / "timeline.edl").read_text()
    assert "FCM: DROP FRAME" in edl and "* FRAME RATE: 29.97 FPS (SET WITH --EDL-RATE)" in edl
    proc = run_cli(video, "--out", tmp_path / "x", "--export", "csv", "--edl-rate", "25")
    assert proc.returncode == 2 and "--edl-rate needs --export edl or fcpxml" in proc.stderr


def test_rate_helpers():
    assert is_drop_frame(Fraction(60000, 1001)) and is_drop_frame(29.97)
    assert not is_drop_frame(Fraction(24000, 1001)) and not is_drop_frame(Fraction(30))
    assert parse_rate("23.976") == Fraction(24000, 1001) and parse_rate("30000/1001") == Fraction(30000, 1001)
    with pytest.raises(ValueError):
        parse_rate("17")
    assert timecode_rate(make_timeline(Fraction(15)).video) == Fraction(15)
