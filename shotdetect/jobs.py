"""One video analysed into one output folder: the unit of work of the CLI and of batch runs.

A :class:`FolderJob` holds every option and is picklable, so the same object runs in this process,
in a process pool, or on a Dask worker.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import UsageError
from .export import ImageWriter, OutputDir, write_json
from .export.ownership import MANIFEST_NAME, source_record, write_manifest
from .export.names import NameTemplate
from .export.formats import ExportOptions, chain_signals
from .features import FrameSignals
from .pipeline import Progress, StreamInterrupted, TransitionListener, detect
from .timeline import Timeline, Transition

__all__ = ["FolderJob"]


@dataclass(frozen=True)
class FolderJob:
    """Analyse a video and write keyframes and ``timeline.json`` into a folder.

    Calling the job (``job(video, out)``) returns a small summary dict, which is what batch runs
    collect; :meth:`run` returns the full :class:`Timeline` and accepts live callbacks.
    """

    overwrite: bool = False
    images: bool = True
    image_format: str = "jpg"
    keyframes: int = 1
    sensitivity: float = 0.5
    threshold: float | None = None
    min_shot_len: int | float | str = 3
    gradual: bool = True
    max_duration: float | None = None
    stall_timeout: float | None = 120.0
    image_order: str = "name"
    image_fps: float | None = None
    #: Keyframe picture size (one side keeps the shape; both: exact) and jpg/webp quality.
    image_width: int | None = None
    image_height: int | None = None
    image_quality: int | None = None
    #: Keyframe file name template (``--image-name``; see :mod:`shotdetect.export.names`).
    image_name: str | None = None
    #: Extra files (``--export``): written into the same staging folder, so they land with timeline.json.
    exports: ExportOptions | None = None
    #: Analyse only this part (``--start``/``--end``/``--duration``; see :mod:`shotdetect.decode.span`).
    start: str | None = None
    end: str | None = None
    duration: str | None = None
    #: Detect in this region only (``--roi x,y,w,h``, display pixels).
    roi: str | None = None

    def run(
        self,
        video: str | os.PathLike[str],
        out: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        on_signals: Callable[[FrameSignals, float], None] | None = None,
        on_transition: TransitionListener | None = None,
        finish_on_interrupt: bool = False,
    ) -> Timeline:
        """Analyse ``video`` into ``out``; the folder gets complete results or none.

        With ``finish_on_interrupt`` (a live stream) Ctrl-C ends the stream instead: the results up
        to there are written, then :class:`~shotdetect.pipeline.StreamInterrupted` is raised again.
        """
        stopped: StreamInterrupted | None = None
        if self.exports:
            self.exports.check()
        names = None
        if self.image_name:
            try:
                names = NameTemplate(self.image_name, video=Path(video).stem, keyframes=self.keyframes)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        outdir = OutputDir(out, overwrite=self.overwrite, keep=[video], source=video)
        staging = outdir.open()
        # A live stream into a new or empty folder: keyframes appear there as shots end (listed in the
        # manifest as they go). Otherwise results are staged and land together when the run ends.
        live = _LiveFolder(outdir, staging, video) if finish_on_interrupt and not outdir.previous.owned else None
        target = live.folder if live is not None else staging
        try:
            sink = ImageWriter(target, self.image_format, width=self.image_width, height=self.image_height,
                               quality=self.image_quality, names=names) if self.images else None
            scores = self.exports.score_series() if self.exports else None
            listener = live.listener(on_transition, sink) if live is not None else on_transition
            with sink or contextlib.nullcontext():  # images are encoded and written in the background
                try:
                    timeline = detect(
                        video, sensitivity=self.sensitivity, threshold=self.threshold,
                        min_shot_len=self.min_shot_len, gradual=self.gradual, keyframes=self.keyframes,
                        keyframe_sink=sink, on_signals=chain_signals(on_signals, scores),
                        progress=progress, max_duration=self.max_duration, stall_timeout=self.stall_timeout,
                        image_order=self.image_order, image_fps=self.image_fps,
                        on_transition=listener, finish_on_interrupt=finish_on_interrupt,
                        start=self.start, end=self.end, duration=self.duration, roi=self.roi,
                    )
                except StreamInterrupted as exc:  # a live stream stopped: its results so far are kept
                    timeline, stopped = exc.timeline, exc
            written = [Path(p).name for p in self.exports.write(timeline, target, source=video, scores=scores)] \
                if self.exports else []
            write_json(timeline, target / "timeline.json")
        except BaseException:
            if live is not None:
                live.fail(sink)
            else:
                outdir.abandon()
            raise
        if live is not None:
            live.finish(sink, [*written, "timeline.json"])
        else:
            outdir.commit()
        if stopped is not None:
            raise stopped
        return timeline

    def __call__(self, video: Path, out: Path) -> dict[str, Any]:
        timeline = self.run(video, out)
        kinds: dict[str, int] = {}
        for t in timeline.transitions:
            kinds[t.type] = kinds.get(t.type, 0) + 1
        return {
            "shots": len(timeline.shots),
            "transitions": kinds,
            "frames": timeline.video.frame_count,
            "duration": float(timeline.video.duration or 0),
            "warnings": list(timeline.warnings),
        }

    def settings(self) -> dict[str, Any]:
        return asdict(self)


class _LiveFolder:
    """A live run writing straight into its (new or empty) output folder, as dedupe does.

    The manifest is rewritten at most once a second as keyframes are written, so after a hard kill at
    most the last second's pictures are unlisted; :meth:`finish` lists everything and frees the folder.
    """

    def __init__(self, outdir: OutputDir, staging: Path, video: str | os.PathLike[str]):
        shutil.rmtree(staging, ignore_errors=True)
        self.outdir = outdir
        self.folder = outdir.path
        self.source = source_record(video)
        self._listed_at = 0.0

    def _list(self, sink: ImageWriter | None, extra: list[str]) -> None:
        names = [p.name for p in (sink.written if sink is not None else []) if p.is_file()]
        write_manifest(self.folder, [*names, *extra], command="detect", source=self.source)
        self._listed_at = time.monotonic()

    def listener(self, inner: TransitionListener | None, sink: ImageWriter | None) -> TransitionListener:
        def listen(transition: Transition, read_at: float) -> None:
            if inner is not None:
                inner(transition, read_at)
            if time.monotonic() - self._listed_at >= 1.0:
                self._list(sink, [])

        return listen

    def finish(self, sink: ImageWriter | None, extra: list[str]) -> None:
        try:
            self._list(sink, extra)
        finally:
            self.outdir.release()

    def fail(self, sink: ImageWriter | None) -> None:
        """A failed run: the keyframes already in the folder stay, listed; with none, nothing is left."""
        if sink is not None and sink.written:
            self.finish(sink, [])
            return
        (self.folder / MANIFEST_NAME).unlink(missing_ok=True)
        self.outdir.abandon()
