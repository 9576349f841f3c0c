"""What every command's parser shares: exit codes, one-line usage errors, common flags, the *same* rule's
options. The command modules and :mod:`shotdetect.cli` import this; it imports neither.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import NoReturn

from ..compare.metrics import ROBUST_SIDE, SameRule
from ..errors import OutputError
from .argtypes import number, unit_interval

__all__ = ["EXIT_OK", "EXIT_INTERNAL", "EXIT_USAGE", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "CONFIG_HELP",
           "Parser", "make_parser", "check_writable_file", "add_rule_options", "rule_from"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

CONFIG_HELP = ("option defaults from this TOML file (default: ~/.config/shotdetect/config.toml when it exists; "
               "a [command.NAME] table for a subcommand)")


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"shotdetect: error: {message} (see --help)\n")


def make_parser(prog: str, description: str, epilog: str = "") -> argparse.ArgumentParser:
    """A parser with one-line usage errors (exit 2) and the common ``-q``/``--debug`` flags."""
    p = Parser(prog=prog, description=description, epilog=epilog,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    p.add_argument("--config", metavar="TOML", help=CONFIG_HELP)
    return p


def check_writable_file(path: str, overwrite: bool) -> None:
    """Refuse, before any work, a file option (``--json``, ``--stats``) that would replace a file
    without ``--overwrite`` or lands in a missing folder. ``-`` (stdout) and non-files (/dev/null, a
    named pipe) are fine."""
    if path == "-":
        return
    target = Path(path)
    if target.exists() and not target.is_file():
        return  # /dev/null, /dev/stdout, a named pipe: nothing to clobber
    if target.exists() and not overwrite:
        raise OutputError(f"{target}: already exists; use --overwrite to replace it")
    if not target.parent.exists():
        raise OutputError(f"{target.parent}: no such folder")


_correlation = number(low=-1, high=1)
_levels = number(low=0, high=255, what="grey levels")


def add_rule_options(p: argparse.ArgumentParser) -> None:
    """The options of the *same* rule, shared by ``compare`` and ``dedupe``."""
    rule = p.add_argument_group("when are two pictures the same")
    rule.add_argument("--max-area", "--threshold", type=unit_interval, default=SameRule.max_area, metavar="F",
                      help=f"largest fraction of the picture that may change (default {SameRule.max_area:g}), "
                           f"measured on a {ROBUST_SIDE} px grey copy, ignoring noise, exposure and 1 px shake")
    rule.add_argument("--min-correlation", type=_correlation, default=SameRule.min_correlation, metavar="C",
                      help=f"lowest noise-floored correlation (default {SameRule.min_correlation:g})")
    rule.add_argument("--tolerance", type=_levels, default=SameRule.tolerance, metavar="E",
                      help=f"a pixel changed when it moved by more than E grey levels (default {SameRule.tolerance:g})")


def rule_from(args: argparse.Namespace) -> SameRule:
    """The :class:`SameRule` the options of :func:`add_rule_options` (and ``--max-pixels``) describe."""
    return SameRule(max_area=args.max_area, min_correlation=args.min_correlation, tolerance=args.tolerance,
                    max_pixels=getattr(args, "max_pixels", None))
