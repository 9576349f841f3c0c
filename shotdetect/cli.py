"""Command line: ``shotdetect VIDEO --out DIR``. The only module that prints or picks exit codes.

Exit codes: 0 success; 1 unexpected internal error; 2 bad command-line usage; 3 unusable input;
4 decoding failed; 5 results could not be written; 130 interrupted (Ctrl-C, SIGINT); 143 terminated
(SIGTERM).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from . import __version__
from .console import guard_stdout, printable, quiet_native_messages, restore_stdout
from .entry import Terminated
from .errors import ShotdetectError, UsageError
from .export import IMAGE_FORMATS, to_json
from .export.atomic import atomic_write_text
from .export.conflicts import check_output_paths
from .export.formats import ExportOptions, parse_export_list
from .rates import parse_rate
from .export.safetext import valid_unicode
from .export.stats import StatsWriter
from .commands.argtypes import checked, count, min_shot_len, number, positive, seconds, unit_interval
from .commands.common import (
    CONFIG_HELP, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE, Parser, check_writable_file,
)
from .commands.laststop import exit_when_stuck
from .commands.jsonl import TransitionLog
from .config import apply_config
from .batch import VIDEO_SUFFIXES, BatchResult, find_videos, run_batch
from .jobs import FolderJob
from .pipeline import StreamInterrupted, detect
from .decode import is_image_file, is_live_source
from .decode.span import is_timecode, parse_position
from .region import parse_roi
from .progress import ProgressBar
from .timeline import Timeline

__all__ = ["main", "EXIT_OK", "EXIT_INTERNAL", "EXIT_USAGE", "EXIT_INTERRUPTED"]

EXAMPLES = """\
examples:
  shotdetect video.mp4                         list the shots on the terminal
  shotdetect video.mp4 --out keyframes/        keyframe images + keyframes/timeline.json
  shotdetect video.mp4 --json - --no-images    timeline JSON on stdout
  shotdetect film.mkv --out film/ --keyframes 3 --image-format png
  shotdetect talk.mp4 --out talk/ --sensitivity 0.7 --min-shot-len 1s
  shotdetect clip.mp4 --stats clip.csv --json clip.json
  shotdetect a.mp4 b.mkv archive/ --out results/ -j 2 --resume
  shotdetect timelapse/ --out tl/ --order exif        a folder of pictures as one sequence
  shotdetect film.mp4 --out film/ --export otio,edl,fcpxml,csv,chapters,html
  shotdetect film.mp4 --out film/ --no-images --split-accurate
  shotdetect film.mp4 --out part/ --start 1:30 --end 2:45 --export edl   part of a film, absolute timecodes
  shotdetect film.mp4 --start 300f --duration 60s    frames 300 on for a minute
  shotdetect news.mp4 --roi 0,0,1920,900       ignore the ticker below y=900 (display pixels)
  shotdetect udp://127.0.0.1:23460 --jsonl - --no-gradual   each cut of a live stream as a JSON line

exit status: 0 ok, 2 bad usage, 3 unusable input, 4 decoding failed,
             5 cannot write results, 130 interrupted, 143 terminated, 1 internal error
"""


_pixels = number(low=1, high=16384, integer=True)


def _position(text: str) -> str:
    """``--start``/``--end``/``--duration``: checked here, kept as text for the job (see decode/span.py)."""
    checked(parse_position)(text)
    return text


def _roi(text: str) -> str:
    """``--roi``: checked with the slide extractor's parser, kept as text for the job."""
    checked(parse_roi)(text)
    return text


def _check_range(args: argparse.Namespace) -> None:
    """``--end`` before ``--start`` is a usage error (when both are in the same unit; else at opening)."""
    if args.start is None or args.end is None or is_timecode(args.start) or is_timecode(args.end):
        return  # a timecode's frames need the video's rate: checked when it is open
    start, end = parse_position(args.start), parse_position(args.end)
    if start.unit == end.unit and end.value <= start.value:
        raise UsageError(f"--end {args.end} must come after --start {args.start}")
_quality = number(low=1, high=100, integer=True)




def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="shotdetect",
        description="Find the shot changes (cuts, dissolves, fades, wipes) in a video and extract keyframes.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("videos", nargs="+", metavar="VIDEO",
                   help="video file(s) or folder(s); several go to --out DIR/<name>/ each; or a stream "
                        "(udp://, rtsp://, srt://, http://, pipe:0 or - for standard input, /dev/video0)")
    out = p.add_argument_group("output")
    out.add_argument("-o", "--out", metavar="DIR", help="folder for keyframe images and timeline.json")
    out.add_argument("--json", metavar="PATH", help="write the timeline JSON here ('-' for stdout)")
    out.add_argument("--keyframes", metavar="N", type=count, default=1, help="keyframes per shot (default 1)")
    out.add_argument("--image-format", choices=sorted(IMAGE_FORMATS), default="jpg", help="keyframe image format")
    out.add_argument("--image-width", type=_pixels, metavar="PX",
                     help="scale keyframe images to this width (height follows, unless --image-height too)")
    out.add_argument("--image-height", type=_pixels, metavar="PX",
                     help="scale keyframe images to this height (width follows, unless --image-width too)")
    out.add_argument("--image-quality", type=_quality, metavar="Q",
                     help="jpg/webp quality 1..100 (default 92 for jpg, 90 for webp; png is lossless)")
    out.add_argument("--image-name", metavar="TEMPLATE",
                     help="keyframe file names, e.g. '{video}-Scene-{scene:03d}-{number:02d}' (fields: video, shot, "
                          "scene, number, frame; default 'shot-{shot:04d}-{number}'); the extension is added")
    out.add_argument("--no-images", action="store_true", help="pick keyframes but write no images")
    out.add_argument("--stats", metavar="PATH", help="write per-frame signals as CSV")
    out.add_argument("--jsonl", metavar="PATH",
                     help="write each transition as one JSON line as soon as it is final ('-' for stdout), with "
                          "stream and wall-clock time and latency; for live streams (see README, Live streams)")
    out.add_argument("--overwrite", action="store_true", help="replace results already in --out / existing files")
    exp = p.add_argument_group("exports (written into --out with timeline.json)")
    exp.add_argument("--export", metavar="LIST", default="",
                     help="comma-separated: otio, edl, fcpxml, csv, chapters, html, split; all = every one but split")
    exp.add_argument("--min-chapter-len", type=seconds, metavar="SECONDS",
                     help="merge shots into chapters at least this long (default: 0 for chapters.vtt and "
                          "chapters.ffmetadata, 10 for the YouTube list chapters.txt, which never goes below 10)")
    exp.add_argument("--split", action="store_true",
                     help="write every shot as its own file shot-NNNN.<ext> with ffmpeg; streams are copied, so "
                          "cuts snap to keyframes")
    exp.add_argument("--split-accurate", action="store_true",
                     help="like --split but re-encode (libx264) for frame-exact cuts")
    exp.add_argument("--edl-rate", type=checked(parse_rate), metavar="FPS",
                     help="frame rate of the EDL and FCPXML timecodes (23.976 ... 60); default: the video's, "
                          "or the nearest edit rate for variable frame rate")
    det = p.add_argument_group("detection")
    det.add_argument("-s", "--sensitivity", type=unit_interval, default=0.5, metavar="S",
                     help="0..1, default 0.5: higher finds subtler transitions (and more false ones)")
    det.add_argument("-t", "--threshold", type=positive, metavar="T",
                     help="absolute cut-strength floor (default 0.12 at sensitivity 0.5); overrides --sensitivity for cuts")
    det.add_argument("--min-shot-len", type=min_shot_len, default="3", metavar="N",
                     help="shortest shot, frames (12) or seconds (0.5s); default 3 frames")
    det.add_argument("--no-gradual", action="store_true", help="find hard cuts only")
    det.add_argument("--roi", type=_roi, metavar="X,Y,W,H",
                     help="look for transitions in this region only (pixels of the picture as shown: rotation "
                          "applied); keyframes stay whole pictures")
    seq = p.add_argument_group("image sequences (a folder of pictures or a quoted glob such as 'cam/*.jpg')")
    seq.add_argument("--order", choices=("name", "mtime", "exif"), default="name",
                     help="picture order: natural name (default), modification time, or EXIF capture time "
                          "(which then also gives the times)")
    seq.add_argument("--fps", type=positive, metavar="N", help="pictures per second for times (default 25)")
    many = p.add_argument_group("many videos")
    many.add_argument("-j", "--jobs", type=count, default=0, metavar="N",
                      help="videos analysed in parallel (default: one per core)")
    many.add_argument("--resume", action="store_true", help="skip videos whose timeline is already complete")
    many.add_argument("--scheduler", metavar="ADDRESS",
                      help="run on a Dask cluster (tcp://host:8786); needs pip install 'shotdetect[dask]'")
    lim = p.add_argument_group("limits")
    lim.add_argument("--max-duration", type=positive, metavar="SECONDS",
                     help="analyse at most this many seconds from the start")
    rng = p.add_argument_group("range (frame numbers and times stay those of the whole video)")
    rng.add_argument("--start", type=_position, metavar="POS",
                     help="analyse from here: seconds (12.5, 12.5s, 1:02.5, 0:01:02.5), timecode (00:01:02:12) "
                          "or frame (300f); files that allow it are seeked, not decoded from the start")
    rng.add_argument("--end", type=_position, metavar="POS", help="analyse up to here (not included); as --start")
    rng.add_argument("--duration", type=_position, metavar="POS",
                     help="analyse this long from --start (seconds, or frames: 250f)")
    lim.add_argument("--stall-timeout", type=positive, default=120.0, metavar="SECONDS",
                     help="give up (exit 4) when the decoder makes no progress this long (default 120)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    p.add_argument("--config", metavar="TOML", help=CONFIG_HELP)
    p.add_argument("-V", "--version", action="version", version=f"shotdetect {__version__}")
    return p


#: Subcommands beside the default one (detecting shots in a video): name -> module.
#: Each module provides ``build_parser() -> argparse.ArgumentParser`` (made with
#: :func:`~shotdetect.commands.common.make_parser`)
#: and ``run(args) -> int``, and raises :class:`ShotdetectError` for anything the user must fix.
SUBCOMMANDS = {
    "compare": "shotdetect.commands.compare",
    "dedupe": "shotdetect.commands.dedupe",
    "export": "shotdetect.commands.export",
    "review": "shotdetect.commands.review",
    "slides": "shotdetect.commands.slides",
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--slides" in argv:  # `shotdetect talk.mp4 --slides ...` is `shotdetect slides talk.mp4 ...`
        argv.remove("--slides")
        argv.insert(0, "slides")
    parser, run, section = build_parser(), _run, None
    if argv and argv[0] in SUBCOMMANDS and importlib.util.find_spec(SUBCOMMANDS[argv[0]]) is not None:
        module = importlib.import_module(SUBCOMMANDS[argv[0]])
        parser, run, section, argv = module.build_parser(), module.run, argv[0], argv[1:]
    try:
        apply_config(parser, argv, section)
    except UsageError as exc:
        parser.exit(EXIT_USAGE, f"shotdetect: error: {exc}\n")
    args = parser.parse_args(argv)
    return run_guarded(run, args)


def run_guarded(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a command, turning every error into one line on stderr and its documented exit code."""
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.ERROR,
                        format="shotdetect: %(levelname)s: %(message)s")
    previous = _on_sigterm()
    stdout = guard_stdout()  # a full or closed stdout: one error line, not a traceback
    quiet_native_messages(not args.debug)  # libjpeg/libpng lines on stderr: our error line says it
    try:
        code = run(args)
        sys.stdout.flush()
        return code
    except Terminated:
        print("\nshotdetect: terminated; no partial results left", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("\nshotdetect: interrupted; no partial results left", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `shotdetect video.mp4 | head`: the reader has all it wanted
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return EXIT_OK
    except ShotdetectError as exc:
        if args.debug:
            raise
        print(f"shotdetect: error: {printable(exc)}", file=sys.stderr)
        return exc.exit_code
    except Exception as exc:  # a bug: say so in one line unless debugging
        if args.debug:
            raise
        print(f"shotdetect: internal error: {type(exc).__name__}: {printable(exc)} "
              f"(rerun with --debug for details)", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        restore_stdout(stdout)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _on_sigterm() -> Callable[[int, FrameType | None], Any] | int | None:
    """Make SIGTERM raise :class:`Terminated` (main thread only); returns the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: object) -> None:
        raise Terminated()

    return signal.signal(signal.SIGTERM, handler)


def _exports(args: argparse.Namespace) -> ExportOptions | None:
    """The --export / --split options, checked: they need --out (the files land with timeline.json)."""
    names = parse_export_list(args.export) if args.export.strip() else ()
    if args.split or args.split_accurate:
        names = (*names, "split") if "split" not in names else names
    if args.min_chapter_len is not None and "chapters" not in names:
        raise UsageError("--min-chapter-len needs --export chapters")
    if args.edl_rate is not None and not {"edl", "fcpxml"} & set(names):
        raise UsageError("--edl-rate needs --export edl or fcpxml")
    if not names:
        return None
    if not args.out:
        option = "--export" if args.export.strip() else "--split"
        raise UsageError(f"{option} needs --out DIR (the files are written next to timeline.json)")
    return ExportOptions(formats=names, min_chapter_len=args.min_chapter_len, accurate=args.split_accurate,
                         edl_rate=args.edl_rate)


def _is_image_folder(path: Path) -> bool:
    """A folder of pictures (and no videos): analysed as one image sequence, not as a batch."""
    try:
        entries = [p for p in path.iterdir() if p.is_file()]
    except OSError:
        return False
    return any(is_image_file(p) for p in entries) and not any(p.suffix.lower() in VIDEO_SUFFIXES for p in entries)


def _job(args: argparse.Namespace) -> FolderJob:
    return FolderJob(
        overwrite=args.overwrite, images=not args.no_images, image_format=args.image_format,
        keyframes=args.keyframes, sensitivity=args.sensitivity, threshold=args.threshold,
        min_shot_len=args.min_shot_len, gradual=not args.no_gradual, max_duration=args.max_duration,
        stall_timeout=args.stall_timeout, exports=_exports(args), image_order=args.order, image_fps=args.fps,
        image_width=args.image_width, image_height=args.image_height, image_quality=args.image_quality,
        image_name=args.image_name, start=args.start, end=args.end, duration=args.duration,
        roi=args.roi,
    )


def _run(args: argparse.Namespace) -> int:
    _exports(args)  # --export / --split usage errors before any work
    _check_range(args)
    if args.image_name:
        from .export.names import NameTemplate

        try:
            NameTemplate(args.image_name, video="video", keyframes=args.keyframes)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    batch = len(args.videos) > 1 or any(Path(v).is_dir() and not _is_image_folder(Path(v)) for v in args.videos)
    if batch or args.scheduler or args.resume:
        return _run_batch(args)
    video = args.videos[0]
    check_output_paths(args.videos, {"--json": args.json, "--stats": args.stats, "--jsonl": args.jsonl},
                       folder=args.out)
    for target in (args.json, args.stats, args.jsonl):
        if target:
            check_writable_file(target, args.overwrite)
    # A live stream (and any --jsonl run) stops on Ctrl-C like at its end: what came so far is kept.
    live = is_live_source(video) or bool(args.jsonl)
    log = TransitionLog(args.jsonl) if args.jsonl else None
    bar = ProgressBar(Path(video).name[:30], enabled=False if args.quiet or args.jsonl == "-" else None)
    stats = StatsWriter(args.stats) if args.stats else None
    stopped: StreamInterrupted | None = None
    try:
        with exit_when_stuck(stats):  # decoding stuck in native code: clean up and exit 4
            try:
                if args.out:
                    timeline = _job(args).run(video, args.out, progress=bar, on_signals=stats,
                                              on_transition=log, finish_on_interrupt=live)
                else:
                    job = _job(args)
                    timeline = detect(video, sensitivity=job.sensitivity, threshold=job.threshold,
                                      min_shot_len=job.min_shot_len, gradual=job.gradual, keyframes=job.keyframes,
                                      progress=bar, on_signals=stats, max_duration=job.max_duration,
                                      stall_timeout=job.stall_timeout, image_order=job.image_order,
                                      image_fps=job.image_fps, start=job.start, end=job.end,
                                      duration=job.duration, roi=job.roi,
                                      on_transition=log, retain=not (args.jsonl and not args.json),
                                      finish_on_interrupt=live)
            except StreamInterrupted as exc:
                timeline, stopped = exc.timeline, exc
        bar.close()
        if stats is not None:
            stats.commit()
    except BaseException:
        bar.close()
        if stats is not None:
            stats.discard()
        if log is not None:
            log.close(failed=True)
        raise
    if log is not None:
        log.close()
    if args.json == "-":  # UTF-8 whatever the locale: file names may hold any character
        sys.stdout.flush()
        sys.stdout.buffer.write(valid_unicode(to_json(timeline)).encode("utf-8"))
        sys.stdout.buffer.flush()
    elif args.json:
        atomic_write_text(args.json, to_json(timeline))
    if not args.out and not args.json and not args.jsonl:
        _print_shots(timeline)  # the result itself: shown even with -q
    if not args.quiet:
        for warning in timeline.warnings:
            print(f"shotdetect: warning: {printable(warning)}", file=sys.stderr)
        if log is not None:
            print(f"shotdetect: {log.summary()}", file=sys.stderr)
        elif args.out or args.json:
            _summary(timeline, args.out)
    if stopped is not None:
        terminated = isinstance(stopped.cause, Terminated)
        print(f"shotdetect: {'terminated' if terminated else 'interrupted'}; the results up to there are complete",
              file=sys.stderr)
        return EXIT_TERMINATED if terminated else EXIT_INTERRUPTED
    return EXIT_OK


def _run_batch(args: argparse.Namespace) -> int:
    """Several videos (or folders): each into OUT/<name>/, in parallel; failures do not stop the rest."""
    videos = find_videos(args.videos)
    if not args.out:
        raise UsageError("several videos or a folder need --out DIR (each video gets DIR/<name>/)")
    if args.json or args.stats or args.jsonl:
        raise UsageError("--json, --jsonl and --stats take one video; in a batch each folder has its timeline.json")
    bar = ProgressBar("batch", unit="videos", enabled=False if args.quiet else None)
    bar(0, len(videos))

    def report(result: BatchResult, done: int, total: int) -> None:
        bar(done, total)
        if result.status == "failed" and not args.quiet:
            bar.clear()
            print(f"shotdetect: error: {printable(result.error)}", file=sys.stderr)

    try:
        results = run_batch(videos, Path(args.out), _job(args), workers=args.jobs, resume=args.resume,
                            scheduler=args.scheduler, on_result=report)
    finally:
        bar.close()
    if not args.quiet:
        _batch_table(results)
    failures = [r.exit_code for r in results if r.status == "failed"]
    return max(failures) if failures else EXIT_OK


def _batch_table(results: list[BatchResult]) -> None:
    print(f"{'video':<32} {'status':<8} {'shots':>6} {'frames':>8} {'seconds':>8}  note", file=sys.stderr)
    for r in results:
        shots = r.summary.get("shots", "")
        frames = r.summary.get("frames", "")
        note = r.error or ("already complete" if r.status == "skipped" else "; ".join(r.summary.get("warnings", [])))
        print(f"{printable(r.video.name)[:32]:<32} {r.status:<8} {shots!s:>6} {frames!s:>8} {r.seconds:>8.1f}  "
              f"{printable(note)}",
              file=sys.stderr)
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "failed")}
    print(f"shotdetect: {len(results)} videos: {counts['ok']} done, {counts['skipped']} skipped, "
          f"{counts['failed']} failed", file=sys.stderr)


def _summary(timeline: Timeline, out: str | None) -> None:
    kinds: dict[str, int] = {}
    for t in timeline.transitions:
        kinds[t.type] = kinds.get(t.type, 0) + 1
    detail = ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(kinds.items())) or "no transitions"
    where = f" -> {printable(out)}" if out else ""
    print(f"shotdetect: {len(timeline.shots)} shots ({detail}) in {timeline.video.frame_count} frames{where}",
          file=sys.stderr)


def _print_shots(timeline: Timeline) -> None:
    print(f"{'shot':>4}  {'start':>9}  {'end':>9}  {'frames':>13}  {'transition in':<13}")
    incoming = {t.frame: t for t in timeline.transitions}
    for i, shot in enumerate(timeline.shots):
        t = incoming.get(shot.start_frame)
        kind = f"{t.type} {t.score:.2f}" if t else ""
        print(f"{i:>4}  {float(shot.start_time):>9.3f}  {float(shot.end_time):>9.3f}  "
              f"{shot.start_frame:>6}-{shot.end_frame - 1:<6}  {kind:<13}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
