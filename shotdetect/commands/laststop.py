"""The command line's last resort when decoding is stuck in native code: clean up and end the process.

The library's watchdog interrupts a stalled run; when the run's thread is blocked inside native
code it cannot react, and :func:`shotdetect.watchdog.stuck` says so. Only ending the process stops
it then, which is the command line's decision, not the library's: this removes the partial output
(every output folder still open, the ``--stats`` file), says why, and exits 4.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import DecodeError
from ..export.outdir import abandon_open_folders
from ..export.stats import StatsWriter
from ..watchdog import stuck

__all__ = ["exit_when_stuck"]

#: How often the run is checked: the exit comes at most this long after the watchdog gives up on it.
_POLL_SECONDS = 0.1


@contextmanager
def exit_when_stuck(stats: StatsWriter | None = None) -> Iterator[None]:
    """While the block runs, end the process (exit 4, no partial output left) once its run is stuck."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(_POLL_SECONDS):
            if stuck():
                abandon_open_folders()
                if stats is not None:
                    stats.discard()
                print("shotdetect: error: decoding made no progress and did not respond; gave up", file=sys.stderr)
                os._exit(DecodeError.exit_code)

    thread = threading.Thread(target=watch, name="shotdetect-last-stop", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(timeout=1.0)
