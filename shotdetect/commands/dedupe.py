"""``shotdetect dedupe SOURCE --out DIR``: keep only the pictures that differ from the last one kept.

SOURCE is a folder of images, a glob, several image files, a video file, or a live source (a camera
``/dev/video0``, ``rtsp://``, ``http://``, ``pipe:0``: anything FFmpeg opens), processed as it
arrives. The engine is :class:`shotdetect.compare.dedupe.Deduplicator` (what is kept, and how the
folder and ``kept.json`` stay complete whenever the run stops); this module parses the options,
reports and picks the exit code (130 after Ctrl-C, 143 after SIGTERM, what was written complete).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..compare.dedupe import KEPT_NAME, DedupeSettings, Deduplicator
from ..console import printable
from ..entry import Terminated
from ..export.images import IMAGE_FORMATS
from ..progress import ProgressBar
from ..decode import ORDERS, open_source
from .argtypes import non_negative, positive
from .common import EXIT_INTERRUPTED, EXIT_TERMINATED, add_rule_options, make_parser, rule_from

__all__ = ["build_parser", "run", "KEPT_NAME", "Deduplicator"]  # the engine's names: kept for importers

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


def run(args: argparse.Namespace) -> int:
    spec: Any = args.source[0] if len(args.source) == 1 else args.source
    rule = rule_from(args)
    reader = open_source(spec, order=args.order, fps=args.fps, format=args.format, options=dict(args.option),
                         max_duration=args.max_duration)
    with reader:
        label = Path(args.source[0]).name or args.source[0]
        settings = DedupeSettings(rule=rule, min_interval=args.min_interval, image_format=args.image_format)
        dedupe = Deduplicator(reader, Path(args.out), settings=settings, source=" ".join(args.source),
                              recorded={"order": args.order, "fps": args.fps})
        dedupe.prepare(args.overwrite)
        bar = ProgressBar(label[:30], enabled=False if args.quiet else None)
        try:
            dedupe.process(bar)
        except KeyboardInterrupt as exc:
            bar.close()
            if not dedupe.interrupted:  # stopped while writing the final listing: nothing to report
                raise
            terminated = isinstance(exc, Terminated)
            print(f"\nshotdetect: {'terminated' if terminated else 'interrupted'}; kept {len(dedupe.kept)} of "
                  f"{dedupe.seen} pictures so far in {printable(args.out)} (every file complete)", file=sys.stderr)
            return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
        except BaseException:
            bar.close()
            raise
        bar.close()
    if not args.quiet:
        for warning in reader.warnings:
            print(f"shotdetect: warning: {printable(warning)}", file=sys.stderr)
        held = f", {dedupe.held_back} more changes within --min-interval" if dedupe.held_back else ""
        print(f"shotdetect: kept {len(dedupe.kept)} of {dedupe.seen} pictures{held} -> {printable(args.out)}",
              file=sys.stderr)
    return 0
