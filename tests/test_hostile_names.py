"""Hostile names and options, run as a user runs them: nothing is injected, nothing crashes.

File names may hold any byte but ``/`` and NUL: bytes that are not UTF-8, newlines, carriage
returns, terminal escape sequences. Numbers on the command line may be ``nan`` or ``inf``. Standard
output may be full or closed. Every case ends in a result or in one clean error line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.dom.minidom
from pathlib import Path

import pytest

from shotdetect.export.safetext import csv_cell, one_line

ESCAPE = "\x1b]0;owned\x07\x1b[2J"
HOSTILE_NAME = f"evil\n999  AX V C 00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\r{ESCAPE}\x01.mp4"


def run_cli(*args, **kw):
    kw.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-m", "shotdetect", *args], timeout=120, **kw)


def one_error_line(stderr: bytes | str) -> str:
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert lines[0].startswith("shotdetect: error: "), lines[0]
    assert "Traceback" not in text and "internal error" not in text
    return lines[0]


def test_name_that_is_not_utf8_with_out_json_and_every_export(tmp_path, short_clip):
    src = os.fsencode(tmp_path) + b"/clip-\xff\xfe.mp4"
    shutil.copy(short_clip[0], src)
    out, doc = os.fsencode(tmp_path) + b"/out-\xff", os.fsencode(tmp_path) + b"/t-\xff.json"
    proc = run_cli(src, b"--out", out, b"--json", doc, b"--export", b"all", b"-q")
    assert proc.returncode == 0, proc.stderr
    timeline = json.loads(Path(os.fsdecode(doc)).read_text(encoding="utf-8"))  # valid UTF-8
    assert "\ufffd" in timeline["video"]["path"]
    for name in os.listdir(out):
        if name.endswith((b".json", b".otio", b".edl", b".fcpxml", b".csv", b".vtt", b".txt", b".html")):
            (Path(os.fsdecode(out)) / os.fsdecode(name)).read_bytes().decode("utf-8")  # every text file too
    proc = run_cli(src, b"--json", b"-", b"--no-images", b"-q")
    assert proc.returncode == 0 and json.loads(proc.stdout)["video"]["path"].endswith("\ufffd\ufffd.mp4")
    proc = run_cli(src, b"-q")  # the shot table on stdout
    assert proc.returncode == 0, proc.stderr


def test_control_characters_in_the_name_do_not_reach_the_exports(tmp_path, short_clip):
    video = tmp_path / HOSTILE_NAME
    shutil.copy(short_clip[0], video)
    out = tmp_path / "out"
    proc = run_cli(str(video), "--out", str(out), "--export", "all", "-q", text=True)
    assert proc.returncode == 0, proc.stderr
    edl = (out / "timeline.edl").read_text()
    assert "\r" not in edl and "\x1b" not in edl and "\x01" not in edl
    events = [line for line in edl.splitlines() if line[:3].isdigit()]
    assert [e[:3] for e in events] == ["001", "002", "003"]  # three shots, nothing injected
    title = edl.splitlines()[0]
    assert title.startswith("TITLE: evil 999  AX V C")
    xml.dom.minidom.parse(str(out / "timeline.fcpxml"))  # valid XML 1.0
    for name in ("chapters.vtt", "chapters.txt", "chapters.ffmetadata", "scenes.csv", "transitions.csv"):
        assert "\x1b" not in (out / name).read_text()


def test_csv_cells_and_lines_are_sanitised():
    assert csv_cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert ([csv_cell(v) for v in ("+1+1", "@SUM(A1)", "\tx", "\rx", "-x")]
            == ["'+1+1", "'@SUM(A1)", "'\tx", "'\rx", "'-x"])
    assert [csv_cell(v) for v in ("-1.5", 3, "cut", "")] == ["-1.5", 3, "cut", ""]
    assert one_line("a\r\nb\x1b[31mc\x00\u2028d") == "a b [31mc d"


def test_escape_sequences_and_newlines_in_names_are_shown_escaped(tmp_path, short_clip):
    missing = tmp_path / f"gone{ESCAPE}\nshotdetect: error: fake.mp4"
    proc = run_cli(str(missing), text=True)
    line = one_error_line(proc.stderr)
    assert proc.returncode == 3 and "\x1b" not in proc.stderr and "\\x1b]0;owned\\x07" in line and "\\n" in line
    folder = tmp_path / "batch"
    folder.mkdir()
    shutil.copy(short_clip[0], folder / f"a{ESCAPE}\nb.mp4")
    (folder / f"z{ESCAPE}.mp4").write_bytes(b"not a video")
    proc = run_cli(str(folder), "--out", str(tmp_path / "results"), text=True)
    assert proc.returncode == 3
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr
    table = proc.stderr.splitlines()
    assert any(line.startswith("a\\x1b]0;owned\\x07\\x1b[2J\\nb.mp4") for line in table), proc.stderr


#: Every numeric option of every command, with the command that takes it.
NUMERIC_OPTIONS = [
    ((), "--sensitivity"), ((), "--threshold"), ((), "--min-shot-len"), ((), "--max-duration"),
    ((), "--stall-timeout"), ((), "--fps"), ((), "--keyframes"), ((), "--jobs"),
    (("--export", "chapters", "--out", "o"), "--min-chapter-len"),
    (("compare", "b.png"), "--max-area"), (("compare", "b.png"), "--min-correlation"),
    (("compare", "b.png"), "--tolerance"), (("compare", "b.png"), "--max-pixels"),
    (("compare", "b.png"), "--max-hash-distance"),
    (("dedupe", "--out", "o"), "--min-interval"), (("dedupe", "--out", "o"), "--fps"),
    (("dedupe", "--out", "o"), "--max-duration"),
    (("slides",), "--min-slide-duration"), (("slides",), "--sample-rate"),
]


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "nans", "infs", "1e999"])
def test_nan_and_inf_are_refused_by_every_numeric_option(tmp_path, monkeypatch, capsys, value):
    """In-process (argparse runs before any file is touched); the headline cases also as a subprocess."""
    from shotdetect.cli import main

    monkeypatch.chdir(tmp_path)
    for before, option in NUMERIC_OPTIONS:
        args = list(before)
        args.insert(1 if args and args[0] in ("compare", "dedupe", "slides") else 0, "a.mp4")
        with pytest.raises(SystemExit) as stop:
            main([*args, f"{option}={value}"])
        assert stop.value.code == 2, (option, value)
        assert option in one_error_line(capsys.readouterr().err), (option, value)
    with pytest.raises(SystemExit) as stop:
        main(["slides", "a.mp4", "--roi", f"0,0,{value},10"])
    assert stop.value.code == 2 and "--roi" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize("value", ["nans", "infs"])
def test_min_shot_len_nan_and_inf_as_a_user_types_them(tmp_path, short_clip, value):
    proc = run_cli(str(short_clip[0]), "--min-shot-len", value, text=True)
    assert proc.returncode == 2 and "--min-shot-len" in one_error_line(proc.stderr)


def test_full_or_closed_stdout_is_one_clean_error(short_clip):
    video = str(short_clip[0])
    with open("/dev/full", "w") as full:
        proc = run_cli(video, "--json", "-", "--no-images", "-q", stdout=full, stderr=subprocess.PIPE, text=True,
                       capture_output=False)
    assert proc.returncode == 5 and "No space left" in one_error_line(proc.stderr)
    with open("/dev/full", "w") as full:
        proc = run_cli(video, "-q", stdout=full, stderr=subprocess.PIPE, text=True, capture_output=False)  # table
    assert proc.returncode == 5 and "standard output" in one_error_line(proc.stderr)
    proc = run_cli(video, "--json", "-", "--no-images", "-q", stderr=subprocess.PIPE, text=True,
                   capture_output=False, preexec_fn=lambda: os.close(1))
    assert proc.returncode == 5 and "closed" in one_error_line(proc.stderr)
    reader = subprocess.Popen([sys.executable, "-m", "shotdetect", video, "--json", "-", "--no-images", "-q"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # the reader went away (EPIPE): not an error
    assert reader.wait(timeout=120) == 0 and reader.stderr.read() == b""


def test_compare_with_names_that_are_not_utf8(tmp_path):
    import cv2
    import numpy as np

    a, b = os.fsencode(tmp_path) + b"/a\xff.png", os.fsencode(tmp_path) + b"/b\xfe.png"
    picture = np.random.default_rng(4).integers(0, 256, (48, 64, 3), np.uint8)
    for path in (a, b):
        Path(os.fsdecode(path)).write_bytes(cv2.imencode(".png", picture)[1].tobytes())
    proc = run_cli(b"compare", a, b, b"--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout.decode("utf-8"))
    assert doc["a"]["path"].endswith("a\ufffd.png") and b"\\udc" not in proc.stdout
    proc = run_cli(b"compare", a, b)
    assert proc.returncode == 0 and b"a\\xff.png" in proc.stdout, proc.stdout
