"""Stop a run whose decoder no longer makes progress (a stalled stream, a pathological file).

The pipeline calls :meth:`Watchdog.kick` for every frame. If no kick comes for ``timeout``
seconds, the watchdog raises :class:`KeyboardInterrupt` in the thread that entered it (the main
thread or a worker thread alike, whatever that process does with Ctrl-C), and the pipeline turns
it into :class:`~shotdetect.errors.DecodeError` through the normal clean-up path. Should that
thread be stuck inside native code and not react within a further grace period, :func:`stuck`
says so from then on. The library stops there: only ending the process ends such a run, and that
is for the program that owns the process to decide (the command line removes its partial output
and exits 4).
"""

from __future__ import annotations

import _thread
import ctypes
import threading
import time

__all__ = ["Watchdog", "stuck"]

#: Extra seconds the interrupted thread gets to react before its run counts as stuck in native code.
GRACE_SECONDS = 5.0

#: The watchdogs whose thread did not react to the interrupt (a stuck thread never leaves its block).
_stuck: set[Watchdog] = set()
_stuck_lock = threading.Lock()


def stuck() -> bool:
    """Whether a run in this process is stuck: its decoder stalled and its thread did not react to
    the interrupt within :data:`GRACE_SECONDS`, being blocked in native code."""
    with _stuck_lock:
        return bool(_stuck)


class Watchdog:
    """Context manager: ``with Watchdog(60) as dog: ... dog.kick() ...``."""

    def __init__(self, timeout: float | None):
        self.timeout = timeout
        self.fired = False
        self._last = time.monotonic()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """Record progress."""
        self._last = time.monotonic()

    def __enter__(self) -> Watchdog:
        self._owner = threading.get_ident()
        if self.timeout:
            self._last = time.monotonic()
            self._thread = threading.Thread(target=self._watch, name="shotdetect-watchdog", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with _stuck_lock:
            self._done.set()
            _stuck.discard(self)
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def _watch(self) -> None:
        assert self.timeout
        poll = min(1.0, self.timeout / 4)
        while not self._done.wait(poll):
            if time.monotonic() - self._last > self.timeout:
                self.fired = True
                _interrupt(self._owner)
                if not self._done.wait(GRACE_SECONDS):
                    with _stuck_lock:
                        if not self._done.is_set():  # (the block may have ended just now)
                            _stuck.add(self)
                return


def _interrupt(thread_id: int) -> None:
    """Raise KeyboardInterrupt in thread ``thread_id`` when it next runs Python code.

    ``_thread.interrupt_main()`` would reach only the main thread, and only when it handles SIGINT
    (not under ``nohup`` or in a program that ignores Ctrl-C), so a stall in a worker thread (a
    Dask task, a web server's pool) would interrupt the wrong thread or nothing at all.
    """
    raise_in = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)
    if raise_in is not None and raise_in(ctypes.c_ulong(thread_id), ctypes.py_object(KeyboardInterrupt)) == 1:
        return
    if thread_id == threading.main_thread().ident:  # not CPython: the portable way, main thread only
        _thread.interrupt_main()
