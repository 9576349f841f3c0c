"""What every detector is: a module that reads a window of signals and proposes transitions.

A detector never decides alone: it proposes :class:`~shotdetect.detect.candidates.Candidate` s and
:mod:`~shotdetect.detect.reconcile` settles overlaps between them. To add one, write a module with a
class that satisfies :class:`Detector` and list an instance in ``DETECTORS`` in ``__init__.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..settings import check_detector_settings
from .candidates import Candidate
from .window import SignalWindow

__all__ = ["Detector", "DetectorSettings", "MAX_GRADUAL_SECONDS", "explained_spans"]

#: Longest gradual transition looked for, in seconds (editors' dissolves and fades rarely exceed it).
MAX_GRADUAL_SECONDS = 4.0


@dataclass(frozen=True)
class DetectorSettings:
    """Every option that changes what is detected.

    Attributes
    ----------
    sensitivity : float
        0..1, default 0.5. Higher finds subtler transitions (and more false ones): each step of 0.25
        scales all detection thresholds by about 1.4.
    threshold : float or None
        Absolute floor of the cut strength, overriding the one implied by ``sensitivity``.
    min_shot_frames : int
        Fewest frames a shot may have; a cut closer than this to the previous one is dropped.
    gradual : bool
        Look for fades, dissolves and wipes as well as cuts.
    """

    sensitivity: float = 0.5
    threshold: float | None = None
    min_shot_frames: int = 3
    gradual: bool = True

    def __post_init__(self) -> None:
        check_detector_settings(self)

    @property
    def scale(self) -> float:
        """Multiplier applied to every threshold: 1 at the default sensitivity."""
        return float(2.0 ** ((0.5 - self.sensitivity) * 2.0))


class Detector(Protocol):
    """One way of finding transitions.

    Attributes
    ----------
    name : str
        Short name, for ``--stats`` and debugging.
    gradual : bool
        Whether it finds gradual transitions (skipped with ``--no-gradual``).
    reach_seconds : float
        How far a decision reads beyond the end of the candidate it concerns (its longest span plus
        the frames after it that it compares with). The streaming detector holds back every
        candidate until that much video after it has been seen, so the detector says when its
        proposals are final, and nobody has to guess.
    """

    name: str
    gradual: bool
    reach_seconds: float

    def propose(self, w: SignalWindow, settings: DetectorSettings, earlier: list[Candidate]) -> list[Candidate]:
        """Transitions in the window. ``earlier`` holds what the detectors registered before this
        one proposed, so that a detector can leave alone what is already explained."""
        ...


def explained_spans(w: SignalWindow, earlier: list[Candidate]) -> list[tuple[int, int]]:
    """The window positions (inclusive spans) that earlier detectors' candidates already explain."""
    return [(c.start - w.start, c.end - w.start) for c in earlier]
