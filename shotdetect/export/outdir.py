"""An output folder that is either complete or untouched, and holds only what shotdetect may replace.

Results are written into a hidden staging folder inside the destination and moved into place only
when the run succeeded, ``timeline.json`` next to last and the manifest (:mod:`.ownership`) last, so an
interrupted run leaves no partial results and never mixes files of two runs. The folder is locked
(:mod:`.folderlock`) for the whole run. It is refused when it holds anything a shotdetect manifest
does not list as unchanged output; ``overwrite`` replaces only the files a manifest lists.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from ..errors import OutputError
from ..interrupts import signals_deferred
from .folderlock import FolderLock
from .ownership import MANIFEST_NAME, STAGING_MARK, Survey, file_record, source_record, survey, write_manifest

__all__ = ["OutputDir", "refuse_foreign", "remove_stale", "sweep_killed_run", "abandon_open_folders"]


def refuse_foreign(folder: Path, found: Survey, keep: Iterable[Path] = ()) -> None:
    """Raise :class:`OutputError` when ``folder`` holds an input or files shotdetect did not write."""
    inputs: dict[tuple[int, int], Path] = {}
    for kept in keep:
        try:
            st = kept.stat()
        except (OSError, ValueError):
            continue
        inputs.setdefault((st.st_dev, st.st_ino), kept)
    if inputs:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            entries = []
        for entry in entries:
            try:
                st = entry.stat()
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in inputs:
                raise OutputError(f"{folder}: holds the input {inputs[st.st_dev, st.st_ino].name}; "
                                  "choose another --out folder")
    if found.foreign:
        names = ", ".join(found.foreign[:3]) + (f" and {len(found.foreign) - 3} more" if len(found.foreign) > 3 else "")
        why = ("files no shotdetect manifest lists" if found.manifest is None
               else "files shotdetect did not write or that changed since")
        raise OutputError(f"{folder}: holds {why} ({names}); shotdetect writes only into a new or empty folder "
                          "or one holding only its own results")


def remove_stale(folder: Path, found: Survey) -> None:
    """Remove the staging folders of killed runs (call only while holding the folder's lock)."""
    for name in found.stale:
        shutil.rmtree(folder / name, ignore_errors=True)


def sweep_killed_run(folder: Path, *, created: bool) -> None:
    """After a run in another process was killed (no clean-up of its own): remove the staging
    folders it left in ``folder``, and ``folder`` itself if ``created`` by that run and now empty.
    Does nothing while another run still holds the folder's lock."""
    if not folder.is_dir():
        return
    lock = FolderLock(folder)
    try:
        lock.acquire()
    except OutputError:
        return  # still in use: its run cleans up itself
    try:
        remove_stale(folder, survey(folder))
        if created:
            with suppress(OSError):
                folder.rmdir()  # only if empty, and only while no other run holds it
    finally:
        lock.release()


def _make_staging(folder: Path, prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    (path / STAGING_MARK).write_bytes(b"")
    return path


#: How often to create and lock a folder that another run took away in between (see ``_make_and_lock``).
_LOCK_TRIES = 3

#: The output folders of this process that are open (between :meth:`OutputDir.open` and the end of the run).
_open_folders: set[OutputDir] = set()
_open_lock = threading.Lock()


def abandon_open_folders() -> None:
    """Abandon every output folder this process has open: for a program about to end at once
    (``os._exit`` runs no ``finally`` block), so that it leaves no partial results behind."""
    with _open_lock:
        folders = list(_open_folders)
    for folder in folders:
        folder.abandon()


class OutputDir:
    """Context manager giving a staging folder whose contents land in ``path`` on success.

    Parameters
    ----------
    path : path-like
        Destination folder; created if missing.
    overwrite : bool
        Replace the results of an earlier run (the files its manifest lists); without it, such
        results are an error.
    keep : paths, optional
        The inputs: a folder that holds one of them is refused.
    source : path-like, optional
        The analysed input, recorded in the manifest (batch ``--resume`` checks it).
    command : str
        Which command wrote the results (recorded in the manifest).
    replace_all : bool
        True (a new run): every earlier result gives way. False (exports added to a folder of
        results, a review saved): only the earlier files written again are replaced; the others
        (keyframes, say) stay and stay listed in the manifest.
    """

    def __init__(self, path: str | os.PathLike[str], *, overwrite: bool = False,
                 keep: Iterable[str | os.PathLike[str]] = (), source: str | os.PathLike[str] | None = None,
                 command: str = "detect", replace_all: bool = True):
        self.path = Path(path)
        self.overwrite = overwrite
        self.keep = [Path(p) for p in keep]
        self.source = source
        self.command = command
        self.replace_all = replace_all
        self.staging: Path | None = None
        self.previous = Survey()
        self._created: list[Path] = []
        self._lock = FolderLock(self.path)

    def open(self) -> Path:
        """Check, create and lock the folder; return the staging folder."""
        if self.path.exists() and not self.path.is_dir():
            raise OutputError(f"{self.path}: exists and is not a folder")
        # Remember which folders this run creates, so a failed run can take them away again.
        self._created = [p for p in [self.path, *self.path.parents] if not p.exists()]
        self._make_and_lock()
        try:
            found = survey(self.path)
            remove_stale(self.path, found)
            refuse_foreign(self.path, found, self.keep)
            if found.owned and not self.overwrite:
                raise OutputError(f"{self.path}: already holds results ({found.owned[0]}); "
                                  "use --overwrite to replace them")
            self.previous = found
            try:
                self.staging = _make_staging(self.path, ".shotdetect-stage-")
            except OSError as exc:
                raise OutputError(f"{self.path}: cannot write here ({exc.strerror})") from exc
        except BaseException:
            self.abandon()
            raise
        with _open_lock:
            _open_folders.add(self)
        return self.staging

    def __enter__(self) -> Path:
        return self.open()

    def _make_and_lock(self) -> None:
        """Create the folder and lock it. A second run started at the same moment may have created
        it too, and may take it away again when it fails: so try again while the folder vanishes
        between the two steps, and leave the folders to the run that holds the lock."""
        for attempt in range(_LOCK_TRIES):
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                for folder in self._created:  # the parents this attempt made before it failed
                    with suppress(OSError):
                        folder.rmdir()
                raise OutputError(f"{self.path}: cannot write here ({exc.strerror})") from exc
            try:
                self._lock.acquire()
                return
            except OutputError:
                if self.path.is_dir() or attempt == _LOCK_TRIES - 1:
                    raise  # held by another run (or gone for good): its folders are not ours to remove

    def _remove_created(self) -> None:
        """Remove the folders this run created, deepest first, while it still holds the lock (a run
        refused by the lock never removes anything: the folder is the other run's now)."""
        if not self._lock.held:
            return
        for folder in self._created:  # deepest first
            try:
                folder.rmdir()
            except OSError:
                break

    def abandon(self) -> None:
        """Remove the staging folder and any folder this run created (a failed or stopped run)."""
        self._closed()
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        self._remove_created()
        self._lock.release()

    def release(self) -> None:
        """End a run that wrote straight into the folder: drop the staging folder, free the lock."""
        self._closed()
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        self._lock.release()

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abandon()

    def commit(self) -> None:
        """Move the staged results into place (replacing the earlier run's), then release the folder."""
        assert self.staging is not None
        try:
            self._commit()
        except BaseException:
            self.abandon()
            raise
        self._closed()
        shutil.rmtree(self.staging, ignore_errors=True)
        self._lock.release()

    def _closed(self) -> None:
        with _open_lock:
            _open_folders.discard(self)

    def _commit(self) -> None:
        """Swap the old results for the new ones as one step: old files are set aside first and put
        back if anything fails, and Ctrl-C / SIGTERM wait until the swap is done. While files move,
        the manifest lists both sets, so a kill in the middle leaves nothing unlisted."""
        assert self.staging is not None
        names = sorted(n for n in os.listdir(self.staging) if not n.startswith("."))
        names = [n for n in names if n != "timeline.json"] + [n for n in names if n == "timeline.json"]
        source = source_record(self.source)
        with signals_deferred():
            now = survey(self.path)  # what is ours now (an old file edited meanwhile stays put)
            clash = sorted(set(names) & set(now.foreign))
            if clash:
                raise OutputError(f"{self.path}: {clash[0]} appeared during the run and is not shotdetect's; "
                                  "nothing was replaced")
            new_records = [file_record(self.staging / n) for n in names]  # a rename keeps size and time
            old_records = [file_record(self.path / n) for n in now.owned]
            # All earlier results give way to the new run, or (adding exports to a folder of results,
            # saving a review) only those written again; the others stay, and stay listed.
            replaced = now.owned if self.replace_all else [n for n in now.owned if n in names]
            kept = [n for n in now.owned if n not in replaced]
            write_manifest(self.path, [], command=self.command, source=source, extra=[*old_records, *new_records])
            backup = _make_staging(self.path, ".shotdetect-old-")
            set_aside: list[tuple[Path, Path]] = []
            placed: list[Path] = []
            try:
                for name in replaced:
                    os.replace(self.path / name, backup / name)
                    set_aside.append((backup / name, self.path / name))
                for name in names:
                    os.replace(self.staging / name, self.path / name)
                    placed.append(self.path / name)
                write_manifest(self.path, [*names, *kept], command=self.command, source=source)
            except BaseException as exc:
                for path in placed:
                    path.unlink(missing_ok=True)
                for aside, original in set_aside:
                    os.rename(aside, original)  # same folder, the original name is free again
                try:
                    if now.manifest is not None:
                        write_manifest(self.path, [], command=now.command or self.command,
                                       source=now.source, extra=old_records)
                    else:
                        (self.path / MANIFEST_NAME).unlink(missing_ok=True)
                except OSError:
                    pass
                if isinstance(exc, OSError) and not isinstance(exc, OutputError):
                    raise OutputError(f"{self.path}: cannot move results into place ({exc.strerror})") from exc
                raise
            finally:
                shutil.rmtree(backup, ignore_errors=True)
