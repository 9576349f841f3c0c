#!/usr/bin/env python3
"""Tune detectors in seconds: decode the bench once, then re-run only the detection.

``python benchmarks/offline.py cache`` decodes every video of ``../shared/bench`` once and keeps
each frame's signals (:class:`~shotdetect.features.FrameSignals`: distances, thumbnails, colour
planes, histograms) in ``benchmarks/.cache/signals/``. ``python benchmarks/offline.py score`` then
runs :func:`shotdetect.detect.find_transitions` over each cached video as one window and scores it
with the benchmark's ``score.py``: per set, gradual recall by shape and negatives fired by kind, in
a few seconds, so a rule can be tried against every set (and a held-out part checked) without
decoding again. ``-v`` lists each video's misses and false detections.

The whole video is one window here, where the command line decides in a sliding window; results
differ slightly (a transition near a window edge), so the figures to report come from
``benchmarks/accuracy.py``. After a change to the features, run ``cache`` again (``--refresh``).
"""

from __future__ import annotations

import argparse
import collections
import importlib
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from accuracy import DEFAULT_BENCH, SETS, discover_videos, load_score_module  # noqa: E402

from shotdetect.features import SIGNAL_COLUMNS, FeatureExtractor  # noqa: E402
from shotdetect.decode import open_source  # noqa: E402
from shotdetect.rates import rate_or_fallback  # noqa: E402

CACHE = HERE / ".cache" / "signals"
#: Videos the detection rules may be tuned on (set/name); every other video is held out and only
#: checked. ``score`` prints both groups apart, so a change that helps only what it was tuned on shows.
TUNED = frozenset({
    "variety/var201_00", "variety/var201_01",
    "edits/edit01_00", "edits/edit01_01",
    # Real clips with fast handheld camera and sports motion, the kind that fires as false cuts.
    "real/nike_running_ad.mp4", "real/csci576_musicvideo.mp4", "real/football_moments_edit.mp4",
})
SPAN_TOLERANCE = 3
detect = importlib.import_module("shotdetect.detect")  # the subpackage (``shotdetect.detect`` is the function)
NEGATIVE_RADIUS = 3


def cache_one(video_path: Path, out: Path) -> int:
    """Decode ``video_path`` once and store its signals in ``out`` (.npz); returns the frame count."""
    rows, hists, thumbs, chromas, times = [], [], [], [], []
    with open_source(video_path, analysis_width=160, fast=True, still_images=False) as reader:
        features = FeatureExtractor(reader.analysis_size)
        for frame in reader:
            s = features.push(frame.index, frame.time, frame.y, frame.u, frame.v)
            rows.append(s.row())
            hists.append(s.hist)
            thumbs.append(s.thumb)
            chromas.append(s.chroma)
            times.append(float(frame.time))
        fps = float(rate_or_fallback(reader.info.fps))
    np.savez(out, rows=np.array(rows), hists=np.stack(hists), thumbs=np.stack(thumbs),
             chromas=np.stack(chromas), times=np.array(times), fps=fps)
    return len(rows)


def window_of(cached: Path) -> detect.SignalWindow:
    z = np.load(cached)
    rows = z["rows"]
    columns = {name: rows[:, i].astype(np.float64) for i, name in enumerate(SIGNAL_COLUMNS) if name != "sharpness"}
    return detect.SignalWindow(start=0, fps=float(z["fps"]), hists=z["hists"], thumbs=z["thumbs"],
                               chromas=z["chromas"], **columns)


def score_all(bench: Path, sets: list[str], verbose: bool, spans: bool = False) -> None:
    score = load_score_module(bench)
    totals: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    shapes: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    negatives: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for video in discover_videos(bench, sets):
        cached = CACHE / f"{video.set_name}__{video.name}.npz"
        if not cached.is_file():
            print(f"{video.set_name}/{video.name}: not cached (run 'cache' first)", file=sys.stderr)
            continue
        found = detect.find_transitions(window_of(cached), detect.DetectorSettings())
        pred = [(c.start, c.end) for c in found]
        truth = score.truth_intervals(video.truth)
        pairs = score.match(truth, pred)
        matched_truth, matched_pred = {i for i, _ in pairs}, {j for _, j in pairs}
        group = "tuned" if f"{video.set_name}/{video.name}" in TUNED else "held-out"
        found_of = dict(pairs)
        for t in (totals[video.set_name], totals[f"{video.set_name} {group}"]):
            t["tp"] += len(pairs)
            t["truth"] += len(truth)
            t["pred"] += len(pred)
            for i, tr in enumerate(video.truth["transitions"]):
                hard = tr["type"] in ("cut", "jumpcut")
                t["hard" if hard else "grad"] += 1
                if i in found_of:
                    t["hard_tp" if hard else "grad_tp"] += 1
                    if not hard:
                        ps, pe = pred[found_of[i]]
                        t["span_ok"] += (abs(ps - tr["start"]) <= SPAN_TOLERANCE
                                         and abs(pe - tr["end"]) <= SPAN_TOLERANCE)
        for i, tr in enumerate(video.truth["transitions"]):
            if tr["type"] not in ("cut", "jumpcut"):
                entry = shapes[str(tr.get("shape", tr["type"]))]
                entry[0] += i in matched_truth
                entry[1] += 1
        unmatched = [pred[j] for j in range(len(pred)) if j not in matched_pred]
        for n in video.truth.get("negatives") or []:
            first, last = int(n["frame"]), int(n.get("end", n["frame"]))
            entry = negatives[str(n.get("type", "other"))]
            entry[0] += any(s <= last + NEGATIVE_RADIUS and e >= first - NEGATIVE_RADIUS for s, e in unmatched)
            entry[1] += 1
        if verbose or spans:
            missed = [tr for i, tr in enumerate(video.truth["transitions"]) if i not in matched_truth]
            false = [(found[j].type, found[j].start, found[j].end) for j in range(len(pred)) if j not in matched_pred]
            if missed or false:
                print(f"{video.set_name}/{video.name}: missed {missed}; false {false}")
            if spans:
                off = []
                for i, j in pairs:
                    tr = video.truth["transitions"][i]
                    if tr["type"] not in ("cut", "jumpcut") and not (
                            abs(pred[j][0] - tr["start"]) <= SPAN_TOLERANCE and abs(pred[j][1] - tr["end"]) <= SPAN_TOLERANCE):
                        off.append(f"{tr.get('shape', tr['type'])} {tr['start']}-{tr['end']} got {pred[j][0]}-{pred[j][1]}")
                if off:
                    print(f"  spans off: {'; '.join(off)}")
    for set_name, t in sorted(totals.items()):
        p, r, f1 = score.prf(t["tp"], t["truth"], t["pred"])
        hard_r = t["hard_tp"] / t["hard"] if t["hard"] else 1.0
        grad_r = t["grad_tp"] / t["grad"] if t["grad"] else 1.0
        span = t["span_ok"] / t["grad_tp"] if t["grad_tp"] else 1.0
        print(f"{set_name:17} P {p:.3f} R {r:.3f} F1 {f1:.3f}  hard R {hard_r:.3f} grad R {grad_r:.3f} "
              f"spans {span:.2f} ({t['span_ok']}/{t['grad_tp']})  tp/truth/pred {t['tp']}/{t['truth']}/{t['pred']}")
    print("gradual recall by shape:", ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(shapes.items())))
    print("negatives fired by kind:", ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(negatives.items())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("cache", "score"))
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--sets", default=",".join(SETS), help="comma list of sets")
    parser.add_argument("--refresh", action="store_true", help="decode again even where cached")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("--spans", action="store_true", help="with -v: list matched gradual spans off by more than 3 frames")
    args = parser.parse_args(argv)
    if not (args.bench / "score.py").is_file():
        print(f"benchmark not found at {args.bench}; nothing to do", file=sys.stderr)
        return 0
    sets = [s for s in args.sets.split(",") if s]
    if args.action == "score":
        score_all(args.bench, sets, args.verbose, args.spans)
        return 0
    CACHE.mkdir(parents=True, exist_ok=True)
    for video in discover_videos(args.bench, sets):
        out = CACHE / f"{video.set_name}__{video.name}.npz"
        if out.is_file() and not args.refresh:
            continue
        print(f"{video.set_name}/{video.name}: {cache_one(video.video_path, out)} frames", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
