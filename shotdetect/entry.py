"""The ``shotdetect`` program's first code: signal handling in place before the heavy imports.

Importing NumPy, OpenCV and PyAV takes a good part of a second; a Ctrl-C or SIGTERM in that time
would otherwise end in a traceback (an exception raised inside an extension module's import even
becomes an ImportError). So while they load, the two signals are only noted, and the program then
ends with one line and exit 130 / 143; afterwards SIGTERM raises :class:`Terminated`.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable

__all__ = ["main", "Terminated", "raise_terminated"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that the same clean-up as for Ctrl-C runs."""


def raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def _load() -> tuple[Callable[[], int], int | None]:
    """Import the command line with SIGINT / SIGTERM noted, not acted on; returns (main, signal)."""
    caught: list[int] = []

    def note(signum: int, frame: object) -> None:
        caught.append(signum)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            if signal.getsignal(signum) is not signal.SIG_IGN:  # nohup / a background job: stays ignored
                previous[signum] = signal.signal(signum, note)
    try:
        from .cli import main as run
    finally:
        if signal.SIGINT in previous:
            signal.signal(signal.SIGINT, previous[signal.SIGINT])
        if signal.SIGTERM in previous:
            signal.signal(signal.SIGTERM, raise_terminated)
    return run, (caught[0] if caught else None)


def main() -> int:
    """Entry point of the ``shotdetect`` command and of ``python -m shotdetect``."""
    run, caught = _load()
    try:
        if caught is not None:
            raise Terminated() if caught == signal.SIGTERM else KeyboardInterrupt()
        code = run()
    except Terminated:
        print("\nshotdetect: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("\nshotdetect: interrupted", file=sys.stderr)
        return 130
    _ignore_late_signals()
    return code


def _ignore_late_signals() -> None:
    """The work is done and reported: a signal while the interpreter shuts down changes nothing,
    so it must not turn a finished run into a killed one (exit -2/-15 after the results)."""
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)
