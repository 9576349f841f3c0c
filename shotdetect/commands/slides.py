"""``shotdetect slides TALK --out DIR`` (also ``shotdetect TALK --slides --out DIR``): the slides of a
recorded talk as images, a PDF and a timeline.

DIR receives ``001.png``, ``002.png`` ... (one per distinct slide, in order of first appearance;
``003-1.png``, ``003-2.png`` ... for the steps of a build with ``--keep-builds``), ``slides.pdf`` and
``timeline.json`` (schema ``shotdetect.slides``). Without ``--out`` or ``--json`` the slides are
listed on the terminal.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..console import printable
from ..errors import UsageError
from ..export.atomic import atomic_write_text
from ..export.conflicts import check_output_paths
from ..export.images import IMAGE_FORMATS
from ..export.outdir import OutputDir
from ..progress import ProgressBar
from ..slides import SlideSettings, SlidesResult, extract_slides, parse_roi
from ..slides.output import slides_json, write_slides
from ..slides.pdf import have_img2pdf
from .argtypes import checked, positive, seconds
from .common import check_writable_file, make_parser

__all__ = ["build_parser", "run"]

EXAMPLES = """\
examples:
  shotdetect talk.mp4 --slides --out slides/      slides/001.png ..., slides.pdf, timeline.json
  shotdetect slides talk.mp4                      list the slides and when they were shown
  shotdetect slides talk.mp4 --out s/ --keep-builds --no-pdf
  shotdetect slides lecture.mkv --out s/ --sample-rate 1      faster on long talks
  shotdetect slides zoom.mp4 --out s/ --roi 0,0,1440,1080     the slides are in this part only

exit status: 0 ok, 2 bad usage, 3 unusable input, 4 decoding failed,
             5 cannot write results, 130 interrupted, 1 internal error
"""



def build_parser() -> argparse.ArgumentParser:
    p = make_parser("shotdetect slides",
                    "Turn a recorded talk into its slides: one image per distinct slide, builds and revisits "
                    "recognised, a PDF and a timeline of when each slide was shown.", EXAMPLES)
    p.add_argument("video", metavar="VIDEO", help="the recorded talk")
    out = p.add_argument_group("output")
    out.add_argument("-o", "--out", metavar="DIR", help="folder for the slide images, slides.pdf and timeline.json")
    out.add_argument("--json", metavar="PATH", help="write the timeline JSON here too ('-' for stdout)")
    out.add_argument("--image-format", choices=sorted(IMAGE_FORMATS), default="png",
                     help="slide image format (default png, lossless)")
    out.add_argument("--pdf", action=argparse.BooleanOptionalAction, default=True,
                     help="write slides.pdf, one page per image (default: yes)")
    out.add_argument("--overwrite", action="store_true", help="replace results already in --out")
    det = p.add_argument_group("slides")
    det.add_argument("--keep-builds", action="store_true",
                     help="export every step of an incremental build, not only the most complete one")
    det.add_argument("--dedupe", action=argparse.BooleanOptionalAction, default=True,
                     help="export a slide shown again later only once (default: yes)")
    det.add_argument("--min-slide-duration", type=seconds, default=1.0, metavar="SECONDS",
                     help="skip slides shown for less than this while clicking through (default 1.0)")
    det.add_argument("--sample-rate", type=positive, metavar="FPS",
                     help="analyse this many frames per second (default: every frame); 1 is faster on long talks")
    det.add_argument("--roi", type=checked(parse_roi), metavar="X,Y,W,H",
                     help="the slides are in this rectangle (display pixels): analyse and export it only")
    det.add_argument("--auto-area", action=argparse.BooleanOptionalAction, default=True,
                     help="without --roi, crop constant borders (letterbox, side-by-side webcam) off the images")
    return p


def run(args: argparse.Namespace) -> int:
    check_output_paths([args.video], {"--json": args.json}, folder=args.out)
    if args.json:
        check_writable_file(args.json, args.overwrite)
    if args.out and args.pdf and not have_img2pdf():
        raise UsageError("writing slides.pdf needs img2pdf (pip install img2pdf), or use --no-pdf")
    settings = SlideSettings(min_duration=args.min_slide_duration, sample_rate=args.sample_rate, roi=args.roi,
                             auto_area=args.auto_area, dedupe=args.dedupe, keep_builds=args.keep_builds)
    bar = ProgressBar(Path(args.video).name[:30], enabled=False if args.quiet else None)
    try:
        if args.out:
            with OutputDir(args.out, overwrite=args.overwrite, keep=[Path(args.video)], source=args.video,
                           command="slides") as staging:
                result = extract_slides(args.video, settings, progress=bar)
                write_slides(result, staging, image_format=args.image_format, pdf=args.pdf)
        else:
            result = extract_slides(args.video, settings, progress=bar)
    finally:
        bar.close()
    if args.json == "-":
        sys.stdout.write(slides_json(result))
    elif args.json:
        atomic_write_text(args.json, slides_json(result))
    if not args.out and not args.json:
        _print_slides(result)
    if not args.quiet:
        for warning in result.warnings:
            print(f"shotdetect: warning: {printable(warning)}", file=sys.stderr)
        if args.out or args.json:
            built = sum(len(s.steps) > 1 for s in result.slides)
            revisits = sum(s.revisits for s in result.slides)
            where = f" -> {printable(args.out)}" if args.out else ""
            print(f"shotdetect: {len(result.slides)} slides ({built} built up in steps, {revisits} revisits, "
                  f"{len(result.skipped)} shown too briefly and skipped){where}", file=sys.stderr)
    return 0


def _print_slides(result: SlidesResult) -> None:
    print(f"{'slide':>5}  {'first shown':>11}  {'steps':>5}  {'revisits':>8}  on screen")
    for s in result.slides:
        spans = ", ".join(f"{sp.start_time:.1f}-{sp.end_time:.1f}" for sp in s.spans)
        print(f"{s.number:>5}  {s.spans[0].start_time:>10.1f}s  {len(s.steps):>5}  {s.revisits:>8}  {spans}")
