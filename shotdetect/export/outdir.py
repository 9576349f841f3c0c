"""An output folder that is either complete or untouched.

Results are written into a hidden staging folder inside the destination and moved into place only
when the run succeeded, ``timeline.json`` last, so an interrupted run leaves no partial results
and never mixes files of two runs.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputError
from .formats import result_patterns

__all__ = ["OutputDir", "RESULT_PATTERNS", "signals_deferred"]

#: Files a previous run may have left in an output folder (keyframes, stats, every --export format).
RESULT_PATTERNS = ("timeline.json", "shot-*.jpg", "shot-*.png", "shot-*.webp", "stats.csv", *result_patterns())


class OutputDir:
    """Context manager giving a staging folder whose contents land in ``path`` on success.

    Parameters
    ----------
    path : path-like
        Destination folder; created if missing.
    overwrite : bool
        Replace earlier results in ``path``; without it, existing results are an error.
    patterns : glob patterns, optional
        Names of the files a run writes here (default :data:`RESULT_PATTERNS`, the shot results):
        existing ones are refused or, with ``overwrite``, replaced.
    keep : paths, optional
        Files that must never be replaced or removed (the input video): one of them in ``path``
        with a result's name (``shot-0001.mp4`` with ``--split``) is an error.
    """

    def __init__(self, path: str | os.PathLike[str], *, overwrite: bool = False,
                 keep: Iterable[str | os.PathLike[str]] = (), patterns: Iterable[str] = RESULT_PATTERNS):
        self.path = Path(path)
        self.patterns = tuple(patterns)
        self.overwrite = overwrite
        self.keep = [Path(p) for p in keep]
        self.staging: Path | None = None
        self._created: list[Path] = []

    def _existing_results(self) -> list[Path]:
        found: set[Path] = set()
        for pattern in self.patterns:
            found.update(p for p in self.path.glob(pattern) if p.is_file())
        return sorted(found)

    def __enter__(self) -> Path:
        if self.path.exists() and not self.path.is_dir():
            raise OutputError(f"{self.path}: exists and is not a folder")
        old = self._existing_results() if self.path.is_dir() else []
        for kept in self.keep:
            if any(kept.exists() and p.samefile(kept) for p in old):
                raise OutputError(f"{kept}: the input is in the output folder under a result's name and would "
                                  "be replaced; choose another --out folder")
        if old and not self.overwrite:
            raise OutputError(f"{self.path}: already holds results ({old[0].name}); use --overwrite to replace them")
        # Remember which folders this run creates, so a failed run can take them away again.
        self._created = [p for p in [self.path, *self.path.parents] if not p.exists()]
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self.staging = Path(tempfile.mkdtemp(prefix=".shotdetect-", dir=self.path))
        except OSError as exc:
            self._remove_created()
            raise OutputError(f"{self.path}: cannot write here ({exc.strerror})") from exc
        return self.staging

    def _remove_created(self) -> None:
        for folder in self._created:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                break

    def abandon(self) -> None:
        """Remove the staging folder and any folder this run created (a failed or stopped run)."""
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        self._remove_created()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        assert self.staging is not None
        try:
            if exc_type is None:
                self._commit()
        except BaseException:
            self.abandon()
            raise
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
        if exc_type is not None:
            self.abandon()

    def _commit(self) -> None:
        """Swap the old results for the new ones as one step: old files are set aside first and put
        back if anything fails, and Ctrl-C / SIGTERM wait until the swap is done."""
        assert self.staging is not None
        names = sorted(p.name for p in self.staging.iterdir())
        names = [n for n in names if n != "timeline.json"] + [n for n in names if n == "timeline.json"]
        with signals_deferred():
            backup = Path(tempfile.mkdtemp(prefix=".shotdetect-old-", dir=self.path))
            set_aside: list[tuple[Path, Path]] = []
            placed: list[Path] = []
            try:
                for old in self._existing_results():
                    os.replace(old, backup / old.name)
                    set_aside.append((backup / old.name, old))
                for name in names:
                    os.replace(self.staging / name, self.path / name)
                    placed.append(self.path / name)
            except BaseException as exc:
                for path in placed:
                    path.unlink(missing_ok=True)
                for aside, original in set_aside:
                    os.rename(aside, original)  # same folder, the original name is free again
                if isinstance(exc, OSError):
                    raise OutputError(f"{self.path}: cannot move results into place ({exc.strerror})") from exc
                raise
            finally:
                shutil.rmtree(backup, ignore_errors=True)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM (main thread only) until the block is done."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
