"""What the command line prints: user-controlled text made harmless, and a standard output that fails cleanly.

A file name may hold newlines (a fake second error line), terminal escape sequences (which recolour,
retitle or clear the user's terminal) or bytes that are not UTF-8. :func:`printable` shows each of
them as a visible escape, so every message stays one honest line. :func:`guard_stdout` turns a
standard output that cannot be written (a full disk, a closed descriptor) into an
:class:`~shotdetect.errors.OutputError` instead of a traceback.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import threading
from collections.abc import Iterator
from typing import Any

from .errors import OutputError

__all__ = ["printable", "guard_stdout", "restore_stdout", "quiet_native_messages", "native_messages_hidden"]

#: C0 and C1 controls, DEL, the Unicode line/paragraph separators and bidirectional overrides
#: (which can make a name read backwards), and lone surrogates (bytes of a name that are not UTF-8).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATES = re.compile("[\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name, kept by Python as a surrogate
        return f"\\x{code - 0xDC00:02x}"
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: object) -> str:
    """``str(text)`` with every control character, escape sequence and undecodable byte shown escaped.

    >>> printable("clip\\n\\x1b[31m.mp4")
    'clip\\\\n\\\\x1b[31m.mp4'
    """
    return _UNSAFE.sub(_escape, str(text))


class _Guarded:
    """A text or binary stream whose failed writes raise :class:`OutputError` (a closed pipe stays
    :class:`BrokenPipeError`, which the command line treats as a reader that has all it wanted)."""

    def __init__(self, stream: Any, binary: bool = False):
        self._stream = stream
        self._binary = binary

    def _call(self, name: str, *args: Any) -> Any:
        if self._stream is None:
            if name == "flush":
                return None
            raise OutputError("cannot write to standard output: it is closed")
        try:
            return getattr(self._stream, name)(*args)
        except BrokenPipeError:
            raise
        except OSError as exc:
            _discard_pending(self._stream)
            raise OutputError(f"cannot write to standard output ({exc.strerror or exc})") from exc

    def write(self, data: Any) -> Any:
        if not self._binary and isinstance(data, str):
            data = _SURROGATES.sub("\ufffd", data)  # undecodable name bytes: valid in any encoding
        return self._call("write", data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._call("flush")

    @property
    def buffer(self) -> _Guarded:
        return _Guarded(getattr(self._stream, "buffer", None), binary=True)

    def isatty(self) -> bool:
        try:
            return bool(self._stream is not None and self._stream.isatty())
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _discard_pending(stream: Any) -> None:
    """Point the failed descriptor at /dev/null, so the flush at exit does not fail a second time."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, stream.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):
        pass


def guard_stdout() -> Any:
    """Replace ``sys.stdout`` by a guarded one; returns the original, to put back with ``sys.stdout = it``."""
    original = sys.stdout
    if not isinstance(original, _Guarded):
        sys.stdout = _Guarded(original)
    return original


def restore_stdout(original: Any) -> None:
    """Undo :func:`guard_stdout` (unless something else, such as /dev/null, has replaced it since)."""
    if isinstance(sys.stdout, _Guarded):
        sys.stdout = original


# Image libraries under OpenCV (libjpeg, libpng) print their complaints about a damaged file
# straight onto file descriptor 2, beside shotdetect's own one-line error. The command line hides
# them (a library user keeps them): descriptor 2 points at /dev/null while such a decoder runs.
_quiet = {"enabled": False, "depth": 0, "saved": -1}
_quiet_lock = threading.Lock()


def quiet_native_messages(enabled: bool = True) -> None:
    """Let :func:`native_messages_hidden` hide what native decoders print (the command line does).

    ``sys.stderr`` is moved onto a copy of descriptor 2 first, so shotdetect's own lines (errors,
    warnings, the progress bar) are never hidden, whichever thread is decoding a picture meanwhile.
    """
    if enabled and not _quiet["enabled"]:
        try:
            if sys.stderr.fileno() != 2:  # already redirected in Python (a test's capture): leave it
                return
            sys.stderr.flush()
            copy = os.dup(2)
            sys.stderr = os.fdopen(copy, "w", buffering=1, encoding=sys.stderr.encoding or "utf-8",
                                   errors="backslashreplace")
        except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
            return  # no usable stderr: leave everything as it is
    _quiet["enabled"] = enabled


@contextlib.contextmanager
def native_messages_hidden() -> Iterator[None]:
    """While inside (in any thread), descriptor 2 goes to /dev/null, if :func:`quiet_native_messages`."""
    if not _quiet["enabled"]:
        yield
        return
    with _quiet_lock:
        if _quiet["depth"] == 0:
            try:
                sys.stderr.flush()
                saved = os.dup(2)
                null = os.open(os.devnull, os.O_WRONLY)
                os.dup2(null, 2)
                os.close(null)
                _quiet["saved"] = saved
            except (OSError, ValueError, AttributeError):
                _quiet["saved"] = -1
        _quiet["depth"] += 1
    try:
        yield
    finally:
        with _quiet_lock:
            _quiet["depth"] -= 1
            if _quiet["depth"] == 0 and _quiet["saved"] >= 0:
                os.dup2(_quiet["saved"], 2)
                os.close(_quiet["saved"])
                _quiet["saved"] = -1
