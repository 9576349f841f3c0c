"""``shotdetect review VIDEO``: check and correct the transitions in a browser, then save them.

The video is analysed once; a page served on 127.0.0.1 (a random free port) shows the video, frame
by frame, the per-frame cut strength, the frames either side of every transition, and a sensitivity
slider; Save writes ``timeline.json`` into ``--out`` (default ``<video name>-review/``), from which
``shotdetect export`` writes every format.
"""

from __future__ import annotations

import argparse
import sys
import webbrowser
from pathlib import Path

from ..errors import UsageError
from ..export.formats import parse_export_list
from ..progress import ProgressBar
from .argtypes import min_shot_len, positive, unit_interval
from .common import make_parser

__all__ = ["build_parser", "run"]

EXAMPLES = """\
examples:
  shotdetect review film.mp4                     analyse, open the page; Save -> film-review/timeline.json
  shotdetect review film.mp4 --out film/ --timeline film/timeline.json --no-browser
  shotdetect review film.mp4 --export edl,otio   also write these into --out on every save
  shotdetect review film/                        the results of "shotdetect film.mp4 --out film/": saved back there

keys: Left/Right one frame, Shift+Left/Right previous/next transition, A add, M move the selected
      transition here, Delete delete it, Space play/pause, Ctrl+S save.
"""


def build_parser() -> argparse.ArgumentParser:
    p = make_parser("shotdetect review",
                    "Check and correct the transitions of a video in a browser page served on 127.0.0.1 only; "
                    "save the result as timeline.json.", EXAMPLES)
    p.add_argument("video", metavar="VIDEO", help="the video to review, or a folder of results of the main "
                   "command (its --out): its video, starting from its timeline.json, saved back into it")
    p.add_argument("-o", "--out", metavar="DIR",
                   help="folder for the saved timeline.json (default: <video name>-review in the current folder); "
                        "a review saved there before is opened again")
    p.add_argument("--timeline", metavar="PATH", help="start from this timeline.json instead of the detection")
    p.add_argument("--export", metavar="LIST", default="",
                   help="also write these formats into --out on every save (as shotdetect export --to)")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="print the address, do not open a browser")
    p.add_argument("-s", "--sensitivity", type=unit_interval, default=0.5, metavar="S",
                   help="sensitivity of the analysis and the slider's start (default 0.5)")
    p.add_argument("--min-shot-len", type=min_shot_len, default="3", metavar="N",
                   help="shortest shot, frames (12) or seconds (0.5s); default 3 frames")
    p.add_argument("--no-gradual", action="store_true", help="find hard cuts only")
    p.add_argument("--max-duration", type=positive, metavar="SECONDS", help="review only this much from the start")
    return p


def run(args: argparse.Namespace) -> int:
    from ..review import analyse
    from ..review.server import ReviewServer

    if not 0 <= args.port < 65536:
        raise UsageError("--port must be 0..65535")
    exports = parse_export_list(args.export) if args.export.strip() else ()
    if "split" in exports:
        raise UsageError("--export split is not offered on every save; use shotdetect export --to split")
    video = Path(args.video)
    if video.is_dir():  # the main command's --out folder: its video, its timeline, saved back there
        from ..review.folder import video_of_results

        out = Path(args.out) if args.out else video
        video = video_of_results(video)
    else:
        out = Path(args.out) if args.out else Path(f"{video.stem}-review")
    bar = ProgressBar(video.name[:30], enabled=False if args.quiet else None)
    try:
        session = analyse(video, out, start_from=args.timeline, sensitivity=args.sensitivity,
                          min_shot_len=args.min_shot_len, gradual=not args.no_gradual, exports=exports,
                          progress=bar, max_duration=args.max_duration)
    finally:
        bar.close()
    try:
        server = ReviewServer(session, args.port)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{args.port} ({exc.strerror})") from None
    # The address is the one thing a user (or a test) needs: on stdout, flushed, even with -q.
    print(f"shotdetect: review {session.video.name} at {server.url} (Ctrl-C to stop); Save writes {session.target}",
          flush=True)
    if not args.no_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    if not args.quiet:
        print(f"shotdetect: review stopped; {session.saves} save(s) to {session.target}", file=sys.stderr)
    return 0
