"""``shotdetect export``: a saved timeline edited by hand (a cut moved, one deleted, one added) is
exported into every format and each file is read back with its own reader (OTIO's adapters for the
EDL and the FCPXML) to check that it holds exactly the edited cuts. Also: PySceneDetect scene lists
in (``--from``) and out (``scenedetect load-scenes`` reads our ``scenes.csv``), and bad timelines."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import _render
from tooling.synth import ShotSpec

otio = pytest.importorskip("opentimelineio")

SHOTS = [ShotSpec(25, seed=41), ShotSpec(30, seed=42, motion=2.0), ShotSpec(25, seed=43)]
EDITED_CUTS = [40, 60]  # the cut at 25 deleted, the one at 55 moved to 60, one added at 40


def run_cli(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


def one_error_line(proc, code, *words):
    assert proc.returncode == code, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("shotdetect: error:"), proc.stderr
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory):
    """A 25 fps clip with cuts at 25 and 55, analysed into a folder with its keyframes."""
    folder = tmp_path_factory.mktemp("reexport")
    video, truth = _render(folder, "clip.mp4", SHOTS)
    proc = run_cli(video, "--out", folder / "run", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((folder / "run" / "timeline.json").read_text())
    assert [t["frame"] for t in doc["transitions"]] == [25, 55]
    return folder, video, doc


def hand_edit(doc):
    """What an editor does in a text editor: change ``transitions`` only, leave ``shots`` stale."""
    doc = json.loads(json.dumps(doc))
    moved = dict(doc["transitions"][1], frame=60, start_frame=60, end_frame=60)
    added = dict(doc["transitions"][0], frame=40, start_frame=40, end_frame=40)
    doc["transitions"] = [moved, added]  # out of order on purpose
    return doc


def test_hand_edited_timeline_round_trips_through_every_format(analysed, tmp_path):
    folder, video, doc = analysed
    edited = folder / "run" / "edited.json"
    edited.write_text(json.dumps(hand_edit(doc)))
    out = tmp_path / "export"
    proc = run_cli("export", edited, "--to", "edl,otio,fcpxml,csv,chapters,html", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in out.iterdir()} == {
        ".shotdetect-manifest.json", "timeline.edl", "timeline.otio", "timeline.fcpxml", "scenes.csv", "transitions.csv",
        "chapters.vtt", "chapters.ffmetadata", "chapters.txt", "report.html"}
    want = [0, *EDITED_CUTS]

    # OTIO: clip starts in frames at the video's own 25 fps.
    timeline = otio.adapters.read_from_file(str(out / "timeline.otio"))
    clips = list(timeline.tracks[0].find_clips())
    assert [c.range_in_parent().start_time.to_frames() for c in clips] == want
    assert clips[-1].range_in_parent().end_time_exclusive().to_frames() == 80
    assert clips[0].media_reference.target_url == video.resolve().as_uri()

    # EDL through OTIO's cmx_3600 reader, at the rate the EDL states.
    text = (out / "timeline.edl").read_text()
    assert "FCM: NON-DROP FRAME" in text and "* FRAME RATE: 25 FPS" in text
    edl = otio.adapters.read_from_file(str(out / "timeline.edl"), adapter_name="cmx_3600", rate=25)
    assert [c.range_in_parent().start_time.to_frames() for c in edl.tracks[0].find_clips()] == want

    # FCPXML through OTIO's fcpx_xml reader (which may truncate to one frame early).
    fcp = otio.adapters.read_from_file(str(out / "timeline.fcpxml"), adapter_name="fcpx_xml")
    got = [round(c.range_in_parent().start_time.to_seconds() * 25) for c in fcp.find_clips()]
    assert len(got) == len(want) and all(w - 1 <= g <= w for g, w in zip(got, want)), got
    assert 'tcFormat="NDF"' in (out / "timeline.fcpxml").read_text()

    # CSV: the scene list counts frames from 1 (PySceneDetect's way), transitions from 0.
    with open(out / "scenes.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["Start Frame"]) - 1 for r in rows] == want
    assert [int(r["End Frame"]) for r in rows] == [40, 60, 80]
    with open(out / "transitions.csv", newline="") as f:
        assert [int(r["frame"]) for r in csv.DictReader(f)] == EDITED_CUTS

    # Chapters: one per shot, starting at the cut times.
    starts = re.findall(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) -->", (out / "chapters.vtt").read_text(), re.M)
    assert [round((int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000) * 25) for h, m, s, ms in starts] == want
    meta = (out / "chapters.ffmetadata").read_text()
    assert re.findall(r"^START=(\d+)", meta, re.M) == ["0", "1600", "2400"]  # TIMEBASE=1/1000

    # The report names the edited shots; keyframes of the original run still show.
    html = (out / "report.html").read_text()
    assert html.count("data:image/jpeg;base64,") >= 1
    assert "Shot 3" in html or "shot 3" in html.lower()


def test_keyframes_follow_the_shot_that_now_holds_them(analysed):
    from shotdetect.edit import timeline_from_dict

    folder, video, doc = analysed
    timeline = timeline_from_dict(hand_edit(doc))
    assert [(s.start_frame, s.end_frame) for s in timeline.shots] == [(0, 40), (40, 60), (60, 80)]
    keyframes = [k["frame"] for s in doc["shots"] for k in s["keyframes"]]
    assert sorted(k.frame for s in timeline.shots for k in s.keyframes) == sorted(keyframes)
    for shot in timeline.shots:
        assert all(shot.start_frame <= k.frame < shot.end_frame for k in shot.keyframes)
    assert [float(t.time) for t in timeline.transitions] == [40 / 25, 60 / 25]


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="split needs the ffmpeg program")
def test_split_from_an_edited_timeline(analysed, tmp_path):
    folder, video, doc = analysed
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(hand_edit(doc)))
    out = tmp_path / "split"
    proc = run_cli("export", edited, "--to", "split", "--split-accurate", "--video", video, "--out", out)
    assert proc.returncode == 0, proc.stderr
    import av

    counts = []
    for part in sorted(out.glob("shot-*.mp4")):
        with av.open(str(part)) as c:
            counts.append(sum(1 for _ in c.decode(video=0)))
    assert counts == [40, 20, 20]


def test_edited_entries_keep_their_mark(analysed, tmp_path):
    from shotdetect.edit import timeline_from_dict
    from shotdetect.export import load_schema
    import jsonschema

    folder, video, doc = analysed
    edited = hand_edit(doc)
    edited["transitions"][0]["edited"] = True
    out = timeline_from_dict(edited).to_dict()
    jsonschema.validate(out, load_schema())
    assert [(t["frame"], t.get("edited", False)) for t in out["transitions"]] == [(40, False), (60, True)]


@pytest.mark.parametrize("change, words", [
    (lambda d: d["transitions"][0].update(frame=-1), ["transitions[0].frame", "minimum"]),
    (lambda d: d["transitions"][0].update(type="jump"), ["transitions[0].type", "jump"]),
    (lambda d: d["transitions"][0].update(frame=80, start_frame=80, end_frame=80), ["outside the video"]),
    (lambda d: d["transitions"].append(dict(d["transitions"][0])), ["overlaps"]),
    (lambda d: d.pop("video"), ["video", "required"]),
])
def test_bad_timelines_are_one_line_errors(analysed, tmp_path, change, words):
    folder, video, doc = analysed
    bad = json.loads(json.dumps(doc))
    change(bad)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))
    one_error_line(run_cli("export", path, "--to", "edl", "--out", tmp_path / "x"), 3, "bad.json", *words)
    assert not (tmp_path / "x").exists()


def test_usage_errors(analysed, tmp_path):
    folder, video, doc = analysed
    timeline = folder / "run" / "timeline.json"
    one_error_line(run_cli("export", timeline, "--to", "mov", "--out", tmp_path / "x"), 2, "mov")
    one_error_line(run_cli("export", "--from", "s.csv", "--to", "edl", "--out", tmp_path / "x"), 2, "--video")
    one_error_line(run_cli("export", timeline, "--to", "edl", "--edl-rate", "17", "--out", tmp_path / "x"), 2,
                   "edit rate")
    (tmp_path / "n.json").write_text("{not json")
    one_error_line(run_cli("export", tmp_path / "n.json", "--to", "edl", "--out", tmp_path / "x"), 3, "not JSON")


def test_existing_exports_are_refused_without_overwrite(analysed, tmp_path):
    folder, video, doc = analysed
    timeline = folder / "run" / "timeline.json"
    out = tmp_path / "out"
    assert run_cli("export", timeline, "--to", "csv", "--out", out).returncode == 0
    one_error_line(run_cli("export", timeline, "--to", "csv", "--out", out), 5, "--overwrite")
    assert run_cli("export", timeline, "--to", "csv", "--out", out, "--overwrite").returncode == 0
    # a file the user put there makes the folder theirs: refused even with --overwrite, and kept
    (out / "notes.txt").write_text("mine")
    assert run_cli("export", timeline, "--to", "csv", "--out", out, "--overwrite").returncode == 5
    assert (out / "notes.txt").read_text() == "mine"


PYSCENEDETECT_LIST = """\
Timecode List:,00:00:01.000,00:00:02.200
Scene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,End Timecode,End Time (seconds),\
Length (frames),Length (timecode),Length (seconds)
1,1,00:00:00.000,0.000,25,00:00:01.000,1.000,25,00:00:01.000,1.000
2,26,00:00:01.000,1.000,55,00:00:02.200,2.200,30,00:00:01.200,1.200
3,56,00:00:02.200,2.200,80,00:00:03.200,3.200,25,00:00:01.000,1.000
"""


def test_from_a_pyscenedetect_scene_list(analysed, tmp_path):
    folder, video, doc = analysed
    scenes = tmp_path / "clip-Scenes.csv"
    scenes.write_text(PYSCENEDETECT_LIST)
    out = tmp_path / "out"
    proc = run_cli("export", "--from", scenes, "--video", video, "--to", "edl,csv", "--out", out)
    assert proc.returncode == 0, proc.stderr
    with open(out / "transitions.csv", newline="") as f:
        assert [int(r["frame"]) for r in csv.DictReader(f)] == [25, 55]
    edl = otio.adapters.read_from_file(str(out / "timeline.edl"), adapter_name="cmx_3600", rate=25)
    assert [c.range_in_parent().start_time.to_frames() for c in edl.tracks[0].find_clips()] == [0, 25, 55]
    # Our own scene list reads back the same way.
    proc = run_cli("export", "--from", out / "scenes.csv", "--video", video, "--to", "csv", "--out", tmp_path / "again")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "again" / "scenes.csv").read_text() == (out / "scenes.csv").read_text()


def _scenedetect():
    """PySceneDetect's command, installed next to this Python or on PATH."""
    return shutil.which("scenedetect", path=str(Path(sys.executable).parent)) or shutil.which("scenedetect")


@pytest.mark.skipif(_scenedetect() is None, reason="PySceneDetect is not installed (pip install scenedetect)")
def test_pyscenedetect_load_scenes_accepts_our_scene_list(analysed, tmp_path):
    """PySceneDetect's own ``load-scenes`` reads ``scenes.csv`` and finds the same scenes."""
    folder, video, doc = analysed
    out = tmp_path / "ours"
    assert run_cli("export", folder / "run" / "timeline.json", "--to", "csv", "--out", out).returncode == 0
    theirs = tmp_path / "theirs"
    proc = subprocess.run([_scenedetect(), "-i", str(video), "-o", str(theirs), "load-scenes", "-i",
                           str(out / "scenes.csv"), "list-scenes", "-q", "-f", "listed.csv"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = (theirs / "listed.csv").read_text().splitlines()
    rows = list(csv.DictReader(lines[1:] if lines[0].startswith("Timecode List") else lines))
    with open(out / "scenes.csv", newline="") as f:
        ours = list(csv.DictReader(f))
    assert [(r["Start Frame"], r["End Frame"]) for r in rows] == [(r["Start Frame"], r["End Frame"]) for r in ours]
    assert [int(r["Start Frame"]) - 1 for r in rows] == [s["start_frame"] for s in doc["shots"]]


def test_video_found_next_to_the_timeline(analysed, tmp_path):
    """A timeline naming its video by a relative path finds it beside itself, from any folder."""
    folder, video, doc = analysed
    moved = tmp_path / "project"
    moved.mkdir()
    shutil.copyfile(video, moved / "clip.mp4")
    edited = dict(doc, video=dict(doc["video"], path="clip.mp4"))
    (moved / "timeline.json").write_text(json.dumps(edited))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = subprocess.run([sys.executable, "-m", "shotdetect", "export", str(moved / "timeline.json"), "--to", "otio",
                           "--out", "out"], cwd=elsewhere, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    timeline = otio.adapters.read_from_file(str(elsewhere / "out" / "timeline.otio"))
    clip = next(iter(timeline.tracks[0].find_clips()))
    assert clip.media_reference.target_url == (moved / "clip.mp4").resolve().as_uri()


def test_a_scene_list_becomes_a_timeline_json(analysed, tmp_path):
    """``--to json``: a PySceneDetect list as a checked timeline.json, which then exports (and reviews) like any."""
    import jsonschema

    from shotdetect.export import load_schema

    folder, video, doc = analysed
    scenes = tmp_path / "clip-Scenes.csv"
    scenes.write_text(PYSCENEDETECT_LIST)
    proc = run_cli("export", "--from", scenes, "--video", video, "--to", "json", "--out", tmp_path / "j")
    assert proc.returncode == 0, proc.stderr
    made = json.loads((tmp_path / "j" / "timeline.json").read_text())
    jsonschema.validate(made, load_schema())
    assert [t["frame"] for t in made["transitions"]] == [25, 55]
    assert [(s["start_frame"], s["end_frame"]) for s in made["shots"]] == [(0, 25), (25, 55), (55, 80)]
    assert made["video"]["frame_count"] == doc["video"]["frame_count"]
    # Never written over its own input.
    one_error_line(run_cli("export", tmp_path / "j" / "timeline.json", "--to", "json", "--out", tmp_path / "j",
                           "--overwrite"), 5, "input")


def test_exports_added_to_a_folder_of_results_keep_its_keyframes(analysed, tmp_path):
    """``export --out`` into the folder a detection wrote: the new files join the results, the
    keyframes and timeline.json stay, and the manifest lists them all."""
    folder, video, doc = analysed
    out = tmp_path / "results"
    assert run_cli(video, "--out", out, "-q").returncode == 0
    pictures = sorted(p.name for p in out.glob("shot-*.jpg"))
    assert pictures
    proc = run_cli("export", out / "timeline.json", "--to", "edl", "--out", out, "--overwrite")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.glob("shot-*.jpg")) == pictures and (out / "timeline.edl").is_file()
    listed = {f["name"] for f in json.loads((out / ".shotdetect-manifest.json").read_text())["files"]}
    assert {*pictures, "timeline.json", "timeline.edl"} <= listed
