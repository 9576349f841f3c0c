"""``shotdetect compare A B``: are two pictures the same?  ``shotdetect compare --index DIR IMAGE``: is it in DIR?

Exit status, like ``cmp`` and ``diff``: 0 same (found), 1 different (not found), 2 bad usage,
3 unreadable input, 4 a video frame could not be decoded. A bug also exits 1, but then stderr says
"internal error".
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..console import printable
from ..export.safetext import valid_unicode_tree
from ..compare import Comparison, ImageIndex, compare_images
from ..compare.index import MAX_HASH_DISTANCE
from .argtypes import count
from .common import add_rule_options, make_parser, rule_from
from ..decode import Picture, load_picture

__all__ = ["build_parser", "run", "EXIT_SAME", "EXIT_DIFFERENT"]

EXIT_SAME = 0
EXIT_DIFFERENT = 1

EXAMPLES = """\
pictures: image files, or one frame of a video: clip.mp4@12.5s, clip.mp4@1:02.5, clip.mp4#frame=300

examples:
  shotdetect compare a.jpg b.jpg                      table of distances; exit 0 same, 1 different
  shotdetect compare a.jpg b.jpg --json               the same as JSON
  shotdetect compare clip.mp4@1.5s clip.mp4@9s        two frames of a video
  shotdetect compare cam1.jpg cam2.jpg --align        undo a small camera shift first
  shotdetect compare a.png b.png --max-pixels 0 --tolerance 0   pixel-identical?
  shotdetect compare --index photos/ download.jpg     is it already in photos/? (0 found, 1 not)

exit status: 0 same / found, 1 different / not found, 2 bad usage, 3 unreadable input,
             4 video frame not decodable; "internal error" on stderr with 1 means a bug
"""


def build_parser() -> argparse.ArgumentParser:
    p = make_parser("shotdetect compare",
                    "Compare two pictures (images or video frames) and say whether they are the same; "
                    "or look a picture up in a folder (--index).", EXAMPLES)
    p.add_argument("pictures", nargs="+", metavar="PICTURE",
                   help="two pictures to compare (one with --index)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    add_rule_options(p)
    p.add_argument("--max-pixels", type=count, metavar="P",
                   help="instead: same if at most P pixels differ by more than --tolerance (full resolution)")
    p.add_argument("--normalize-exposure", action="store_true",
                   help="match B's mean and contrast to A's before MAD, zero norm and --max-pixels")
    p.add_argument("--align", action="store_true",
                   help="undo a small shift between the pictures (phase correlation) and compare the overlap")
    idx = p.add_argument_group("look-up in a folder")
    idx.add_argument("--index", metavar="DIR", help="is PICTURE already in DIR, up to re-compression and resizing?")
    idx.add_argument("-r", "--recursive", action="store_true", help="with --index: include sub-folders")
    idx.add_argument("--no-cache", action="store_true",
                     help="with --index: do not read or write DIR/.shotdetect-index.json")
    idx.add_argument("--max-hash-distance", type=count, default=MAX_HASH_DISTANCE, metavar="BITS",
                     help=f"with --index: pHash distance of the candidates checked (default {MAX_HASH_DISTANCE})")
    return p


def run(args: argparse.Namespace) -> int:
    wanted = 1 if args.index else 2
    if len(args.pictures) != wanted:
        build_parser().error("--index DIR takes one PICTURE" if args.index else "give two pictures to compare")
    if args.index:
        return _run_index(args)
    a, b = (load_picture(spec) for spec in args.pictures)
    result = compare_images(a.image, b.image, rule=rule_from(args), normalize_exposure=args.normalize_exposure,
                            align_images=args.align)
    if args.json:
        doc = {"a": _describe(a), "b": _describe(b), **result.to_dict()}
        sys.stdout.write(json.dumps(valid_unicode_tree(doc), indent=2) + "\n")
    elif not args.quiet:
        _print_table(a, b, result)
    if not args.quiet:
        for warning in result.warnings:
            print(f"shotdetect: warning: {printable(warning)}", file=sys.stderr)
    return EXIT_SAME if result.same else EXIT_DIFFERENT


def _describe(p: Picture) -> dict[str, Any]:
    d: dict[str, Any] = {"path": str(p.path), "width": int(p.image.shape[1]), "height": int(p.image.shape[0])}
    if p.frame is not None:
        d["frame"] = p.frame
    if p.time is not None:
        d["time"] = round(p.time, 6)
    return d


def _print_table(a: Picture, b: Picture, r: Comparison) -> None:
    def size(p: Picture) -> str:
        where = f" (frame at {p.time:.3f} s)" if p.time is not None else ""
        return f"{p.image.shape[1]}x{p.image.shape[0]}{where}"

    tol = f"{r.rule.tolerance:g}"
    exposure = ", exposure-normalised" if r.normalized_exposure else ""
    box = ("x={} y={} w={} h={}".format(*r.changed_box) if r.changed_box else "none")
    rows = [
        ("A", a.label, size(a)),
        ("B", b.label, size(b)),
        ("compared at", f"{r.size[0]}x{r.size[1]}", f"{r.resized.upper()} resized" if r.resized else ""),
        ("", "", ""),
        ("metric", "value", "range / meaning"),
        ("mean abs diff", f"{r.mad:.3f}", f"grey levels 0-255{exposure}"),
        ("zero norm", f"{r.zero_norm:.4f}", f"fraction of pixels changed > {tol} levels{exposure}"),
        ("changed pixels", f"{r.changed_pixels}", f"> {tol} levels" + (f", same if <= {r.rule.max_pixels}"
                                                                      if r.rule.max_pixels is not None else "")),
        ("rmse", f"{r.rmse:.3f}", "grey levels"),
        ("nrmse", f"{r.nrmse:.4f}", "rmse / value range of A"),
        ("ssim", f"{r.ssim:.4f}", "-1..1, 1 identical (Gaussian 11x11, sigma 1.5)"),
        ("ncc", f"{r.ncc:.4f}", "-1..1, 1 identical up to brightness/contrast"),
        ("histogram kl", f"{r.kl:.4f}", "symmetric KL divergence of YUV histograms"),
        ("bhattacharyya", f"{r.bhattacharyya:.4f}", "0..1, YUV histograms"),
        ("chi-square", f"{r.chi_square:.4f}", "0..1, YUV histograms"),
        ("phash distance", f"{r.phash_distance}", "bits of 64; <= 10 same picture, ~32 unrelated"),
        ("changed area", f"{r.changed_area:.4f}", f"fraction; same if <= {r.rule.max_area:g}"
                                                  if r.rule.max_pixels is None else "fraction"),
        ("correlation", f"{r.correlation:.4f}", f"noise-floored; same if >= {r.rule.min_correlation:g}"
                                                if r.rule.max_pixels is None else "noise-floored"),
        ("changed box", box, "in compared pixels"),
    ]
    if r.shift is not None:
        s = r.shift
        rows.append(("shift", f"dx={s.dx:.2f} dy={s.dy:.2f}",
                     f"response {s.response:.2f}, {'applied' if s.applied else 'not applied'}"))
    width = max(len(k) for k, _, _ in rows)
    vwidth = max(len(v) for k, v, _ in rows if k not in ("A", "B"))
    for key, value, note in rows:
        if not key and not value:
            print()
        elif key in ("A", "B"):
            print(f"{key:<{width}}  {printable(value)}  {printable(note)}")
        else:
            print(f"{key:<{width}}  {value:<{vwidth}}  {note}".rstrip())
    print(f"\nverdict: {'same' if r.same else 'different'}  (rule: {r.rule.describe()})")


def _run_index(args: argparse.Namespace) -> int:
    query = load_picture(args.pictures[0])
    index = ImageIndex(args.index, recursive=args.recursive, cache=not args.no_cache)
    best, checked = index.find(query.image, rule=rule_from(args), max_distance=args.max_hash_distance)
    if args.json:
        doc = {"query": _describe(query), "folder": str(index.folder), "found": best is not None,
               "match": best.to_dict() if best else None, "candidates": [m.to_dict() for m in checked],
               "indexed": len(index), "hashed_now": index.computed, "from_cache": index.reused,
               "warnings": index.warnings}
        sys.stdout.write(json.dumps(valid_unicode_tree(doc), indent=2) + "\n")
    elif not args.quiet:
        if best is not None:
            print(f"found: {printable(best.path)}  (hash distance {best.hash_distance}, "
                  f"changed area {best.changed_area:.4f}, "
                  f"correlation {best.correlation:.3f})")
        else:
            near = f"; {len(checked)} similar-looking candidate(s) differ" if checked else ""
            print(f"not found: {printable(query.label)} is not in {printable(index.folder)} "
                  f"({len(index)} images{near})")
    if not args.quiet:
        for warning in index.warnings:
            print(f"shotdetect: warning: {printable(warning)}", file=sys.stderr)
    return EXIT_SAME if best is not None else EXIT_DIFFERENT
