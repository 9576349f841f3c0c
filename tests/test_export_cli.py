"""``shotdetect VIDEO --out DIR --export ...`` and ``--split`` as a user runs them, every file read back
with its own reader and compared with ``timeline.json``."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

import shotdetect
from shotdetect.cli import main
from shotdetect.export.formats import ExportOptions
from tooling.synth import ShotSpec, TransitionSpec

from conftest import _render

otio = pytest.importorskip("opentimelineio")

HAVE_FFMPEG = shutil.which("ffmpeg") is not None
needs_ffmpeg = pytest.mark.skipif(not HAVE_FFMPEG, reason="needs the ffmpeg program")

EXPORT_FILES = {"timeline.otio", "timeline.edl", "timeline.fcpxml", "scenes.csv", "transitions.csv",
                "chapters.vtt", "chapters.ffmetadata", "chapters.txt", "report.html"}


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=120, env=env)


def one_error_line(proc_or_err, code, *words):
    if isinstance(proc_or_err, subprocess.CompletedProcess):
        assert proc_or_err.returncode == code, proc_or_err.stderr
        err = proc_or_err.stderr
    else:
        err = proc_or_err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("shotdetect: error:"), err
    for word in words:
        assert word.lower() in lines[0].lower(), lines[0]
    return lines[0]


def count_frames(path):
    if shutil.which("ffprobe"):
        out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
                              "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
                             capture_output=True, text=True, timeout=60, check=True).stdout
        return int(out.split()[0])
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def luma_frames(path, limit=None):
    frames = []
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            frames.append(frame.to_ndarray(format="gray").astype(np.float32))
            if limit and len(frames) >= limit:
                break
    return frames


def edl_cut_frames(doc):
    """Where the EDL's events start: a dissolve event at the transition's first frame."""
    gradual = {t["frame"]: t for t in doc["transitions"] if t["type"] != "cut"}
    return [gradual[s["start_frame"]]["start_frame"] if s["start_frame"] in gradual else s["start_frame"]
            for s in doc["shots"]]


@pytest.fixture(scope="module")
def edit_clip(tmp_path_factory):
    """4 shots joined by a dissolve, a cut and a fade (150 frames, 25 fps)."""
    shots = [ShotSpec(40, seed=11), ShotSpec(45, seed=12, pan=(1.0, 0.0)), ShotSpec(35, seed=13), ShotSpec(30, seed=14)]
    transitions = [TransitionSpec("dissolve", 16), TransitionSpec("cut"), TransitionSpec("fade", 14, hold=2)]
    return _render(tmp_path_factory.mktemp("export-clips"), "edit clip.mp4", shots, transitions)


@pytest.fixture(scope="module")
def exported(edit_clip, tmp_path_factory):
    """The clip analysed once with every export and frame-exact splitting."""
    path, truth = edit_clip
    out = tmp_path_factory.mktemp("exported") / "out"
    args = [path, "--out", out, "--export", "all", "-q"]
    if HAVE_FFMPEG:
        args.append("--split-accurate")
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    doc = json.loads((out / "timeline.json").read_text())
    return path, out, doc


def test_every_file_lands_in_the_folder(exported):
    path, out, doc = exported
    names = {p.name for p in out.iterdir()}
    n = len(doc["shots"])
    assert n == 4 and [t["type"] for t in doc["transitions"]] == ["dissolve", "cut", "fade"]
    expected = EXPORT_FILES | {"timeline.json", ".shotdetect-manifest.json"} | {f"shot-{i:04d}-1.jpg" for i in range(n)}
    if HAVE_FFMPEG:
        expected |= {f"shot-{i:04d}.mp4" for i in range(n)}
    assert names == expected  # and no staging or temporary file left behind


def test_otio_matches_the_json(exported):
    path, out, doc = exported
    tl = otio.adapters.read_from_file(str(out / "timeline.otio"))
    (track,) = tl.video_tracks()
    clips = [c for c in track if isinstance(c, otio.schema.Clip)]
    assert [(c.source_range.start_time.value, c.source_range.end_time_exclusive().value) for c in clips] == \
        [(s["start_frame"], s["end_frame"]) for s in doc["shots"]]
    assert all(c.source_range.start_time.rate == 25.0 for c in clips)
    assert [track.range_of_child(c).start_time.to_seconds() for c in clips] == \
        pytest.approx([s["start_time"] for s in doc["shots"]], abs=1e-6)
    url = clips[0].media_reference.target_url
    assert url == Path(path).resolve().as_uri()
    assert otio.url_utils.filepath_from_url(url) == str(Path(path).resolve())
    assert clips[0].media_reference.available_range.duration.value == doc["video"]["frame_count"]
    transitions = [c for c in track if isinstance(c, otio.schema.Transition)]
    gradual = [t for t in doc["transitions"] if t["type"] != "cut"]
    assert len(transitions) == len(gradual) == 2
    for tr, t in zip(transitions, gradual):
        assert tr.transition_type == "SMPTE_Dissolve"
        assert tr.in_offset.value == t["frame"] - t["start_frame"]
        assert tr.out_offset.value == t["end_frame"] + 1 - t["frame"]


def test_edl_matches_the_json(exported):
    path, out, doc = exported
    text = (out / "timeline.edl").read_text()
    assert text.startswith("TITLE: edit clip\nFCM: NON-DROP FRAME\n")
    tl = otio.adapters.read_from_file(str(out / "timeline.edl"), rate=25)
    (track,) = tl.video_tracks()
    starts = [track.range_of_child(c).start_time.value for c in track if isinstance(c, otio.schema.Clip)]
    assert starts == edl_cut_frames(doc)
    lengths = [round(tr.out_offset.value) for tr in track if isinstance(tr, otio.schema.Transition)]
    assert lengths == [t["end_frame"] - t["start_frame"] + 1 for t in doc["transitions"] if t["type"] != "cut"]
    assert track.duration().value == doc["video"]["frame_count"]


def test_fcpxml_matches_the_json(exported):
    path, out, doc = exported
    root = ET.parse(out / "timeline.fcpxml").getroot()
    clips = root.findall("./project/sequence/spine/clip")
    seconds = [(Fraction(c.get("offset")[:-1]), Fraction(c.get("duration")[:-1])) for c in clips]
    want = [(s["start_frame"], s["end_frame"] - s["start_frame"]) for s in doc["shots"]]
    assert [(a * 25, b * 25) for a, b in seconds] == want  # exact rational seconds
    # OTIO's fcpx_xml reader converts seconds to frames with float maths and truncates
    # (29/25 s -> 28.999... -> 28), so its frames may be one short.
    tl = otio.adapters.read_from_file(str(out / "timeline.fcpxml"))
    (track,) = tl.video_tracks()
    got = [(track.range_of_child(c).start_time.value, c.source_range.duration.value)
           for c in track if isinstance(c, otio.schema.Clip)]
    assert len(got) == len(want)
    for (g_start, g_len), (w_start, w_len) in zip(got, want):
        assert w_start - 1 <= g_start <= w_start and w_len - 1 <= g_len <= w_len


def test_csv_matches_the_json(exported):
    path, out, doc = exported
    with open(out / "scenes.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(int(r["Start Frame"]) - 1, int(r["End Frame"])) for r in rows] == \
        [(s["start_frame"], s["end_frame"]) for s in doc["shots"]]
    assert [float(r["Start Time (seconds)"]) for r in rows] == pytest.approx([s["start_time"] for s in doc["shots"]])
    with open(out / "transitions.csv", newline="") as fh:
        trows = list(csv.DictReader(fh))
    assert trows[0]["timecode"] == doc["transitions"][0]["timecode"]
    assert [(r["type"], int(r["frame"]), int(r["start_frame"]), int(r["end_frame"])) for r in trows] == \
        [(t["type"], t["frame"], t["start_frame"], t["end_frame"]) for t in doc["transitions"]]


def test_chapters_match_the_json(exported):
    path, out, doc = exported
    vtt = (out / "chapters.vtt").read_text()
    starts = re.findall(r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) --> ", vtt, flags=re.M)
    assert vtt.startswith("WEBVTT\n")
    assert [((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms) for h, m, s, ms in starts] == \
        [round(s["start_time"] * 1000) for s in doc["shots"]]
    meta = (out / "chapters.ffmetadata").read_text()
    assert meta.startswith(";FFMETADATA1\n")
    assert [int(v) for v in re.findall(r"^START=(\d+)$", meta, flags=re.M)] == \
        [round(s["start_time"] * 1000) for s in doc["shots"]]
    assert (out / "chapters.txt").read_text() == "00:00 Shots 1-4\n"  # a 6 s video is one YouTube chapter


@needs_ffmpeg
def test_split_accurate_is_frame_exact(exported):
    path, out, doc = exported
    files = sorted(out.glob("shot-[0-9][0-9][0-9][0-9].mp4"))
    assert len(files) == len(doc["shots"])
    counts = [count_frames(f) for f in files]
    assert counts == [s["end_frame"] - s["start_frame"] for s in doc["shots"]]
    assert sum(counts) == doc["video"]["frame_count"]
    # Each file starts with its shot's first frame, not the frame before it.
    source = luma_frames(path)
    for f, shot in zip(files, doc["shots"]):
        first = luma_frames(f, limit=1)[0]
        k = shot["start_frame"]
        own = np.abs(first - source[k]).mean()
        assert own < 4.0, (f.name, own)
        if k:
            assert own < np.abs(first - source[k - 1]).mean()


@needs_ffmpeg
def test_split_copy_on_an_all_keyframe_clip(tmp_path):
    shots = [ShotSpec(20, seed=51), ShotSpec(22, seed=52), ShotSpec(18, seed=53)]
    path, _ = _render(tmp_path, "intra.mkv", shots, gop=1)
    out = tmp_path / "out"
    proc = run_cli(path, "--out", out, "--split", "--no-images", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "timeline.json").read_text())
    files = sorted(out.glob("shot-*.mkv"))
    assert [f.name for f in files] == [f"shot-{i:04d}.mkv" for i in range(len(doc["shots"]))]
    counts = [count_frames(f) for f in files]
    for got, shot in zip(counts, doc["shots"]):
        assert abs(got - (shot["end_frame"] - shot["start_frame"])) <= 1
    assert abs(sum(counts) - doc["video"]["frame_count"]) <= len(files)


@needs_ffmpeg
def test_real_vfr_and_ntsc_clips(vfr_clip, tmp_path):
    """Variable frame rate: the OTIO file is exact, EDL within half a frame, accurate split exact."""
    path, truth = vfr_clip
    timeline = shotdetect.detect(path, keyframes=0)
    assert timeline.video.vfr
    ExportOptions(formats=("otio", "edl", "split"), accurate=True).write(timeline, tmp_path, source=path)
    (track,) = otio.adapters.read_from_file(str(tmp_path / "timeline.otio")).video_tracks()
    clips = [c for c in track if isinstance(c, otio.schema.Clip)]
    for clip, shot in zip(clips, timeline.shots, strict=True):
        assert clip.source_range.start_time.to_seconds() == pytest.approx(float(shot.start_time), abs=1e-9)
    from shotdetect.export.editorial import edit_rate

    rate = float(edit_rate(timeline))
    (etrack,) = otio.adapters.read_from_file(str(tmp_path / "timeline.edl"), rate=rate).video_tracks()
    starts = [etrack.range_of_child(c).start_time.to_seconds() for c in etrack if isinstance(c, otio.schema.Clip)]
    assert starts == pytest.approx([float(s.start_time) for s in timeline.shots], abs=0.5 / rate + 1e-6)
    counts = [count_frames(f) for f in sorted(tmp_path.glob("shot-*.mp4"))]
    assert counts == [s.frame_count for s in timeline.shots]

    ntsc, _ = _render(tmp_path, "ntsc.mp4", [ShotSpec(20, seed=61), ShotSpec(20, seed=62)], fps=Fraction(30000, 1001))
    tl2 = shotdetect.detect(ntsc, keyframes=0)
    (tmp_path / "n").mkdir()
    ExportOptions(formats=("otio", "edl")).write(tl2, tmp_path / "n", source=ntsc)
    (ntrack,) = otio.adapters.read_from_file(str(tmp_path / "n" / "timeline.otio")).video_tracks()
    assert {c.source_range.duration.rate for c in ntrack if isinstance(c, otio.schema.Clip)} == {30000 / 1001}
    edl = (tmp_path / "n" / "timeline.edl").read_text()
    assert "FCM: DROP FRAME" in edl and "00:00:00;20" in edl


@needs_ffmpeg
def test_split_accurate_when_the_first_frame_is_not_at_zero(edit_clip, tmp_path):
    """MPEG-TS starts at 1.4 s: the cuts still fall on the shots' first frames."""
    path, _ = edit_clip
    ts = tmp_path / "clip.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-c", "copy", str(ts)],
                   check=True, capture_output=True, timeout=60)
    timeline = shotdetect.detect(ts, keyframes=0)
    assert timeline.video.start_time > 1
    written = ExportOptions(formats=("split",), accurate=True).write(timeline, tmp_path, source=ts)
    files = [p for p in written if p.suffix == ".ts"]
    assert [count_frames(f) for f in files] == [s.frame_count for s in timeline.shots]
    source = luma_frames(ts)
    for f, shot in zip(files[1:], timeline.shots[1:]):
        first = luma_frames(f, limit=1)[0]
        assert np.abs(first - source[shot.start_frame]).mean() < np.abs(first - source[shot.start_frame - 1]).mean()


# ------------------------------------------------------------------------------------ usage, errors


@pytest.mark.parametrize("args,words", [
    (["--export", "csv"], ["--export", "--out"]),
    (["--split"], ["--split", "--out"]),
    (["--split-accurate", "--json", "-"], ["--split", "--out"]),
    (["--out", "{out}", "--export", "csv,pdf"], ["pdf"]),
    (["--out", "{out}", "--min-chapter-len", "5"], ["--min-chapter-len", "chapters"]),
    (["--out", "{out}", "--export", "csv", "--min-chapter-len", "5"], ["--min-chapter-len", "chapters"]),
    (["--out", "{out}", "--export", "chapters", "--min-chapter-len", "-1"], ["--min-chapter-len"]),
])
def test_usage_errors(edit_clip, tmp_path, capsys, args, words):
    path, _ = edit_clip
    args = [a.replace("{out}", str(tmp_path / "o")) for a in args]
    with pytest.raises(SystemExit) as exc:
        raise SystemExit(main([str(path), *args]))
    assert exc.value.code == 2
    captured = capsys.readouterr()
    one_error_line(captured.err, 2, *words)
    assert not (tmp_path / "o").exists()


def test_missing_ffmpeg_is_one_line_and_writes_nothing(edit_clip, tmp_path):
    path, _ = edit_clip
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = dict(os.environ, PATH=str(empty))
    out = tmp_path / "o"
    proc = run_cli(path, "--out", out, "--split", "-q", env=env)
    one_error_line(proc, 5, "ffmpeg", "not on PATH")
    assert not out.exists()


def test_existing_exports_need_overwrite_and_are_replaced(edit_clip, tmp_path, capsys):
    path, _ = edit_clip
    out = tmp_path / "o"
    assert main([str(path), "--out", str(out), "--export", "html,chapters", "--no-images", "-q"]) == 0
    (out / "timeline.json").unlink()  # even without the timeline, exports count as results
    assert main([str(path), "--out", str(out), "--export", "csv", "-q"]) == 5
    one_error_line(capsys.readouterr().err, 5, "already holds results", "--overwrite")
    assert main([str(path), "--out", str(out), "--export", "csv", "--no-images", "-q", "--overwrite"]) == 0
    assert sorted(p.name for p in out.iterdir()) == [".shotdetect-manifest.json", "scenes.csv", "timeline.json",
                                                     "transitions.csv"]


@needs_ffmpeg
def test_the_input_is_never_replaced_by_a_split_file(edit_clip, tmp_path, capsys):
    path, _ = edit_clip
    video = tmp_path / "shot-0001.mp4"
    shutil.copy(path, video)
    size = video.stat().st_size
    assert main([str(video), "--out", str(tmp_path), "--split", "--overwrite", "-q"]) == 5
    one_error_line(capsys.readouterr().err, 5, "input")
    assert video.stat().st_size == size
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shot-0001.mp4"]


def test_batch_writes_exports_per_video(edit_clip, tmp_path):
    path, _ = edit_clip
    other = tmp_path / "copy.mp4"
    shutil.copy(path, other)
    out = tmp_path / "results"
    assert main([str(path), str(other), "--out", str(out), "--export", "csv,otio", "-j", "1", "-q"]) == 0
    for folder in (out / "edit clip", out / "copy"):
        assert {"scenes.csv", "transitions.csv", "timeline.otio", "timeline.json"} <= {p.name for p in folder.iterdir()}
        tl = otio.adapters.read_from_file(str(folder / "timeline.otio"))
        assert len(list(tl.find_clips())) == 4
