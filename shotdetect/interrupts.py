"""Ctrl-C and SIGTERM held back while a step that must not stop halfway runs.

Writing a result and its manifest entry, or taking in one frame of a live run (features, detector,
keyframe candidates, shots, the listener's line), must happen whole or not at all: stopped halfway,
the parts disagree (a keyframe candidate from a frame the timeline leaves out, so the last shot has
no keyframe; a picture without its line in kept.json). :func:`signals_deferred` notes a signal that
arrives inside such a step and acts on it (the handler that was in place runs) when the step ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["signals_deferred"]


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM (main thread only) until the block is done.

    The kernel may hand a process-wide signal to any thread, and Python runs its handler in the
    main thread at the next chance, so masking the main thread alone does not defer it: the
    handlers themselves are swapped for ones that only note the signal, which is raised again
    (with the original handler back in place) when the block ends.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {}

    def note(signum: int, frame: object) -> None:
        caught.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[signum] = signal.signal(signum, note)
        except (ValueError, OSError):  # pragma: no cover
            pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        for noted in dict.fromkeys(caught):
            if previous.get(noted) not in (signal.SIG_IGN, None):
                signal.raise_signal(noted)
