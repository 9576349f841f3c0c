"""One tree of errors, so callers can catch ``ShotdetectError`` and the CLI can map each kind to an exit code.

Each class also subclasses the closest builtin, so ``except ValueError`` or ``except OSError`` in
user code keeps working.
"""

from __future__ import annotations

__all__ = ["ShotdetectError", "UsageError", "InvalidSettingsError", "InputError", "DecodeError", "OutputError"]


class ShotdetectError(Exception):
    """Base class of every error shotdetect raises on purpose."""

    #: Exit status the command-line tool returns for this kind of error.
    exit_code: int = 1


class UsageError(ShotdetectError, ValueError):
    """Options that do not go together (the command line reports it like a bad option)."""

    exit_code = 2


class InvalidSettingsError(UsageError):
    """A setting given to the library is out of range or of the wrong type (``sensitivity=2``)."""


class InputError(ShotdetectError, ValueError):
    """The input cannot be used: missing, not a file, not a video, no video stream, no frames."""

    exit_code = 3


class DecodeError(ShotdetectError, RuntimeError):
    """The video opened but decoding failed beyond what can be skipped (e.g. truncated before any frame)."""

    exit_code = 4


class OutputError(ShotdetectError, OSError):
    """Results cannot be written: unwritable folder, existing results, full disk."""

    exit_code = 5
