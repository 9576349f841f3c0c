"""Keep only the pictures of a frame stream that differ from the last one kept: the engine of
``shotdetect dedupe``.

A picture is kept when the *same* rule (:class:`~shotdetect.compare.SameRule`, the one
``shotdetect compare`` uses) says it differs from the last kept picture, and at least
``min_interval`` seconds have passed since then.

Every file is written atomically and ``kept.json`` is rewritten (atomically) as pictures are kept,
so a run stopped at any point (Ctrl-C, SIGTERM, an error) leaves complete pictures and a
``kept.json`` that lists exactly them. Into a new or empty folder the pictures are written as they
are kept (a live source can be watched); over the results of an earlier run (``overwrite``) the new
run is written aside and replaces them only when it ends, so a run that fails leaves the earlier
results as they were. The manifest (:mod:`~shotdetect.export.ownership`) is rewritten with
``kept.json``.

>>> from shotdetect.compare.dedupe import Deduplicator, DedupeSettings
>>> from shotdetect.decode import open_source
>>> with open_source("timelapse/") as frames:                          # doctest: +SKIP
...     dedupe = Deduplicator(frames, "kept/", settings=DedupeSettings(min_interval=5.0))
...     dedupe.prepare(overwrite=False)
...     dedupe.process()
>>> [entry["file"] for entry in dedupe.kept]                            # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .. import __version__
from ..decode import Frame
from ..errors import OutputError
from ..export.atomic import atomic_write_bytes, atomic_write_text
from ..export.images import IMAGE_FORMATS
from ..export.outdir import OutputDir
from ..interrupts import signals_deferred
from ..export.ownership import source_record, write_manifest
from ..features.histogram import bhattacharyya, kl_divergence, yuv_histogram
from ..settings import choice, real
from ..decode import ImageRef, ImageSequence, LiveSource
from .metrics import SameRule, mean_abs_diff, robust_change, small_grey
from .phash import hamming, phash

__all__ = ["Deduplicator", "DedupeSettings", "KEPT_NAME"]

#: The listing written into the output folder.
KEPT_NAME = "kept.json"
_SCHEMA = "shotdetect.dedupe"
_SCHEMA_VERSION = 1
#: kept.json is rewritten at most this often while running (and always at the end).
_LISTING_INTERVAL = 1.0


@dataclass(frozen=True, kw_only=True)
class DedupeSettings:
    """What counts as a new picture, and how kept video frames are written.

    Attributes
    ----------
    rule : SameRule
        When a picture is the same as the last kept one (and so not kept).
    min_interval : float
        Seconds that must pass between two kept pictures (changes within it are counted as held back).
    image_format : str
        Format of the frames kept from a video or live source (image files are copied as they are).
    """

    rule: SameRule = field(default_factory=SameRule)
    min_interval: float = 0.0
    image_format: str = "jpg"

    def __post_init__(self) -> None:
        real("min_interval", self.min_interval, low=0)
        choice("image_format", self.image_format, tuple(sorted(IMAGE_FORMATS)))


class Deduplicator:
    """Keeps the pictures of a frame stream that differ from the last kept one, writing them to ``out``.

    ``prepare(overwrite)``, then ``process()`` (or ``run()`` / ``push(frame)`` and ``finish()``
    yourself); ``kept``, ``seen`` and ``held_back`` say what happened.

    Parameters
    ----------
    reader
        What :func:`~shotdetect.decode.open_source` returns.
    out : path-like
        Output folder, prepared by :meth:`prepare`.
    settings : DedupeSettings
    source : str
        The source as the user named it (recorded in ``kept.json`` and the manifest).
    recorded : dict, optional
        More settings to record in ``kept.json`` (how the source was read: order, fps).
    """

    def __init__(self, reader: Any, out: str | os.PathLike[str], *, settings: DedupeSettings | None = None,
                 source: str = "", recorded: dict[str, Any] | None = None):
        settings = settings or DedupeSettings()
        self.reader = reader
        self.folder = Path(out)
        self.out = self.folder  # where files go: the folder itself, or a staging folder inside it
        self._outdir: OutputDir | None = None
        self.rule = settings.rule
        self.min_interval = Fraction(settings.min_interval).limit_denominator(1_000_000)
        self.image_format = settings.image_format
        self.kind = ("images" if isinstance(reader, ImageSequence)
                     else "live" if isinstance(reader, LiveSource) else "video")
        self.settings = {**(recorded or {}), "image_format": settings.image_format}
        self.source = source
        self.kept: list[dict[str, Any]] = []
        self.seen = 0
        self.interrupted = False  # process() was stopped by Ctrl-C / SIGTERM (kept.json says so)
        self.held_back = 0  # changed pictures not kept because of min_interval
        self._names: set[str] = set()
        self._last: tuple[np.ndarray, np.ndarray, int, Fraction] | None = None  # small grey, hist, hash, time
        self._listed_at = 0.0
        self._dirty = False  # kept pictures not yet in kept.json (it is rewritten at most once a second)

    # ------------------------------------------------------------------------------- output folder

    def prepare(self, overwrite: bool) -> None:
        """Check, create and lock the output folder; refuse earlier results unless ``overwrite``, and
        any folder holding files shotdetect did not write."""
        folder = self.folder
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder}: exists and is not a folder")
        inputs: list[Path] = []
        if self.kind == "images":
            inputs = list(self.reader.files)
            folders = {p.parent.resolve() for p in inputs}
            if folder.exists() and folder.resolve() in folders:
                raise OutputError(f"{folder}: is the folder of the source images; choose another --out")
        elif Path(self.source).is_file():
            inputs = [Path(self.source)]
        self._outdir = OutputDir(folder, overwrite=overwrite, keep=inputs, source=self.source, command="dedupe")
        staging = self._outdir.open()
        if self._outdir.previous.owned:
            self.out = staging  # earlier results stay until this run ends
        else:
            shutil.rmtree(staging, ignore_errors=True)
            self.out = folder  # a new or empty folder: pictures appear as they are kept
        try:
            self._write_listing(complete=False)  # also proves the folder is writable, before any work
        except BaseException:
            self._outdir.abandon()
            raise

    @property
    def _prepared(self) -> OutputDir:
        if self._outdir is None:
            raise RuntimeError("Deduplicator.prepare() was not called")
        return self._outdir

    @property
    def _direct(self) -> bool:
        return self.out == self.folder

    # ----------------------------------------------------------------------------------- the loop

    def run(self, progress: Callable[[int, int | None], None] | None = None) -> None:
        """Look at every frame of the reader (no final listing: see :meth:`process`)."""
        total = getattr(self.reader.info, "frame_count", None) if self.kind != "live" else None
        for frame in self.reader:
            self.push(frame)
            if progress is not None and self.seen % 5 == 0:
                progress(self.seen, total)
        if progress is not None:
            progress(self.seen, self.seen)

    def process(self, progress: Callable[[int, int | None], None] | None = None) -> None:
        """The whole run after :meth:`prepare`: every frame, then the final listing.

        Stopped by Ctrl-C or SIGTERM (``KeyboardInterrupt``), the pictures kept so far stay, listed
        as an interrupted run, and the exception goes on; after any other error the pictures
        already in the folder are listed with the error (results written aside are dropped).
        """
        try:
            self.run(progress)
        except KeyboardInterrupt:
            self.interrupted = True
            self.finish(complete=False, interrupted=True)
            raise
        except BaseException as exc:
            if self._direct:  # pictures already in the folder: list them and say why it stopped
                with contextlib.suppress(Exception):
                    self.finish(complete=False, error=str(exc))
            self.abandon()
            raise
        self.finish(complete=True)

    def push(self, frame: Frame) -> bool:
        """Look at one frame; keep it if it changed. Returns whether it was kept."""
        self.seen += 1
        if self._dirty and time.monotonic() - self._listed_at >= _LISTING_INTERVAL:
            self._write_listing(complete=False)
        small = small_grey(frame.y)
        if self._last is None:
            self._keep(frame, small, "first", None)
            return True
        last_small, last_hist, last_hash, last_time = self._last
        change = robust_change(last_small, small, self.rule.tolerance)
        if self.rule.robust_same(change):
            return False
        if frame.time - last_time < self.min_interval:
            self.held_back += 1
            return False
        hist = yuv_histogram(frame.y, frame.u, frame.v)
        if last_small.shape != small.shape:
            small_cmp = cv2.resize(small, (last_small.shape[1], last_small.shape[0]), interpolation=cv2.INTER_AREA)
        else:
            small_cmp = small
        distances = {
            "changed_area": round(change.area, 6),
            "correlation": round(change.correlation, 6),
            "mean_abs_diff": round(mean_abs_diff(last_small, small_cmp), 4),
            "bhattacharyya": round(float(bhattacharyya(last_hist, hist)), 6),
            "kl": round(float(kl_divergence(last_hist, hist)), 6),
            "phash_distance": hamming(last_hash, phash(small)),
        }
        self._keep(frame, small, "changed", distances, hist)
        return True

    def _keep(self, frame: Frame, small: np.ndarray, reason: str, distances: dict[str, Any] | None,
              hist: np.ndarray | None = None) -> None:
        if hist is None:
            hist = yuv_histogram(frame.y, frame.u, frame.v)
        entry: dict[str, Any] = {"file": None, "frame": frame.index, "time": round(float(frame.time), 6)}
        source = frame.source
        if isinstance(source, ImageRef):
            name = self._unique(source.path.name)
            try:
                data = source.path.read_bytes()
            except OSError as exc:  # the file vanished since it was read: keep going without it
                self.reader.warnings.append(f"{source.path.name}: could not be copied ({exc.strerror})")
                return
            entry["source"] = str(source.path)
        else:
            name = self._unique(f"frame-{frame.index:06d}.{self.image_format}")
            image = source.render()
            ok, encoded = cv2.imencode("." + self.image_format, image, IMAGE_FORMATS[self.image_format])
            if not ok:
                raise OutputError(f"could not encode {name}")
            data = encoded.tobytes()
        if self.kind == "live":
            entry["captured"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        entry.update(file=name, reason=reason, distances=distances)
        with signals_deferred():  # the picture and its line in kept.json go together
            atomic_write_bytes(self.out / name, data)
            self.kept.append(entry)
            self._names.add(name)
            self._last = (small, hist, phash(small), frame.time)
            self._dirty = True
            if time.monotonic() - self._listed_at >= _LISTING_INTERVAL:
                self._write_listing(complete=False)

    def _unique(self, name: str) -> str:
        if name not in self._names:
            return name
        stem, suffix = os.path.splitext(name)
        n = 2
        while f"{stem}-{n}{suffix}" in self._names:
            n += 1
        return f"{stem}-{n}{suffix}"

    # -------------------------------------------------------------------------------- the listing

    def document(self, *, complete: bool, interrupted: bool = False, error: str | None = None) -> dict[str, Any]:
        info = self.reader.info
        return {
            "schema": _SCHEMA,
            "schema_version": _SCHEMA_VERSION,
            "tool": {"name": "shotdetect", "version": __version__,
                     "settings": {**self.rule.to_dict(), "min_interval": float(self.min_interval), **self.settings}},
            "source": {"path": self.source, "kind": self.kind, "width": info.width, "height": info.height,
                       "fps": f"{info.fps.numerator}/{info.fps.denominator}" if info.fps else None},
            "complete": complete,
            "interrupted": interrupted,
            "error": error,
            "frames_seen": self.seen,
            "held_back_by_min_interval": self.held_back,
            "kept": self.kept,
            "warnings": list(self.reader.warnings),
        }

    def _write_listing(self, **state: Any) -> None:
        with signals_deferred():
            atomic_write_text(self.out / KEPT_NAME, json.dumps(self.document(**state), indent=1) + "\n")
            if self._direct:  # the manifest goes with the listing: what it lists is ours
                names = [e["file"] for e in self.kept if (self.out / e["file"]).is_file()]
                write_manifest(self.out, [*names, KEPT_NAME], command="dedupe", source=source_record(self.source))
            self._listed_at = time.monotonic()
            self._dirty = False

    def finish(self, **state: Any) -> None:
        """Write the final listing; results written aside replace the earlier ones now."""
        try:
            self._write_listing(**state)
        except BaseException:
            self.abandon()
            raise
        if self._direct:
            self._prepared.release()
        else:
            self._prepared.commit()

    def abandon(self) -> None:
        """A failed run: results written aside are dropped, the earlier ones stay."""
        if self._direct:
            self._prepared.release()
        else:
            self._prepared.abandon()
