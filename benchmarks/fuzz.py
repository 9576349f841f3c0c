#!/usr/bin/env python3
"""Fuzz the command line with damaged copies of real clips and pictures.

Every case takes a seed file, damages a copy of it in one of several ways (:data:`MUTATIONS`, driven
by a seeded random generator, so a run is repeatable), and runs shotdetect on it in a subprocess with
a wall-clock timeout and an address-space limit. The seeds are clips made here with FFmpeg in every
common container (:data:`CONTAINERS`), pictures in every image format OpenCV reads (:data:`PICTURES`)
and, optionally, the small clips of ``../shared/footage``. Each case runs one mode, in turn:

* videos: ``python -m shotdetect CASE --out DIR --json PATH`` with ``--export all``, with ``--slides``
  or with ``--split``;
* pictures: ``compare CASE CLEAN --json``, the main command on a folder of pictures holding CASE (an
  image sequence), or ``dedupe`` of that folder.

A case is fine when it ends in one of the documented ways:

* ``ok``: exit 0 with a ``timeline.json`` that validates against the shipped schema (videos), a
  verdict (``compare``: exit 0 or 1 and JSON on stdout), a ``kept.json`` (``dedupe``);
* ``error N``: exit 3 (unusable input) or 4 (decoding failed) with exactly one ``shotdetect: error:``
  line on stderr;

and, either way, leaves no staging folder or ``*.part`` file behind and creates the output folder
only on success. Anything else is a failure worth a look:

* ``hang``: still running at the timeout (killed);
* ``crash``: died by a signal (segmentation fault, abort ...);
* ``memory``: ran out of the address space it was given;
* ``traceback``: a Python traceback on stderr;
* ``internal``: exit 1, an unexpected exception turned into "internal error";
* ``bad-json``: exit 0, but the timeline does not validate;
* ``messy``: the right exit code, but not exactly one error line, or files left behind;
* ``exit N``: any other exit code.

The peak resident memory of every case (shotdetect and any FFmpeg it ran) is measured; the summary
prints the largest and the median.

Usage::

    python benchmarks/fuzz.py                          # 500 cases over the generated seeds (+ small footage clips)
    python benchmarks/fuzz.py --cases 2000 --jobs 2 --keep /tmp/fuzz-failures
    python benchmarks/fuzz.py --clip some.mp4 --mutation truncate --cases 50 -v

Failing inputs are copied to ``--keep DIR`` with a ``.txt`` beside each holding the command, the
outcome and stderr, so each one can be replayed by hand. The exit status is 1 when any case failed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"
VIDEO_SUFFIXES = {".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v", ".ts", ".mpg", ".flv", ".nut"}
#: Seed clips made with FFmpeg: file name -> encoder options. Two shots of 1 s at 10 fps, one cut.
CONTAINERS = {
    "h264.mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast"],
    "h264-faststart.mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
    "prores.mov": ["-c:v", "prores_ks", "-profile:v", "0"],
    "h264.mkv": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-bf", "2"],
    "vp9.webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"],
    "vp8.webm": ["-c:v", "libvpx", "-deadline", "realtime"],
    "mpeg4.avi": ["-c:v", "mpeg4", "-bf", "2"],
    "mjpeg.avi": ["-c:v", "mjpeg"],
    "mpeg2.ts": ["-c:v", "mpeg2video"],
    "flv1.flv": ["-c:v", "flv"],
    "theora.ogg": ["-c:v", "libtheora"],
    "mpeg1-ps.mpg": ["-c:v", "mpeg1video", "-r", "25", "-f", "vob"],
    "h263.3gp": ["-c:v", "h263", "-s", "176x144"],
    "mpeg4.m4v": ["-c:v", "mpeg4"],
    "ffv1.nut": ["-c:v", "ffv1"],
    "wmv2.wmv": ["-c:v", "wmv2"],
    "gif.gif": ["-c:v", "gif"],
    "raw.y4m": ["-pix_fmt", "yuv420p"],
}
#: Seed pictures made with OpenCV (extension -> imwrite parameters) or FFmpeg (a list of options).
PICTURES = {
    ".jpg": [], ".png": [], ".bmp": [], ".tif": [], ".webp": [],
    ".ppm": [], ".pgm": [], ".pbm": [], ".jp2": [], ".ras": [], ".hdr": [], ".pfm": [],
    ".gif": ["-c:v", "gif"], ".tiff": ["-c:v", "tiff", "-compression_algo", "deflate"],
    ".jpeg": ["-c:v", "mjpeg", "-huffman", "optimal"],
}
VIDEO_MODES = {"export": ("--export", "all"), "slides": ("--slides",), "split": ("--split",)}
PICTURE_MODES = ("compare", "sequence", "dedupe")
CLEAN_ERRORS = {3: "error 3", 4: "error 4"}
#: Outcomes that are the documented behaviour; everything else counts as a failure.
GOOD = {"ok", *CLEAN_ERRORS.values()}


# ------------------------------------------------------------------------------------------- mutations


def _span(rng: random.Random, n: int, longest: int) -> tuple[int, int]:
    size = rng.randint(1, max(1, min(longest, n)))
    start = rng.randrange(0, max(1, n - size + 1))
    return start, start + size


def bitflip(data: bytes, rng: random.Random) -> bytes:
    """1 to 64 single-bit flips anywhere."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 64)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def overwrite(data: bytes, rng: random.Random) -> bytes:
    """One run of 1 byte to 8 kB replaced by random bytes."""
    out = bytearray(data)
    a, b = _span(rng, len(out), 8192)
    out[a:b] = rng.randbytes(b - a)
    return bytes(out)


def zero(data: bytes, rng: random.Random) -> bytes:
    """One run of up to 64 kB set to zero (a hole in a downloaded file)."""
    out = bytearray(data)
    a, b = _span(rng, len(out), 65536)
    out[a:b] = bytes(b - a)
    return bytes(out)


def insert(data: bytes, rng: random.Random) -> bytes:
    """1 byte to 4 kB of random bytes inserted: everything after shifts."""
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.randbytes(rng.randint(1, 4096)) + data[at:]


def delete(data: bytes, rng: random.Random) -> bytes:
    """A run of up to 16 kB removed."""
    a, b = _span(rng, len(data), 16384)
    return data[:a] + data[b:]


def duplicate(data: bytes, rng: random.Random) -> bytes:
    """A chunk of the file copied in again elsewhere (repeated packets, boxes, clusters)."""
    a, b = _span(rng, len(data), 32768)
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[a:b] + data[at:]


def truncate(data: bytes, rng: random.Random) -> bytes:
    """Cut anywhere (an interrupted download or copy)."""
    return data[: rng.randrange(1, len(data))]


def header(data: bytes, rng: random.Random) -> bytes:
    """Damage in the first 4 kB, where containers keep their headers."""
    out = bytearray(data)
    head = min(4096, len(out))
    for _ in range(rng.randint(1, 16)):
        i = rng.randrange(head)
        out[i] = rng.randrange(256) if rng.random() < 0.5 else out[i] ^ (1 << rng.randrange(8))
    return bytes(out)


def tail(data: bytes, rng: random.Random) -> bytes:
    """Damage in the last 64 kB, where MP4 files usually keep their index and Matroska its cues."""
    out = bytearray(data)
    start = max(0, len(out) - 65536)
    for _ in range(rng.randint(1, 32)):
        i = rng.randrange(start, len(out))
        out[i] = rng.randrange(256)
    return bytes(out)


def numbers(data: bytes, rng: random.Random) -> bytes:
    """Big-endian 16- and 32-bit fields set to extremes: box sizes, counts, widths, durations."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        width = rng.choice((2, 4))
        i = rng.randrange(0, max(1, len(out) - width))
        value = rng.choice((0, 1, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, rng.getrandbits(32)))
        out[i:i + width] = (value & ((1 << (8 * width)) - 1)).to_bytes(width, "big")
    return bytes(out)


MUTATIONS = {f.__name__: f for f in (bitflip, overwrite, zero, insert, delete, duplicate, truncate, header,
                                    tail, numbers)}


def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
    """A damaged copy of ``data``, made by mutation ``kind`` (a key of :data:`MUTATIONS`)."""
    return MUTATIONS[kind](data, rng)


# ------------------------------------------------------------------------------------------- seeds


def make_seeds(folder: Path) -> list[Path]:
    """Clips in every container of :data:`CONTAINERS` and pictures in every format of :data:`PICTURES`.

    Made with FFmpeg and OpenCV into ``folder``; a format this machine cannot write is left out
    (and named on stderr).
    """
    import cv2
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    source = ["-f", "lavfi", "-i", "testsrc2=s=160x96:r=10:d=1", "-f", "lavfi", "-t", "1", "-i",
              "mandelbrot=s=160x96:r=10", "-filter_complex", "[0][1]concat=n=2:v=1"]
    seeds, missing = [], []
    for name, options in CONTAINERS.items():
        path = folder / name
        if not path.exists():
            proc = subprocess.run(["ffmpeg", "-v", "error", "-y", *source, *options, str(path)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                path.unlink(missing_ok=True)
                missing.append(name)
                continue
        seeds.append(path)
    rng = np.random.default_rng(0)
    picture = cv2.resize(rng.integers(0, 256, (12, 20, 3), np.uint8), (160, 96), interpolation=cv2.INTER_CUBIC)
    cv2.putText(picture, "shotdetect", (8, 60), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (255, 255, 255), 2)
    for ext, options in PICTURES.items():
        path = folder / f"picture{ext}"
        if not path.exists():
            if options:  # FFmpeg's encoder (a GIF, a deflated TIFF, an optimised JPEG)
                png = folder / "picture-source.png"
                cv2.imwrite(str(png), picture)
                ok = subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(png), *options, "-frames:v", "1",
                                     str(path)], capture_output=True).returncode == 0
                png.unlink()
            else:
                image = picture.astype(np.float32) / 255 if ext in {".hdr", ".pfm"} else picture
                if ext in {".pgm", ".pbm"}:  # grey-only formats
                    image = cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)
                try:
                    ok = cv2.imwrite(str(path), image)
                except cv2.error:
                    ok = False
            if not ok or cv2.imread(str(path)) is None and ext != ".gif":
                path.unlink(missing_ok=True)
                missing.append(ext)
                continue
        seeds.append(path)
    if missing:
        print(f"fuzz: left out (cannot be written here): {', '.join(missing)}", file=sys.stderr)
    return seeds


def is_picture(path: Path) -> bool:
    return path.suffix.lower() in PICTURES and path.name.startswith("picture")


# ------------------------------------------------------------------------------------------- one case


@dataclass
class Outcome:
    case: int
    clip: str
    mutation: str
    outcome: str
    returncode: int | None
    seconds: float
    stderr: str = ""
    problems: list[str] = field(default_factory=list)
    mode: str = "export"
    peak_mb: float | None = None

    @property
    def good(self) -> bool:
        return self.outcome in GOOD


#: Runs ``python -m shotdetect ARGS`` under an address-space limit (the first argument, in bytes) and
#: without core dumps, and writes its peak resident memory and that of its children (FFmpeg), in kB,
#: into the file named by the second argument when it exits. Limits are set here rather than in a
#: ``preexec_fn``, which is unsafe while other threads (the parallel cases) run.
_LAUNCH = (
    "import atexit, resource, runpy, sys\n"
    "limit = int(sys.argv.pop(1))\n"
    "peak_file = sys.argv.pop(1)\n"
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "def peak():\n"
    "    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "    open(peak_file, 'w').write(f'{own} {kids}')\n"
    "atexit.register(peak)\n"
    "runpy.run_module('shotdetect', run_name='__main__', alter_sys=True)\n"
)


def _schema():
    from shotdetect.export import load_schema

    return load_schema()


def _leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if (p.name.startswith(".shotdetect-") and p.name != ".shotdetect-manifest.json")
                  or p.name.endswith(".part"))


def command_for(mode: str, case: Path, work: Path, clean: Path | None) -> tuple[list[str], Path | None, Path]:
    """(shotdetect arguments, JSON file written or None, output folder) of one case in ``mode``."""
    out, doc_path = work / "out", work / "timeline.json"
    if mode in VIDEO_MODES:
        return [str(case), "--out", str(out), "--json", str(doc_path), *VIDEO_MODES[mode]], doc_path, out
    if mode == "compare":
        return ["compare", str(case), str(clean), "--json"], None, out
    folder = work / "pictures"  # the damaged picture between two intact copies
    folder.mkdir(exist_ok=True)
    for i, name in enumerate(("a", "c")):
        shutil.copy(clean, folder / f"{name}{clean.suffix}")
    case.rename(folder / f"b{case.suffix}")
    if mode == "sequence":
        return [str(folder), "--out", str(out), "--json", str(doc_path)], doc_path, out
    return ["dedupe", str(folder), "--out", str(out)], None, out


def run_case(video: Path, work: Path, *, timeout: float = 30.0, memory: int = 2 << 30,
             extra: tuple[str, ...] = (), mode: str = "export", clean: Path | None = None,
             ) -> tuple[str, int | None, str, list[str], float | None]:
    """Run the command line on ``video`` inside the empty folder ``work``.

    Returns (outcome, returncode, stderr, problems, peak MB); see the module docstring for the outcomes.
    """
    args, doc_path, out = command_for(mode, video, work, clean)
    peak_file = work / "peak.txt"
    cmd = [sys.executable, "-c", _LAUNCH, str(memory), str(peak_file), *args,
           *(extra if mode in {"export", "split", "sequence"} else ())]  # (slides mode has no --max-duration)
    # A session of its own: a hang is killed together with anything it started.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                            cwd=work, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        return "hang", None, stderr, [f"still running after {timeout:g} s"], None
    try:
        peak = max(int(v) for v in peak_file.read_text().split()) / 1024
    except (OSError, ValueError):
        peak = None
    outcome, problems = _judge(mode, proc.returncode, stdout, stderr, work, doc_path, out)
    return outcome, proc.returncode, stderr, problems, peak


def _judge(mode: str, code: int, stdout: str, stderr: str, work: Path, doc_path: Path | None,
           out: Path) -> tuple[str, list[str]]:
    problems = []
    lines = [line for line in stderr.splitlines() if line.strip()]
    if code < 0:
        return "crash", [f"killed by {signal.Signals(-code).name}"]
    if code != 0 and any(text in stderr for text in ("MemoryError", "Cannot allocate memory", "bad_alloc")):
        return "memory", ["ran out of memory"]  # (exit 0 after skipping a huge packet is fine)
    if "Traceback" in stderr:
        return "traceback", ["traceback on stderr"]
    if "internal error" in stderr:
        return "internal", problems
    left = _leftovers(work)
    if left:
        problems.append(f"left behind: {', '.join(left)}")
    if mode == "compare" and code in (0, 1):
        try:
            json.loads(stdout)
        except ValueError:
            return "bad-json", ["no JSON verdict on stdout"]
        return ("messy" if problems else "ok"), problems
    if mode == "dedupe" and code == 0:
        try:
            json.loads((out / "kept.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            return "bad-json", [f"kept.json: {exc}"]
        return ("messy" if problems else "ok"), problems
    if code == 0 and doc_path is not None:
        import jsonschema

        try:
            doc = json.loads(doc_path.read_text(encoding="utf-8"))
            if mode == "slides":
                if doc.get("schema") != "shotdetect.slides":
                    raise ValueError("not a slides document")
            else:
                jsonschema.validate(doc, _schema())
        except (OSError, ValueError, jsonschema.ValidationError) as exc:
            return "bad-json", [f"timeline.json: {str(exc).splitlines()[0]}"]
        if json.loads((out / "timeline.json").read_text(encoding="utf-8")) != doc:
            problems.append("--out and --json timelines differ")
        return ("messy" if problems else "ok"), problems
    if code == 1:
        return "internal", problems
    if code in CLEAN_ERRORS:
        if len(lines) != 1 or not lines[0].startswith("shotdetect: error: "):
            problems.append(f"{len(lines)} lines on stderr")
        if out.exists() or (doc_path is not None and doc_path.exists()):
            problems.append("output written by a failed run")
        return ("messy" if problems else CLEAN_ERRORS[code]), problems
    return f"exit {code}", problems


# ------------------------------------------------------------------------------------------- the run


def pick_clips(folder: Path, max_bytes: int, max_frames: int) -> list[Path]:
    """Videos in ``folder`` no bigger than ``max_bytes`` with at most ``max_frames`` frames."""
    import av

    clips = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in VIDEO_SUFFIXES or not path.is_file() or path.stat().st_size > max_bytes:
            continue
        try:
            with av.open(str(path)) as c:
                s = c.streams.video[0]
                frames = s.frames or (c.duration or 0) / 1e6 * float(s.average_rate or 25)
        except (av.error.FFmpegError, IndexError):
            continue
        if frames <= max_frames:
            clips.append(path)
    return clips


def fuzz(clips: list[Path], cases: int, *, seed: int = 0, jobs: int = 2, timeout: float = 30.0,
         memory: int = 2 << 30, mutations: list[str] | None = None, keep: Path | None = None,
         extra: tuple[str, ...] = (), on_result=None, modes: tuple[str, ...] | None = None) -> list[Outcome]:
    """Run ``cases`` damaged copies of ``clips`` through the command line; returns every outcome.

    Every clip meets every mutation before any pair repeats; the modes of its kind (video or
    picture; ``modes`` to choose) take turns.
    """
    kinds = mutations or sorted(MUTATIONS)
    sources = {clip: clip.read_bytes() for clip in clips}
    root = Path(tempfile.mkdtemp(prefix="shotdetect-fuzz-"))

    pairs = [(clip, kind) for clip in clips for kind in kinds]
    random.Random(seed).shuffle(pairs)

    def mode_of(clip: Path, i: int) -> str:
        names = [m for m in (PICTURE_MODES if is_picture(clip) else VIDEO_MODES) if modes is None or m in modes]
        names = names or ["compare" if is_picture(clip) else "export"]
        return names[(i + i // len(pairs)) % len(names)]

    def one(i: int) -> Outcome:
        rng = random.Random(f"{seed}:{i}")
        clip, kind = pairs[i % len(pairs)]
        mode = mode_of(clip, i)
        work = root / f"case-{i:05d}"
        work.mkdir()
        video = work / f"case-{i:05d}-{kind}{clip.suffix}"
        video.write_bytes(mutate(sources[clip], rng, kind))
        kept = video.read_bytes()
        started = time.monotonic()
        outcome, code, stderr, problems, peak = run_case(video, work, timeout=timeout, memory=memory,
                                                         extra=extra, mode=mode, clean=clip)
        result = Outcome(i, clip.name, kind, outcome, code, time.monotonic() - started, stderr, problems,
                         mode, peak)
        if not result.good and keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / video.name).write_bytes(kept)
            (keep / f"{video.name}.txt").write_text(
                f"clip: {clip}\nmutation: {kind} (seed {seed}, case {i})\nmode: {mode}\n"
                f"outcome: {outcome} (exit {code})\nproblems: {'; '.join(problems)}\n"
                f"replay: {sys.executable} -m shotdetect "
                f"{' '.join(command_for(mode, Path(video.name), Path('.'), clip)[0]) if mode in VIDEO_MODES else mode} "
                f"{' '.join(extra)}\n\nstderr:\n{stderr}")
        shutil.rmtree(work, ignore_errors=True)
        if on_result is not None:
            on_result(result)
        return result

    try:
        with ThreadPoolExecutor(max(1, jobs)) as pool:
            return list(pool.map(one, range(cases)))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def summary(results: list[Outcome], seconds: float) -> str:
    order = ["ok", *CLEAN_ERRORS.values(), "hang", "crash", "memory", "traceback", "internal", "bad-json", "messy"]
    counts = Counter(r.outcome for r in results)
    names = order + sorted(set(counts) - set(order))
    kinds = sorted({r.mutation for r in results})
    lines = [f"fuzz: {len(results)} cases, {len({r.clip for r in results})} clips, {seconds:.1f} s "
             f"(slowest case {max((r.seconds for r in results), default=0):.1f} s)", ""]
    lines.append(f"{'outcome':<12}{'cases':>7}  " + " ".join(f"{k[:9]:>9}" for k in kinds))
    for name in names:
        row = [sum(r.outcome == name and r.mutation == k for r in results) for k in kinds]
        lines.append(f"{name:<12}{counts.get(name, 0):>7}  " + " ".join(f"{n:>9}" for n in row))
    modes = sorted({r.mode for r in results})
    lines += ["", f"{'outcome':<12}" + " ".join(f"{m:>9}" for m in modes)]
    for name in names:
        if counts.get(name):
            lines.append(f"{name:<12}" + " ".join(f"{sum(r.outcome == name and r.mode == m for r in results):>9}"
                                                  for m in modes))
    formats = Counter(Path(r.clip).suffix.lower() for r in results)
    lines += ["", f"{len(formats)} file types: " + ", ".join(f"{k} {n}" for k, n in sorted(formats.items()))]
    peaks = sorted(r.peak_mb for r in results if r.peak_mb is not None)
    if peaks:
        top = max((r for r in results if r.peak_mb is not None), key=lambda r: r.peak_mb)
        lines.append(f"peak memory: largest {peaks[-1]:.0f} MB ({top.clip}, {top.mutation}, {top.mode}), "
                     f"median {peaks[len(peaks) // 2]:.0f} MB, over {len(peaks)} cases")
    bad = [r for r in results if not r.good]
    lines.append("")
    lines.append(f"failures: {len(bad)}")
    for r in bad:
        last = (r.stderr.strip().splitlines() or [""])[-1][:160]
        lines.append(f"  case {r.case} {r.clip} {r.mutation} {r.mode}: {r.outcome} (exit {r.returncode}) "
                     f"{'; '.join(r.problems)} | {last}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=500, help="number of damaged files to try (default 500)")
    p.add_argument("--jobs", type=int, default=2, help="cases run at once (default 2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random damage (default 0)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds before a case counts as a hang (30)")
    p.add_argument("--memory-mb", type=int, default=2048, help="address-space limit per case (2048 MB)")
    p.add_argument("--max-duration", type=float, default=4.0,
                   help="passed to shotdetect --max-duration to bound each case (default 4 s; 0: none)")
    p.add_argument("--clip", action="append", type=Path,
                   help="clip or picture to damage (repeatable); default: generated seeds and footage")
    p.add_argument("--seeds", type=Path, default=Path(tempfile.gettempdir()) / "shotdetect-fuzz-seeds",
                   help="folder for the generated seed clips and pictures (made once, reused)")
    p.add_argument("--no-generated", action="store_true", help="no generated seeds, only footage")
    p.add_argument("--no-footage", action="store_true", help="no footage clips, only generated seeds")
    p.add_argument("--footage", type=Path, default=FOOTAGE, help=f"folder of clips (default {FOOTAGE})")
    p.add_argument("--max-size-mb", type=float, default=1.0, help="footage clips up to this size (1 MB)")
    p.add_argument("--max-frames", type=int, default=300, help="footage clips up to this many frames (300)")
    p.add_argument("--mutation", action="append", choices=sorted(MUTATIONS), help="only these mutations")
    p.add_argument("--mode", action="append", choices=[*VIDEO_MODES, *PICTURE_MODES],
                   help="only these modes (default: all of each kind, in turn)")
    p.add_argument("--keep", type=Path, help="copy failing inputs (and a note on each) into this folder")
    p.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    args = p.parse_args(argv)

    if args.clip:
        clips = args.clip
    else:
        clips = [] if args.no_generated else make_seeds(args.seeds)
        if not args.no_footage and args.footage.is_dir():
            clips += pick_clips(args.footage, int(args.max_size_mb * 1024 * 1024), args.max_frames)
    if not clips:
        print("fuzz: no seed to damage (no footage, no generated seeds); use --clip", file=sys.stderr)
        return 0
    extra = ("--max-duration", f"{args.max_duration:g}") if args.max_duration else ()
    print(f"fuzz: {args.cases} cases over {len(clips)} clips: {', '.join(c.name for c in clips)}", file=sys.stderr)

    done = [0]

    def progress(r: Outcome) -> None:
        done[0] += 1
        if args.verbose or not r.good:
            print(f"[{done[0]}/{args.cases}] case {r.case} {r.clip} {r.mutation}: {r.outcome} "
                  f"({r.seconds:.1f} s) {'; '.join(r.problems)}", file=sys.stderr, flush=True)
        elif done[0] % 50 == 0:
            print(f"[{done[0]}/{args.cases}]", file=sys.stderr, flush=True)

    started = time.monotonic()
    results = fuzz(clips, args.cases, seed=args.seed, jobs=args.jobs, timeout=args.timeout,
                   memory=args.memory_mb << 20, mutations=args.mutation, keep=args.keep, extra=extra,
                   on_result=progress, modes=tuple(args.mode) if args.mode else None)
    print(summary(results, time.monotonic() - started))
    return 0 if all(r.good for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
