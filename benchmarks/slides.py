#!/usr/bin/env python3
"""Slides mode on the recorded-talk benchmark, next to a naive one-frame-per-shot baseline.

What it measures
----------------
Every talk in ``../shared/bench/slides`` (``shared/bench/slides`` next to the repository; each
``NAME.mp4`` with ``NAME.truth.json``: every slide state and build step, a clean render of each,
the distractors) is run through each method below, and the folder of images it leaves is scored
with the benchmark's own ``score_slides.py`` (run as a subprocess, never copied), which matches
every image to the clean renders (trimmed SSIM >= 0.90 at 320x180):

* recall: required slide states (distinct, not a build's intermediate step, not shown only in a
  flick) matched by at least one image;
* precision: images that are the first match of a state / images (not counting images of flicks);
* duplicates: images matching an already matched state; incomplete builds: images of an
  intermediate build step whose final step was never matched;
* mean SSIM: the trimmed SSIM of the matched images; timeline: share of matched images whose time
  (from the method's timeline) lies within 1 s of a time their state was on screen;
* change-time error (computed here, from the truth's ``transitions`` and the slides timeline): for
  every change to a screen state in the truth that is not a flick (nor back to the picture shown
  before a flick), the distance in frames from the nearest state start the
  method reports (a span, a build step or a skipped state; inside a cross-fade counts as 0) --
  ``chg err`` is its mean over the changes found within 1 s, ``exact`` the share of changes put on
  their very frame (or inside their fade), ``late`` the changes with no reported start within 1 s.

Overall figures sum the counts over the talks (micro average); mean SSIM and timeline agreement
are weighted by matched images. Time is the wall time of each command (interpreter start-up
included) and the CPU seconds it used.

Methods
-------
``slides``        ``python -m shotdetect VIDEO --slides --out DIR -q`` (default settings)
``slides-1fps``   the same with ``--sample-rate 1``
``baseline``      one picture per shot: ``python -m shotdetect VIDEO --out DIR --image-format png -q``
                  (the shot detector's keyframe of every shot, i.e. a frame after every scene cut)

Running
-------
::

    python benchmarks/slides.py                      # all methods, per talk and overall
    python benchmarks/slides.py --only slides -v     # one method, with the per-image verdicts
    python benchmarks/slides.py --json /tmp/slides.json --keep /tmp/slides-out
    python benchmarks/slides.py --only slides --inset bottom-left:0.22:0     # a webcam over the footer
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "slides"

METHODS = {
    "slides": ["--slides", "-q"],
    "slides-1fps": ["--slides", "--sample-rate", "1", "-q"],
    "baseline": ["--image-format", "png", "--keyframes", "1", "-q"],
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), str(ROOT)) if p)
    return env


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_method(method: str, video: Path, out: Path, timeout: float) -> dict:
    """Run one method on one talk; leave its images in ``out/images`` and a timeline the scorer reads."""
    images = out / "images"
    cmd = [sys.executable, "-m", "shotdetect", str(video), "--out", str(images), *METHODS[method]]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=timeout)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"{method} failed on {video.name} ({proc.returncode}): {proc.stderr.strip()}")
    doc = json.loads((images / "timeline.json").read_text())
    timeline = out / "timeline.json"
    if method == "baseline":  # the shot timeline: one keyframe per shot, with its time
        entries = [{"file": k["file"], "time": k["time"]} for shot in doc["shots"] for k in shot["keyframes"]]
        timeline.write_text(json.dumps({"images": entries}))
    else:  # the slides timeline's "images" list is what the scorer reads
        shutil.copy(images / "timeline.json", timeline)
    (images / "timeline.json").unlink()  # not an image, but keep the folder clean for the scorer
    return {"wall": wall, "cpu": cpu, "timeline": timeline}


def score(scorer: Path, truth: Path, images: Path, timeline: Path, details: bool) -> dict:
    cmd = [sys.executable, str(scorer), str(truth), str(images), "--timeline", str(timeline)]
    if details:
        cmd.append("--details")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"score_slides.py failed on {truth.name}: {proc.stderr.strip()}")
    return json.loads(proc.stdout)


def change_times(truth: dict, timeline: Path) -> dict:
    """How far the reported state starts lie from the truth's changes of screen state (frames)."""
    doc = json.loads(timeline.read_text())
    fps = truth["fps"]
    starts = []
    for sl in doc.get("slides", []):
        starts += [sp["start_frame"] for sp in sl["spans"]] + [b["start_frame"] for b in sl["builds"]]
    starts += [sp["start_frame"] for sp in doc.get("skipped", [])]
    if not starts:  # the baseline has no states
        return {"changes": 0, "found": 0, "exact": 0, "error_sum": 0.0}
    errors = []
    states = {st["id"]: st for st in truth["states"]}

    def canon(i):
        while states[i]["same_as"] is not None:
            i = states[i]["same_as"]
        return i

    into = {tr["to"]: tr for tr in truth["transitions"]}
    for tr in truth["transitions"]:
        if states[tr["to"]]["flick"]:  # a picture flicked past is no slide: its start is not reported
            continue
        back = into.get(tr["from"]) if states[tr["from"]]["flick"] else None
        if back is not None and canon(back["from"]) == canon(tr["to"]):
            continue  # A, a flick, A again: no change of slide at all
        lo, hi = tr.get("start_frame", tr["frame"]), tr.get("end_frame", tr["frame"])
        if tr.get("kind") == "cut":
            lo = hi = tr["frame"]
        errors.append(min(max(0, lo - f, f - hi) for f in starts))
    found = [e for e in errors if e <= fps]
    return {"changes": len(errors), "found": len(found), "exact": sum(e == 0 for e in found),
            "error_sum": float(sum(found))}


def _matched(s: dict) -> int:
    return s["images"] - s["unmatched"]


def summarise(rows: list[dict]) -> dict:
    req = sum(r["score"]["states_required"] for r in rows)
    hit = sum(round((r["score"]["recall"] or 0) * r["score"]["states_required"]) for r in rows)
    tp = sum(r["score"]["true_positives"] for r in rows)
    denom = sum(r["score"]["images"] - r["score"]["flick_matches"] for r in rows)
    matched = sum(_matched(r["score"]) for r in rows)
    ssim = sum((r["score"]["mean_ssim"] or 0) * _matched(r["score"]) for r in rows)
    agree = sum((r["score"].get("timeline_agreement") or 0) * _matched(r["score"]) for r in rows)
    return {
        "images": sum(r["score"]["images"] for r in rows), "required": req,
        "recall": hit / req if req else None, "precision": tp / denom if denom else None,
        "duplicates": sum(r["score"]["duplicates"] for r in rows),
        "incomplete_builds": sum(r["score"]["incomplete_builds"] for r in rows),
        "unmatched": sum(r["score"]["unmatched"] for r in rows),
        "mean_ssim": ssim / matched if matched else None,
        "timeline": agree / matched if matched else None,
        "wall": sum(r["wall"] for r in rows), "cpu": sum(r["cpu"] for r in rows),
        "changes": sum(r["changes"]["changes"] for r in rows),
        "change_error": (sum(r["changes"]["error_sum"] for r in rows) / found) if (
            found := sum(r["changes"]["found"] for r in rows)) else None,
        "exact": (sum(r["changes"]["exact"] for r in rows) / found) if found else None,
        "late": sum(r["changes"]["changes"] - r["changes"]["found"] for r in rows),
    }


def _fmt(v, spec=".3f") -> str:
    return "-" if v is None else format(v, spec)


HEADER = (f"{'talk':<14} {'method':<12} {'images':>6} {'recall':>7} {'prec':>6} {'dups':>5} {'incompl':>7} "
          f"{'unmatch':>7} {'SSIM':>6} {'timeline':>8} {'chg err':>7} {'exact':>5} {'late':>4} {'wall s':>7} "
          f"{'cpu s':>7}")


def _line(name: str, method: str, s: dict) -> str:
    return (f"{name:<14} {method:<12} {s['images']:>6} {_fmt(s['recall']):>7} {_fmt(s['precision']):>6} "
            f"{s['duplicates']:>5} {s['incomplete_builds']:>7} {s['unmatched']:>7} {_fmt(s['mean_ssim']):>6} "
            f"{_fmt(s['timeline']):>8} {_fmt(s['change_error'], '.2f'):>7} {_fmt(s['exact'], '.2f'):>5} "
            f"{s['late']:>4} {s['wall']:>7.1f} {s['cpu']:>7.1f}")


def example(path: Path) -> None:
    """Render a generated talk, run slides mode on it and draw a contact sheet of the result."""
    import cv2
    import numpy as np

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from shotdetect.decode import open_video
    from shotdetect.slides import extract_slides
    from shotdetect.slides.select import decode_png
    from tooling.slides_synth import Shown, Slide, render_talk

    title = Slide("Lecture 7: Shot detection", ["Jane Doe - Example University"])
    outline = Slide("Outline", ["Why find slides in talk videos", "Screen states and builds", "Results"])
    demo = Slide("Demo", ["Recorded with a webcam inset"], video=(0.42, 0.3, 0.5, 0.5))
    res1 = Slide("Results", ["Recall and precision per talk", "Builds kept as one slide"])
    res2 = Slide("Results", ["Recall and precision per talk", "Sampled at one frame per second"])
    talk = [Shown(title, 3), Shown(outline, 2, bullets=1), Shown(outline, 2, bullets=2), Shown(outline, 3),
            Shown(demo, 4, fade=0.5), Shown(res1, 3, fade=0.5), Shown(demo, 0.5), Shown(res2, 3),
            Shown(outline, 2.5, fade=0.5), Shown(Slide("Thank you", ["Questions?"], theme="dark"), 3, fade=0.5)]
    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "talk.mp4"
        render_talk(video, talk, webcam=True, laser=True, seed=4)
        result = extract_slides(video)
        stills = []
        with open_video(video) as reader:
            for frame in reader:
                if frame.index in (25, 62, 122):
                    stills.append(frame.source.render())
    tw, th, pad = 300, 169, 12
    font = cv2.FONT_HERSHEY_SIMPLEX

    def tile(img: np.ndarray, label: str, sub: str) -> np.ndarray:
        t = np.full((th + 44, tw, 3), 255, np.uint8)
        t[:th] = cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA)
        cv2.rectangle(t, (0, 0), (tw - 1, th - 1), (180, 180, 180), 1)
        cv2.putText(t, label, (4, th + 17), font, 0.48, (20, 20, 20), 1, cv2.LINE_AA)
        cv2.putText(t, sub, (4, th + 36), font, 0.42, (90, 90, 90), 1, cv2.LINE_AA)
        return t

    def row(tiles: list[np.ndarray], heading: str) -> np.ndarray:
        width = 3 * tw + 4 * pad
        r = np.full((30 + tiles[0].shape[0] + pad, width, 3), 255, np.uint8)
        cv2.putText(r, heading, (pad, 21), font, 0.58, (120, 60, 10), 1, cv2.LINE_AA)
        for i, t in enumerate(tiles):
            r[30:30 + t.shape[0], pad + i * (tw + pad):pad + i * (tw + pad) + tw] = t
        return r

    rows = [row([tile(s, f"frame at {t}", d) for s, t, d in zip(
        stills, ("2.5 s", "6.2 s", "12.2 s"), ("pointer", "build step 2 of 3", "video in slide, webcam"))],
        "Recording (webcam inset, pointer, laser dot, noise, a video in a slide)")]
    tiles = []
    for slide, step in result.images():
        spans = ", ".join(f"{sp.start_time:.0f}-{sp.end_time:.0f} s" for sp in slide.spans)
        sub = (f"{len(slide.steps)} build steps" if len(slide.steps) > 1 else "") + \
              (f"{', ' if len(slide.steps) > 1 else ''}revisited" if slide.revisits else "")
        tiles.append(tile(decode_png(step.picture.png), f"{slide.number:03d}.png  on screen {spans}", sub))
    for i in range(0, len(tiles), 3):
        part = tiles[i:i + 3]
        part += [np.full_like(tiles[0], 255)] * (3 - len(part))
        rows.append(row(part, "Exported slides (one per distinct slide; the flick is skipped)" if i == 0 else ""))
    sheet = np.vstack(rows)
    ok, data = cv2.imencode(".png", sheet, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.tobytes())
    print(f"{path}: {sheet.shape[1]}x{sheet.shape[0]}, {len(data) // 1024} KB, {len(result.slides)} slides")


def with_inset(truth: Path, spec: str, folder: Path) -> Path:
    """A copy of a bench talk with a webcam inset of the speaker drawn over every frame (the
    generator's :class:`~tooling.slides_synth.Webcam`, the speaker holding still between
    movements); its truth is the talk's (the scorer trims the worst 10 % of each picture)."""
    from fractions import Fraction

    import av

    sys.path.insert(0, str(ROOT / "tests"))
    from tooling.slides_synth import Webcam, _draw_webcam, _speaker_phase

    parts = spec.split(":")
    cam = Webcam(parts[0], float(parts[1]), margin=float(parts[2]) if len(parts) > 2 else 0.04,
                 border=parts[3] != "0" if len(parts) > 3 else True, still=True)
    doc = json.loads(truth.read_text())
    src = truth.parent / doc["video"]
    dst = folder / src.name
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        vs = inp.streams.video[0]
        rate = vs.average_rate
        st = out.add_stream("libx264", rate=rate)
        st.width, st.height, st.pix_fmt = vs.codec_context.width, vs.codec_context.height, "yuv420p"
        st.options = {"crf": "23", "preset": "ultrafast"}
        rect = cam.rect((st.width, st.height))
        for i, frame in enumerate(inp.decode(video=0)):
            img = frame.to_ndarray(format="bgr24")
            _draw_webcam(img, rect, _speaker_phase(i / float(rate), True), cam.border)
            vf = av.VideoFrame.from_ndarray(img, format="bgr24")
            vf.pts, vf.time_base = i, Fraction(1) / rate
            for packet in st.encode(vf):
                out.mux(packet)
        for packet in st.encode(None):
            out.mux(packet)
    for p in truth.parent.iterdir():  # the clean renders the truth names, and the scorer
        if p.is_dir() or p.name == "score_slides.py":
            (folder / p.name).unlink(missing_ok=True)
            (folder / p.name).symlink_to(p)
    (folder / truth.name).write_text(json.dumps(doc))
    print(f"{truth.name.removesuffix('.truth.json')}: webcam inset at {list(rect)}", file=sys.stderr)
    return folder / truth.name


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--example", type=Path, metavar="PNG",
                    help="instead: render a generated talk and save a contact sheet of its slides here")
    ap.add_argument("--bench", type=Path, default=BENCH, help="folder of NAME.mp4 + NAME.truth.json talks")
    ap.add_argument("--only", default=",".join(METHODS), help=f"comma list of methods ({', '.join(METHODS)})")
    ap.add_argument("--json", type=Path, help="write every score here")
    ap.add_argument("--keep", type=Path, help="keep each method's images under this folder")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("-v", "--verbose", action="store_true", help="per-image verdicts that are not plain hits")
    ap.add_argument("--talk", metavar="TEXT", help="only the talks whose name contains TEXT")
    ap.add_argument("--inset", metavar="CORNER:WIDTH[:MARGIN[:FRAMED]]",
                    help="instead of the talks as they are, each with a generated webcam inset of the speaker "
                         "drawn over it (e.g. bottom-left:0.22:0 -- over the footer; FRAMED 0 or 1)")
    a = ap.parse_args(argv)
    if a.example:
        example(a.example)
        return 0
    scorer = a.bench / "score_slides.py"
    if not scorer.exists():
        scorer = a.bench.parent / "score_slides.py"
    truths = sorted(a.bench.glob("*.truth.json"))
    if not truths:
        print(f"no benchmark talks in {a.bench}; nothing to do", file=sys.stderr)
        return 0
    if a.talk:
        truths = [t for t in truths if a.talk in t.name]
    inset_dir = None
    if a.inset:
        inset_dir = Path(tempfile.mkdtemp(prefix="slides-bench-inset-"))
        truths = [with_inset(t, a.inset, inset_dir) for t in truths]
    methods = [m.strip() for m in a.only.split(",") if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        ap.error(f"unknown method(s): {', '.join(unknown)}")
    work = Path(tempfile.mkdtemp(prefix="slides-bench-")) if a.keep is None else a.keep
    results: dict[str, list[dict]] = {m: [] for m in methods}
    print(HEADER)
    print("-" * len(HEADER))
    try:
        for truth in truths:
            doc = json.loads(truth.read_text())
            video = truth.parent / doc["video"]
            name = truth.name.removesuffix(".truth.json")
            for m in methods:
                out = work / name / m
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir(parents=True)
                run = run_method(m, video, out, a.timeout)
                sc = score(scorer, truth, out / "images", run["timeline"], a.verbose)
                changes = change_times(doc, run["timeline"])
                row = {"talk": name, "method": m, "wall": run["wall"], "cpu": run["cpu"], "score": sc,
                       "changes": changes}
                results[m].append(row)
                one = summarise([row])
                print(_line(name, m, one), flush=True)
                if a.verbose:
                    for rec in sc.get("per_image", []):
                        if rec["verdict"] != "hit" or not rec.get("time_ok", True):
                            print(f"    {rec}")
                    if sc["missed_states"]:
                        print(f"    missed states: {sc['missed_states']}")
        print("-" * len(HEADER))
        overall = {m: summarise(rows) for m, rows in results.items()}
        for m in methods:
            print(_line(f"all ({len(truths)})", m, overall[m]))
    finally:
        if a.keep is None:
            shutil.rmtree(work, ignore_errors=True)
        if inset_dir is not None:
            shutil.rmtree(inset_dir, ignore_errors=True)
    if a.json:
        a.json.write_text(json.dumps({"overall": overall, "runs": results}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
