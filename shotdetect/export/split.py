"""Every shot as its own video file (``shot-0000.mp4`` ...), cut by the ``ffmpeg`` program.

By default the streams are copied: fast and lossless, but a copy can only begin on a keyframe, so
cuts snap to keyframes (MP4, MKV and MOV files start at the keyframe at or before the shot and may
begin with frames of the shot before; MPEG-TS starts at the next keyframe). ``accurate=True``
re-encodes the video with libx264 (the audio with the container's default encoder) so that each file
holds exactly its shot's frames; every file's frame count is checked, and a shot that fast seeking
got wrong (MPEG-TS with few keyframes) is cut again by decoding from the start.

Times are taken from the timeline (seconds from the first frame) plus ``video.start_time``, given to
ffmpeg as absolute timestamps (``-seek_timestamp 1``), so files whose first frame is not at 0
(MPEG-TS, edited MP4) are cut at the same places.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..decode import container_start_time, count_video_frames
from ..errors import OutputError
from ..processes import kill_with_parent
from ..timeline import Shot, Timeline

__all__ = ["split_name", "ffmpeg_command", "write_split", "H264_CONTAINERS"]

#: Containers that take H.264 video; re-encoded files in any other container become ``.mkv``.
H264_CONTAINERS = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".ts", ".mts", ".m2ts", ".avi", ".flv", ".3gp", ".nut"})

# Cuts are placed half a millisecond off each frame's timestamp so that rounding never loses the
# shot's first frame nor takes the next shot's: before it when decoding (frames from -ss on are kept),
# after it when copying (the copy starts at the last keyframe at or before -ss).
_EPS = Fraction(1, 2000)


def split_name(index: int, suffix: str) -> str:
    """File name of shot ``index`` (0-based)."""
    return f"shot-{index:04d}{suffix}"


def _suffix(source: Path, accurate: bool) -> str:
    suffix = source.suffix.lower() or ".mkv"
    if accurate and suffix not in H264_CONTAINERS:
        return ".mkv"
    return suffix


def _stamp(t: Fraction) -> str:
    return f"{float(max(t, Fraction(0))):.6f}"


def ffmpeg_command(timeline: Timeline, shot: Shot, source: Path, out: Path, *, accurate: bool = False,
                   ffmpeg: str = "ffmpeg", decode_from: Fraction | None = None) -> list[str]:
    """The ffmpeg command line writing ``shot`` of ``source`` into ``out``.

    ``decode_from``: instead of seeking, decode from the start and keep the shot's frames; the value
    is the container's start time (what ffmpeg subtracts from every timestamp).
    """
    origin = Fraction(timeline.video.start_time or 0)
    start = origin + Fraction(shot.start_time) + (-_EPS if accurate else _EPS)
    end = origin + Fraction(shot.end_time) - _EPS
    cmd = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    if decode_from is None:
        cmd += ["-seek_timestamp", "1", "-ss", _stamp(start), "-to", _stamp(end), "-i", str(source)]
    else:
        cmd += ["-i", str(source), "-ss", _stamp(start - decode_from), "-to", _stamp(end - decode_from)]
    cmd += ["-map", "0:V:0", "-map", "0:a?", "-sn", "-dn", "-map_chapters", "-1"]
    if accurate:
        cmd += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "16", "-vsync", "passthrough",
                "-frames:v", str(shot.frame_count)]
    else:
        cmd += ["-c", "copy", "-avoid_negative_ts", "make_zero"]
    return cmd + [str(out)]


def _run(cmd: list[str], name: str) -> str:
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors="replace", check=False, preexec_fn=kill_with_parent)
    except OSError as exc:
        raise OutputError(f"{name}: cannot run ffmpeg ({exc.strerror})") from exc
    if proc.returncode != 0:
        detail = next((line.strip() for line in reversed(proc.stderr.splitlines()) if line.strip()),
                      f"exit status {proc.returncode}")
        raise OutputError(f"{name}: ffmpeg failed: {detail}")
    return proc.stderr


def write_split(timeline: Timeline, folder: str | os.PathLike[str], *, source: str | os.PathLike[str],
                accurate: bool = False, **_: Any) -> list[Path]:
    """Write one file per shot into ``folder``; returns their paths.

    A shot that ffmpeg cannot cut (a damaged stretch of the file) is skipped and reported in
    ``timeline.warnings``: the other shots, the timeline and the other exports are kept.

    Raises
    ------
    OutputError
        ffmpeg is missing, or the folder cannot be written.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise OutputError("--split needs the ffmpeg program, which is not on PATH")
    folder = Path(folder)
    source = Path(source)
    suffix = _suffix(source, accurate)
    container_start: Fraction | None = None
    written: list[Path] = []
    failed: list[str] = []
    for i, shot in enumerate(timeline.shots):
        name = split_name(i, suffix)
        final = folder / name
        part = folder / f".part-{name}"  # keeps the extension: ffmpeg picks the container from it
        try:
            _run(ffmpeg_command(timeline, shot, source, part, accurate=accurate, ffmpeg=ffmpeg), name)
            frames = count_video_frames(part)
            if accurate and frames != shot.frame_count:
                if container_start is None:
                    container_start = container_start_time(source)
                _run(ffmpeg_command(timeline, shot, source, part, accurate=True, ffmpeg=ffmpeg,
                                    decode_from=container_start), name)
                frames = count_video_frames(part)
            if frames == 0 or (accurate and frames != shot.frame_count):
                hint = "" if accurate else "; no keyframe inside the shot? --split-accurate cuts anywhere"
                raise OutputError(f"{name}: ffmpeg wrote {frames} of the shot's {shot.frame_count} frames{hint}")
            os.replace(part, final)
        except OutputError as exc:
            failed.append(str(exc))
            continue
        except OSError as exc:  # the folder itself failed (full disk): every other shot would too
            raise OutputError(f"{final}: cannot write ({exc.strerror})") from exc
        finally:
            part.unlink(missing_ok=True)
        written.append(final)
    for reason in failed:
        timeline.warnings.append(f"--split: shot not written: {reason}")
    return written
