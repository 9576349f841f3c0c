"""Detection holds on every transition shape and stays silent on what changes inside a shot.

Each case is rendered (with camera pan and moving objects in every shot, so the shots are not still
pictures) and run through the command line as a user would, then scored with the benchmark's rule: a
prediction matches a truth transition when it overlaps it widened by 2 frames.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tooling.synth import Event, ShotSpec, TransitionSpec, render_clip

from conftest import FAST

TOLERANCE = 2
#: (kind, shape) of every gradual transition the generator can draw.
SHAPES = [("wipe", s) for s in ("hard", "soft", "diag", "iris", "clock", "barn", "slices", "push")] + \
         [("dissolve", s) for s in ("linear", "ease", "pixel", "blur")]
#: Shapes found but not yet typed right, and shapes not yet found on this generator's scenes.
TYPE_GAPS = {"blur"}  # reported as a cut at the switch from the blurred old shot to the blurred new one
FIND_GAPS: set[str] = set()


def run_json(path, *args):
    proc = subprocess.run([sys.executable, "-m", "shotdetect", str(path), "--json", "-", "--no-images", "-q", *args],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def overlaps(transition, start, end):
    return transition["start_frame"] <= end + TOLERANCE and transition["end_frame"] >= start - TOLERANCE


@pytest.fixture(scope="module")
def shapes_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("shapes") / "shapes.mp4"
    shots = [ShotSpec(60, seed=i + 1, motion=2.0, pan=(0.5, 0.0)) for i in range(len(SHAPES) + 1)]
    transitions = [TransitionSpec(kind, frames=20, shape=shape) for kind, shape in SHAPES]
    truth = render_clip(path, shots, transitions, size=(320, 180), options=FAST)
    return truth, run_json(path)


@pytest.mark.parametrize("kind,shape", SHAPES)
def test_every_shape_is_found_and_typed(shapes_clip, kind, shape):
    truth, timeline = shapes_clip
    t = next(t for t in truth["transitions"] if t.get("shape") == shape)
    hits = [p for p in timeline["transitions"] if overlaps(p, t["start"], t["end"])]
    if shape in FIND_GAPS:
        pytest.xfail(f"{shape} transitions are not found yet")
    assert len(hits) == 1, (shape, t, timeline["transitions"])
    if shape not in TYPE_GAPS:
        assert hits[0]["type"] == kind, (shape, hits[0])


def test_spans_cover_the_blend(shapes_clip):
    """For at least 80 % of the shapes, both ends of the reported span lie within 3 frames of the truth's."""
    truth, timeline = shapes_clip
    close = total = 0
    for t in truth["transitions"]:
        hits = [p for p in timeline["transitions"] if overlaps(p, t["start"], t["end"]) and p["type"] != "cut"]
        if hits:
            total += 1
            close += abs(hits[0]["start_frame"] - t["start"]) <= 3 and abs(hits[0]["end_frame"] - t["end"]) <= 3
    assert total >= len(SHAPES) - len(FIND_GAPS) - len(TYPE_GAPS) and close >= 0.8 * total, (close, total)


def test_nothing_else_is_reported(shapes_clip):
    truth, timeline = shapes_clip
    spans = [(t["start"], t["end"]) for t in truth["transitions"]]
    extra = [p for p in timeline["transitions"] if not any(overlaps(p, s, e) for s, e in spans)]
    assert extra == []


#: In-shot events that are not transitions, each in a shot of its own between hard cuts.
DISTRACTIONS = [("exposure", 12), ("figure", 15), ("strobe", 6), ("freeze", 20), ("flash", 2), ("whip", 6),
                ("zoom", 20), ("text", 30), ("flicker", 30), ("jolt", 12)]


@pytest.fixture(scope="module")
def distractions_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("distractions") / "distractions.mp4"
    shots = [ShotSpec(70, seed=20 + i, motion=1.5, pan=(0.3, 0.0)) for i in range(len(DISTRACTIONS))]
    events = []
    for i, (kind, frames) in enumerate(DISTRACTIONS):
        last = 70 * i + 69
        # exposure and figure last most of the shot: a new exposure level, a figure that remains
        frames = 70 - 25 - 6 if kind in ("exposure", "figure") else frames
        events.append(Event(kind, 70 * i + 25, frames=min(frames, last - (70 * i + 25))))
    truth = render_clip(path, shots, None, events=events, size=(320, 180), options=FAST)
    return truth, run_json(path)


@pytest.mark.parametrize("kind", [k for k, _ in DISTRACTIONS])
def test_distraction_is_not_a_transition(distractions_clip, kind):
    truth, timeline = distractions_clip
    negative = next(n for n in truth["negatives"] if n["type"] == kind)
    first, last = negative["frame"], negative.get("end", negative["frame"])
    fired = [p for p in timeline["transitions"] if p["start_frame"] <= last + 3 and p["end_frame"] >= first - 3]
    assert fired == [], (kind, fired)


def test_cuts_around_distractions_are_found(distractions_clip):
    truth, timeline = distractions_clip
    found = {p["frame"] for p in timeline["transitions"]}
    for t in truth["transitions"]:
        assert any(abs(f - t["frame"]) <= TOLERANCE for f in found), (t, sorted(found))


def test_fade_ends_where_the_picture_is_back(tmp_path):
    """A fade through black into (and out of) a moving shot ends when the picture has its contrast
    back, not where the shot's own movement stops adding to it: both ends within 3 frames."""
    path = tmp_path / "fades.mp4"
    shots = [ShotSpec(70, seed=40 + i, motion=4.0, pan=(1.5, 0.5)) for i in range(3)]
    transitions = [TransitionSpec("fade", frames=24, hold=4), TransitionSpec("fade-white", frames=30, hold=2)]
    truth = render_clip(path, shots, transitions, size=(320, 180), options=FAST)
    timeline = run_json(path)
    for t in truth["transitions"]:
        hits = [p for p in timeline["transitions"] if overlaps(p, t["start"], t["end"])]
        assert len(hits) == 1 and hits[0]["type"] == "fade", (t, timeline["transitions"])
        assert abs(hits[0]["start_frame"] - t["start"]) <= 3 and abs(hits[0]["end_frame"] - t["end"]) <= 3, (t, hits[0])


def test_camera_jolts_are_not_cuts(tmp_path):
    """A handheld camera jerking by a sixth of the picture within one motion-blurred frame, holding
    and jerking back, is the old picture moved: no cut, while the real cuts between the shots stay."""
    path = tmp_path / "jolts.mp4"
    lengths = (8, 10, 12, 14, 16, 20)
    shots = [ShotSpec(70, seed=60 + i, motion=1.5, pan=(0.3, 0.0)) for i in range(len(lengths))]
    events = [Event("jolt", 70 * i + 25, frames=n) for i, n in enumerate(lengths)]
    render_clip(path, shots, None, events=events, size=(320, 180), options=FAST)
    found = [(p["type"], p["frame"]) for p in run_json(path)["transitions"]]
    assert found == [("cut", 70 * i) for i in range(1, len(lengths))], found


def test_slow_wipes_are_found_end_to_end(tmp_path):
    """Wipes of 1.8-4 s replace a thin band of the picture per frame, too little to stand out frame by
    frame: each is still found once, as one wipe, its span grown to the steady pictures either side."""
    path = tmp_path / "slow_wipes.mp4"
    wipes = [("hard", 100), ("soft", 90), ("iris", 80), ("diag", 60), ("clock", 50), ("barn", 45)]
    shots = [ShotSpec(150, seed=80 + i, motion=1.0, pan=(0.2, 0.0)) for i in range(len(wipes) + 1)]
    transitions = [TransitionSpec("wipe", frames=n, shape=shape) for shape, n in wipes]
    truth = render_clip(path, shots, transitions, size=(320, 180), options=FAST)
    timeline = run_json(path)
    for t in truth["transitions"]:
        hits = [p for p in timeline["transitions"] if overlaps(p, t["start"], t["end"])]
        assert len(hits) == 1 and hits[0]["type"] == "wipe", (t, hits)
    assert len(timeline["transitions"]) == len(wipes), timeline["transitions"]


def test_washed_out_dip_is_one_transition(tmp_path):
    """A dip through a washed-out picture that never gets flat (two jumps a few frames apart with
    brighter frames between) is one fade, its span within 3 frames of the truth; a short shot of its
    own between two cuts stays two cuts."""
    path = tmp_path / "washed.mp4"
    shots = [ShotSpec(60, seed=90 + i, motion=2.0, pan=(0.5, 0.0)) for i in range(3)]
    shots += [ShotSpec(7, seed=95), ShotSpec(60, seed=96, motion=2.0, pan=(0.5, 0.0))]
    transitions = [TransitionSpec("fade-white", frames=7, hold=2, shape="washed"),
                   TransitionSpec("fade-white", frames=9, hold=3, shape="washed"),
                   TransitionSpec("cut"), TransitionSpec("cut")]
    truth = render_clip(path, shots, transitions, size=(320, 180), options=FAST)
    timeline = run_json(path)
    dips, cuts = truth["transitions"][:2], truth["transitions"][2:]
    for t in dips:
        hits = [p for p in timeline["transitions"] if overlaps(p, t["start"], t["end"])]
        assert len(hits) == 1 and hits[0]["type"] == "fade", (t, timeline["transitions"])
        assert abs(hits[0]["start_frame"] - t["start"]) <= 3 and abs(hits[0]["end_frame"] - t["end"]) <= 3, (t, hits)
    for t in cuts:
        hits = [p for p in timeline["transitions"] if overlaps(p, t["frame"], t["frame"])]
        assert len(hits) == 1 and hits[0]["type"] == "cut", (t, timeline["transitions"])
    assert len(timeline["transitions"]) == 4, timeline["transitions"]


def test_fade_in_ends_before_the_shot_brightens_on_its_own(tmp_path):
    """A fade-in into a shot whose exposure keeps rising slowly afterwards ends where the fade's own
    pace drops, not where the shot stops brightening (it used to run 9 frames long here)."""
    path = tmp_path / "fade_then_exposure.mp4"
    shots = [ShotSpec(70, seed=100 + i, motion=1.0, pan=(0.3, 0.0)) for i in range(2)]
    transitions = [TransitionSpec("fade", frames=24, hold=4)]
    first = render_clip(path, shots, transitions, size=(320, 180), options=FAST)["transitions"][0]
    truth = render_clip(path, shots, transitions, events=[Event("exposure", first["end"] + 1, 40)],
                        size=(320, 180), options=FAST)
    t = truth["transitions"][0]
    timeline = run_json(path)
    hits = [p for p in timeline["transitions"] if overlaps(p, t["start"], t["end"])]
    assert len(hits) == 1 and hits[0]["type"] == "fade", (t, timeline["transitions"])
    assert abs(hits[0]["start_frame"] - t["start"]) <= 3 and abs(hits[0]["end_frame"] - t["end"]) <= 3, (t, hits)


@pytest.mark.parametrize("motion,pan", [
    (2.0, (0.8, 0.2)),
    pytest.param(3.0, (1.5, 0.5), marks=pytest.mark.xfail(
        strict=True, reason="between shots that jump 6 px every other frame, the last third of a "
                            "24-frame dissolve changes less than their moving frames: its span ends early")),
])
def test_dissolve_between_jerky_shots_keeps_its_span(tmp_path, motion, pan):
    """Shots whose picture moves on every other frame (animation on twos, a jerky stream): their
    usual activity is that of their moving frames (repeated frames are not quiet ones), and a
    dissolve between them is still found with its ends within 3 frames."""
    path = tmp_path / "jerky.mp4"
    shots = [ShotSpec(80, seed=110 + i, motion=motion, pan=pan, hold=2) for i in range(3)]
    transitions = [TransitionSpec("dissolve", frames=16), TransitionSpec("dissolve", frames=24)]
    truth = render_clip(path, shots, transitions, size=(320, 180), options=FAST)
    timeline = run_json(path)
    for t in truth["transitions"]:
        hits = [p for p in timeline["transitions"] if overlaps(p, t["start"], t["end"])]
        assert len(hits) == 1, (t, timeline["transitions"])
        assert abs(hits[0]["start_frame"] - t["start"]) <= 3 and abs(hits[0]["end_frame"] - t["end"]) <= 3, (t, hits)


def test_sun_flare_over_a_moving_shot_is_not_a_cut(tmp_path):
    """A sun flare (the upper picture glows for a few frames, on and off at once) while camera and
    subject move is a flash: the picture after it is the one before, moved. (Here the plain pixel
    distance already shows that; the bench's runner through a flare needed the movement-tolerant
    comparison of flashes.MOVED_BACK_SHARE.)"""
    path = tmp_path / "flare.mp4"
    shots = [ShotSpec(60, seed=120 + i, motion=7.0, pan=(7.0, 1.0)) for i in range(2)]
    truth = render_clip(path, shots, None, events=[Event("flare", 20, 4)], size=(320, 180), options=FAST)
    timeline = run_json(path)
    assert [(t["type"], t["start_frame"]) for t in timeline["transitions"]] == \
        [("cut", truth["transitions"][0]["frame"])], timeline["transitions"]
