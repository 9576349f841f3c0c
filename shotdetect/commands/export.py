"""``shotdetect export TIMELINE --to LIST --out DIR``: the exports again, from a saved, reviewed or
hand-edited ``timeline.json`` (or, with ``--from``, from a PySceneDetect scene list), without
analysing the video again.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import UsageError
from ..export.formats import FORMATS, parse_export_list
from ..rates import parse_rate
from .argtypes import checked, seconds
from .common import make_parser

__all__ = ["build_parser", "run", "edl_rate"]

EXAMPLES = """\
examples:
  shotdetect export film/timeline.json --to edl,otio,fcpxml --out film/
  shotdetect export reviewed.json --to all --out edit/ --overwrite
  shotdetect export --from film-Scenes.csv --video film.mp4 --to edl,csv --out edit/
  shotdetect export --from film-Scenes.csv --video film.mp4 --to json --out edit/   then review it:
  shotdetect review film.mp4 --timeline edit/timeline.json
  shotdetect export vfr/timeline.json --to edl --edl-rate 25 --out vfr/

exit status: 0 ok, 2 bad usage, 3 unusable input (timeline, scene list or video),
             5 cannot write results, 1 internal error
"""


#: ``--edl-rate``: an edit rate such as 25, 29.97 or 30000/1001.
edl_rate = checked(parse_rate)


def build_parser() -> argparse.ArgumentParser:
    p = make_parser("shotdetect export",
                    "Write exports (EDL, OTIO, FCPXML, CSV, chapters, HTML, split files) from a saved or edited "
                    "timeline.json, or from a PySceneDetect scene list, without analysing the video again.",
                    EXAMPLES)
    p.add_argument("timeline", nargs="?", metavar="TIMELINE", help="a timeline.json (saved, reviewed or edited)")
    p.add_argument("--from", dest="scene_list", metavar="CSV",
                   help="read a scene-list CSV instead (PySceneDetect's list-scenes, or our scenes.csv); needs --video")
    p.add_argument("--to", required=True, metavar="LIST",
                   help=f"comma-separated: {', '.join(FORMATS)}, json (timeline.json itself, checked and "
                        "normalised); all = every one but split and json")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="folder to write the files into")
    p.add_argument("--video", metavar="PATH",
                   help="the video (default: the timeline's video.path, also looked for next to the timeline)")
    p.add_argument("--overwrite", action="store_true", help="replace files of these formats already in DIR")
    p.add_argument("--min-chapter-len", type=seconds, metavar="SECONDS",
                   help="merge shots into chapters at least this long (as in the main command)")
    p.add_argument("--split-accurate", action="store_true", help="with split: re-encode for frame-exact cuts")
    p.add_argument("--edl-rate", type=edl_rate, metavar="FPS",
                   help="frame rate of the EDL and FCPXML timecodes (23.976, 24, 25, 29.97, 30, 47.952, 48, 50, "
                        "59.94, 60); default: the video's, or the nearest for variable frame rate")
    return p


def run(args: argparse.Namespace) -> int:
    from ..edit import export_timeline, load_scene_list, load_timeline
    from ..edit.reexport import find_source

    wanted = [n.strip() for n in args.to.split(",") if n.strip()]
    rest = [n for n in wanted if n.lower() != "json"]
    formats = (*(parse_export_list(rest) if rest else ()), *(("json",) if len(rest) < len(wanted) else ()))
    if not formats:
        raise UsageError("--to needs at least one format")
    if bool(args.timeline) == bool(args.scene_list):
        raise UsageError("give either a TIMELINE (timeline.json) or --from SCENES.CSV")
    if args.scene_list:
        if not args.video:
            raise UsageError("--from needs --video PATH (a scene list does not say which video it is of)")
        timeline = load_scene_list(args.scene_list, args.video)
        source, read = Path(args.video), Path(args.scene_list)
    else:
        timeline = load_timeline(args.timeline)
        read = Path(args.timeline)
        source = Path(args.video) if args.video else find_source(timeline, args.timeline)
    written = export_timeline(timeline, args.out, formats, source=source, images=read.resolve().parent,
                              overwrite=args.overwrite, min_chapter_len=args.min_chapter_len,
                              accurate=args.split_accurate, edl_rate=args.edl_rate,
                              # only a timeline.json written could replace the file read
                              keep=[read] if "json" in formats else [])
    if not args.quiet:
        names = ", ".join(p.name for p in written)
        print(f"shotdetect: {len(timeline.shots)} shots from {read.name} -> {args.out}: {names}", file=sys.stderr)
    return 0
