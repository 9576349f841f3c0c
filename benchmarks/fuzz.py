#!/usr/bin/env python3
"""Fuzz the command line with damaged copies of real clips.

Every case takes a clip, damages a copy of it in one of several ways (:data:`MUTATIONS`, driven by a
seeded random generator, so a run is repeatable), and runs ``python -m shotdetect CASE --out DIR
--json PATH`` in a subprocess with a wall-clock timeout and an address-space limit. A case is fine
when it ends in one of the documented ways:

* ``ok``: exit 0 with a ``timeline.json`` that validates against the shipped schema;
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

Usage::

    python benchmarks/fuzz.py                          # 500 cases over the small clips of ../shared/footage
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

    @property
    def good(self) -> bool:
        return self.outcome in GOOD


#: Runs ``python -m shotdetect ARGS`` under an address-space limit (the first argument, in bytes) and
#: without core dumps. Limits are set here rather than in a ``preexec_fn``, which is unsafe while
#: other threads (the parallel cases) run.
_LAUNCH = (
    "import resource, runpy, sys\n"
    "limit = int(sys.argv.pop(1))\n"
    "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "runpy.run_module('shotdetect', run_name='__main__', alter_sys=True)\n"
)


def _schema():
    from shotdetect.export import load_schema

    return load_schema()


def _leftovers(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if (p.name.startswith(".shotdetect-") and p.name != ".shotdetect-manifest.json")
                  or p.name.endswith(".part"))


def run_case(video: Path, work: Path, *, timeout: float = 30.0, memory: int = 2 << 30,
             extra: tuple[str, ...] = ()) -> tuple[str, int | None, str, list[str]]:
    """Run the command line on ``video`` inside the empty folder ``work``.

    Returns (outcome, returncode, stderr, problems); see the module docstring for the outcomes.
    """
    out, doc_path = work / "out", work / "timeline.json"
    cmd = [sys.executable, "-c", _LAUNCH, str(memory), str(video), "--out", str(out), "--json", str(doc_path),
           *extra]
    # A session of its own: a hang is killed together with anything it started.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace",
                            cwd=work, start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        return "hang", None, stderr, [f"still running after {timeout:g} s"]
    code = proc.returncode
    problems = []
    lines = [line for line in stderr.splitlines() if line.strip()]
    if code < 0:
        return "crash", code, stderr, [f"killed by {signal.Signals(-code).name}"]
    if code != 0 and any(text in stderr for text in ("MemoryError", "Cannot allocate memory", "bad_alloc")):
        return "memory", code, stderr, ["ran out of memory"]  # (exit 0 after skipping a huge packet is fine)
    if "Traceback" in stderr:
        return "traceback", code, stderr, ["traceback on stderr"]
    left = _leftovers(work)
    if left:
        problems.append(f"left behind: {', '.join(left)}")
    if code == 0:
        import jsonschema

        try:
            doc = json.loads(doc_path.read_text(encoding="utf-8"))
            jsonschema.validate(doc, _schema())
        except (OSError, ValueError, jsonschema.ValidationError) as exc:
            return "bad-json", code, stderr, [f"timeline.json: {str(exc).splitlines()[0]}"]
        if json.loads((out / "timeline.json").read_text(encoding="utf-8")) != doc:
            problems.append("--out and --json timelines differ")
        return ("messy" if problems else "ok"), code, stderr, problems
    if code == 1:
        return "internal", code, stderr, problems
    if code in CLEAN_ERRORS:
        if len(lines) != 1 or not lines[0].startswith("shotdetect: error: "):
            problems.append(f"{len(lines)} lines on stderr")
        if out.exists() or doc_path.exists():
            problems.append("output written by a failed run")
        return ("messy" if problems else CLEAN_ERRORS[code]), code, stderr, problems
    return f"exit {code}", code, stderr, problems


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
         extra: tuple[str, ...] = (), on_result=None) -> list[Outcome]:
    """Run ``cases`` damaged copies of ``clips`` through the command line; returns every outcome."""
    kinds = mutations or sorted(MUTATIONS)
    sources = {clip: clip.read_bytes() for clip in clips}
    root = Path(tempfile.mkdtemp(prefix="shotdetect-fuzz-"))

    pairs = [(clip, kind) for clip in clips for kind in kinds]  # every clip meets every mutation
    random.Random(seed).shuffle(pairs)

    def one(i: int) -> Outcome:
        rng = random.Random(f"{seed}:{i}")
        clip, kind = pairs[i % len(pairs)]
        work = root / f"case-{i:05d}"
        work.mkdir()
        video = work / f"case-{i:05d}-{kind}{clip.suffix}"
        video.write_bytes(mutate(sources[clip], rng, kind))
        started = time.monotonic()
        outcome, code, stderr, problems = run_case(video, work, timeout=timeout, memory=memory, extra=extra)
        result = Outcome(i, clip.name, kind, outcome, code, time.monotonic() - started, stderr, problems)
        if not result.good and keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy(video, keep / video.name)
            (keep / f"{video.name}.txt").write_text(
                f"clip: {clip}\nmutation: {kind} (seed {seed}, case {i})\noutcome: {outcome} (exit {code})\n"
                f"problems: {'; '.join(problems)}\n"
                f"replay: {sys.executable} -m shotdetect {video.name} --out out --json timeline.json "
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
    bad = [r for r in results if not r.good]
    lines.append("")
    lines.append(f"failures: {len(bad)}")
    for r in bad:
        last = (r.stderr.strip().splitlines() or [""])[-1][:160]
        lines.append(f"  case {r.case} {r.clip} {r.mutation}: {r.outcome} (exit {r.returncode}) "
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
    p.add_argument("--clip", action="append", type=Path, help="clip to damage (repeatable); default: footage")
    p.add_argument("--footage", type=Path, default=FOOTAGE, help=f"folder of clips (default {FOOTAGE})")
    p.add_argument("--max-size-mb", type=float, default=1.0, help="footage clips up to this size (1 MB)")
    p.add_argument("--max-frames", type=int, default=300, help="footage clips up to this many frames (300)")
    p.add_argument("--mutation", action="append", choices=sorted(MUTATIONS), help="only these mutations")
    p.add_argument("--keep", type=Path, help="copy failing inputs (and a note on each) into this folder")
    p.add_argument("-v", "--verbose", action="store_true", help="one line per case")
    args = p.parse_args(argv)

    if args.clip:
        clips = args.clip
    elif args.footage.is_dir():
        clips = pick_clips(args.footage, int(args.max_size_mb * 1024 * 1024), args.max_frames)
    else:
        print(f"fuzz: no footage at {args.footage}; nothing to do (use --clip)", file=sys.stderr)
        return 0
    if not clips:
        print("fuzz: no clip small enough; raise --max-size-mb / --max-frames or use --clip", file=sys.stderr)
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
                   on_result=progress)
    print(summary(results, time.monotonic() - started))
    return 0 if all(r.good for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
