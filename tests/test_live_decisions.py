"""A live stream's decisions (``StreamingDetector`` with ``decide_every``, gradual detection on): a
cut between steady pictures is final once the cut detector's reach is seen, a cut that a dissolve
or fade follows closely waits for the full reach, and the transitions decided are those of the
file decision (the whole clip as one window)."""

from __future__ import annotations

import importlib

import pytest

from tooling.synth import ShotSpec, TransitionSpec, render_clip

from conftest import FAST
from shotdetect.decode import open_source
from shotdetect.features import FeatureExtractor

detect = importlib.import_module("shotdetect.detect")  # the subpackage (``shotdetect.detect`` is the function)

FPS = 25
#: A live stream decides five times a second (see ``shotdetect.pipeline``).
DECIDE_EVERY = 5
#: The cut detector's reach plus the streaming margin, and one decision step: 1.32 s + 0.2 s.
EARLY_FRAMES = 33 + DECIDE_EVERY


@pytest.fixture(scope="module")
def clip_signals(tmp_path_factory):
    """Steady shots (fresh noise in every frame) with two lone cuts, a cut that a dissolve follows
    10 frames later, a cut that a fade through black follows 10 frames later, and two lone cuts
    more than 5 s after the fade (a cut is never printed before a transition ahead of it is final)."""
    path = tmp_path_factory.mktemp("live-decisions") / "clip.mp4"
    shots = [ShotSpec(n, seed=seed, noise=2.0) for n, seed in
             ((50, 1), (40, 2), (20, 3), (60, 4), (20, 5), (160, 6), (60, 7), (60, 8))]
    transitions = [TransitionSpec("cut"), TransitionSpec("cut"), TransitionSpec("dissolve", frames=20),
                   TransitionSpec("cut"), TransitionSpec("fade", frames=20, hold=2), TransitionSpec("cut"),
                   TransitionSpec("cut")]
    truth = render_clip(path, shots, transitions, size=(192, 144), fps=FPS, options=FAST)
    signals = []
    with open_source(path, analysis_width=160, fast=True, still_images=False) as reader:
        features = FeatureExtractor(reader.analysis_size)
        signals = [features.push(f.index, f.time, f.y, f.u, f.v) for f in reader]
    return truth, signals


def _live(signals, **kw):
    """(transition, frame whose arrival made it final; None: the end of the stream)."""
    det = detect.StreamingDetector(FPS, decide_every=DECIDE_EVERY, **kw)
    out = [(c, s.index) for s in signals for c in det.push(s)]
    return out + [(c, None) for c in det.finish()]


def test_lone_cuts_are_final_early_and_the_rest_as_in_a_file(clip_signals):
    truth, signals = clip_signals
    spans = [(t["type"], t.get("start", t.get("frame")), t.get("end", t.get("frame"))) for t in truth["transitions"]]
    cut_a, cut_b, dissolve, cut_c, fade, cut_d, cut_e = spans
    file_list = detect.find_transitions(detect.SignalWindow.from_signals(signals, FPS))
    live = _live(signals)
    assert [c for c, _ in live] == file_list
    decided_at = {c.start: at for c, at in live}
    # Lone cuts between steady pictures: final about 1.5 s after their frame, not 5 s.
    for _, frame, _ in (cut_a, cut_d, cut_e):
        assert decided_at[frame] is not None and decided_at[frame] - frame <= EARLY_FRAMES, (frame, live)
    # A cut followed 10 frames later by a dissolve or a fade could have been part of it: the full reach.
    for _, frame, _ in (cut_b, cut_c):
        assert decided_at[frame] is None or decided_at[frame] - frame > 4 * FPS, (frame, live)
    # The gradual transitions come out whole, where the truth has them.
    for kind, start, end in (dissolve, fade):
        hit = [c for c, _ in live if c.start <= end + 2 and c.end >= start - 2]
        assert [c.type for c in hit] == [kind], (kind, live)


def test_a_file_run_keeps_the_full_reach(clip_signals):
    """Without ``decide_every`` (a file) nothing is decided before the gradual reach is seen."""
    truth, signals = clip_signals
    det = detect.StreamingDetector(FPS)
    decided = [(c, s.index) for s in signals for c in det.push(s)]
    assert decided and all(at - c.end > 4 * FPS for c, at in decided)
