"""Child processes that never outlive shotdetect: batch workers and the ffmpeg of ``--split``.

On Linux the kernel is asked (``prctl(PR_SET_PDEATHSIG)``) to signal a child when its parent ends,
however it ends (SIGKILL included): a batch worker gets SIGTERM (it removes its staging folder and
exits), an ffmpeg gets SIGKILL. Elsewhere the same calls do nothing, and a worker still exits as
soon as it notices its parent is gone.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["die_with_parent", "kill_with_parent", "start_worker", "running_job"]

_PR_SET_PDEATHSIG = 1
_prctl = None
if sys.platform.startswith("linux"):
    try:
        _prctl = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).prctl
    except (OSError, AttributeError):  # pragma: no cover
        _prctl = None


def die_with_parent(signum: int = signal.SIGTERM) -> bool:
    """Have this process receive ``signum`` when its parent ends; whether the OS supports it."""
    return _prctl is not None and _prctl(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0) == 0


def kill_with_parent() -> None:
    """``preexec_fn`` for a helper program (ffmpeg): SIGKILL it when shotdetect ends."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


#: Whether this worker is inside a job (a signal then unwinds it, so that it cleans up).
_in_job = False


@contextmanager
def running_job() -> Iterator[None]:
    global _in_job
    _in_job = True
    try:
        yield
    finally:
        _in_job = False


_stopping = False


def _stop_worker(signum: int, frame: object) -> None:
    global _stopping
    if _stopping:  # already cleaning up (SIGTERM and the parent watch may both come): let it finish
        return
    _stopping = True
    if _in_job:
        from .entry import Terminated

        raise Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()
    os._exit(143 if signum == signal.SIGTERM else 130)  # between jobs: nothing to clean up


def start_worker(parent: int) -> None:
    """Initializer of a batch worker process (runs in the worker).

    SIGTERM, Ctrl-C and the parent's death stop the current video through the normal clean-up (its
    staging folder is removed) and end the worker, quietly; a parent that ended before this ran is
    noticed at once.
    """
    signal.signal(signal.SIGTERM, _stop_worker)
    signal.signal(signal.SIGINT, _stop_worker)
    die_with_parent(signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the kernel could be told
        os._exit(143)
    threading.Thread(target=_watch_parent, args=(parent,), name="shotdetect-parent-watch", daemon=True).start()


def _watch_parent(parent: int, poll: float = 0.5) -> None:
    """Where the kernel cannot signal us (not Linux): exit when the parent is gone."""
    while os.getppid() == parent:
        time.sleep(poll)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5.0)  # the main thread did not react (stuck in native code): leave anyway
    os._exit(143)
