#!/usr/bin/env python3
"""Speed and memory of shotdetect next to a plain ffmpeg decode, PySceneDetect and ffmpeg's scene filter.

What it measures
----------------
Each method runs as a child process on the same test file; for every run the script records

* wall time (``time.perf_counter`` around ``Popen`` ... ``os.wait4``), interpreter start-up included;
* frames/s = the file's frame count (ffprobe, counted once per file) / wall time;
* CPU time = user + system time of the child (and of any descendants it waited for), from the
  ``rusage`` that ``os.wait4`` returns; CPU / wall is the number of cores kept busy on average;
* peak RSS = ``ru_maxrss`` of that same ``rusage`` (KiB on Linux), shown in MB (10^6 bytes).

Methods run round-robin (repeat 1 of every method, then repeat 2, ...) so that a slow spell of a
busy machine hits all of them alike, and the table shows medians over ``--repeats``.

Methods
-------
``shotdetect``        ``python -m shotdetect FILE --out DIR --overwrite -q`` (keyframe images written)
``shotdetect-noimg``  ``python -m shotdetect FILE --json OUT --no-images -q --overwrite``
``ffmpeg-decode``     ``ffmpeg -v error -threads 0 -i FILE -an -f null -`` (decode only: the floor)
``psd-adaptive``      ``scenedetect -q -i FILE -o DIR detect-adaptive list-scenes -n`` (its CLI default)
``psd-content``       ``scenedetect -q -i FILE -o DIR detect-content list-scenes -n``
``ffmpeg-scene``      ``ffmpeg -v error -i FILE -an -vf "select='gt(scene,0.4)',metadata=print:file=-"
                      -f null -`` (the printed metadata is discarded)

Test files
----------
Made once with ffmpeg (libx264 ``-preset veryfast -crf 20``, no audio) from the shared footage
(``../shared/bench/edits/*.mp4`` next to the repository), every clip scaled and padded to the
target size at 25 fps and concatenated, and cached in ``benchmarks/.cache/speed/``:

``1080p``  1920x1080, ``--minutes`` long (default 5, about 7,500 frames)
``720p``   the same content at 1280x720
``4k``     3840x2160, ``--minutes-4k`` long (default 1)
``hour``   the 1080p file looped with stream copy to ``--hour-minutes`` (default 60); only for
           ``--memory``: one shotdetect run (with images), its peak RSS checked against 300 MB

Running
-------
::

    python benchmarks/speed.py                                 # 1080p, 720p, 4k; 3 repeats
    python benchmarks/speed.py --files 720p --repeats 1        # quick check
    python benchmarks/speed.py --methods shotdetect,ffmpeg-decode --json /tmp/speed.json
    python benchmarks/speed.py --files 1080p --memory          # + the hour-long memory check

Peak RSS caveat: on Linux a child's ``ru_maxrss`` starts at the RSS of the process that launched
it (the address space it had at ``exec``), so this script keeps itself small (no numpy, no PyAV)
and prints that floor, measured by running ``true``.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEFAULT_SOURCES = SHARED / "bench" / "edits"
CACHE = HERE / ".cache" / "speed"

SIZES = {"1080p": (1920, 1080), "720p": (1280, 720), "4k": (3840, 2160)}
FILES = tuple(SIZES)
FPS = 25
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]

SHOTDETECT_METHODS = ("shotdetect", "shotdetect-noimg")
PSD_METHODS = ("psd-adaptive", "psd-content")
FFMPEG_METHODS = ("ffmpeg-decode", "ffmpeg-scene")
ALL_METHODS = ("shotdetect", "shotdetect-noimg", "ffmpeg-decode", "psd-adaptive", "psd-content", "ffmpeg-scene")
ALIASES = {"psd": PSD_METHODS, "ffmpeg": FFMPEG_METHODS, "all": ALL_METHODS}
SCENE_THRESHOLD = 0.4
RSS_LIMIT_MB = 300.0


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


@dataclass
class Tools:
    python: str  # runs ``-m shotdetect``
    ffmpeg: str | None
    ffprobe: str | None
    scenedetect: str | None


@dataclass
class TestFile:
    name: str
    path: Path
    width: int
    height: int
    frames: int
    duration_s: float
    bytes: int
    created_s: float | None  # seconds it took to make (None: found in the cache)
    command: list[str]


@dataclass
class Sample:
    """One measured child process."""

    wall_s: float
    user_s: float
    sys_s: float
    peak_rss_kib: int
    returncode: int
    error: str | None = None

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s


@dataclass
class Summary:
    """Medians of one method's samples on one file."""

    method: str
    runs: int
    failed: int
    wall_s: float | None = None
    wall_min_s: float | None = None
    wall_max_s: float | None = None
    fps: float | None = None
    cpu_s: float | None = None
    cpu_per_wall: float | None = None
    peak_rss_mb: float | None = None
    errors: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Measuring one child process
# --------------------------------------------------------------------------------------------


def _tail(text: str, lines: int = 3) -> str:
    return " | ".join(text.strip().splitlines()[-lines:]) or "(no output)"


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout_s: float = 3600) -> Sample:
    """Run ``cmd`` and return its wall time and the rusage of that very child (``os.wait4``).

    stdout is discarded; stderr goes to a temporary file so that a failure can be reported."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=err)
        timer = threading.Timer(timeout_s, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting
        error = None
        if code != 0:
            err.seek(0)
            reason = "timed out" if wall >= timeout_s else f"exit {code}"
            error = f"{reason}: {_tail(err.read().decode(errors='replace'))}"
    return Sample(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss, code, error)


def kib_to_mb(kib: float) -> float:
    return kib * 1024 / 1e6


# --------------------------------------------------------------------------------------------
# Tools and commands
# --------------------------------------------------------------------------------------------


def shotdetect_env() -> dict[str, str]:
    """Environment in which ``python -m shotdetect`` finds this checkout (an explicit PYTHONPATH wins)."""
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(REPO)])
    return env


def find_tool(name: str, explicit: str | None = None, near: str | None = None) -> str | None:
    """``explicit`` if given (path or name on PATH), else ``name`` beside ``near``, else on PATH."""
    if explicit:
        return shutil.which(explicit)
    if near:
        sibling = Path(near).with_name(name)
        if sibling.is_file() and os.access(sibling, os.X_OK):
            return str(sibling)
    return shutil.which(name)


def _first_match(cmd: list[str], pattern: str) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=shotdetect_env())
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(pattern, proc.stdout + proc.stderr)
    return m.group(1) if m else None


def tool_versions(tools: Tools) -> dict[str, str | None]:
    return {
        "shotdetect": _first_match([tools.python, "-m", "shotdetect", "-V"], r"shotdetect\s+(\S+)"),
        "ffmpeg": _first_match([tools.ffmpeg, "-version"], r"ffmpeg version\s+(\S+)") if tools.ffmpeg else None,
        "scenedetect": (_first_match([tools.scenedetect, "version"], r"PySceneDetect\s+v?(\d\S*)")
                        if tools.scenedetect else None),
    }


def method_available(method: str, tools: Tools, versions: dict[str, str | None]) -> str | None:
    """None if ``method`` can run, else why not."""
    if method in SHOTDETECT_METHODS and versions["shotdetect"] is None:
        return f"shotdetect is not runnable as {tools.python} -m shotdetect"
    if method in FFMPEG_METHODS and tools.ffmpeg is None:
        return "ffmpeg not found"
    if method in PSD_METHODS and (tools.scenedetect is None or versions["scenedetect"] is None):
        return "PySceneDetect's scenedetect CLI not found (see --scenedetect)"
    return None


def build_command(method: str, video: Path, workdir: Path, tools: Tools) -> list[str]:
    """The command line of ``method`` on ``video``; outputs go under ``workdir``."""
    if method == "shotdetect":
        return [tools.python, "-m", "shotdetect", str(video), "--out", str(workdir / "out"), "--overwrite", "-q"]
    if method == "shotdetect-noimg":
        return [tools.python, "-m", "shotdetect", str(video), "--json", str(workdir / "timeline.json"),
                "--no-images", "-q", "--overwrite"]
    if method == "ffmpeg-decode":
        assert tools.ffmpeg
        return [tools.ffmpeg, "-nostdin", "-v", "error", "-threads", "0", "-i", str(video), "-an", "-f", "null", "-"]
    if method == "ffmpeg-scene":
        assert tools.ffmpeg
        vf = f"select='gt(scene,{SCENE_THRESHOLD})',metadata=print:file=-"
        return [tools.ffmpeg, "-nostdin", "-v", "error", "-i", str(video), "-an", "-vf", vf, "-f", "null", "-"]
    if method in PSD_METHODS:
        assert tools.scenedetect
        detector = "detect-" + method.removeprefix("psd-")
        return [tools.scenedetect, "-q", "-i", str(video), "-o", str(workdir), detector, "list-scenes", "-n"]
    raise ValueError(f"unknown method {method}")


# --------------------------------------------------------------------------------------------
# Test files
# --------------------------------------------------------------------------------------------


def probe(ffprobe: str, path: Path, count: bool = False) -> dict[str, Any]:
    """Width, height, duration and (with ``count``) the number of video packets = frames."""
    cmd = [ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries",
           "stream=width,height,nb_read_packets:format=duration", "-of", "json", str(path)]
    if count:
        cmd.insert(1, "-count_packets")
    doc = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    stream = doc["streams"][0]
    return {"width": int(stream["width"]), "height": int(stream["height"]),
            "duration_s": float(doc["format"]["duration"]),
            "frames": int(stream["nb_read_packets"]) if count else None}


def source_clips(sources: Path, ffprobe: str) -> list[tuple[Path, float]]:
    """(path, duration) of every ``*.mp4`` in ``sources``, sorted by name."""
    return [(p, probe(ffprobe, p)["duration_s"]) for p in sorted(sources.glob("*.mp4"))]


def concat_command(ffmpeg: str, clips: list[tuple[Path, float]], width: int, height: int, seconds: float,
                   out: Path) -> list[str]:
    """ffmpeg command concatenating ``clips`` (repeated as needed), each scaled and padded to
    ``width``x``height`` at FPS frames/s, cut to ``seconds`` and encoded with x264."""
    chosen: list[Path] = []
    total = 0.0
    while total < seconds:
        for path, duration in clips:
            chosen.append(path)
            total += duration
            if total >= seconds:
                break
    inputs = [arg for path in chosen for arg in ("-i", str(path))]
    chain = (f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
             f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={FPS},format=yuv420p")
    graph = ";".join(f"[{i}:v:0]{chain}[v{i}]" for i in range(len(chosen)))
    graph += ";" + "".join(f"[v{i}]" for i in range(len(chosen))) + f"concat=n={len(chosen)}:v=1:a=0[out]"
    return [ffmpeg, "-nostdin", "-v", "error", "-y", *inputs, "-filter_complex", graph, "-map", "[out]",
            "-t", f"{seconds:g}", "-an", *X264, str(out)]


def loop_command(ffmpeg: str, source: Path, source_s: float, seconds: float, out: Path) -> list[str]:
    """ffmpeg command repeating ``source`` with stream copy, as many whole times as come closest to
    ``seconds`` (no cut at the end: a stream-copy cut lands on a packet, not on a frame)."""
    loops = max(1, round(seconds / source_s)) - 1
    return [ffmpeg, "-nostdin", "-v", "error", "-y", "-stream_loop", str(loops), "-i", str(source),
            "-map", "0:v:0", "-c", "copy", "-an", str(out)]


def ensure_file(name: str, cmd_for: Callable[[Path], list[str]], out: Path, tools: Tools, quiet: bool) -> TestFile:
    """Make ``out`` with the command ``cmd_for(tmp_path)`` unless the cache already holds it, made by
    the same command (recorded in ``out``'s ``.json`` sidecar, together with its frame count)."""
    assert tools.ffprobe
    meta_path = out.with_suffix(".json")
    command = cmd_for(out)
    if out.is_file() and meta_path.is_file():
        meta = json.loads(meta_path.read_text())
        if meta.get("command") == command:
            return TestFile(name=name, path=out, created_s=None, bytes=out.stat().st_size,
                            **{k: meta[k] for k in ("width", "height", "frames", "duration_s", "command")})
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.stem + ".partial" + out.suffix)
    if not quiet:
        print(f"making {out.name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd_for(tmp), capture_output=True, text=True)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"making {out.name} failed: {_tail(proc.stderr)}")
    tmp.replace(out)
    info = probe(tools.ffprobe, out, count=True)
    created = time.perf_counter() - start
    meta = {**info, "command": command, "created_s": created}
    meta_path.write_text(json.dumps(meta, indent=1))
    if not quiet:
        print(f"made {out.name}: {info['frames']} frames, {out.stat().st_size / 1e6:.0f} MB in {created:.0f} s",
              file=sys.stderr, flush=True)
    return TestFile(name=name, path=out, created_s=created, bytes=out.stat().st_size, command=command, **info)


def make_test_file(name: str, clips: list[tuple[Path, float]], seconds: float, tools: Tools,
                   cache: Path, quiet: bool) -> TestFile:
    assert tools.ffmpeg
    width, height = SIZES[name]
    out = cache / f"{name}-{seconds:g}s.mp4"
    return ensure_file(name, lambda path: concat_command(tools.ffmpeg, clips, width, height, seconds, path),
                       out, tools, quiet)


def make_hour_file(source: TestFile, seconds: float, tools: Tools, cache: Path, quiet: bool) -> TestFile:
    assert tools.ffmpeg
    out = cache / f"hour-{seconds:g}s-from-{source.path.stem}.mp4"
    return ensure_file("hour", lambda path: loop_command(tools.ffmpeg, source.path, source.duration_s,
                                                         seconds, path), out, tools, quiet)


# --------------------------------------------------------------------------------------------
# Running and summarizing
# --------------------------------------------------------------------------------------------


def run_once(method: str, test: TestFile, tools: Tools, workroot: Path, timeout_s: float) -> Sample:
    """One measured run of ``method`` in a fresh scratch folder (removed afterwards)."""
    env = shotdetect_env() if method in SHOTDETECT_METHODS else None
    with tempfile.TemporaryDirectory(prefix=f"{method}-", dir=workroot) as tmp:
        return measure(build_command(method, test.path, Path(tmp), tools), Path(tmp), env, timeout_s)


def time_file(test: TestFile, methods: list[str], repeats: int, tools: Tools, workroot: Path,
              timeout_s: float, quiet: bool) -> dict[str, list[Sample]]:
    """All methods on one file, round-robin: repeat 1 of every method, then repeat 2, ..."""
    samples: dict[str, list[Sample]] = {m: [] for m in methods}
    for r in range(1, repeats + 1):
        for method in methods:
            sample = run_once(method, test, tools, workroot, timeout_s)
            samples[method].append(sample)
            if not quiet:
                status = f"ERROR {sample.error}" if sample.error else (
                    f"{sample.wall_s:.1f} s, cpu {sample.cpu_s:.1f} s, {kib_to_mb(sample.peak_rss_kib):.0f} MB")
                print(f"[{test.name} {r}/{repeats}] {method}: {status}", file=sys.stderr, flush=True)
    return samples


def summarize(method: str, samples: list[Sample], frames: int) -> Summary:
    ok = [s for s in samples if s.error is None]
    summary = Summary(method, runs=len(samples), failed=len(samples) - len(ok),
                      errors=[s.error for s in samples if s.error])
    if not ok:
        return summary
    wall = statistics.median(s.wall_s for s in ok)
    cpu = statistics.median(s.cpu_s for s in ok)
    summary.wall_s, summary.cpu_s = wall, cpu
    summary.wall_min_s, summary.wall_max_s = min(s.wall_s for s in ok), max(s.wall_s for s in ok)
    summary.fps = frames / wall if wall > 0 else None
    summary.cpu_per_wall = statistics.median(s.cpu_s / s.wall_s for s in ok if s.wall_s > 0)
    summary.peak_rss_mb = kib_to_mb(statistics.median(s.peak_rss_kib for s in ok))
    return summary


def ratios(summaries: dict[str, Summary]) -> dict[str, float | None]:
    """Wall-time ratios: shotdetect / ffmpeg decode (with and without images), PySceneDetect / shotdetect."""
    def wall(m: str) -> float | None:
        s = summaries.get(m)
        return s.wall_s if s else None

    def div(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    return {
        "shotdetect/ffmpeg-decode": div(wall("shotdetect"), wall("ffmpeg-decode")),
        "shotdetect-noimg/ffmpeg-decode": div(wall("shotdetect-noimg"), wall("ffmpeg-decode")),
        "psd-adaptive/shotdetect": div(wall("psd-adaptive"), wall("shotdetect")),
        "psd-adaptive/shotdetect-noimg": div(wall("psd-adaptive"), wall("shotdetect-noimg")),
    }


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def format_table(test: TestFile, summaries: dict[str, Summary], repeats: int) -> str:
    """Fixed-width table of one file, then the wall-time ratios."""
    lines = [f"{test.name}: {test.path.name}, {test.width}x{test.height}, {test.frames} frames, "
             f"{test.duration_s:.0f} s, {test.bytes / 1e6:.0f} MB; medians of {repeats} run(s)"]
    header = (f"{'method':<17} {'wall s':>8} {'min-max s':>13} {'frames/s':>9} {'CPU s':>8} "
              f"{'CPU/wall':>8} {'peak MB':>8}")
    lines += [header, "-" * len(header)]
    for s in summaries.values():
        spread = f"{s.wall_min_s:.1f}-{s.wall_max_s:.1f}" if s.wall_min_s is not None else "-"
        failed = f"  ({s.failed}/{s.runs} failed: {s.errors[0]})" if s.failed else ""
        lines.append(f"{s.method:<17} {_num(s.wall_s, '8.1f')} {spread:>13} {_num(s.fps, '9.1f')} "
                     f"{_num(s.cpu_s, '8.1f')} {_num(s.cpu_per_wall, '8.2f')} {_num(s.peak_rss_mb, '8.0f')}"
                     f"{failed}")
    labels = {
        "shotdetect/ffmpeg-decode": "shotdetect (images) / ffmpeg decode",
        "shotdetect-noimg/ffmpeg-decode": "shotdetect (no images) / ffmpeg decode",
        "psd-adaptive/shotdetect": "PySceneDetect default / shotdetect (images)",
        "psd-adaptive/shotdetect-noimg": "PySceneDetect default / shotdetect (no images)",
    }
    for key, value in ratios(summaries).items():
        if value is not None:
            lines.append(f"{labels[key] + ':':<48} {value:6.2f}x wall")
    return "\n".join(lines)


def format_memory(result: dict[str, Any]) -> str:
    test, s = result["file"], result["sample"]
    if s["error"]:
        return f"memory check ({test['frames']} frames): shotdetect failed: {s['error']}"
    verdict = "OK" if result["below_limit"] else "OVER"
    return (f"memory check: shotdetect (images) on {Path(test['path']).name}, {test['frames']} frames, "
            f"{test['duration_s'] / 60:.1f} min\n"
            f"  wall {s['wall_s']:.0f} s ({test['frames'] / s['wall_s']:.1f} frames/s), "
            f"CPU {s['user_s'] + s['sys_s']:.0f} s, peak RSS {result['peak_rss_mb']:.0f} MB: "
            f"{verdict} (limit {RSS_LIMIT_MB:.0f} MB)")


def legend(tools: Tools, versions: dict[str, str | None], floor_mb: float) -> str:
    found = [f"shotdetect {versions['shotdetect']} ({tools.python} -m shotdetect)" if versions["shotdetect"] else "",
             f"ffmpeg {versions['ffmpeg']}" if versions["ffmpeg"] else "",
             f"PySceneDetect {versions['scenedetect']} ({tools.scenedetect})" if versions["scenedetect"] else ""]
    return "\n".join([
        "; ".join(part for part in found if part),
        "wall = start to exit of the child, start-up included; CPU = user+sys of the child; "
        "peak = ru_maxrss of the child (MB = 10^6 bytes)",
        f"peak RSS floor inherited from this launcher (ru_maxrss of `true`): {floor_mb:.0f} MB",
    ])


# --------------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------------


def parse_list(spec: str, allowed: tuple[str, ...], aliases: dict[str, tuple[str, ...]], what: str) -> list[str]:
    chosen: list[str] = []
    for name in (s.strip() for s in spec.split(",") if s.strip()):
        for item in aliases.get(name, (name,)):
            if item not in allowed:
                raise SystemExit(f"unknown {what} {item!r}; choose from {', '.join(allowed)}"
                                 + (f" or {', '.join(aliases)}" if aliases else ""))
            if item not in chosen:
                chosen.append(item)
    return [x for x in allowed if x in chosen]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Speed and peak memory of shotdetect vs ffmpeg and PySceneDetect.")
    p.add_argument("--files", default=",".join(FILES), help=f"comma list of test files (default: {','.join(FILES)})")
    p.add_argument("--methods", default="all",
                   help=f"comma list of methods: {', '.join(ALL_METHODS)}; aliases: {', '.join(ALIASES)}")
    p.add_argument("--repeats", type=int, default=3, help="runs per method and file; medians shown (default: 3)")
    p.add_argument("--memory", action="store_true",
                   help="also run shotdetect once on an hour-long 1080p file and check its peak RSS (slow)")
    p.add_argument("--minutes", type=float, default=5, help="length of the 1080p and 720p files (default: 5)")
    p.add_argument("--minutes-4k", type=float, default=1, help="length of the 4k file (default: 1)")
    p.add_argument("--hour-minutes", type=float, default=60, help="length of the --memory file (default: 60)")
    p.add_argument("--sources", type=Path, default=DEFAULT_SOURCES,
                   help=f"folder of source clips, *.mp4 (default: {DEFAULT_SOURCES})")
    p.add_argument("--cache", type=Path, default=CACHE, help=f"where test files are kept (default: {CACHE})")
    p.add_argument("--prepare", action="store_true", help="only make the test files (--files, and the hour-long "
                                                           "one with --memory), then stop")
    p.add_argument("--keep", action="store_true",
                   help="keep the hour-long --memory file in the cache (removed after the check otherwise)")
    p.add_argument("--ffmpeg", help="ffmpeg executable (default: ffmpeg on PATH); ffprobe is looked up beside it")
    p.add_argument("--scenedetect", help="PySceneDetect's scenedetect CLI (default: beside this interpreter, "
                                         "else on PATH)")
    p.add_argument("--timeout", type=float, default=3600, help="time limit per command in s (default: 3600)")
    p.add_argument("--json", type=Path, help="write every number (each run, medians, ratios) to this file")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    return p


def resolve_tools(args: argparse.Namespace) -> Tools:
    ffmpeg = find_tool("ffmpeg", args.ffmpeg)
    return Tools(
        python=sys.executable,
        ffmpeg=ffmpeg,
        ffprobe=find_tool("ffprobe", near=ffmpeg),
        scenedetect=find_tool("scenedetect", args.scenedetect, near=sys.executable),
    )


def memory_check(test: TestFile, tools: Tools, workroot: Path, timeout_s: float, quiet: bool) -> dict[str, Any]:
    if not quiet:
        print(f"[memory] shotdetect on {test.path.name} ({test.frames} frames) ...", file=sys.stderr, flush=True)
    sample = run_once("shotdetect", test, tools, workroot, timeout_s)
    peak = kib_to_mb(sample.peak_rss_kib)
    return {"file": {**asdict(test), "path": str(test.path)}, "sample": asdict(sample), "peak_rss_mb": peak,
            "limit_mb": RSS_LIMIT_MB, "below_limit": sample.error is None and peak < RSS_LIMIT_MB}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    files = parse_list(args.files, FILES, {"all": FILES}, "file")
    methods = parse_list(args.methods, ALL_METHODS, ALIASES, "method")
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1")
    tools = resolve_tools(args)
    if tools.ffmpeg is None or tools.ffprobe is None:
        print("ffmpeg/ffprobe not found: cannot make the test files; nothing to do", file=sys.stderr)
        return 0
    clips = source_clips(args.sources, tools.ffprobe) if args.sources.is_dir() else []
    if not clips:
        print(f"no source clips (*.mp4) in {args.sources}; nothing to do", file=sys.stderr)
        return 0
    versions = tool_versions(tools)
    for method in list(methods):
        why = method_available(method, tools, versions)
        if why:
            print(f"skipping {method}: {why}", file=sys.stderr)
            methods.remove(method)
    if not methods and not args.memory:
        print("no runnable methods; nothing to do", file=sys.stderr)
        return 0

    cache = args.cache.resolve()
    workroot = cache / "work"
    workroot.mkdir(parents=True, exist_ok=True)
    floor_mb = kib_to_mb(measure(["true"], workroot).peak_rss_kib)
    load_before = os.getloadavg()
    started = time.perf_counter()

    lengths = {"1080p": args.minutes * 60, "720p": args.minutes * 60, "4k": args.minutes_4k * 60}
    needed = list(files) + (["1080p"] if args.memory and "1080p" not in files else [])
    tests = {name: make_test_file(name, clips, lengths[name], tools, cache, args.quiet) for name in needed}
    if args.prepare:
        if args.memory:
            tests["hour"] = make_hour_file(tests["1080p"], args.hour_minutes * 60, tools, cache, args.quiet)
        for test in tests.values():
            made = "cached" if test.created_s is None else f"made in {test.created_s:.0f} s"
            print(f"{test.name}: {test.path} ({test.frames} frames, {test.bytes / 1e6:.0f} MB, {made})")
        return 0

    results: dict[str, dict[str, Any]] = {}
    for name in files:
        test = tests[name]
        samples = time_file(test, methods, args.repeats, tools, workroot, args.timeout, args.quiet)
        summaries = {m: summarize(m, samples[m], test.frames) for m in methods}
        print(format_table(test, summaries, args.repeats), end="\n\n", flush=True)
        results[name] = {
            "file": {**asdict(test), "path": str(test.path)},
            "samples": {m: [asdict(s) for s in samples[m]] for m in methods},
            "summary": {m: asdict(s) for m, s in summaries.items()},
            "ratios": ratios(summaries),
        }

    memory = None
    if args.memory:
        if versions["shotdetect"] is None:
            print("skipping the memory check: shotdetect is not runnable", file=sys.stderr)
        else:
            hour = make_hour_file(tests["1080p"], args.hour_minutes * 60, tools, cache, args.quiet)
            memory = memory_check(hour, tools, workroot, args.timeout, args.quiet)
            print(format_memory(memory), end="\n\n")
            if not args.keep:
                hour.path.unlink(missing_ok=True)
                hour.path.with_suffix(".json").unlink(missing_ok=True)

    load_after = os.getloadavg()
    print(legend(tools, versions, floor_mb))
    print(f"total {time.perf_counter() - started:.0f} s (test files included); {os.cpu_count()} CPUs; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")

    if args.json:
        doc = {
            "settings": {"files": files, "methods": methods, "repeats": args.repeats, "minutes": args.minutes,
                         "minutes_4k": args.minutes_4k, "hour_minutes": args.hour_minutes,
                         "scene_threshold": SCENE_THRESHOLD, "sources": str(args.sources)},
            "tools": {**asdict(tools), "versions": versions},
            "machine": {"cpus": os.cpu_count(), "load_before": load_before, "load_after": load_after},
            "rss_floor_mb": floor_mb,
            "files": results,
            "memory": memory,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
