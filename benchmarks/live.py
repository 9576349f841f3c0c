#!/usr/bin/env python3
"""Live decisions against file decisions on the bench, from the cached signals (see ``offline.py``).

Each cached video is fed frame by frame to :class:`shotdetect.detect.StreamingDetector` as a live
stream is (a decision every 0.2 s), once as it runs (a hard cut final once the cut detector's reach
is seen, when no gradual detector can still absorb it) and once holding every transition for the
full reach, and scored with the benchmark's ``score.py`` next to the file decision
(:func:`~shotdetect.detect.find_transitions` over the whole video, what ``offline.py score``
prints). For each live run: how long after its frame each transition was final (in seconds of
video, the decision's share of the latency; the command adds the time to read and analyse a frame),
and the transitions that differ from the file decision. ``-v`` lists them per video.
"""

from __future__ import annotations

import argparse
import collections
import importlib
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from accuracy import DEFAULT_BENCH, SETS, discover_videos, load_score_module  # noqa: E402
from offline import CACHE, window_of  # noqa: E402

from shotdetect.features import FrameSignals  # noqa: E402
from shotdetect.pipeline import LIVE_DECISION_SECONDS  # noqa: E402

detect = importlib.import_module("shotdetect.detect")  # the subpackage (``shotdetect.detect`` is the function)


def signals_of(w) -> list[FrameSignals]:
    """The window's frames as the pipeline hands them to the streaming detector."""
    return [FrameSignals(w.start + i, Fraction(i) / Fraction(w.fps), float(w.bhattacharyya[i]), float(w.kl[i]),
                         float(w.diff[i]), float(w.flow[i]), float(w.residual[i]), float(w.luma[i]),
                         float(w.contrast[i]), 0.0, w.hists[i], w.thumbs[i], w.chromas[i])
            for i in range(len(w))]


def run_live(w, *, early: bool) -> list[tuple[object, int]]:
    """Transitions as a live run decides them, each with the frame whose arrival made it final."""
    fps = w.fps
    det = detect.StreamingDetector(fps, detect.DetectorSettings(),
                                   decide_every=max(1, int(round(LIVE_DECISION_SECONDS * fps))))
    if not early:
        det._cut_lookahead = None  # the full reach for everything, as before early cuts
    out = []
    for s in signals_of(w):
        out += [(c, s.index) for c in det.push(s)]
    last = len(w) - 1
    out += [(c, last) for c in det.finish()]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--sets", nargs="*", default=list(SETS))
    parser.add_argument("--modes", nargs="*", choices=("early", "full"), default=["early", "full"],
                        help="live runs to make (each takes minutes: a decision every 0.2 s)")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    score = load_score_module(args.bench)
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    latencies: dict[str, dict[str, list[float]]] = {m: {"cut": [], "gradual": []} for m in ("early", "full")}
    for video in discover_videos(args.bench, args.sets):
        cached = CACHE / f"{video.set_name}__{video.name}.npz"
        if not cached.is_file():
            print(f"{video.set_name}/{video.name}: not cached (run 'offline.py cache' first)", file=sys.stderr)
            continue
        w = window_of(cached)
        truth = score.truth_intervals(video.truth)
        file_list = [(c.type, c.start, c.end) for c in detect.find_transitions(w, detect.DetectorSettings())]
        runs = {"file": file_list}
        for mode in args.modes:
            found = run_live(w, early=mode == "early")
            runs[mode] = [(c.type, c.start, c.end) for c, _ in found]
            at_end = len(w) - 1
            for c, at in found:
                if at < at_end:  # decided by the stream, not by its end
                    latencies[mode]["cut" if c.type == "cut" else "gradual"].append((at - c.end) / w.fps)
        for mode, found_list in runs.items():
            pred = [(s, e) for _, s, e in found_list]
            pairs = score.match(truth, pred)
            for key in (video.set_name, "all"):
                c = counts[f"{key} {mode}"]
                c["tp"] += len(pairs)
                c["truth"] += len(truth)
                c["pred"] += len(pred)
                if mode != "file":
                    c["differ"] += len(set(found_list) ^ set(file_list))
        if args.verbose:
            for mode in args.modes:
                if runs[mode] != file_list:
                    print(f"{video.set_name}/{video.name} {mode}: only live {sorted(set(runs[mode]) - set(file_list))}"
                          f"; only file {sorted(set(file_list) - set(runs[mode]))}")
    for key, c in sorted(counts.items()):
        p, r, f1 = score.prf(c["tp"], c["truth"], c["pred"])
        differ = f"  transitions differing from file {c['differ']}" if "differ" in c else ""
        print(f"{key:16} P {p:.3f} R {r:.3f} F1 {f1:.3f}  tp/truth/pred {c['tp']}/{c['truth']}/{c['pred']}{differ}")
    for mode, kinds in latencies.items():
        for kind, values in kinds.items():
            if values:
                v = np.array(values)
                print(f"{mode:5} {kind:7} final after (s): median {np.median(v):.2f}  p90 {np.percentile(v, 90):.2f}  "
                      f"max {v.max():.2f}  n {len(v)}  share < 1.5 s {float((v < 1.5).mean()):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
