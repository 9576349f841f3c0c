"""Slides mode on generated talks: slide count and order, builds, revisits, flicks, distractors, the
JSON, the PDF and the command line (``python -m shotdetect talk.mp4 --slides --out DIR``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from shotdetect.errors import UsageError
from shotdetect.slides import SlideSettings, extract_slides, parse_roi
from shotdetect.slides.select import decode_png
from tooling.slides_synth import Shown, Slide, Webcam, render_talk

TITLE = Slide("Welcome to the talk", ["Jane Doe, Example University"])
OUTLINE = Slide("Outline", ["Motivation and background", "Method overview", "Results on three datasets"])
DEMO = Slide("Demo video", ["The detector running live"], video=(0.45, 0.3, 0.45, 0.45))
RESULTS = Slide("Results", ["Recall 0.98 on lectures", "Precision 0.95 overall", "Twice as fast as before"])
# same template and title, one bullet changed: a new slide
RESULTS2 = Slide("Results", ["Recall 0.98 on lectures", "Precision 0.95 overall", "Three times slower than before"])
FLICK = Slide("Related work", ["Shot boundary detection", "Lecture video indexing"])
THANKS = Slide("Thank you", ["Questions?"], theme="dark")

TALK = [
    Shown(TITLE, 3.0),
    Shown(OUTLINE, 2.0, bullets=1), Shown(OUTLINE, 2.0, bullets=2), Shown(OUTLINE, 3.0),  # a build
    Shown(DEMO, 4.0, fade=0.5),        # a video plays inside the slide; cross-fade in
    Shown(RESULTS, 3.0, fade=0.5),
    Shown(FLICK, 0.7),                 # clicked through: skipped
    Shown(RESULTS2, 3.0),
    Shown(OUTLINE, 2.5, fade=0.5),     # back to the outline: a revisit
    Shown(THANKS, 3.0, fade=0.5),
]
#: Exported slides in order: (slide, bullets shown).
EXPECTED = [(TITLE, 1), (OUTLINE, 3), (DEMO, 1), (RESULTS, 3), (RESULTS2, 3), (THANKS, 1)]


@pytest.fixture(scope="module")
def talk(tmp_path_factory):
    path = tmp_path_factory.mktemp("talk") / "talk.mp4"
    return path, render_talk(path, TALK)


@pytest.fixture(scope="module")
def webcam_talk(tmp_path_factory):
    path = tmp_path_factory.mktemp("webcam") / "webcam.mp4"
    return path, render_talk(path, TALK, webcam=True, seed=3)


@pytest.fixture(scope="module")
def result(talk):
    return extract_slides(talk[0])


def _gray(image: np.ndarray, size=(160, 90)) -> np.ndarray:
    return cv2.resize(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), size, interpolation=cv2.INTER_AREA).astype(np.float32)


def _which(image: np.ndarray, truth: dict, keys: list) -> tuple:
    """The (slide, bullets) whose clean render the picture is closest to, and how close (grey levels,
    after matching brightness: the talks drift)."""
    g = _gray(image)
    valid = np.ones(g.shape, bool)
    if truth.get("webcam"):
        x, y, w, h = truth["webcam"]
        sx, sy = g.shape[1] / truth["size"][0], g.shape[0] / truth["size"][1]
        valid[max(0, int(y * sy) - 2):int((y + h) * sy) + 2, max(0, int(x * sx) - 2):int((x + w) * sx) + 2] = False
    errs = []
    for key, pic in zip(keys, truth["pictures"]):
        ref = _gray(pic)
        ok = valid.copy()
        if key[0].video:  # where the slide's video plays, anything goes
            fx, fy, fw, fh = key[0].video
            h, w = g.shape
            ok[max(0, int(fy * h) - 2):int((fy + fh) * h) + 2, max(0, int(fx * w) - 2):int((fx + fw) * w) + 2] = False
        gain = float(np.clip(np.polyfit(g[ok], ref[ok], 1)[0], 0.85, 1.15))
        offset = float((ref[ok] - gain * g[ok]).mean())
        errs.append(float(np.abs(g * gain + offset - ref)[ok].mean()))
    return keys[int(np.argmin(errs))], min(errs)


def _keys() -> list:
    seen = []
    for st in TALK:
        if st.key not in seen:
            seen.append(st.key)
    return seen


def _exported(res, truth) -> list:
    keys = _keys()
    return [_which(decode_png(step.picture.png), truth, keys) for _, step in res.images()]


def _check_talk(res, truth, tol=0.35):
    got = _exported(res, truth)
    assert [k for k, _ in got] == EXPECTED, [(k[0].title, k[1]) for k, _ in got]
    # close to the clean render: noise, drift and the pointer only (the demo video differs, of course)
    assert all(err < 4 for key, err in got), [round(e, 2) for _, e in got]
    outline = res.slides[1]
    # the build: three steps, the last exported, listed with their times
    assert [s.step for s in outline.steps] == [1, 2, 3]
    assert outline.final.step == 3
    assert [round(s.start_time) for s in outline.steps] == [3, 5, 7]
    # the revisit: two spans, recorded, not exported twice
    assert outline.revisits == 1
    starts = [sp.start_time for sp in outline.spans]
    fps = truth["fps"]
    back = [st for st in truth["states"] if st["slide"] == OUTLINE.title][-1]  # the revisit
    assert abs(starts[0] - 3.0) <= tol
    assert back["start_frame"] / fps - tol <= starts[1] <= (back["start_frame"] + back["fade_frames"]) / fps + tol
    # every slide's first span starts where the truth says (a fade: anywhere inside it)
    keys = _keys()
    firsts = {}
    for st in truth["states"]:
        firsts.setdefault(keys[st["key"]][0], st)  # first time each slide (any build step) was shown
    for slide, (key, _) in zip(res.slides, got):
        st = firsts[key[0]]
        lo = st["start_frame"] / fps - tol
        hi = (st["start_frame"] + st["fade_frames"]) / fps + tol
        if slide.number == 1:
            lo = 0.0
        assert lo <= slide.spans[0].start_time <= hi, (slide.number, slide.spans[0], st)


def test_talk_default(result, talk):
    res = result
    _check_talk(res, talk[1])
    # the flick was skipped, and it is the only thing skipped
    assert len(res.skipped) == 1 and 17.0 <= res.skipped[0].start_time <= 17.5
    assert res.region_source == "full" and not res.webcams
    # the video playing inside the demo slide is said where it was, for that slide only
    fx, fy, fw, fh = DEMO.video
    video = (fx * 640, fy * 360, fw * 640, fh * 360)
    assert [len(s.playing) for s in res.slides] == [0, 0, 1, 0, 0, 0]
    r = res.slides[2].playing[0]
    assert r.x <= video[0] and r.y <= video[1] and r.x + r.w >= video[0] + video[2] and r.y + r.h >= video[1] + video[3]
    assert r.w * r.h <= 2 * video[2] * video[3]
    # pictures are full size and taken from the slide's own time
    for slide, step in res.images():
        assert step.picture.size == (640, 360)
        assert any(sp.start_time <= step.picture.time < sp.end_time for sp in slide.spans)


def test_talk_sampled_once_per_second(talk):
    res = extract_slides(talk[0], SlideSettings(sample_rate=1.0))
    assert res.analysed_frames < talk[1]["frames"] / 8
    _check_talk(res, talk[1], tol=0.5)


def test_webcam_inset_is_not_a_slide(webcam_talk):
    path, truth = webcam_talk
    for rate in (None, 1.0):
        res = extract_slides(path, SlideSettings(sample_rate=rate))
        _check_talk(res, truth, tol=1.0)
        # the webcam is found and reported (display pixels), inside the inset
        x, y, w, h = truth["webcam"]
        assert len(res.webcams) == 1
        m = res.webcams[0]
        assert x - 12 <= m.x and m.x + m.w <= x + w + 12 and y - 12 <= m.y and m.y + m.h <= y + h + 12


def _overlap(a, b) -> float:
    """Intersection over union of two x, y, w, h rectangles."""
    x0, y0 = max(a[0], b[0]), max(a[1], b[1])
    x1, y1 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x1 - x0) * max(0, y1 - y0)
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter)


# Webcam insets anywhere: every corner, 8-35 % of the width, over the title bar or the footer (no
# margin) or a little inside, framed or not; the speaker holds still for seconds between movements,
# so the inset must be known from how it behaved before, not from moving at the moment.
INSETS = [
    Webcam("top-right", 0.2, margin=0.0),                   # over the title bar
    Webcam("bottom-left", 0.35, margin=0.0, border=False),  # over the footer, unframed
    Webcam("bottom-left", 0.2, margin=0.03),
    Webcam("bottom-right", 0.35, margin=0.03, border=False),
    Webcam("top-right", 0.35, margin=0.03, border=False),
    Webcam("top-left", 0.08, margin=0.0),                   # small: moves too little to matter
]


@pytest.mark.parametrize("cam", INSETS, ids=lambda c: f"{c.corner}-{int(c.width * 100)}")
@pytest.mark.parametrize("rate", [None, 1.0])
def test_insets_anywhere(tmp_path, cam, rate):
    # (bottom-right 35 %, every frame: the speaker moves in the first second, before the inset is
    # known, and the state opened then has the pointer resting in its only still frame; the pointer
    # moving a little must not split the title slide)
    cam = Webcam(cam.corner, cam.width, margin=cam.margin, border=cam.border, still=True)
    path = tmp_path / "inset.mp4"
    truth = render_talk(path, TALK, webcam=cam, seed=int(cam.width * 100) + len(cam.corner))
    res = extract_slides(path, SlideSettings(sample_rate=rate))
    _check_talk(res, truth, tol=1.0)
    if cam.width >= 0.2:  # found from its behaviour, reported where it is (display pixels)
        assert len(res.webcams) == 1 and _overlap(res.webcams[0].as_list(), truth["webcam"]) >= 0.7, \
            (res.webcams, truth["webcam"])
    doc = res.to_dict()
    assert [sorted(w) for w in doc["webcams"]] == [["h", "w", "x", "y"]] * len(res.webcams)


LOW_RATE_TALK = [Shown(TITLE, 3), Shown(OUTLINE, 2, bullets=1), Shown(OUTLINE, 2, bullets=2), Shown(OUTLINE, 3),
                 Shown(DEMO, 4), Shown(RESULTS, 3), Shown(FLICK, 0.5), Shown(RESULTS2, 2), Shown(THANKS, 1)]


@pytest.mark.parametrize("fps", [1, 2])
@pytest.mark.parametrize("webcam", [False, True])
def test_one_and_two_frames_per_second(tmp_path, fps, webcam):
    """Screen captures at 1 and 2 fps: every picture on screen for at least the minimum duration is
    a slide (at 1 fps the half-second flick lasts a whole frame: 1 s), from its first frame; the
    spans and skipped pictures account for the whole talk."""
    path = tmp_path / "low.mp4"
    cam = Webcam("bottom-left", 0.25, margin=0.0, still=True) if webcam else False
    truth = render_talk(path, LOW_RATE_TALK, fps=fps, webcam=cam, seed=fps)
    res = extract_slides(path)
    keys = list(dict.fromkeys(st.key for st in LOW_RATE_TALK))
    got = [_which(decode_png(step.picture.png), truth, keys)[0] for _, step in res.images()]
    expected = [(TITLE, 1), (OUTLINE, 3), (DEMO, 1), (RESULTS, 3)] + ([(FLICK, 2)] if fps == 1 else []) + \
        [(RESULTS2, 3), (THANKS, 1)]
    assert got == expected, [(k[0].title, k[1]) for k in got]
    assert [s.step for s in res.slides[1].steps] == [1, 2, 3]
    firsts = [s.spans[0].start_frame for s in res.slides]
    starts = [st["start_frame"] for st in truth["states"] if st["fade_frames"] == 0]
    assert all(f in starts for f in firsts), (firsts, starts)
    pieces = sorted([(sp.start_frame, sp.end_frame) for s in res.slides for sp in s.spans]
                    + [(sp.start_frame, sp.end_frame) for sp in res.skipped])
    assert pieces[0][0] == 0 and pieces[-1][1] == truth["frames"]
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:])), pieces
    if webcam:
        assert len(res.webcams) == 1 and _overlap(res.webcams[0].as_list(), truth["webcam"]) >= 0.7


def test_video_next_to_the_title_stays_its_own_size(tmp_path):
    """A video just under the title: when the slide changes, the title beside the video changes once
    -- that is no reason to take the video to cover the title too (a region that widened so far
    left next to nothing to tell the slides apart)."""
    live = Slide("Live demo", ["The detector running live"], video=(0.3, 0.17, 0.45, 0.45))
    after = Slide("Demo results", ["The detector running live"])
    states = [Shown(TITLE, 2.5), Shown(live, 4.0), Shown(after, 3.0), Shown(THANKS, 2.0)]
    path = tmp_path / "high.mp4"
    truth = render_talk(path, states, seed=0)
    keys = list(dict.fromkeys(st.key for st in states))
    vx, vy, vw, vh = (0.3 * 640, 0.17 * 360, 0.45 * 640, 0.45 * 360)
    near = 0.05 * 640  # the player's controls, the margin where its edge is uncertain
    for rate in (None, 1.0):
        res = extract_slides(path, SlideSettings(sample_rate=rate))
        got = [_which(decode_png(step.picture.png), truth, keys)[0] for _, step in res.images()]
        assert got == keys, (rate, [(k[0].title, k[1]) for k in got])
        [r] = res.slides[1].playing
        assert r.x <= vx and r.y <= vy and r.x + r.w >= vx + vw and r.y + r.h >= vy + vh, (rate, r)
        assert r.y >= vy - near, (rate, r)  # not over the title (its text ends 36 pixels down)
        assert r.w * r.h <= 2 * vw * vh, (rate, r)


def test_build_that_re_lays_out_its_text(tmp_path):
    """Each step of the outline moves the lines already shown a little (the text re-centred as lines
    are added): still one slide, built up in three steps, the last one exported."""
    states = [Shown(TITLE, 2.5), Shown(OUTLINE, 2.0, bullets=1), Shown(OUTLINE, 2.0, bullets=2, shift=(3, -4)),
              Shown(OUTLINE, 2.5, shift=(5, -9)), Shown(RESULTS, 2.5), Shown(RESULTS2, 2.5, shift=(4, -6))]
    path = tmp_path / "relayout.mp4"
    truth = render_talk(path, states, seed=9)
    keys = list(dict.fromkeys(st.key for st in states))
    for rate in (None, 1.0):
        res = extract_slides(path, SlideSettings(sample_rate=rate))
        got = [_which(decode_png(step.picture.png), truth, keys)[0] for _, step in res.images()]
        # (one bullet replaced, and the lines moved besides: still a new slide)
        assert got == [keys[0], keys[3], keys[4], keys[5]], (rate, got)
        assert [round(s.start_time) for s in res.slides[1].steps] == [2, 4, 6], rate


def test_keep_builds_and_no_dedupe(talk):
    res = extract_slides(talk[0], SlideSettings(keep_builds=True, dedupe=False))
    got = [k for k, _ in _exported(res, talk[1])]
    expected = [(TITLE, 1), (OUTLINE, 1), (OUTLINE, 2), (OUTLINE, 3), (DEMO, 1), (RESULTS, 3), (RESULTS2, 3),
                (OUTLINE, 3), (THANKS, 1)]
    assert got == expected, [(k[0].title, k[1]) for k in got]
    assert res.slides[5].same_as == 2 and res.slides[5].revisits == 0
    assert all(s.revisits == 0 for s in res.slides)


def test_short_slide_above_the_minimum_is_kept(tmp_path):
    states = [Shown(TITLE, 2.5), Shown(RESULTS, 1.4), Shown(THANKS, 2.5, fade=0.3), Shown(FLICK, 0.6),
              Shown(RESULTS2, 2.5)]
    path = tmp_path / "short.mp4"
    truth = render_talk(path, states, seed=5)
    for rate in (None, 1.0):
        res = extract_slides(path, SlideSettings(sample_rate=rate))
        keys = [st.key for st in states]
        got = [_which(decode_png(step.picture.png), truth, list(dict.fromkeys(keys)))[0] for _, step in res.images()]
        assert got == [(TITLE, 1), (RESULTS, 3), (THANKS, 1), (RESULTS2, 3)], (rate, [(k[0].title, k[1]) for k in got])
        if rate is None:  # (sampled once a second, the 0.6 s slide may fall between two samples)
            assert len(res.skipped) == 1 and abs(res.skipped[0].start_time - 6.4) < 0.3
    # a shorter minimum keeps the 0.6 s slide
    res = extract_slides(path, SlideSettings(min_duration=0.3))
    got = [_which(decode_png(step.picture.png), truth, list(dict.fromkeys(keys)))[0] for _, step in res.images()]
    assert got == [(TITLE, 1), (RESULTS, 3), (THANKS, 1), (FLICK, 2), (RESULTS2, 3)]


def test_letterbox_is_cropped_and_roi_is_honoured(tmp_path):
    states = [Shown(TITLE, 2.0), Shown(RESULTS, 2.0, fade=0.3), Shown(THANKS, 2.0)]
    path = tmp_path / "box.mp4"
    render_talk(path, states, letterbox=40, seed=7)
    res = extract_slides(path)
    assert len(res.slides) == 3
    assert res.region_source == "auto"
    r = res.region
    assert (r.x, r.w) == (0, 640) and abs(r.y - 40) <= 2 and abs(r.h - 280) <= 4
    res = extract_slides(path, SlideSettings(roi=parse_roi("0,40,640,280")))
    assert len(res.slides) == 3 and res.region_source == "roi"
    assert all(step.picture.size == (640, 280) for _, step in res.images())
    with pytest.raises(UsageError):
        extract_slides(path, SlideSettings(roi=parse_roi("600,0,100,100")))


def test_to_dict_is_the_documented_schema(result):
    doc = json.loads(json.dumps(result.to_dict()))
    assert doc["schema"] == "shotdetect.slides" and doc["schema_version"] == 1
    assert doc["video"]["width"] == 640 and doc["tool"]["settings"]["min_duration"] == 1.0
    assert [s["number"] for s in doc["slides"]] == list(range(1, 7))
    outline = doc["slides"][1]
    assert [b["step"] for b in outline["builds"]] == [1, 2, 3] and outline["builds"][-1]["final"]
    assert outline["revisits"] == 1 and len(outline["spans"]) == 2
    for span in outline["spans"]:
        assert set(span) == {"start_frame", "end_frame", "start_time", "end_time"}
        assert span["start_frame"] < span["end_frame"]
    assert len(doc["images"]) == 6 and all(im["time"] is not None for im in doc["images"])


# ---------------------------------------------------------------- the command line

def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def _pdf_pages(path: Path) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", path.read_bytes()))


def test_cli_slides_folder(talk, tmp_path):
    out = tmp_path / "slides"
    r = _cli(talk[0], "--slides", "--out", out, "-q")
    assert r.returncode == 0, r.stderr
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert files == ["001.png", "002.png", "003.png", "004.png", "005.png", "006.png", "slides.pdf", "timeline.json"]
    assert (out / ".shotdetect-manifest.json").is_file()  # the record of what this run wrote
    assert _pdf_pages(out / "slides.pdf") == 6
    doc = json.loads((out / "timeline.json").read_text())
    assert doc["schema"] == "shotdetect.slides"
    assert [s["file"] for s in doc["slides"]] == [f"00{i}.png" for i in range(1, 7)]
    assert doc["slides"][1]["revisits"] == 1 and len(doc["slides"][1]["builds"]) == 3
    assert [im["file"] for im in doc["images"]] == [f"00{i}.png" for i in range(1, 7)]
    got = [_which(cv2.imread(str(out / f)), talk[1], _keys())[0] for f in files[:6]]
    assert got == EXPECTED
    # results are never clobbered silently
    r = _cli("slides", talk[0], "--out", out, "-q")
    assert r.returncode == 5 and "--overwrite" in r.stderr
    # --overwrite replaces everything, including files the new run does not write
    r = _cli("slides", talk[0], "--out", out, "-q", "--overwrite", "--keep-builds", "--no-pdf",
             "--image-format", "jpg", "--sample-rate", "2")
    assert r.returncode == 0, r.stderr
    files = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert files == ["001.jpg", "002-1.jpg", "002-2.jpg", "002-3.jpg", "003.jpg", "004.jpg", "005.jpg", "006.jpg",
                     "timeline.json"]
    doc = json.loads((out / "timeline.json").read_text())
    assert [b["file"] for b in doc["slides"][1]["builds"]] == ["002-1.jpg", "002-2.jpg", "002-3.jpg"]


def test_cli_lists_slides_and_writes_json(talk, tmp_path):
    r = _cli("slides", talk[0], "--json", "-", "-q")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert len(doc["slides"]) == 6 and doc["slides"][0]["file"] is None
    r = _cli("slides", talk[0], "-q")
    assert r.returncode == 0
    assert len([ln for ln in r.stdout.splitlines()[1:] if ln.strip()]) == 6


@pytest.mark.parametrize("args, code, message", [
    (["missing.mp4", "--slides", "--out", "o"], 3, "no such file"),
    (["notvideo.txt", "--slides", "--out", "o"], 3, "not a video"),
    (["TALK", "--slides", "--roi", "1,2,3"], 2, "x,y,w,h"),
    (["TALK", "--slides", "--roi", "600,300,200,200"], 2, "outside"),
    (["TALK", "--slides", "--sample-rate", "0"], 2, "positive"),
    (["TALK", "--slides", "--min-slide-duration", "-1"], 2, "0 or more"),
])
def test_cli_bad_input(talk, tmp_path, args, code, message):
    (tmp_path / "notvideo.txt").write_text("hello, not a video\n")
    args = [str(talk[0]) if a == "TALK" else a for a in args]
    r = _cli(*args, cwd=tmp_path)
    assert r.returncode == code, (r.returncode, r.stderr)
    assert message in r.stderr and r.stderr.count("\n") == 1
    assert not (tmp_path / "o").exists()
