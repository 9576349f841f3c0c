"""Per-frame signals as CSV (``--stats``), for tuning, plotting and explaining a decision."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path
from typing import IO

from ..errors import OutputError
from ..features import SIGNAL_COLUMNS, FrameSignals

__all__ = ["StatsWriter", "STATS_COLUMNS"]

STATS_COLUMNS = ("frame", "time", *SIGNAL_COLUMNS, "cut_strength")


class StatsWriter:
    """Streams one CSV row per frame into a temporary file, renamed into place by :meth:`commit`.

    Memory stays constant; an interrupted run leaves no partial CSV behind.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        self._tmp: Path | None = None
        try:
            if self.path.exists() and not self.path.is_file():
                # A device or pipe: stream straight into it (renaming over it would replace it).
                self._fh: IO[str] = open(self.path, "w", newline="", encoding="utf-8")  # noqa: SIM115
            else:
                fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent)
                self._tmp = Path(tmp)
                self._fh = os.fdopen(fd, "w", newline="", encoding="utf-8")
        except OSError as exc:
            raise OutputError(f"{self.path.parent}: cannot write here ({exc.strerror})") from exc
        self._csv = csv.writer(self._fh)
        self._csv.writerow(STATS_COLUMNS)

    def __call__(self, signals: FrameSignals, cut_strength: float) -> None:
        try:
            self._csv.writerow([signals.index, f"{float(signals.time):.6f}",
                                *(f"{v:.6g}" for v in signals.row()), f"{cut_strength:.6g}"])
        except OSError as exc:  # full disk, file size limit
            raise OutputError(f"{self.path}: cannot write ({exc.strerror})") from exc

    def commit(self) -> None:
        try:
            self._fh.close()
            if self._tmp is not None:
                os.replace(self._tmp, self.path)
        except OSError as exc:
            self.discard()
            raise OutputError(f"{self.path}: cannot write ({exc.strerror})") from exc

    def discard(self) -> None:
        try:
            self._fh.close()
        except OSError:
            pass  # the data is being thrown away anyway (e.g. the disk is full)
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
