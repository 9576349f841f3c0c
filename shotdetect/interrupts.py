"""Ctrl-C and SIGTERM held back while a frame is taken in, so a live run stops between frames.

A live run ended by an interrupt keeps its results up to the last frame taken in. The frame being
taken in when the signal arrives passes through several stages (features, detector, keyframe
candidates, shots and their keyframes, the listener's line); stopped halfway, those stages disagree
about which frames exist: a keyframe candidate from the frame the timeline leaves out, so the last
shot gets no keyframe, or a shot closed halfway. :class:`InterruptGate` makes each frame all or
nothing: a signal arriving inside :meth:`InterruptGate.closed` is noted and acted on (the handler
that was in place runs, and raises) as soon as the frame is in.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

__all__ = ["InterruptGate"]

#: The signals that end a run by raising in the main thread (SIGTERM does where the program asks).
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class InterruptGate:
    """While entered, SIGINT/SIGTERM handlers that raise wait for the end of each :meth:`closed` block.

    Only the main thread receives signals, so elsewhere (and for signals ignored or left to the
    system) it changes nothing. Leaving it restores the handlers it replaced.
    """

    def __init__(self) -> None:
        self._previous: dict[int, Any] = {}
        self._pending: int | None = None
        self._closed = False

    def __enter__(self) -> InterruptGate:
        if threading.current_thread() is threading.main_thread():
            for signum in SIGNALS:
                handler = signal.getsignal(signum)
                if callable(handler):
                    self._previous[signum] = handler
                    signal.signal(signum, self._handle)
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        pending, self._pending = self._pending, None
        if pending is not None and exc_type is None:
            self._previous[pending](pending, None)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self._closed:
            if self._pending is None:  # the first signal decides (Ctrl-C or SIGTERM)
                self._pending = signum
            return
        self._previous[signum](signum, frame)

    @contextlib.contextmanager
    def closed(self) -> Iterator[None]:
        """A step that must not stop halfway: a signal arriving inside it takes effect at its end."""
        self._closed = True
        try:
            yield
        except BaseException:
            self._closed = False
            raise
        self._closed = False
        pending, self._pending = self._pending, None
        if pending is not None:
            self._previous[pending](pending, None)
