"""What a detector reports before transitions are assembled into a timeline."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Candidate"]


@dataclass(frozen=True)
class Candidate:
    """A detected transition in window-independent frame indices.

    ``frame`` is the first frame that belongs more to the new shot; ``start``/``end`` are inclusive.
    ``score`` is in [0, 1]: 0.5 at the detection threshold, approaching 1 for unmistakable changes.
    """

    type: str
    frame: int
    start: int
    end: int
    score: float

    @property
    def is_gradual(self) -> bool:
        return self.type != "cut"
