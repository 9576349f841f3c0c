"""Export formats written from hand-made timelines and read back with each format's own reader.

No video is decoded here: the timelines are built directly, so every frame rate (23.976, 29.97
drop-frame, 59.94, 25, 50, odd rates, variable) is covered in milliseconds.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from shotdetect.errors import OutputError, UsageError
from shotdetect.export import OutputDir
from shotdetect.export.chapters import chapters, ffmetadata, webvtt, youtube
from shotdetect.export.editorial import EDIT_RATES, build_otio, edit_rate, write_edl, write_fcpxml, write_otio
from shotdetect.export.formats import FORMATS, ExportOptions, parse_export_list
from shotdetect.export.scenelist import SCENE_COLUMNS, TRANSITION_COLUMNS, clock, scenes_csv, transitions_csv
from shotdetect.export.scores import ScoreSeries
from shotdetect.timeline import Keyframe, Shot, Timeline, Transition, VideoInfo, timecode

otio = pytest.importorskip("opentimelineio")

RATES = [Fraction(24000, 1001), Fraction(30000, 1001), Fraction(60000, 1001), Fraction(25), Fraction(50)]


def make_timeline(fps, bounds, gradual=(), *, frame_count=None, vfr=False, times=None, path="/media/My Film.mp4"):
    """Shots between ``bounds`` (frame numbers); ``gradual`` = {(type, start, end)} with the transition's
    ``frame`` at a boundary; ``times`` maps frame -> seconds (default frame / fps)."""
    fps = Fraction(fps)
    n = frame_count or bounds[-1]

    def t(frame):
        return Fraction(times[frame]) if times else Fraction(frame) / fps

    by_frame = {frame: (kind, start, end) for kind, frame, start, end in gradual}
    shots, transitions = [], []
    for a, b in zip(bounds, bounds[1:]):
        shots.append(Shot(a, b, t(a), t(b), (Keyframe((a + b) // 2, t((a + b) // 2), None),)))
        if a:
            kind, start, end = by_frame.get(a, ("cut", a, a))
            transitions.append(Transition(kind, a, start, end, t(a), t(start), t(end), 0.9))
    duration = t(n)
    video = VideoInfo(path=path, width=320, height=180, fps=fps, frame_count=n, duration=duration,
                      time_base=Fraction(1, 90000), vfr=vfr, codec="h264", pix_fmt="yuv420p")
    return Timeline(video=video, transitions=transitions, shots=shots, settings={"sensitivity": 0.5, "threshold": None})


# A long-ish timeline (11 minutes at 29.97) so that drop-frame numbering matters, with a dissolve
# whose transition frame is not its middle, and a fade.
BOUNDS = [0, 1800, 2000, 3000, 7300, 20000]
GRADUAL = [("dissolve", 3000, 2990, 3011), ("fade", 7300, 7290, 7305)]


def expected_edl_cuts(timeline):
    """Record in-points of the EDL's events: a dissolve event starts at the transition's first frame."""
    gradual = {t.frame: t for t in timeline.transitions if t.type != "cut"}
    return [gradual[s.start_frame].start_frame if s.start_frame in gradual else s.start_frame
            for s in timeline.shots]


def clip_starts(track, rate):
    return [track.range_of_child(c).start_time.rescaled_to(rate).value
            for c in track if isinstance(c, otio.schema.Clip)]


def fcpx_seconds(text):
    """'1001/300s' or '3s' or '0s' -> Fraction seconds."""
    value = text[:-1]
    return Fraction(value)


# ------------------------------------------------------------------------------------------ registry


def test_registry_and_parse():
    assert parse_export_list("otio, EDL,csv,csv") == ("otio", "edl", "csv")
    assert "split" not in parse_export_list("all")
    assert set(parse_export_list("all")) | {"split"} == set(FORMATS)
    with pytest.raises(UsageError, match="unknown export format 'pdf'"):
        parse_export_list("otio,pdf")
    with pytest.raises(UsageError):
        parse_export_list(" , ")


def test_check_reports_missing_library_and_program(monkeypatch):
    from shotdetect.export.formats import ExportFormat

    monkeypatch.setitem(FORMATS, "fake", ExportFormat("fake", "", (("x.txt", "scenelist:write_scenes_csv"),),
                                                      requires=(("no_such_module_here", "no-such-package"),)))
    with pytest.raises(OutputError, match="pip install no-such-package"):
        ExportOptions(formats=("fake",)).check()
    monkeypatch.setenv("PATH", "")
    with pytest.raises(OutputError, match="--split needs the ffmpeg program"):
        ExportOptions(formats=("split",)).check()
    ExportOptions(formats=("csv", "chapters")).check()  # nothing external needed


def test_score_series_is_bounded_and_keeps_peaks():
    series = ScoreSeries(max_points=100)
    for i in range(100_000):
        series.add(i, Fraction(i, 25), 1.0 if i in (12_345, 77_777) else 0.01 * (i % 7))
    assert 50 <= len(series) <= 100
    frames = [p[0] for p in series.points]
    assert frames == sorted(frames)
    assert 12_345 in frames and 77_777 in frames
    assert series.peak == 1.0 and series.frames == 100_000


def test_output_dir_refuses_to_replace_the_input(tmp_path):
    video = tmp_path / "shot-0001.mp4"
    video.write_bytes(b"not really a video")
    with pytest.raises(OutputError, match="input"):
        with OutputDir(tmp_path, overwrite=True, keep=[video]):
            pass
    assert video.read_bytes() == b"not really a video"


# ---------------------------------------------------------------------------------------------- OTIO


@pytest.mark.parametrize("fps", RATES, ids=str)
def test_otio_rates_clips_and_transitions(tmp_path, fps):
    tl = make_timeline(fps, BOUNDS, GRADUAL)
    path = tmp_path / "t.otio"
    write_otio(tl, path, source=tmp_path / "My Film.mp4")
    back = otio.adapters.read_from_file(str(path))
    (track,) = back.video_tracks()
    clips = [c for c in track if isinstance(c, otio.schema.Clip)]
    assert [c.source_range.start_time.value for c in clips] == BOUNDS[:-1]
    assert [c.source_range.duration.value for c in clips] == [b - a for a, b in zip(BOUNDS, BOUNDS[1:])]
    assert {c.source_range.start_time.rate for c in clips} == {float(fps)}
    # Record positions equal source positions: the track plays the video back as it was.
    assert clip_starts(track, float(fps)) == BOUNDS[:-1]
    ref = clips[0].media_reference
    assert ref.target_url == (tmp_path / "My Film.mp4").resolve().as_uri()
    assert "%20" in ref.target_url
    assert ref.available_range.duration.value == BOUNDS[-1]
    transitions = [c for c in track if isinstance(c, otio.schema.Transition)]
    assert len(transitions) == 2
    for tr, (kind, frame, start, end) in zip(transitions, GRADUAL):
        assert tr.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
        assert tr.in_offset.value == frame - start
        assert tr.out_offset.value == end + 1 - frame
        assert tr.metadata["shotdetect"]["type"] == kind
        prev, nxt = track.neighbors_of(tr)
        assert nxt.source_range.start_time.value == frame
    assert back.metadata["shotdetect"]["video"]["fps"] == f"{fps.numerator}/{fps.denominator}"


def test_otio_vfr_uses_exact_times(tmp_path):
    times = {}
    t = Fraction(0)
    for i in range(301):
        times[i] = t
        t += Fraction(1, 30) if (i // 50) % 2 else Fraction(1, 20)  # 20 and 30 fps stretches
    tl = make_timeline(Fraction(25), [0, 70, 180, 300], [("dissolve", 180, 175, 184)], vfr=True, times=times)
    write_otio(tl, tmp_path / "v.otio", source="v.mp4")
    back = otio.adapters.read_from_file(str(tmp_path / "v.otio"))
    (track,) = back.video_tracks()
    clips = [c for c in track if isinstance(c, otio.schema.Clip)]
    assert clips[0].source_range.start_time.rate == 90000.0
    for clip, shot in zip(clips, tl.shots):
        assert clip.source_range.start_time.to_seconds() == pytest.approx(float(shot.start_time), abs=1e-9)
        assert clip.source_range.end_time_exclusive().to_seconds() == pytest.approx(float(shot.end_time), abs=1e-9)


@pytest.mark.parametrize("fps,expected", [
    (Fraction(15), Fraction(30)), (Fraction(25, 2), Fraction(25)), (Fraction(12), Fraction(24)),
    (Fraction(100), Fraction(50)), (Fraction(120000, 1001), Fraction(60000, 1001)), (Fraction(30000, 1001), None),
])
def test_edit_rate_for_odd_rates(fps, expected):
    tl = make_timeline(fps, [0, 10, 20])
    assert edit_rate(tl) == (expected or fps)
    assert edit_rate(make_timeline(Fraction(2000, 119), [0, 10, 20], vfr=True)) in EDIT_RATES


# ----------------------------------------------------------------------------------------------- EDL


@pytest.mark.parametrize("fps", RATES, ids=str)
def test_edl_round_trip(tmp_path, fps):
    tl = make_timeline(fps, BOUNDS, GRADUAL)
    path = tmp_path / "t.edl"
    write_edl(tl, path, source=tmp_path / "My Film.mp4")
    text = path.read_text()
    drop = fps.denominator == 1001 and fps != Fraction(24000, 1001)
    assert ("FCM: DROP FRAME" in text) == drop
    assert ("FCM: NON-DROP FRAME" in text) == (not drop)
    events = [line for line in text.splitlines() if re.match(r"^\d{3}\s", line)]
    stamps = [s for line in events for s in line.split()[-4:]]
    assert all((";" in s) == drop for s in stamps)
    # Record timecodes are the JSON's own timecodes of the cut frames.
    cuts = expected_edl_cuts(tl)
    for frame in cuts:
        assert timecode(Fraction(frame) / fps, fps) in text
    back = otio.adapters.read_from_file(str(path), rate=float(fps))
    (track,) = back.video_tracks()
    assert clip_starts(track, float(fps)) == cuts
    transitions = [c for c in track if isinstance(c, otio.schema.Transition)]
    assert [round(tr.out_offset.value + tr.in_offset.value) for tr in transitions] == \
        [end - start + 1 for _, _, start, end in GRADUAL]
    assert track.duration().rescaled_to(float(fps)).value == BOUNDS[-1]


def test_edl_reel_and_source(tmp_path):
    tl = make_timeline(25, [0, 50, 100])
    write_edl(tl, tmp_path / "t.edl", source=tmp_path / "my film (final).mov")
    text = (tmp_path / "t.edl").read_text()
    assert "001  MYFILMFI V" in text
    assert (tmp_path / "my film (final).mov").as_uri() in text


def test_edl_vfr_rounds_to_the_nearest_frame(tmp_path):
    times = {i: Fraction(i, 24) + Fraction(i % 3, 1000) for i in range(121)}
    tl = make_timeline(Fraction(24), [0, 31, 77, 120], vfr=True, times=times)
    rate = edit_rate(tl)
    write_edl(tl, tmp_path / "v.edl", source="v.mp4")
    back = otio.adapters.read_from_file(str(tmp_path / "v.edl"), rate=float(rate))
    (track,) = back.video_tracks()
    starts = [track.range_of_child(c).start_time.to_seconds() for c in track if isinstance(c, otio.schema.Clip)]
    for got, shot in zip(starts, tl.shots):
        assert abs(got - float(shot.start_time)) <= 0.5 / float(rate) + 1e-9


# -------------------------------------------------------------------------------------------- FCPXML


@pytest.mark.parametrize("fps", RATES + [Fraction(15)], ids=str)
def test_fcpxml_round_trip(tmp_path, fps):
    tl = make_timeline(fps, BOUNDS, GRADUAL)
    path = tmp_path / "t.fcpxml"
    write_fcpxml(tl, path, source=tmp_path / "My Film.mp4")
    rate = edit_rate(tl)
    scale = rate / fps  # edit frames per video frame (2 for 15 fps)
    root = ET.parse(path).getroot()
    assert root.tag == "fcpxml"
    fmt = root.find("./resources/format")
    assert fcpx_seconds(fmt.get("frameDuration")) == 1 / rate
    spine = root.find("./project/sequence/spine")
    clips = spine.findall("clip")
    assert [c.get("name") for c in clips] == [f"Shot {i + 1}" for i in range(len(tl.shots))]
    # Exact: every offset and duration is a whole number of frames at the edit rate.
    offsets = [fcpx_seconds(c.get("offset")) * rate for c in clips]
    assert offsets == [b * scale for b in BOUNDS[:-1]]
    assert [fcpx_seconds(c.get("duration")) * rate for c in clips] == \
        [(b - a) * scale for a, b in zip(BOUNDS, BOUNDS[1:])]
    assert root.find("./resources/asset").get("src") == (tmp_path / "My Film.mp4").resolve().as_uri()
    # And OTIO's own reader. It counts frames with float maths at the integer part of the rate (29 for
    # 29.97) and truncates, so positions come back up to one frame early.
    back = otio.adapters.read_from_file(str(path))
    (track,) = back.video_tracks()
    got = [track.range_of_child(c).start_time.value for c in track if isinstance(c, otio.schema.Clip)]
    want = [b * scale for b in BOUNDS[:-1]]
    assert len(got) == len(want)
    assert all(w - 1 <= g <= w for g, w in zip(got, want)), (got, want)


# ----------------------------------------------------------------------------------------------- CSV


def test_scene_csv_columns_and_values():
    fps = Fraction(30000, 1001)
    tl = make_timeline(fps, BOUNDS, GRADUAL)
    rows = list(csv.DictReader(io.StringIO(scenes_csv(tl))))
    assert tuple(rows[0]) == SCENE_COLUMNS
    assert len(rows) == len(tl.shots)
    for i, (row, shot) in enumerate(zip(rows, tl.shots)):  # PySceneDetect's layout: frames from 1, end inclusive
        assert int(row["Scene Number"]) == i + 1
        assert int(row["Start Frame"]) == shot.start_frame + 1 and int(row["End Frame"]) == shot.end_frame
        assert int(row["Length (frames)"]) == shot.frame_count
        assert float(row["Start Time (seconds)"]) == pytest.approx(float(shot.start_time), abs=1e-6)
        assert float(row["End Time (seconds)"]) == pytest.approx(float(shot.end_time), abs=1e-6)
        assert float(row["Length (seconds)"]) == pytest.approx(float(shot.end_time - shot.start_time), abs=1e-6)
        assert row["Start Timecode"] == clock(shot.start_time)
        assert row["End Timecode"] == clock(shot.end_time)
    assert [r["Transition In"] for r in rows] == ["", "cut", "cut", "dissolve", "fade"]
    assert rows[1]["Start Timecode"] == "00:01:00.060"  # frame 1800 at 29.97 fps, clock time as PySceneDetect writes
    trows = list(csv.DictReader(io.StringIO(transitions_csv(tl))))
    assert tuple(trows[0]) == TRANSITION_COLUMNS
    assert [(r["type"], int(r["start_frame"]), int(r["end_frame"]), int(r["length_frames"])) for r in trows] == \
        [("cut", 1800, 1800, 1), ("cut", 2000, 2000, 1), ("dissolve", 2990, 3011, 22), ("fade", 7290, 7305, 16)]


# ------------------------------------------------------------------------------------------ chapters

# Shots of 3, 4, 12, 2, 15 and 1 seconds at 25 fps.
CH_BOUNDS = [0, 75, 175, 475, 525, 900, 925]


def parse_vtt(text):
    lines = text.splitlines()
    assert lines[0] == "WEBVTT"
    cues = []
    for block in "\n".join(lines[1:]).strip().split("\n\n"):
        ident, times, title = block.split("\n")
        m = re.fullmatch(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})", times)
        assert m, times
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, m.groups())
        cues.append((int(ident), (h1 * 3600 + m1 * 60 + s1) * 1000 + ms1, (h2 * 3600 + m2 * 60 + s2) * 1000 + ms2, title))
    return cues


def parse_ffmetadata(text):
    lines = text.splitlines()
    assert lines[0] == ";FFMETADATA1"
    chapters_, current = [], None
    for line in lines[1:]:
        if line == "[CHAPTER]":
            current = {}
            chapters_.append(current)
        elif line and not line.startswith((";", "#")) and current is not None:
            key, _, value = line.partition("=")
            current[key] = value
    return chapters_


def test_webvtt_one_cue_per_shot_by_default_and_merged_with_min_len():
    tl = make_timeline(25, CH_BOUNDS)
    cues = parse_vtt(webvtt(tl))
    assert [c[1] for c in cues] == [b * 40 for b in CH_BOUNDS[:-1]]
    assert [c[2] for c in cues] == [b * 40 for b in CH_BOUNDS[1:]]
    assert [c[0] for c in cues] == list(range(1, 7)) and cues[2][3] == "Shot 3"
    merged = parse_vtt(webvtt(tl, 10))
    # 3+4+12 -> starts a new chapter only once 10 s are reached; the 1 s tail joins the last one.
    assert [(c[1], c[2], c[3]) for c in merged] == [(0, 19000, "Shots 1-3"), (19000, 37000, "Shots 4-6")]


def test_ffmetadata_chapters(tmp_path):
    tl = make_timeline(25, CH_BOUNDS)
    found = parse_ffmetadata(ffmetadata(tl))
    assert len(found) == 6
    assert all(c["TIMEBASE"] == "1/1000" for c in found)
    assert [int(c["START"]) for c in found] == [b * 40 for b in CH_BOUNDS[:-1]]
    assert [int(c["END"]) for c in found] == [b * 40 for b in CH_BOUNDS[1:]]
    assert found[0]["title"] == "Shot 1"


@pytest.mark.skipif(not (shutil.which("ffmpeg") and shutil.which("ffprobe")), reason="needs ffmpeg and ffprobe")
def test_ffmetadata_is_read_by_ffmpeg(tmp_path):
    tl = make_timeline(25, CH_BOUNDS)
    meta = tmp_path / "chapters.ffmetadata"
    meta.write_text(ffmetadata(tl))
    out = tmp_path / "with-chapters.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-f", "lavfi", "-i", "color=c=gray:s=64x36:r=25:d=37",
                    "-i", str(meta), "-map", "0", "-map_chapters", "1", "-c:v", "ffv1", str(out)],
                   check=True, capture_output=True, timeout=60)
    import json

    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(out)],
                                      check=True, capture_output=True, text=True, timeout=60).stdout)
    got = [(round(float(c["start_time"]), 3), c["tags"]["title"]) for c in probe["chapters"]]
    assert got == [(b / 25, f"Shot {i + 1}") for i, b in enumerate(CH_BOUNDS[:-1])]


def test_youtube_rules():
    tl = make_timeline(25, CH_BOUNDS)
    lines = youtube(tl).splitlines()
    assert lines == ["00:00 Shots 1-3", "00:19 Shots 4-6"]
    # Every chapter >= 10 s, even when asked for less; more when asked.
    assert youtube(tl, 0).splitlines() == lines
    assert youtube(tl, 20).splitlines() == ["00:00 Shots 1-6"]
    # Whole seconds: starts round to the nearest second and gaps are measured between them.
    long_tl = make_timeline(25, [0, 262, 512, 900, 1100, 1999, 91000])  # 10.48 s, 10 s, 15.52 s, ...
    stamps = [line.split()[0] for line in youtube(long_tl).splitlines()]
    assert stamps[0] == "00:00:00"  # over an hour: h:mm:ss everywhere
    secs = [int(h) * 3600 + int(m) * 60 + int(s) for h, m, s in (x.split(":") for x in stamps)]
    assert secs[1] == 10  # 10.48 s rounds to 10, which is far enough from 0
    assert all(b - a >= 10 for a, b in zip(secs, secs[1:]))
    assert 3640 - secs[-1] >= 10
    hour = make_timeline(25, [0, 25 * 3000, 25 * 3700])
    assert youtube(hour).splitlines() == ["00:00:00 Shot 1", "00:50:00 Shot 2"]


def test_chapters_cover_the_video_without_gaps():
    tl = make_timeline(30, [0, 4, 9, 300, 302, 305])
    for min_len in (0, 0.1, 1, 5, 100):
        found = chapters(tl, min_len)
        assert found[0].start == 0 and found[-1].end == tl.shots[-1].end_time
        assert all(a.end == b.start for a, b in zip(found, found[1:]))
        assert found[0].first == 0 and found[-1].last == len(tl.shots) - 1
        assert all(a.last + 1 == b.first for a, b in zip(found, found[1:]))


def test_export_options_write_files(tmp_path):
    tl = make_timeline(25, CH_BOUNDS)
    written = ExportOptions(formats=("csv", "chapters", "otio"), min_chapter_len=10).write(
        tl, tmp_path, source=tmp_path / "v.mp4")
    assert sorted(p.name for p in written) == sorted(
        ["scenes.csv", "transitions.csv", "chapters.vtt", "chapters.ffmetadata", "chapters.txt", "timeline.otio"])
    assert len(parse_vtt((tmp_path / "chapters.vtt").read_text())) == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_build_otio_is_reusable():
    tl = make_timeline(25, [0, 10, 20, 30], [("dissolve", 20, 18, 21)])
    a = build_otio(tl, "a.mp4")
    b = build_otio(tl, "a.mp4", editorial=True)
    assert a.duration().value == b.duration().value == 30


def test_time_lapse_and_odd_rates_export_without_errors(tmp_path):
    """0.4 fps has no SMPTE frame field: the text formats fall back to hundredths of a second."""
    tl = make_timeline(Fraction(2, 5), [0, 3, 10, 12])
    ExportOptions(formats=("csv", "chapters", "otio", "edl", "fcpxml", "html")).write(tl, tmp_path, source="t.mp4")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "scenes.csv").read_text())))
    assert rows[1]["Start Timecode"] == "00:00:07.500"
    trows = list(csv.DictReader(io.StringIO((tmp_path / "transitions.csv").read_text())))
    assert trows[0]["timecode"] == "00:00:07.50"
    assert edit_rate(tl) == 24
    (track,) = otio.adapters.read_from_file(str(tmp_path / "timeline.edl"), rate=24).video_tracks()
    assert clip_starts(track, 24) == [0, 180, 600]
