"""One run at a time per output folder: an OS lock on the folder itself.

The lock is ``flock`` on an open handle of the folder, so it leaves no file behind and is released
by the kernel when the process ends in any way (even SIGKILL): a folder whose lock is free has no
run writing into it, which is what lets a later run clean up the staging folders a killed one left.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from ..errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no locking
    fcntl = None  # type: ignore[assignment]

__all__ = ["FolderLock"]


class FolderLock:
    """``with FolderLock(folder): ...``; fails at once (:class:`OutputError`) while another run holds it."""

    def __init__(self, folder: str | os.PathLike[str]):
        self.folder = Path(folder)
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        if fcntl is None or self._fd is not None:
            return self
        try:
            fd = os.open(self.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise OutputError(f"{self.folder}: cannot open the folder ({exc.strerror})") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputError(f"{self.folder}: another shotdetect run is writing into this folder; "
                                  "wait for it to finish or choose another folder") from exc
            return self  # a file system without locks (some network mounts): go on unlocked
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last handle releases the lock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
