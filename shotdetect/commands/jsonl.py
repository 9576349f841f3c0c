"""``--jsonl PATH``: every transition as one JSON line the moment it is final, and the latency figures.

One line per transition, flushed at once (``-`` is standard output)::

    {"index": 0, "type": "cut", "frame": 120, "start_frame": 120, "end_frame": 120, "time": 4.8,
     "start_time": 4.8, "end_time": 4.8, "score": 0.93, "wall_time": "2026-12-02T16:40:01.123+00:00",
     "latency": 1.42}

``time`` is stream time (seconds since the first frame), ``wall_time`` when the transition's frame
was read (ISO 8601 with the time zone), ``latency`` how many seconds later the line was written.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import statistics
import sys
import time
from collections import deque
from datetime import datetime, timezone
from typing import IO

from ..errors import OutputError
from ..timeline import Transition

__all__ = ["TransitionLog"]

#: Latencies kept for the median in the summary (the most recent ones): bounded over hours.
_LATENCY_SAMPLE = 4096


class TransitionLog:
    """Writes the transition lines; ``log(transition, read_at)`` is a pipeline transition listener."""

    def __init__(self, path: str):
        self.path = path
        self.count = 0
        self.kinds: dict[str, int] = {}
        self.max_latency = 0.0
        self._latencies: deque[float] = deque(maxlen=_LATENCY_SAMPLE)
        self._file: IO[bytes] | None = None
        self._created = False
        if path == "-":
            sys.stdout.flush()
            self._out: IO[bytes] = sys.stdout.buffer
        else:
            #: Only a regular file this run creates may be removed again (never /dev/null, a pipe,
            #: or a file that was there before).
            self._created = not os.path.lexists(path)
            try:
                self._file = self._out = open(path, "wb")  # noqa: SIM115 - a log written as it goes
            except OSError as exc:
                raise OutputError(f"{path}: cannot write ({exc.strerror})") from exc

    def __call__(self, t: Transition, read_at: float) -> None:
        now = time.time()
        latency = max(0.0, now - read_at) if read_at else 0.0
        line = {
            "index": self.count, "type": t.type, "frame": t.frame, "start_frame": t.start_frame,
            "end_frame": t.end_frame, "time": round(float(t.time), 6), "start_time": round(float(t.start_time), 6),
            "end_time": round(float(t.end_time), 6), "score": round(float(t.score), 4),
            "wall_time": datetime.fromtimestamp(read_at or now, timezone.utc).isoformat(timespec="milliseconds"),
            "latency": round(latency, 3),
        }
        data = (json.dumps(line, ensure_ascii=True) + "\n").encode("ascii")
        try:
            self._out.write(data)
            self._out.flush()
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            raise OutputError(f"{self.path}: cannot write ({exc.strerror})") from exc
        self.count += 1
        self.kinds[t.type] = self.kinds.get(t.type, 0) + 1
        self._latencies.append(latency)
        self.max_latency = max(self.max_latency, latency)

    def close(self, *, failed: bool = False) -> None:
        """Close the file; a run that failed before its first line leaves no empty file behind."""
        if self._file is not None:
            self._file.close()
            if failed and not self.count and self._created:
                with contextlib.suppress(OSError):
                    if stat.S_ISREG(os.lstat(self.path).st_mode):
                        os.unlink(self.path)

    def summary(self) -> str:
        """One line for stderr: what was streamed and how late."""
        if not self.count:
            return "no transitions streamed"
        detail = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(self.kinds.items()))
        return (f"{self.count} transitions streamed ({detail}); latency median {statistics.median(self._latencies):.2f} s, "
                f"max {self.max_latency:.2f} s")
