"""Many videos at once: find them, give each its own output folder, run them in parallel.

Each video is one independent job (a call of a picklable function ``job(video, out_folder)``), so
the same jobs run in a local process pool or, with the optional ``dask`` extra, on a Dask cluster.
A failing video is recorded and does not stop the others.
"""

from __future__ import annotations

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


def output_folders(videos: Sequence[Path], root: Path) -> dict[Path, Path]:
    """``root/<name>`` for every video, where name is the file name without its extension, made
    unique (``clip-mkv``, then ``clip-2`` ...) when two videos share it."""
    taken: set[str] = set()
    out: dict[Path, Path] = {}
    stems = [v.stem for v in videos]
    for video in videos:
        name = video.stem
        if stems.count(name) > 1:
            name = f"{video.stem}-{video.suffix.lstrip('.').lower()}"
        base, n = name, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        out[video] = root / name
    return out


def is_complete(folder: Path) -> bool:
    """Whether a folder holds a finished result (``timeline.json`` is written last, atomically)."""
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
        if resume and is_complete(folders[video]):
            done(BatchResult(video, folders[video], "skipped"))
        else:
            todo.append(video)
    if scheduler:
        _run_dask(todo, folders, job, scheduler, done)
    elif (workers or os.cpu_count() or 1) <= 1 or len(todo) <= 1:
        for video in todo:
            done(_guarded(job, video, folders[video]))
    else:
        _run_pool(todo, folders, job, workers or os.cpu_count() or 1, done)
    return [results[v] for v in videos]


def _run_pool(todo: list[Path], folders: dict[Path, Path], job: Job, workers: int,
              done: Callable[[BatchResult], None]) -> None:
    # "spawn": a clean interpreter per worker; forking a process that holds decoder threads is unsafe.
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=get_context("spawn")) as pool:
        pending: set[Future[BatchResult]] = {pool.submit(_guarded, job, v, folders[v]) for v in todo}
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
                for fut in finished:
                    done(fut.result())
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise


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
