"""Each kind of transition is found and named; each kind of in-shot distraction is ignored.

Every clip is rendered here with exactly known content (``tests/tooling/synth.py``) and decoded for real.
"""

from __future__ import annotations

import pytest

import shotdetect
from tooling.synth import Event, ShotSpec, TransitionSpec, render_clip

SIZE = (256, 144)


def _gradual(truth: dict) -> list[tuple[str, int, int]]:
    return [(t["type"], t["start"], t["end"]) for t in truth["transitions"] if "start" in t]


@pytest.mark.parametrize(
    ("kind", "frames", "expected"),
    [
        ("dissolve", 20, "dissolve"),
        ("dissolve", 8, "dissolve"),
        ("fade", 24, "fade"),
        ("fade-white", 24, "fade"),
        ("wipe", 14, "wipe"),
    ],
)
def test_gradual_transition_is_found_and_typed(tmp_path, kind, frames, expected):
    path = tmp_path / f"{kind}.mp4"
    truth = render_clip(path, [ShotSpec(45, seed=11, pan=(0.6, 0.0)), ShotSpec(45, seed=29, motion=1.5)],
                        [TransitionSpec(kind, frames)], size=SIZE)
    [(_, start, end)] = _gradual(truth)
    timeline = shotdetect.detect(path)
    assert len(timeline.transitions) == 1, timeline.transitions
    found = timeline.transitions[0]
    assert found.type == expected
    # Overlaps the true span within the benchmark's tolerance of 2 frames.
    assert found.start_frame <= end + 2 and found.end_frame >= start - 2
    assert found.start_frame <= found.frame <= found.end_frame
    assert 0.0 <= found.score <= 1.0


def test_fade_out_long_black_fade_in_is_two_fades(tmp_path):
    # A black hold of 1.2 s is a shot of its own: fade-out, black, fade-in are reported apart.
    path = tmp_path / "fade-hold.mp4"
    render_clip(path, [ShotSpec(40, seed=3), ShotSpec(40, seed=4)], [TransitionSpec("fade", 50, hold=30)], size=SIZE)
    types = [t.type for t in shotdetect.detect(path).transitions]
    assert types == ["fade", "fade"]


NEGATIVES = {
    "flash": dict(events=[Event("flash", 30, 2)]),
    "flash-3-frames": dict(events=[Event("flash", 30, 3)]),
    "caption": dict(events=[Event("text", 20, 30)]),
    "zoom": dict(events=[Event("zoom", 15, 20)]),
    "whip-pan": dict(events=[Event("whip", 30, 4)]),
    "flicker": dict(events=[Event("flicker", 5, 50)]),
    "rain": dict(events=[Event("rain", 5, 50)]),
    "water-fire-texture": dict(events=[Event("texture", 5, 50)]),
    "grain": dict(shot=dict(noise=6.0), options={"tune": "grain"}),
    "fast-pan": dict(shot=dict(pan=(12.0, 2.0))),
    "fast-action": dict(shot=dict(motion=12.0)),
    "letterbox": dict(letterbox=0.12, shot=dict(pan=(2.0, 0.0))),
    "heavy-compression": dict(crf=45, shot=dict(pan=(1.5, 0.5), motion=3.0)),
}


@pytest.mark.parametrize("name", sorted(NEGATIVES))
def test_in_shot_distraction_is_not_a_transition(tmp_path, name):
    spec = dict(NEGATIVES[name])
    shot = ShotSpec(60, seed=17, **spec.pop("shot", {}))
    path = tmp_path / f"{name}.mp4"
    render_clip(path, [shot], size=SIZE, **spec)
    timeline = shotdetect.detect(path)
    assert timeline.transitions == [], [(t.type, t.frame, t.score) for t in timeline.transitions]
    assert len(timeline.shots) == 1


def test_sensitivity_orders_the_number_of_findings(tmp_path):
    path = tmp_path / "mixed.mp4"
    shots = [ShotSpec(30, seed=s, motion=4.0) for s in range(6)]
    render_clip(path, shots, [TransitionSpec("cut"), TransitionSpec("dissolve", 10), TransitionSpec("cut"),
                              TransitionSpec("fade", 12), TransitionSpec("wipe", 10)], size=SIZE)
    counts = [len(shotdetect.detect(path, sensitivity=s).transitions) for s in (0.1, 0.5, 0.9)]
    assert counts[0] <= counts[1] <= counts[2]
    assert counts[1] == 5
