"""The one background reader every decoding source uses: decode ahead of the consumer in a thread.

PyAV releases the GIL while FFmpeg decodes, so the analysis of one frame overlaps the decoding of
the next ones, and the consumer waits in short slices, so Ctrl-C and the watchdog's interrupt reach
it even while FFmpeg waits for data. For a live source (``drop_oldest``) the oldest waiting item
gives way when the consumer falls behind, so what is analysed stays current.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["ReadAhead"]

T = TypeVar("T")

#: How long either side waits at a time before looking again whether it should stop (seconds).
_POLL = 0.1


class _End:
    """The marker after the last item: carries the producer's error, if it failed."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException | None = None):
        self.error = error


class ReadAhead(Generic[T]):
    """Runs an iterator in a daemon thread, up to ``depth`` items ahead of the consumer.

    Exceptions raised by the iterator reach the consumer in order, after the items before them.
    With ``drop_oldest`` a full queue drops its oldest item for a new one (counted in
    :attr:`dropped`); the end marker and errors are never dropped.
    """

    def __init__(self, source: Iterator[T], depth: int, *, drop_oldest: bool = False,
                 name: str = "shotdetect-decode"):
        self._source = source
        self._queue: queue.Queue[T | _End] = queue.Queue(maxsize=max(1, depth))
        self._drop_oldest = drop_oldest
        self._stopping = threading.Event()
        #: Items dropped so far for newer ones.
        self.dropped = 0
        self._thread = threading.Thread(target=self._produce, name=name, daemon=True)
        self._thread.start()

    def _produce(self) -> None:
        try:
            for item in self._source:
                if not self._put(item, droppable=True):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            self._put(_End(exc), droppable=False)
            return
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()  # a generator's clean-up runs here, not at garbage collection in another thread
        self._put(_End(), droppable=False)

    def _put(self, item: T | _End, *, droppable: bool) -> bool:
        """Hand an item over; False once the consumer has stopped."""
        while not self._stopping.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                if droppable and self._drop_oldest:
                    try:
                        self._queue.get_nowait()
                        self.dropped += 1
                    except queue.Empty:
                        pass
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            try:
                item = self._queue.get(timeout=_POLL)
            except queue.Empty:
                continue
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the producer to stop and wait for it; False if it is still running after ``timeout`` s
        (then it is given up on: later calls do not wait again)."""
        if not self._stopping.is_set():
            self._stopping.set()
            self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        """Whether the producer thread is still alive (a seek must wait until it has let go of the decoder)."""
        return self._thread.is_alive()
