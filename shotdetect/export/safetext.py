"""Text from the user's world (file names, paths) made safe for each file format that holds it.

A video may be named anything a file system allows: bytes that are not UTF-8 (Python keeps them as
lone surrogates), newlines, carriage returns, escape sequences. Written raw, a newline in a name adds
events to an EDL, a control character makes FCPXML invalid XML, and a cell starting with ``=`` is
run as a formula by spreadsheet programs. Every writer passes names through one of these.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["valid_unicode", "valid_unicode_tree", "one_line", "csv_cell"]

_SURROGATES = re.compile("[\ud800-\udfff]")
#: C0 controls (tab, newline and CR included), DEL, C1 controls, and the two non-characters XML 1.0
#: forbids; also the Unicode line and paragraph separators, which some readers take as line breaks.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]+")
#: First characters that make spreadsheet programs read a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def valid_unicode(text: str) -> str:
    """``text`` with every undecodable byte of a file name (a lone surrogate) replaced by U+FFFD."""
    return _SURROGATES.sub("\ufffd", text)


def valid_unicode_tree(value: Any) -> Any:
    """``value`` (JSON-like: dicts, lists, strings ...) with every string, keys too, made valid Unicode.

    For documents serialised with escapes (``json.dumps``), where lone surrogates would otherwise be
    written as ``\\udcff``, which strict JSON readers reject.
    """
    if isinstance(value, str):
        return valid_unicode(value)
    if isinstance(value, dict):
        return {valid_unicode_tree(k): valid_unicode_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [valid_unicode_tree(v) for v in value]
    return value


def one_line(text: str) -> str:
    """``text`` as one line of plain text: valid Unicode, each run of control characters one space.

    Safe in line-based formats (EDL, chapters, CSV) and in XML 1.0 text and attributes.
    """
    return _CONTROLS.sub(" ", valid_unicode(text)).strip()


def csv_cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a string starting like a formula gets a ``'``.

    Numbers (and strings that are numbers, such as ``-1.5``) are left as they are.
    """
    if not isinstance(value, str):
        return value
    text = valid_unicode(value)
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text
