"""Stop a run whose decoder no longer makes progress (a stalled stream, a pathological file).

The pipeline calls :meth:`Watchdog.kick` for every frame. If no kick comes for ``timeout``
seconds, the watchdog interrupts the main thread, which then raises
:class:`~shotdetect.errors.DecodeError` through the normal clean-up path. Should the main thread
be stuck inside native code and not react, ``on_hard_stop`` (the command line passes one that
removes partial output and exits) runs after a further grace period.
"""

from __future__ import annotations

import _thread
import threading
import time
from collections.abc import Callable

__all__ = ["Watchdog"]

#: Extra seconds the main thread gets to react to the interrupt before the hard stop.
GRACE_SECONDS = 5.0


class Watchdog:
    """Context manager: ``with Watchdog(60) as dog: ... dog.kick() ...``."""

    def __init__(self, timeout: float | None, *, on_hard_stop: Callable[[], None] | None = None):
        self.timeout = timeout
        self.on_hard_stop = on_hard_stop
        self.fired = False
        self._last = time.monotonic()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def kick(self) -> None:
        """Record progress."""
        self._last = time.monotonic()

    def __enter__(self) -> Watchdog:
        if self.timeout:
            self._last = time.monotonic()
            self._thread = threading.Thread(target=self._watch, name="shotdetect-watchdog", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def _watch(self) -> None:
        assert self.timeout
        poll = min(1.0, self.timeout / 4)
        while not self._done.wait(poll):
            if time.monotonic() - self._last > self.timeout:
                self.fired = True
                _thread.interrupt_main()
                if self._done.wait(GRACE_SECONDS):
                    return
                if self.on_hard_stop is not None:
                    self.on_hard_stop()
                return
