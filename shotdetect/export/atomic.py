"""Write files so that a reader never sees half of one: temp file in the same folder, then rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import OutputError
from .safetext import valid_unicode

__all__ = ["atomic_write_bytes", "atomic_write_text"]


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically, replacing any existing file.

    Raises
    ------
    OutputError
        The folder is missing or unwritable, or the disk is full; no partial file is left.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        # A device or pipe (/dev/null, /dev/stdout, a FIFO): write through it; renaming a temporary
        # file over it would replace the device with a regular file.
        try:
            with open(path, "wb") as fh:
                fh.write(data)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write ({exc.strerror})") from exc
        return path
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path.parent}: cannot write here ({exc.strerror})") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; results get the usual permissions
        os.replace(tmp, path)
    except BaseException as exc:  # also Ctrl-C / SIGTERM: never leave the temporary file behind
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(f"{path}: cannot write ({exc.strerror})") from exc
        raise
    return path


def _read_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: The process's umask, read once at import (reading it means setting it, which is not thread-safe).
_UMASK = _read_umask()


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically; see :func:`atomic_write_bytes`.

    Bytes of a file name that are not UTF-8 (lone surrogates in ``text``) are written as U+FFFD,
    so every text file shotdetect writes is valid UTF-8.
    """
    return atomic_write_bytes(path, valid_unicode(text).encode("utf-8"))
