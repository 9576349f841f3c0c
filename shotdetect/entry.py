"""The ``shotdetect`` program's first code: signal handling in place before the heavy imports.

Importing NumPy, OpenCV and PyAV takes a good part of a second; a Ctrl-C or SIGTERM in that time
would otherwise end in a traceback (or no message at all). Here SIGTERM is turned into
:class:`Terminated` at once, and both end with one line and exit 130 / 143.
"""

from __future__ import annotations

import signal
import sys
import threading

__all__ = ["main", "Terminated", "raise_terminated"]


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned into an exception so that the same clean-up as for Ctrl-C runs."""


def raise_terminated(signum: int, frame: object) -> None:
    raise Terminated()


def main() -> int:
    """Entry point of the ``shotdetect`` command and of ``python -m shotdetect``."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, raise_terminated)
    try:
        from .cli import main as run

        return run()
    except Terminated:
        print("\nshotdetect: terminated", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        print("\nshotdetect: interrupted", file=sys.stderr)
        return 130
