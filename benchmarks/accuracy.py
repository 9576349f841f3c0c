#!/usr/bin/env python3
"""Shot-boundary accuracy of shotdetect next to PySceneDetect and ffmpeg's scene filter.

What it measures
----------------
Every video of the shared benchmark (``../shared/bench`` next to the repository: the ``edits`` set
of synthetic edits with exactly known transitions and the ``real`` set of hand-checked real clips)
is run through each method, and the predicted transitions are scored with the benchmark's own
``score.py`` (loaded at run time, never copied):

* a prediction is an inclusive frame interval (a cut at k is [k, k]); it matches a truth transition
  when the two overlap after widening the truth by 2 frames on each side, one-to-one, nearest first;
* precision, recall and F1 are micro-averaged: true positives, truth and prediction counts are
  summed over the videos of a set before computing P/R/F1;
* recall is also split into hard transitions (``cut``, ``jumpcut``) and gradual ones (``dissolve``,
  ``fade``, ``wipe``);
* a negative (an in-shot event listed under ``negatives`` in the truth, e.g. a flash) "fires" when a
  prediction that matched no truth transition lies within 3 frames of it;
* for shotdetect, which labels its gradual transitions, "type accuracy" is the share of matched
  gradual truth transitions whose predicted type equals the truth type;
* time is the wall time of each method's command (interpreter start-up included), summed over videos.

Frames are 0-based in PyAV decode (presentation) order, the truth's convention; peer outputs are
mapped onto it (see ``_peers.py`` and ``ffmpeg_times_to_indices``).

Methods
-------
``shotdetect``      ``python -m shotdetect VIDEO --json OUT --no-images -q`` (+ ``--shotdetect-arg``)
``psd-adaptive``    PySceneDetect AdaptiveDetector, default settings (the ``scenedetect`` CLI default)
``psd-content``     PySceneDetect ContentDetector, default settings
``psd-hash``        PySceneDetect HashDetector, default settings
``psd-histogram``   PySceneDetect HistogramDetector, default settings
``psd-threshold``   PySceneDetect ThresholdDetector, default settings (fades to/from black only)
``ffmpeg-scene``    ``ffmpeg -vf "select='gt(scene,0.4)',metadata=print"``

Running
-------
::

    python benchmarks/accuracy.py                        # everything, tables per set + combined
    python benchmarks/accuracy.py --only shotdetect -v   # just shotdetect, with per-video rows
    python benchmarks/accuracy.py --jobs 2 --json /tmp/accuracy.json
    python benchmarks/accuracy.py --shotdetect-arg=--sensitivity --shotdetect-arg=0.6

PySceneDetect runs in a separate process (``benchmarks/_peers.py``) started with ``--peer-python``
(default: this interpreter, if it can import ``scenedetect``), because it depends on the GUI
``opencv-python`` wheel, which conflicts with shotdetect's ``opencv-python-headless``.
"""
from __future__ import annotations

import argparse
import bisect
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_BENCH = Path(__file__).resolve().parents[1].parent / "shared" / "bench"
PEERS_SCRIPT = HERE / "_peers.py"

SETS = ("edits", "variety", "real")
PEER_DETECTORS = ("adaptive", "content", "hash", "histogram", "threshold")
PEER_METHODS = tuple(f"psd-{d}" for d in PEER_DETECTORS)
FFMPEG_METHOD = "ffmpeg-scene"
ALL_METHODS = ("shotdetect", *PEER_METHODS, FFMPEG_METHOD)
ALIASES = {
    "psd": PEER_METHODS,
    "pyscenedetect": PEER_METHODS,
    "ffmpeg": (FFMPEG_METHOD,),
    "peers": (*PEER_METHODS, FFMPEG_METHOD),
    "all": ALL_METHODS,
}
HARD_TYPES = ("cut", "jumpcut")
GRADUAL_TYPES = ("dissolve", "fade", "wipe")
NEGATIVE_RADIUS = 3  # a negative fires when an unmatched prediction lies within this many frames
SPAN_TOLERANCE = 3  # a gradual span is accurate when both its ends lie this close to the truth's

Interval = tuple[int, int]


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass
class Video:
    set_name: str
    name: str
    truth_path: Path
    video_path: Path
    truth: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.set_name}/{self.name}"


@dataclass
class Prediction:
    """What one method said about one video."""

    intervals: list[Interval] = field(default_factory=list)
    types: list[str | None] = field(default_factory=list)
    wall_s: float = 0.0
    error: str | None = None
    note: str | None = None


@dataclass
class Row:
    """Score of one method on one video."""

    set_name: str
    video: str
    method: str
    tp: int
    truth: int
    pred: int
    precision: float
    recall: float
    f1: float
    hard: tuple[int, int]  # (matched, total)
    gradual: tuple[int, int]
    negatives_fired: int
    negatives_total: int
    type_correct: int  # matched gradual truth transitions whose predicted type is right
    type_total: int  # matched gradual truth transitions (counted only for typed predictions)
    type_confusion: dict[str, int]
    shapes: dict[str, list[int]]  # gradual shape (or type) -> [matched, total]
    negative_kinds: dict[str, list[int]]  # negative type -> [fired, total]
    spans: tuple[int, int]  # matched gradual transitions with both ends within SPAN_TOLERANCE frames, of all
    wall_s: float
    error: str | None
    note: str | None
    predictions: list[Interval]


@dataclass
class Options:
    bench: Path
    score: ModuleType  # the benchmark's score.py
    methods: list[str]
    peer_python: str | None
    peer_backend: str
    ffmpeg: str | None
    ffmpeg_scene: float
    shotdetect_args: list[str]
    timeout_s: float


# --------------------------------------------------------------------------------------------
# Benchmark loading
# --------------------------------------------------------------------------------------------


def load_score_module(bench: Path) -> ModuleType:
    """Import the benchmark's ``score.py`` (the scoring contract) from ``bench``."""
    spec = importlib.util.spec_from_file_location("bench_score", bench / "score.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {bench / 'score.py'}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def discover_videos(bench: Path, sets: list[str]) -> list[Video]:
    """All ``NAME.truth.json`` files of the given sets whose video exists."""
    videos = []
    for set_name in sets:
        for truth_path in sorted((bench / set_name).glob("*.truth.json")):
            truth = json.loads(truth_path.read_text())
            # edits/: the video sits beside the truth; real/: relative path; both resolve the same way.
            video_path = (truth_path.parent / truth["video"]).resolve()
            name = truth_path.name[: -len(".truth.json")]
            if not video_path.is_file():
                print(f"warning: {set_name}/{name}: video {video_path} not found, skipped", file=sys.stderr)
                continue
            videos.append(Video(set_name, name, truth_path, video_path, truth))
    return videos


# --------------------------------------------------------------------------------------------
# Methods
# --------------------------------------------------------------------------------------------


def _run(cmd: list[str], timeout_s: float, **kwargs: Any) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, **kwargs)
    return proc, time.perf_counter() - start


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:]) or "(no output)"


def shotdetect_env() -> dict[str, str]:
    """Environment in which ``python -m shotdetect`` finds this checkout (an explicit PYTHONPATH wins)."""
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(REPO)])
    return env


def shotdetect_available() -> bool:
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('shotdetect.__main__') is None)"
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-c", code], cwd=tmp, env=shotdetect_env(), capture_output=True)
    return proc.returncode == 0


def run_shotdetect(video: Video, opts: Options) -> Prediction:
    """Run the shotdetect CLI on one video and read its JSON timeline."""
    with tempfile.TemporaryDirectory(prefix="shotdetect-bench-") as tmp:
        out_json = Path(tmp) / "timeline.json"
        cmd = [sys.executable, "-m", "shotdetect", str(video.video_path), "--json", str(out_json),
               "--no-images", "-q", *opts.shotdetect_args]
        proc, wall = _run(cmd, opts.timeout_s, cwd=tmp, env=shotdetect_env())
        if proc.returncode != 0 or not out_json.is_file():
            return Prediction(wall_s=wall, error=f"exit {proc.returncode}: {_tail(proc.stderr)}")
        doc = json.loads(out_json.read_text())
    intervals = [(int(s), int(e)) for s, e in opts.score.timeline_intervals(doc)]
    if doc.get("transitions") is not None:
        types = [t.get("type") for t in doc["transitions"]]
    else:
        types = [None] * len(intervals)
    return Prediction(intervals, types, wall)


def peer_version(python: str) -> str | None:
    """The scenedetect version importable by ``python``, or None."""
    try:
        proc, _ = _run([python, str(PEERS_SCRIPT), "--version"], 120)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])["scenedetect"]
    except (ValueError, KeyError, IndexError):
        return None


def run_peer(video: Video, detector: str, opts: Options) -> Prediction:
    """Run one PySceneDetect detector (default settings) through ``_peers.py``."""
    assert opts.peer_python is not None
    cmd = [opts.peer_python, str(PEERS_SCRIPT), "--detector", detector, "--backend", opts.peer_backend,
           str(video.video_path)]
    proc, wall = _run(cmd, opts.timeout_s)
    if proc.returncode != 0:
        return Prediction(wall_s=wall, error=f"exit {proc.returncode}: {_tail(proc.stderr)}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    indices = sorted({int(c["index"]) for c in result["cuts"]})
    note = None
    if result["frames_read"] != video.truth["frames"]:
        note = f"{result['backend']} delivered {result['frames_read']} frames, truth has {video.truth['frames']}"
    return Prediction([(k, k) for k in indices], [None] * len(indices), wall, note=note)


def decode_times(path: Path) -> list[tuple[float, int]]:
    """(time in s, decode index) of every frame in PyAV decode order, sorted by time.  Times are
    shifted like ffmpeg shifts them (by the container start time) to line up with ``pts_time``."""
    import av  # shotdetect's own dependency, so present in this interpreter

    with av.open(str(path)) as container:
        offset = (container.start_time or 0) / 1_000_000
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        times = [(float(f.time) - offset, i) for i, f in enumerate(container.decode(stream)) if f.time is not None]
    return sorted(times)


def ffmpeg_times_to_indices(times: list[float], frame_times: list[tuple[float, int]]) -> list[int]:
    """Map each selected frame's time to the decode index of the frame with the nearest time."""
    keys = [t for t, _ in frame_times]
    indices = set()
    for t in times:
        i = bisect.bisect_left(keys, t)
        nearest = min((j for j in (i - 1, i) if 0 <= j < len(keys)), key=lambda j: abs(keys[j] - t))
        indices.add(frame_times[nearest][1])
    return sorted(indices)


def run_ffmpeg(video: Video, opts: Options) -> Prediction:
    """ffmpeg's scene-change score thresholded by ``select``; selected frames are the new shots."""
    assert opts.ffmpeg is not None
    vf = f"select='gt(scene,{opts.ffmpeg_scene})',metadata=print"
    cmd = [opts.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-i", str(video.video_path), "-an", "-vf", vf,
           "-f", "null", "-"]
    proc, wall = _run(cmd, opts.timeout_s)
    if proc.returncode != 0:
        return Prediction(wall_s=wall, error=f"exit {proc.returncode}: {_tail(proc.stderr)}")
    times = [float(m) for m in re.findall(r"pts_time:\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)", proc.stderr)]
    frame_times = decode_times(video.video_path) if times else []
    indices = ffmpeg_times_to_indices(times, frame_times) if frame_times else []
    return Prediction([(k, k) for k in indices], [None] * len(indices), wall)


def run_method(video: Video, method: str, opts: Options) -> Prediction:
    try:
        if method == "shotdetect":
            return run_shotdetect(video, opts)
        if method in PEER_METHODS:
            return run_peer(video, method.removeprefix("psd-"), opts)
        if method == FFMPEG_METHOD:
            return run_ffmpeg(video, opts)
    except subprocess.TimeoutExpired:
        return Prediction(wall_s=opts.timeout_s, error=f"timed out after {opts.timeout_s:.0f} s")
    except Exception as exc:  # one broken video must not sink the whole run
        return Prediction(error=f"{type(exc).__name__}: {exc}")
    raise ValueError(f"unknown method {method}")


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------


def _near(interval: Interval, frame: int, radius: int) -> bool:
    return interval[0] - radius <= frame <= interval[1] + radius


def drop_ambiguous(score: ModuleType, truth: dict[str, Any], pred: list[Interval],
                   types: list[str | None]) -> tuple[list[Interval], list[str | None]]:
    """Remove unmatched predictions inside the truth's ``ambiguous`` spans (which scoring ignores)."""
    spans = [(a.get("start", a.get("frame")), a.get("end", a.get("frame"))) for a in truth.get("ambiguous") or []]
    spans = [(int(s), int(e)) for s, e in spans if s is not None and e is not None]
    if not spans:
        return pred, types
    matched = {j for _, j in score.match(score.truth_intervals(truth), pred)}
    keep = [j for j, p in enumerate(pred)
            if j in matched or not any(p[0] <= e + score.TOL and p[1] >= s - score.TOL for s, e in spans)]
    return [pred[j] for j in keep], [types[j] for j in keep]


def _negative_fired(n: dict[str, Any], unmatched: list[Interval]) -> bool:
    first, last = int(n["frame"]), int(n.get("end", n["frame"]))
    return any(ps <= last + NEGATIVE_RADIUS and pe >= first - NEGATIVE_RADIUS for ps, pe in unmatched)


def fired_negatives(truth: dict[str, Any], pred: list[Interval], pairs: list[tuple[int, int]]) -> dict[str, list[int]]:
    """Per negative kind, [fired, total]: a negative (a frame or an inclusive span) fires when a
    prediction that matched no transition lies within NEGATIVE_RADIUS frames of it."""
    matched = {j for _, j in pairs}
    unmatched = [p for j, p in enumerate(pred) if j not in matched]
    kinds: dict[str, list[int]] = {}
    for n in truth.get("negatives") or []:
        entry = kinds.setdefault(str(n.get("type", "other")), [0, 0])
        entry[0] += _negative_fired(n, unmatched)
        entry[1] += 1
    return kinds


def shape_recall(truth: dict[str, Any], pred: list[Interval], pairs: list[tuple[int, int]]) -> tuple[dict[str, list[int]], tuple[int, int]]:
    """Per gradual shape (the truth's ``shape``, else its type), [matched, total]; and how many
    matched gradual transitions have both ends within SPAN_TOLERANCE frames of the truth, of all."""
    found = dict(pairs)
    shapes: dict[str, list[int]] = {}
    ok = total = 0
    for i, t in enumerate(truth["transitions"]):
        if t["type"] in HARD_TYPES:
            continue
        entry = shapes.setdefault(str(t.get("shape", t["type"])), [0, 0])
        entry[1] += 1
        if i in found:
            entry[0] += 1
            ps, pe = pred[found[i]]
            total += 1
            ok += abs(ps - int(t["start"])) <= SPAN_TOLERANCE and abs(pe - int(t["end"])) <= SPAN_TOLERANCE
    return shapes, (ok, total)


def type_agreement(truth_iv: list[tuple[int, int, str]], types: list[str | None],
                   pairs: list[tuple[int, int]]) -> tuple[int, int, dict[str, int]]:
    """(correct, total, confusion) over matched gradual truth transitions, if predictions are typed."""
    if not any(t in GRADUAL_TYPES for t in types):
        return 0, 0, {}
    correct = total = 0
    confusion: dict[str, int] = {}
    for i, j in pairs:
        truth_type, pred_type = truth_iv[i][2], types[j]
        if truth_type not in GRADUAL_TYPES:
            continue
        total += 1
        correct += pred_type == truth_type
        key = f"{truth_type}->{pred_type}"
        confusion[key] = confusion.get(key, 0) + 1
    return correct, total, confusion


def evaluate(score: ModuleType, video: Video, method: str, pred: Prediction) -> Row:
    """Score one prediction with the benchmark's rules."""
    truth = video.truth
    intervals, types = drop_ambiguous(score, truth, pred.intervals, pred.types)
    res = score.score(truth, intervals)
    truth_iv = score.truth_intervals(truth)
    pairs = score.match(truth_iv, intervals)
    by_kind = res.get("recall_by_kind", {})
    correct, total, confusion = type_agreement(truth_iv, types, pairs)
    negatives = fired_negatives(truth, intervals, pairs)
    shapes, spans = shape_recall(truth, intervals, pairs)
    return Row(
        set_name=video.set_name, video=video.name, method=method,
        tp=res["tp"], truth=res["truth"], pred=res["pred"],
        precision=res["precision"], recall=res["recall"], f1=res["f1"],
        hard=tuple(by_kind.get("hard", (0, 0))), gradual=tuple(by_kind.get("gradual", (0, 0))),
        negatives_fired=sum(v[0] for v in negatives.values()),
        negatives_total=sum(v[1] for v in negatives.values()),
        type_correct=correct, type_total=total, type_confusion=confusion,
        shapes=shapes, negative_kinds=negatives, spans=spans,
        wall_s=pred.wall_s, error=pred.error, note=pred.note, predictions=intervals,
    )


def summarize(score: ModuleType, rows: list[Row]) -> dict[str, Any]:
    """Micro-averaged totals of a list of rows (one method, one or more videos)."""
    tp, n_truth, n_pred = (sum(getattr(r, k) for r in rows) for k in ("tp", "truth", "pred"))
    precision, recall, f1 = score.prf(tp, n_truth, n_pred)
    confusion: dict[str, int] = {}
    for r in rows:
        for k, v in r.type_confusion.items():
            confusion[k] = confusion.get(k, 0) + v
    return {
        "videos": len(rows), "tp": tp, "truth": n_truth, "pred": n_pred,
        "precision": precision, "recall": recall, "f1": f1,
        "hard": [sum(r.hard[0] for r in rows), sum(r.hard[1] for r in rows)],
        "gradual": [sum(r.gradual[0] for r in rows), sum(r.gradual[1] for r in rows)],
        "negatives": [sum(r.negatives_fired for r in rows), sum(r.negatives_total for r in rows)],
        "type": [sum(r.type_correct for r in rows), sum(r.type_total for r in rows)],
        "type_confusion": confusion,
        "shapes": _add_counts(r.shapes for r in rows),
        "negative_kinds": _add_counts(r.negative_kinds for r in rows),
        "spans": [sum(r.spans[0] for r in rows), sum(r.spans[1] for r in rows)],
        "wall_s": sum(r.wall_s for r in rows),
        "failed": [r.video for r in rows if r.error],
    }


def _add_counts(dicts: Any) -> dict[str, list[int]]:
    total: dict[str, list[int]] = {}
    for d in dicts:
        for k, (a, b) in d.items():
            entry = total.setdefault(k, [0, 0])
            entry[0] += a
            entry[1] += b
    return total


def _worst_first(counts: dict[str, list[int]], *, bad_is_high: bool) -> str:
    """``name a/b`` items, the worst share first."""
    def share(item: tuple[str, list[int]]) -> float:
        a, b = item[1]
        return (a / b if b else 0.0) * (-1 if bad_is_high else 1)
    return ", ".join(f"{k} {a}/{b}" for k, (a, b) in sorted(counts.items(), key=share))


def f1_delta(summary: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """shotdetect's F1 minus the best peer's F1."""
    peers = {m: s for m, s in summary.items() if m != "shotdetect"}
    if "shotdetect" not in summary or not peers:
        return None
    best = max(peers, key=lambda m: peers[m]["f1"])
    return {"best_peer": best, "best_peer_f1": peers[best]["f1"],
            "delta": summary["shotdetect"]["f1"] - peers[best]["f1"]}


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _ratio(pair: list[int] | tuple[int, int]) -> str:
    return f"{pair[0] / pair[1]:.3f}" if pair[1] else "-"


def format_table(title: str, videos: list[Video], summary: dict[str, dict[str, Any]]) -> str:
    """Fixed-width table of one set's summary."""
    n_hard = sum(t["type"] in HARD_TYPES for v in videos for t in v.truth["transitions"])
    n_all = sum(len(v.truth["transitions"]) for v in videos)
    n_neg = sum(len(v.truth.get("negatives") or []) for v in videos)
    lines = [f"{title}: {len(videos)} videos, {n_all} transitions ({n_hard} hard, {n_all - n_hard} gradual), "
             f"{n_neg} negatives"]
    header = (f"{'method':<14} {'P':>6} {'R':>6} {'F1':>6} {'hard R':>7} {'grad R':>7} "
              f"{'tp/truth/pred':>14} {'neg fired':>10} {'time s':>8}")
    lines += [header, "-" * len(header)]
    for method, s in summary.items():
        counts = f"{s['tp']}/{s['truth']}/{s['pred']}"
        negatives = f"{s['negatives'][0]}/{s['negatives'][1]}"
        failed = f"  ({len(s['failed'])} failed)" if s["failed"] else ""
        lines.append(f"{method:<14} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f} "
                     f"{_ratio(s['hard']):>7} {_ratio(s['gradual']):>7} {counts:>14} {negatives:>10} "
                     f"{s['wall_s']:>8.1f}{failed}")
    delta = f1_delta(summary)
    if delta:
        lines.append(f"shotdetect F1 - best peer F1 ({delta['best_peer']} {delta['best_peer_f1']:.3f}): "
                     f"{delta['delta']:+.3f}")
    sd = summary.get("shotdetect")
    if sd and sd["type"][1]:
        lines.append(f"shotdetect gradual type accuracy: {_ratio(sd['type'])} "
                     f"({sd['type'][0]}/{sd['type'][1]} matched gradual transitions)")
    for method, s in summary.items():
        if s["shapes"]:
            lines.append(f"{method} gradual recall by shape, worst first: "
                         f"{_worst_first(s['shapes'], bad_is_high=False)}")
        if s["negative_kinds"]:
            lines.append(f"{method} negatives fired by kind, worst first: "
                         f"{_worst_first(s['negative_kinds'], bad_is_high=True)}")
        if s["spans"][1]:
            lines.append(f"{method} gradual spans within {SPAN_TOLERANCE} frames of the truth's ends: "
                         f"{_ratio(s['spans'])} ({s['spans'][0]}/{s['spans'][1]})")
    return "\n".join(lines)


def format_rows(rows: list[Row]) -> str:
    """Per-video fixed-width rows (``-v``)."""
    header = (f"{'video':<34} {'method':<14} {'tp/truth/pred':>14} {'F1':>6} {'neg':>5} {'time s':>7}  notes")
    lines = [header, "-" * len(header)]
    for r in rows:
        note = r.error or r.note or ""
        lines.append(f"{r.set_name + '/' + r.video:<34} {r.method:<14} {f'{r.tp}/{r.truth}/{r.pred}':>14} "
                     f"{r.f1:>6.3f} {f'{r.negatives_fired}/{r.negatives_total}':>5} {r.wall_s:>7.1f}  {note}")
    return "\n".join(lines)


def legend(opts: Options, peer_ver: str | None) -> str:
    parts = []
    if "shotdetect" in opts.methods:
        extra = " " + " ".join(opts.shotdetect_args) if opts.shotdetect_args else ""
        parts.append(f"shotdetect = python -m shotdetect{extra}")
    if any(m in PEER_METHODS for m in opts.methods):
        parts.append(f"psd-* = PySceneDetect {peer_ver} detectors, default settings "
                     f"(psd-adaptive is its CLI default; {opts.peer_backend} backend)")
    if FFMPEG_METHOD in opts.methods:
        parts.append(f"ffmpeg-scene = select='gt(scene,{opts.ffmpeg_scene})'")
    parts.append("P/R/F1 micro-averaged; hard = cut+jumpcut; time = wall time summed over videos")
    return "\n".join(parts)


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def parse_methods(spec: str | None) -> list[str]:
    if not spec:
        return list(ALL_METHODS)
    chosen: list[str] = []
    for name in (s.strip() for s in spec.split(",") if s.strip()):
        expanded = ALIASES.get(name, (name,))
        for m in expanded:
            if m not in ALL_METHODS:
                raise SystemExit(f"unknown method {m!r}; choose from {', '.join(ALL_METHODS)} "
                                 f"or {', '.join(ALIASES)}")
            if m not in chosen:
                chosen.append(m)
    return [m for m in ALL_METHODS if m in chosen]


def resolve_tools(opts: Options, explicit_peer: bool) -> str | None:
    """Drop methods whose tools are missing (with a message); return the scenedetect version."""
    peer_ver = None
    if "shotdetect" in opts.methods and not shotdetect_available():
        print("shotdetect is not importable (python -m shotdetect); skipping its rows", file=sys.stderr)
        opts.methods.remove("shotdetect")
    if any(m in PEER_METHODS for m in opts.methods):
        peer_ver = peer_version(opts.peer_python) if opts.peer_python else None
        if peer_ver is None:
            where = f"for {opts.peer_python}" if explicit_peer else "in this interpreter (see --peer-python)"
            print(f"PySceneDetect is not installed {where}; skipping the psd-* rows", file=sys.stderr)
            opts.methods[:] = [m for m in opts.methods if m not in PEER_METHODS]
    if FFMPEG_METHOD in opts.methods and opts.ffmpeg is None:
        print("ffmpeg not found; skipping the ffmpeg-scene rows", file=sys.stderr)
        opts.methods.remove(FFMPEG_METHOD)
    return peer_ver


def run_all(videos: list[Video], opts: Options, jobs: int, quiet: bool) -> dict[tuple[str, str], Prediction]:
    """Run every (video, method) pair, longest videos first, ``jobs`` at a time."""
    tasks = [(v, m) for v in sorted(videos, key=lambda v: -v.truth["frames"]) for m in opts.methods]
    results: dict[tuple[str, str], Prediction] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(run_method, v, m, opts): (v, m) for v, m in tasks}
        for done, future in enumerate(as_completed(futures), 1):
            video, method = futures[future]
            pred = future.result()
            results[(video.key, method)] = pred
            if not quiet:
                status = f"ERROR {pred.error}" if pred.error else f"{len(pred.intervals)} transitions"
                print(f"[{done}/{len(tasks)}] {video.key} {method}: {status} ({pred.wall_s:.1f} s)",
                      file=sys.stderr, flush=True)
    return results


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Accuracy of shotdetect vs PySceneDetect and ffmpeg on the shared bench.")
    p.add_argument("--bench", type=Path, default=DEFAULT_BENCH, help=f"benchmark folder (default: {DEFAULT_BENCH})")
    p.add_argument("--sets", default=",".join(SETS), help="comma list of sets to run (default: edits,variety,real)")
    p.add_argument("--only", help=f"comma list of methods: {', '.join(ALL_METHODS)}; aliases: {', '.join(ALIASES)}")
    p.add_argument("--shotdetect-arg", action="append", default=[], metavar="ARG",
                   help="extra argument for shotdetect (repeatable), e.g. --shotdetect-arg=--sensitivity "
                        "--shotdetect-arg=0.6")
    p.add_argument("--peer-python", help="interpreter with scenedetect installed (default: this one, if it works)")
    p.add_argument("--peer-backend", default="pyav", choices=("pyav", "opencv"),
                   help="PySceneDetect video backend (default: pyav, the decoder the truth was indexed with)")
    p.add_argument("--ffmpeg", default="ffmpeg", help="ffmpeg executable (default: ffmpeg on PATH)")
    p.add_argument("--ffmpeg-scene", type=float, default=0.4, help="scene-score threshold (default: 0.4)")
    p.add_argument("--jobs", type=int, default=1, help="videos/methods run in parallel (default: 1)")
    p.add_argument("--timeout", type=float, default=1800, help="per-command time limit in s (default: 1800)")
    p.add_argument("--json", type=Path, help="write all numbers (and predictions) to this file")
    p.add_argument("-v", "--verbose", action="store_true", help="print per-video rows")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    bench = args.bench.resolve()
    if not (bench / "score.py").is_file():
        print(f"benchmark not found at {bench} (no score.py); nothing to do", file=sys.stderr)
        return 0
    score = load_score_module(bench)
    opts = Options(
        bench=bench, score=score, methods=parse_methods(args.only),
        peer_python=args.peer_python or sys.executable, peer_backend=args.peer_backend,
        ffmpeg=shutil.which(args.ffmpeg), ffmpeg_scene=args.ffmpeg_scene,
        shotdetect_args=list(args.shotdetect_arg), timeout_s=args.timeout,
    )
    peer_ver = resolve_tools(opts, explicit_peer=args.peer_python is not None)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    videos = discover_videos(bench, sets)
    if not videos or not opts.methods:
        print("no videos or no runnable methods; nothing to do", file=sys.stderr)
        return 0

    started = time.perf_counter()
    results = run_all(videos, opts, args.jobs, args.quiet)
    rows = [evaluate(score, v, m, results[(v.key, m)]) for v in videos for m in opts.methods]

    groups = {s: [v for v in videos if v.set_name == s] for s in sets}
    groups = {s: vs for s, vs in groups.items() if vs}
    if len(groups) > 1:
        groups["all"] = videos
    summaries: dict[str, dict[str, dict[str, Any]]] = {}
    for group, vids in groups.items():
        keys = {v.key for v in vids}
        summaries[group] = {m: summarize(score, [r for r in rows if r.method == m
                                                 and f"{r.set_name}/{r.video}" in keys])
                            for m in opts.methods}

    if args.verbose:
        print(format_rows(rows), end="\n\n")
    for group, vids in groups.items():
        print(format_table(group, vids, summaries[group]), end="\n\n")
    print(legend(opts, peer_ver))
    print(f"total wall time {time.perf_counter() - started:.1f} s with --jobs {args.jobs}")

    if args.json:
        doc = {
            "bench": str(bench),
            "methods": opts.methods,
            "settings": {"shotdetect_args": opts.shotdetect_args, "peer_python": opts.peer_python,
                         "peer_backend": opts.peer_backend, "scenedetect": peer_ver,
                         "ffmpeg": opts.ffmpeg, "ffmpeg_scene": opts.ffmpeg_scene, "jobs": args.jobs},
            "summary": summaries,
            "f1_delta": {g: f1_delta(s) for g, s in summaries.items()},
            "videos": [asdict(r) for r in rows],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
