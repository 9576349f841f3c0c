"""Defaults for command-line options from a TOML file.

``--config PATH`` names the file; without it ``$XDG_CONFIG_HOME/shotdetect/config.toml`` (usually
``~/.config/shotdetect/config.toml``) is read when it exists. Top-level keys are the main command's
long option names (``sensitivity = 0.6``, ``min-shot-len = "0.5s"``, ``export = "edl,csv"``,
``no-images = true``); a table ``[command.NAME]`` holds the options of a subcommand
(``[command.review]``, ``[command.export]``, ``[command.slides]``). Every value goes through the option's own check, and options given on the
command line win.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import UsageError

__all__ = ["config_path", "load_config", "apply_config", "CONFIG_ENV"]

#: Set to an empty string to ignore the default config file (the tests do).
CONFIG_ENV = "SHOTDETECT_CONFIG"


def config_path(argv: Sequence[str]) -> tuple[Path | None, bool]:
    """The file to read and whether it was asked for (then it must exist)."""
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            return Path(argv[i + 1]), True
        if arg.startswith("--config="):
            return Path(arg.split("=", 1)[1]), True
    if CONFIG_ENV in os.environ:
        value = os.environ[CONFIG_ENV]
        return (Path(value), True) if value else (None, False)
    base = os.environ.get("XDG_CONFIG_HOME")
    if not base:
        try:
            base = str(Path.home() / ".config")
        except RuntimeError:  # no home folder known: no default file
            return None, False
    return Path(base) / "shotdetect" / "config.toml", False


def load_config(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        try:
            import tomli as tomllib
        except ImportError:
            raise UsageError(f"{path}: reading a config file needs Python 3.11 or pip install tomli") from None
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such config file") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the config file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


def apply_config(parser: argparse.ArgumentParser, argv: Sequence[str], section: str | None) -> None:
    """Set ``parser``'s defaults from the config file's top level (``section=None``) or ``[command.section]``."""
    path, asked = config_path(argv)
    if path is None or (not asked and not path.is_file()):
        return
    doc = load_config(path)
    commands = doc.get("command", {})
    if not isinstance(commands, dict):
        raise UsageError(f"{path}: command must be a table of [command.NAME] tables")
    table = commands.get(section, {}) if section else {k: v for k, v in doc.items() if k != "command"}
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [command.{section}] must be a table")
    options = {a.option_strings[-1].lstrip("-"): a for a in parser._actions if a.option_strings}  # noqa: SLF001
    options.update({a.dest.replace("_", "-"): a for a in parser._actions if a.option_strings})  # noqa: SLF001
    where = f"[command.{section}] " if section else ""
    defaults: dict[str, Any] = {}
    for key, value in table.items():
        action = options.get(key.replace("_", "-"))
        if action is None or key in ("config", "help", "version"):
            raise UsageError(f"{path}: {where}{key}: not an option of this command")
        if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):  # noqa: SLF001
            if not isinstance(value, bool):
                raise UsageError(f"{path}: {where}{key}: must be true or false")
            defaults[action.dest] = value if isinstance(action, argparse._StoreTrueAction) else not value  # noqa: SLF001
            continue
        if isinstance(value, (dict, list)) or isinstance(value, bool) and action.type is not None:
            raise UsageError(f"{path}: {where}{key}: must be a number or a string")
        text = str(value)
        try:
            converted = action.type(text) if callable(action.type) else text
        except (argparse.ArgumentTypeError, ValueError) as exc:
            raise UsageError(f"{path}: {where}{key}: {exc}") from None
        if action.choices is not None and converted not in action.choices:
            raise UsageError(f"{path}: {where}{key}: {value!r} is not one of {', '.join(map(str, action.choices))}")
        defaults[action.dest] = converted
    parser.set_defaults(**defaults)
