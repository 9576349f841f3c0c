"""Named pipes (FIFOs) as input, opened so that Ctrl-C and SIGTERM still work.

Opening a FIFO blocks until a writer opens the other end. Inside FFmpeg that wait is in C code that
never returns to Python, so a signal would go unanswered until a writer came (or the stall watchdog
gave up two minutes later). Opened here instead, the wait is an ``os.open`` that a signal interrupts;
FFmpeg then reads the already open descriptor (``pipe:N``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

__all__ = ["open_fifo"]


def open_fifo(path: str | os.PathLike[str]) -> BinaryIO | None:
    """For a named pipe: wait (interruptibly) for its writer and return the open read end, whose
    ``fileno()`` FFmpeg can read as ``pipe:N``; ``None`` for anything else."""
    try:
        if not stat.S_ISFIFO(Path(path).stat().st_mode):
            return None
    except (OSError, ValueError):
        return None
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))  # the signal handlers' exceptions end the wait
    return os.fdopen(fd, "rb", buffering=0)
