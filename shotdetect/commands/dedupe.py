"""``shotdetect dedupe SOURCE --out DIR``: keep only the pictures that differ from the last one kept.

SOURCE is a folder of images, a glob, several image files, a video file, or a live source (a camera
``/dev/video0``, ``rtsp://``, ``http://``, ``pipe:0``: anything FFmpeg opens), processed as it
arrives. A picture is kept when the *same* rule (:class:`~shotdetect.compare.SameRule`, the one
``shotdetect compare`` uses) says it differs from the last kept picture, and at least
``--min-interval`` seconds have passed since then.

Every file is written atomically and ``DIR/kept.json`` is rewritten (atomically) as pictures are
kept, so Ctrl-C (exit 130) or SIGTERM (143) leaves complete pictures and a ``kept.json`` that lists
exactly them. Into a new or empty folder the pictures are written as they are kept (a live source
can be watched); with ``--overwrite`` the new run is written aside and replaces the earlier results
only when it ends (done, Ctrl-C or SIGTERM), so a run that fails leaves the earlier results as they
were. The manifest (:mod:`~shotdetect.export.ownership`) is rewritten with ``kept.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from .. import __version__
from ..console import printable
from ..cli import EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, make_parser
from ..export.outdir import OutputDir, signals_deferred
from ..export.ownership import source_record, write_manifest
from .argtypes import non_negative, positive
from ..compare.metrics import SameRule, robust_change, small_grey
from ..compare.phash import hamming, phash
from ..decode import Frame, render_frame
from ..errors import OutputError
from ..export.atomic import atomic_write_bytes, atomic_write_text
from ..export.images import IMAGE_FORMATS
from ..features.histogram import bhattacharyya, kl_divergence, yuv_histogram
from ..progress import ProgressBar
from ..decode import ORDERS, ImageRef, ImageSequence, LiveSource, open_source
from .compare import add_rule_options, rule_from

__all__ = ["build_parser", "run", "KEPT_NAME", "Deduplicator"]

#: The listing written into the output folder.
KEPT_NAME = "kept.json"
_SCHEMA = "shotdetect.dedupe"
_SCHEMA_VERSION = 1
#: kept.json is rewritten at most this often while running (and always at the end).
_LISTING_INTERVAL = 1.0

EXAMPLES = """\
examples:
  shotdetect dedupe timelapse/ --out kept/                 keep the images that changed
  shotdetect dedupe 'shots/*.jpg' --out kept/ --order exif  by capture time (EXIF DateTimeOriginal)
  shotdetect dedupe lecture.mp4 --out slides/ --min-interval 5
  shotdetect dedupe /dev/video0 --out cam/ --min-interval 60      a webcam, until Ctrl-C
  shotdetect dedupe rtsp://camera.local/stream --out cam/ --max-area 0.01

output: images keep their names; video and live frames become frame-000123.jpg;
        kept.json lists every kept picture, its time and the distances that made it count.
exit status: 0 done, 2 bad usage, 3 unusable source, 4 decoding failed, 5 cannot write
             (or results already there: --overwrite), 130 interrupted (what was written is complete)
"""


def _option(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("use KEY=VALUE, e.g. video_size=1280x720")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    p = make_parser("shotdetect dedupe",
                    "Keep only the pictures of an image folder, a video or a live camera that differ from "
                    "the last kept one (ignoring sensor noise, JPEG, small lighting drift and a 1 px shake).",
                    EXAMPLES)
    p.add_argument("source", nargs="+", metavar="SOURCE",
                   help="image folder, glob or image files; a video file; or a live source (/dev/video0, rtsp://...)")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="folder for the kept pictures and kept.json")
    p.add_argument("--overwrite", action="store_true", help="replace the results of an earlier run in DIR")
    add_rule_options(p)
    p.add_argument("--min-interval", type=non_negative, default=0.0, metavar="SECONDS",
                   help="keep at most one picture per this many seconds (default 0)")
    p.add_argument("--image-format", choices=sorted(IMAGE_FORMATS), default="jpg",
                   help="format of the frames kept from a video or live source (default jpg)")
    seq = p.add_argument_group("image sequences")
    seq.add_argument("--order", choices=ORDERS, default="name",
                     help="name (natural: img2 before img10, default), mtime, or exif (capture time; "
                          "times in kept.json are then capture times)")
    seq.add_argument("--fps", type=positive, metavar="N", help="frame rate giving image times (default 25)")
    live = p.add_argument_group("video and live sources")
    live.add_argument("--format", metavar="FMT", help="FFmpeg input format (v4l2, mjpeg, yuv4mpegpipe, ...)")
    live.add_argument("--option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                      help="FFmpeg input option, e.g. video_size=1280x720 (repeatable)")
    live.add_argument("--max-duration", type=positive, metavar="SECONDS", help="stop after this many seconds")
    return p


class Deduplicator:
    """Keeps the pictures of a frame stream that differ from the last kept one, writing them to ``out``.

    Parameters
    ----------
    reader
        What :func:`~shotdetect.sources.open_source` returns.
    out : Path
        Output folder, prepared by :meth:`prepare`.
    rule : SameRule
    min_interval : float
        Seconds that must pass between two kept pictures.
    image_format : str
        Format for frames of a video or live source.
    """

    def __init__(self, reader: Any, out: Path, *, rule: SameRule, min_interval: float = 0.0,
                 image_format: str = "jpg", settings: dict[str, Any] | None = None, source: str = ""):
        self.reader = reader
        self.folder = out
        self.out = out  # where files go: the folder itself, or a staging folder inside it
        self._outdir: OutputDir | None = None
        self.rule = rule
        self.min_interval = Fraction(min_interval).limit_denominator(1_000_000)
        self.image_format = image_format
        self.kind = ("images" if isinstance(reader, ImageSequence)
                     else "live" if isinstance(reader, LiveSource) else "video")
        self.settings = settings or {}
        self.source = source
        self.kept: list[dict[str, Any]] = []
        self.seen = 0
        self.held_back = 0  # changed pictures not kept because of --min-interval
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
    def _direct(self) -> bool:
        return self.out == self.folder

    # ----------------------------------------------------------------------------------- the loop

    def run(self, progress: Any = None) -> None:
        total = getattr(self.reader.info, "frame_count", None) if self.kind != "live" else None
        for frame in self.reader:
            self.push(frame)
            if progress is not None and self.seen % 5 == 0:
                progress(self.seen, total)
        if progress is not None:
            progress(self.seen, self.seen)

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
            "mean_abs_diff": round(float(np.abs(last_small - small_cmp).mean()), 4),
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
            image = render_frame(source, self.reader.info)
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
            self._outdir.release()
        else:
            self._outdir.commit()

    def abandon(self) -> None:
        """A failed run: results written aside are dropped, the earlier ones stay."""
        if self._direct:
            self._outdir.release()
        else:
            self._outdir.abandon()


def run(args: argparse.Namespace) -> int:
    spec: Any = args.source[0] if len(args.source) == 1 else args.source
    rule = rule_from(args)
    reader = open_source(spec, order=args.order, fps=args.fps, format=args.format, options=dict(args.option),
                         max_duration=args.max_duration)
    with reader:
        label = Path(args.source[0]).name or args.source[0]
        settings = {"order": args.order, "fps": args.fps, "image_format": args.image_format}
        dedupe = Deduplicator(reader, Path(args.out), rule=rule, min_interval=args.min_interval,
                              image_format=args.image_format, settings=settings,
                              source=" ".join(args.source))
        dedupe.prepare(args.overwrite)
        bar = ProgressBar(label[:30], enabled=False if args.quiet else None)
        try:
            dedupe.run(bar)
        except KeyboardInterrupt as exc:
            bar.close()
            dedupe.finish(complete=False, interrupted=True)
            terminated = isinstance(exc, Terminated)
            print(f"\nshotdetect: {'terminated' if terminated else 'interrupted'}; kept {len(dedupe.kept)} of "
                  f"{dedupe.seen} pictures so far in {printable(args.out)} (every file complete)", file=sys.stderr)
            return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
        except BaseException as exc:
            bar.close()
            if dedupe._direct:  # pictures already in the folder: list them and say why it stopped
                with contextlib.suppress(Exception):
                    dedupe.finish(complete=False, error=str(exc))
            dedupe.abandon()
            raise
        bar.close()
        dedupe.finish(complete=True)
    if not args.quiet:
        for warning in reader.warnings:
            print(f"shotdetect: warning: {printable(warning)}", file=sys.stderr)
        held = f", {dedupe.held_back} more changes within --min-interval" if dedupe.held_back else ""
        print(f"shotdetect: kept {len(dedupe.kept)} of {dedupe.seen} pictures{held} -> {printable(args.out)}",
              file=sys.stderr)
    return 0
