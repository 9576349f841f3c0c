"""Many videos at once: find them, give each its own output folder, run them in parallel.

Each video is one independent job (a call of a picklable function ``job(video, out_folder)``), so
the same jobs run in a local process pool or, with the optional ``dask`` extra, on a Dask cluster.
A failing video is recorded and does not stop the others.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from .errors import InputError, ShotdetectError
from .export.ownership import read_manifest, source_record, survey
from .export.outdir import sweep_killed_run
from .processes import running_job, start_worker
from .timeline import SCHEMA_NAME

__all__ = ["VIDEO_SUFFIXES", "find_videos", "output_folders", "is_complete", "BatchResult", "run_batch"]

#: File name endings taken as videos when a folder is given.
VIDEO_SUFFIXES = frozenset({
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".flv", ".mpg", ".mpeg", ".m2v",
    ".ts", ".mts", ".m2ts", ".3gp", ".ogv", ".mxf", ".dv", ".vob", ".y4m", ".nut",
})

#: A job: analyse ``video`` into ``out_folder`` and return a summary dict (shots, transitions, frames).
Job = Callable[[Path, Path], dict]


def _natural_key(path: Path) -> list[Any]:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", str(path))]


def find_videos(paths: Iterable[str | os.PathLike[str]], *, recursive: bool = True) -> list[Path]:
    """Expand the command line's inputs: files as given, folders scanned for video files.

    Raises
    ------
    InputError
        An input does not exist, or a folder holds no video file.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            videos = sorted((p for p in path.glob(pattern) if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
                             and not any(part.startswith(".") for part in p.relative_to(path).parts)),
                            key=_natural_key)
            if not videos:
                raise InputError(f"{path}: is a directory with no video files in it")
            found.extend(videos)
        elif path.exists():
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p.resolve(), None)
    return list(unique)


def folder_name(stem: str) -> str:
    """A video's file name without extension, made safe as one folder name: never ``.``/``..``,
    never hidden, no path separators or control characters, at most 100 characters."""
    name = "".join(ch if ch.isprintable() and ch not in "/\\" else "_" for ch in stem).strip()
    name = name.lstrip(".").strip()
    return name[:100] or "video"


def _recorded_sources(root: Path) -> dict[str, str]:
    """``{source path: folder name}`` for the folders under ``root`` that hold results of a video."""
    found: dict[str, str] = {}
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return found
    for folder in folders:
        manifest = read_manifest(folder) or {}
        source = manifest.get("source")
        if manifest.get("command") == "detect" and isinstance(source, dict) and isinstance(source.get("path"), str):
            found.setdefault(source["path"], folder.name)
    return found


def _is_free(folder: Path) -> bool:
    """Missing, empty, or holding only the staging folders of a killed run (the run cleans them)."""
    try:
        if not folder.exists():
            return True
        if not folder.is_dir():
            return False
    except OSError:
        return False
    found = survey(folder)
    return found.manifest is None and not found.owned and not found.foreign


def output_folders(videos: Sequence[Path], root: Path) -> dict[Path, Path]:
    """``root/<name>`` for every video.

    A video whose results are already under ``root`` (its manifest names this video) keeps that
    folder, whatever other videos were added since; the others get the first free name among
    ``clip`` (the file name without extension, made safe), ``clip-mkv`` when two videos of the
    batch share it, then ``clip-mkv-2`` ... A folder holding another video's results or any other
    files is never chosen.
    """
    recorded = _recorded_sources(root)
    claimed = set(recorded.values())
    taken: set[str] = set()
    out: dict[Path, Path] = {}
    for video in videos:
        name = recorded.get(str(video.resolve()))
        if name is not None and name not in taken:
            taken.add(name)
            out[video] = root / name
    stems = [folder_name(v.stem) for v in videos]
    for video in videos:
        if video in out:
            continue
        base = folder_name(video.stem)
        if stems.count(base) > 1:
            base = f"{base}-{folder_name(video.suffix.lstrip('.').lower())}"
        name, n = base, 2
        while name in taken or name in claimed or not _is_free(root / name):
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        out[video] = root / name
    return {video: out[video] for video in videos}


def _same_source(recorded: dict[str, Any] | None, video: Path) -> bool | None:
    """True: results of this very file; False: of this path, but the file changed; None: other."""
    current = source_record(video) or {}
    if not recorded or recorded.get("path") != current.get("path"):
        return None
    return all(recorded.get(k) == current.get(k) for k in ("size", "mtime_ns"))


def is_complete(folder: Path, video: Path | None = None) -> bool:
    """Whether ``folder`` holds finished, unchanged results (of ``video``, when given: the manifest
    records its path, size and modification time)."""
    found = survey(folder)
    listed = {f.get("name") for f in (found.manifest or {}).get("files", []) if isinstance(f, dict)}
    if found.manifest is None or found.foreign or "timeline.json" not in found.owned or listed - set(found.owned):
        return False
    if video is not None and not _same_source(found.source, video):
        return False
    try:
        doc = json.loads((folder / "timeline.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("schema") == SCHEMA_NAME and bool(doc.get("shots"))


@dataclass
class BatchResult:
    """What happened to one video of a batch."""

    video: Path
    out: Path
    status: str  # "ok", "skipped" (already complete) or "failed"
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    exit_code: int = 0


def _guarded(job: Job, video: Path, out: Path) -> BatchResult:
    """Run one job, turning its failure into a result (runs inside the worker)."""
    start = time.monotonic()
    try:
        summary = job(video, out)
    except ShotdetectError as exc:
        return BatchResult(video, out, "failed", time.monotonic() - start, error=str(exc), exit_code=exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - one broken file must not end the batch
        return BatchResult(video, out, "failed", time.monotonic() - start,
                           error=f"internal error: {type(exc).__name__}: {exc}", exit_code=1)
    return BatchResult(video, out, "ok", time.monotonic() - start, summary=summary)


def _replacing_stale(job: Job, stale: list[Path]) -> Job:
    """With --resume, results of a video that has changed since are redone: the job replaces them
    (they are ours: the manifest names this video) even without --overwrite."""
    if not stale or not dataclasses.is_dataclass(job) or getattr(job, "overwrite", True):
        return job
    return _StaleAware(job, dataclasses.replace(job, overwrite=True), frozenset(stale))


@dataclass(frozen=True)
class _StaleAware:
    """A picklable job that uses ``replacing`` for the folders in ``stale``."""

    plain: Any
    replacing: Any
    stale: frozenset[Path]

    def __call__(self, video: Path, out: Path) -> dict[str, Any]:
        return (self.replacing if out in self.stale else self.plain)(video, out)


def run_batch(
    videos: Sequence[Path],
    out_root: Path,
    job: Job,
    *,
    workers: int | None = None,
    resume: bool = False,
    scheduler: str | None = None,
    on_result: Callable[[BatchResult, int, int], None] | None = None,
) -> list[BatchResult]:
    """Run ``job`` for every video, each into its own folder under ``out_root``.

    Parameters
    ----------
    workers : int, optional
        Parallel processes (default: the number of cores). 1 runs in this process.
    resume : bool
        Skip videos whose folder already holds a complete timeline.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``); needs ``pip install shotdetect[dask]``.
    on_result : callable, optional
        ``on_result(result, done, total)`` after each video, in completion order.

    Returns
    -------
    list of BatchResult, in the order of ``videos``.
    """
    folders = output_folders(videos, out_root)
    results: dict[Path, BatchResult] = {}

    def done(result: BatchResult) -> None:
        results[result.video] = result
        if on_result is not None:
            on_result(result, len(results), len(videos))

    todo: list[Path] = []
    for video in videos:
        if resume and is_complete(folders[video], video):
            done(BatchResult(video, folders[video], "skipped"))
        else:
            todo.append(video)
    if resume:
        job = _replacing_stale(job, [folders[v] for v in todo if _same_source(survey(folders[v]).source, v) is False])
    new_root = not out_root.exists()
    fresh = {folders[v] for v in todo if not folders[v].exists()}
    try:
        if scheduler:
            _run_dask(todo, folders, job, scheduler, done)
        elif (workers or os.cpu_count() or 1) <= 1 or len(todo) <= 1:
            for video in todo:
                done(_guarded(job, video, folders[video]))
        else:
            _run_pool(todo, folders, job, workers or os.cpu_count() or 1, done)
    except BaseException:
        # A worker that did not finish its clean-up in time was killed: what it left is taken away here.
        for folder in (folders[v] for v in todo):
            sweep_killed_run(folder, created=folder in fresh)
        raise
    finally:
        if new_root:  # stopped or every video failed: no empty folder left behind
            with contextlib.suppress(OSError):
                out_root.rmdir()
    return [results[v] for v in videos]


def _in_worker(job: Job, video: Path, out: Path) -> BatchResult:
    """:func:`_guarded` in a pool worker: a stopped worker (SIGTERM, Ctrl-C, its parent gone) has
    cleaned up its video on the way out and then ends, instead of taking the next video."""
    try:
        with running_job():
            return _guarded(job, video, out)
    except KeyboardInterrupt as exc:
        from .entry import Terminated

        os._exit(143 if isinstance(exc, Terminated) else 130)


def _run_pool(todo: list[Path], folders: dict[Path, Path], job: Job, workers: int,
              done: Callable[[BatchResult], None]) -> None:
    # "spawn": a clean interpreter per worker; forking a process that holds decoder threads is unsafe.
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=get_context("spawn"),
                               initializer=start_worker, initargs=(os.getpid(),))
    try:
        pending: set[Future[BatchResult]] = {pool.submit(_in_worker, job, v, folders[v]) for v in todo}
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in finished:
                done(fut.result())
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _stop_pool(pool: ProcessPoolExecutor, grace: float = 1.5) -> None:
    """Stop at once: queued videos are dropped, running ones told to stop (SIGTERM: each removes
    its staging folder), and killed if they have not ended within ``grace`` seconds."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + grace
    for proc in processes:
        proc.join(max(0.0, deadline - time.monotonic()))
    for proc in processes:
        if proc.is_alive():
            proc.kill()
            proc.join(0.5)


def _run_dask(todo: list[Path], folders: dict[Path, Path], job: Job, scheduler: str,
              done: Callable[[BatchResult], None]) -> None:
    try:
        from dask.distributed import Client, as_completed
    except ImportError as exc:
        raise InputError("--scheduler needs the dask extra: pip install 'shotdetect[dask]'") from exc
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from exc
    with client:
        futures = [client.submit(_guarded, job, v, folders[v], pure=False) for v in todo]
        for fut in as_completed(futures):
            done(fut.result())
