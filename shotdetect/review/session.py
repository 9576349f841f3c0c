"""What a review works on: the video analysed once (timeline and per-frame record), the starting
transitions, and saving the corrected list as ``timeline.json``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..edit.load import Change, FrameClock, assemble, load_timeline
from ..errors import InputError, OutputError
from ..pipeline import Progress, detect
from ..timeline import SCHEMA_NAME, Keyframe, Timeline
from .scores import ScoreRecord, ScoreRecorder

__all__ = ["ReviewSession", "analyse"]


@dataclass
class ReviewSession:
    """One video under review.

    Attributes
    ----------
    video : Path
    detected : Timeline
        What the analysis found (its gradual transitions stay fixed while the slider moves).
    record : ScoreRecord
        Per-frame cut strengths and what the slider's rule needs.
    start : Timeline
        The transitions the page opens with: a saved review, ``--timeline``, or ``detected``.
    out : Path
        Folder of the saved ``timeline.json``.
    exports : tuple of str
        Formats re-exported into ``out`` after every save.
    """

    video: Path
    detected: Timeline
    record: ScoreRecord
    start: Timeline
    out: Path
    exports: tuple[str, ...] = ()
    saves: int = field(default=0)

    @property
    def target(self) -> Path:
        return self.out / "timeline.json"

    def page_data(self) -> dict[str, Any]:
        """Everything the page needs, as JSON-ready values."""
        d = self.detected
        settings = dict(d.settings)
        return {
            "video": {**d.video.to_dict(), "name": self.video.name},
            "settings": settings,
            "min_gap": int(settings.get("min_shot_len") or 1),
            "sensitivity": float(settings.get("sensitivity", 0.5)),
            "gradual": [t.to_dict(i, None) for i, t in enumerate(d.transitions) if t.type != "cut"],
            "transitions": [t.to_dict(i, None) for i, t in enumerate(self.start.transitions)],
            "scores": self.record.to_dict(),
            "save_to": str(self.target),
            "exports": list(self.exports),
        }

    def save(self, payload: dict[str, Any]) -> Timeline:
        """Check the page's transitions, write ``timeline.json`` (and the chosen exports) atomically."""
        items = payload.get("transitions")
        if not isinstance(items, list):
            raise InputError("the page sent no transition list")
        changes = []
        for n, t in enumerate(items):
            try:
                frame = int(t["frame"])
                changes.append(Change(str(t["type"]), frame, int(t.get("start_frame", frame)),
                                      int(t.get("end_frame", frame)), float(t.get("score", 1.0)),
                                      bool(t.get("edited", False))))
            except (KeyError, TypeError, ValueError):
                raise InputError(f"transitions[{n}]: needs a type and a whole frame number") from None
        video = self.detected.video
        clock = FrameClock(video, dict(enumerate(self.record.times)))
        settings = {**self.detected.settings, "reviewed": True}
        if "sensitivity" in payload:
            settings["review_sensitivity"] = round(float(payload["sensitivity"]), 3)
        keyframes = [k for s in self.start.shots for k in s.keyframes]
        timeline = assemble(video, changes, clock=clock, keyframes=keyframes, settings=settings,
                            warnings=self.detected.warnings, gaps=self.detected.gaps)
        from ..edit.load import validate

        validate(timeline.to_dict())
        try:
            self.out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.out}: cannot write here ({exc.strerror})") from None
        from ..edit.reexport import export_timeline

        # timeline.json and the chosen exports replace their earlier versions together, recorded in
        # the folder's manifest; the folder's keyframes and other results stay.
        export_timeline(timeline, self.out, [*self.exports, "json"], source=self.video, overwrite=True)
        self.saves += 1
        return timeline


def _own_timeline(path: Path, video: Timeline) -> Timeline | None:
    """A timeline saved earlier into the review folder, if it is one of this video; else an error."""
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        doc = None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_NAME:
        raise OutputError(f"{path}: exists and is not a shotdetect timeline; choose another --out folder")
    timeline = load_timeline(path)
    if timeline.video.frame_count != video.video.frame_count:
        raise OutputError(f"{path}: a timeline of another video ({timeline.video.frame_count} frames, this one "
                          f"has {video.video.frame_count}); choose another --out folder")
    return timeline


def analyse(video: str | os.PathLike[str], out: str | os.PathLike[str], *, start_from: str | None = None,
            sensitivity: float = 0.5, min_shot_len: int | float | str = 3, gradual: bool = True,
            exports: tuple[str, ...] = (), progress: Progress | None = None,
            max_duration: float | None = None) -> ReviewSession:
    """Analyse ``video`` once, keeping the per-frame record, and pick the starting transitions:
    ``start_from`` (a timeline.json), else a review saved in ``out`` before, else the detection's."""
    video = Path(video)
    out = Path(out)
    recorder: ScoreRecorder | None = None

    def on_signals(signals: Any, strength: float) -> None:
        recorder(signals, strength)  # type: ignore[misc]

    from ..decode import open_video
    from ..decode import is_image_sequence

    if is_image_sequence(video):
        raise InputError(f"{video}: review needs a video file (the page plays it)")
    with open_video(video) as reader:
        recorder = ScoreRecorder(reader.info.fps)
    detected = detect(video, sensitivity=sensitivity, min_shot_len=min_shot_len, gradual=gradual, keyframes=1,
                      on_signals=on_signals, progress=progress, max_duration=max_duration)
    record = recorder.finish()
    if len(record.times) != detected.video.frame_count:
        raise InputError(f"{video}: frame count changed during the analysis")
    start = detected
    saved = _own_timeline(out / "timeline.json", detected)
    if start_from is not None:
        start = load_timeline(start_from)
        if start.video.frame_count != detected.video.frame_count:
            raise InputError(f"{start_from}: a timeline of another video ({start.video.frame_count} frames, "
                             f"{video.name} has {detected.video.frame_count})")
    elif saved is not None:
        start = saved
    if Path(start_from or out / "timeline.json").resolve().parent != out.resolve():
        # keyframe files named in another folder's timeline are not in this one
        start = replace(start, shots=[replace(s, keyframes=tuple(Keyframe(k.frame, k.time, None)
                                                               for k in s.keyframes)) for s in start.shots])
    return ReviewSession(video=video, detected=detected, record=record, start=start, out=out,
                         exports=tuple(exports))


