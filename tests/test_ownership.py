"""Never lose a user's file: output folders are owned by manifest, inputs are never written over,
one run at a time per folder, staging left by a killed run is cleaned up. Run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shotdetect.errors import OutputError
from shotdetect.export.folderlock import FolderLock
from shotdetect.export.outdir import OutputDir
from shotdetect.export.ownership import MANIFEST_NAME, STAGING_MARK

USER_FILES = {  # names the old pattern-based --overwrite deleted
    "shot-wedding.jpg": b"wedding", "shot-0001.psd": b"layers", "report.html": b"<p>mine</p>",
    "scenes.csv": b"a,b\n", "20240315_101112.jpg": b"holiday", "100_0001.webp": b"cat",
}


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=120, cwd=cwd)


def one_error(proc, code, *words):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("shotdetect: error:"), proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def photos(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name, data in USER_FILES.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("command", [["--export", "csv,html"], ["--slides", "--no-pdf"]], ids=["shots", "slides"])
def test_overwrite_never_touches_a_folder_of_user_files(short_clip, photos, command):
    proc = run_cli(short_clip[0], "--out", photos, "--overwrite", "-q", *command)
    one_error(proc, 5, "manifest", "100_0001.webp", "3 more")
    assert snapshot(photos) == USER_FILES


def test_overwrite_replaces_only_what_the_manifest_lists(short_clip, tmp_path):
    out = tmp_path / "out"
    assert run_cli(short_clip[0], "--out", out, "--export", "csv", "-q").returncode == 0
    doc = json.loads((out / MANIFEST_NAME).read_text())
    assert doc["command"] == "detect" and doc["source"]["path"] == str(short_clip[0].resolve())
    assert {f["name"] for f in doc["files"]} == {p.name for p in out.iterdir() if p.name != MANIFEST_NAME}
    # a second run with fewer outputs replaces the listed files and removes the ones it no longer writes
    assert run_cli(short_clip[0], "--out", out, "--no-images", "-q", "--overwrite").returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST_NAME, "timeline.json"]
    # a result the user edited is no longer shotdetect's: refused, kept
    (out / "timeline.json").write_text('{"edited": true}')
    one_error(run_cli(short_clip[0], "--out", out, "-q", "--overwrite"), 5, "changed since", "timeline.json")
    assert (out / "timeline.json").read_text() == '{"edited": true}'


def test_results_without_a_manifest_are_refused(short_clip, tmp_path):
    """Results written by a version without manifests: not provably ours, so never replaced."""
    out = tmp_path / "old"
    out.mkdir()
    (out / "timeline.json").write_text("{}")
    (out / "shot-0000-1.jpg").write_bytes(b"old")
    one_error(run_cli(short_clip[0], "--out", out, "-q", "--overwrite"), 5, "no shotdetect manifest")
    assert snapshot(out) == {"shot-0000-1.jpg": b"old", "timeline.json": b"{}"}


@pytest.mark.parametrize("option", ["--json", "--stats"])
def test_an_output_over_the_input_is_refused(short_clip, tmp_path, option):
    video = tmp_path / "v.mkv"
    video.write_bytes(short_clip[0].read_bytes())
    proc = run_cli(video, option, video, "--overwrite")
    one_error(proc, 5, option, "input")
    assert video.read_bytes() == short_clip[0].read_bytes()
    link = tmp_path / "link.json"
    link.symlink_to(video)  # another name for the input
    one_error(run_cli(video, option, link, "--overwrite"), 5, "input")
    assert video.read_bytes() == short_clip[0].read_bytes()


def test_two_outputs_on_one_path_are_refused(short_clip, tmp_path):
    target = tmp_path / "x"
    one_error(run_cli(short_clip[0], "--json", target, "--stats", target), 5, "same file")
    one_error(run_cli(short_clip[0], "--json", tmp_path / "out" / "timeline.json", "--out", tmp_path / "out"),
              5, "inside the --out folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert run_cli(short_clip[0], "--json", "/dev/null", "--stats", "/dev/null", "-q").returncode == 0


def test_a_folder_in_use_by_another_run_is_refused(short_clip, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    with FolderLock(out):  # another run holds the folder (the same OS lock a run takes)
        one_error(run_cli(short_clip[0], "--out", out, "-q"), 5, "another shotdetect run")
        assert list(out.iterdir()) == []
    assert run_cli(short_clip[0], "--out", out, "-q").returncode == 0  # free again


def test_two_runs_at_once_never_both_succeed(short_clip, tmp_path):
    out = tmp_path / "race"
    procs = [subprocess.Popen([sys.executable, "-m", "shotdetect", str(short_clip[0]), "--out", str(out), "-q",
                               "--overwrite"], stderr=subprocess.PIPE, text=True) for _ in range(2)]
    codes, errors = zip(*[(p.wait(timeout=120), p.stderr.read()) for p in procs])
    assert sorted(codes) in ([0, 0], [0, 5]), errors  # one after the other, or the second refused
    if sorted(codes) == [0, 5]:
        assert "another shotdetect run" in "".join(errors)
    doc = json.loads((out / MANIFEST_NAME).read_text())
    assert {f["name"] for f in doc["files"]} == {p.name for p in out.iterdir() if p.name != MANIFEST_NAME}


def test_a_run_refused_by_the_lock_never_removes_the_folder_the_winner_uses(tmp_path):
    out = tmp_path / "race" / "out"  # both runs see no folder, both create it, one wins the lock
    loser, winner = OutputDir(out), FolderLock(out)
    take_lock = loser._lock.acquire

    def winner_first():
        winner.acquire()  # the other run locks the folder between the loser's mkdir and its lock
        return take_lock()

    loser._lock.acquire = winner_first  # type: ignore[method-assign]
    with pytest.raises(OutputError, match="another shotdetect run"):
        loser.open()
    assert out.is_dir()  # still there for the winner to write into
    winner.release()
    with OutputDir(out) as staging:
        (staging / "timeline.json").write_text("{}")
    assert (out / "timeline.json").read_text() == "{}"


def test_a_folder_taken_away_before_the_lock_is_made_again(tmp_path):
    out = tmp_path / "gone"
    run = OutputDir(out)
    take_lock, tries = run._lock.acquire, []

    def removed_first():
        if not tries:
            out.rmdir()  # a failing run that created it too removes it between the mkdir and the lock
        tries.append(1)
        return take_lock()

    run._lock.acquire = removed_first  # type: ignore[method-assign]
    with run as staging:
        (staging / "timeline.json").write_text("{}")
    assert len(tries) == 2 and (out / "timeline.json").is_file()


def test_staging_left_by_a_killed_run_is_cleaned_up(short_clip, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".shotdetect-stage-abc123"
    stale.mkdir()
    (stale / STAGING_MARK).write_bytes(b"")
    (stale / "shot-0000-1.jpg").write_bytes(b"half a run")
    assert run_cli(short_clip[0], "--out", out, "-q").returncode == 0
    assert not stale.exists()
    # a hidden folder without our mark is not provably ours: left alone, and the folder refused
    theirs = out / ".shotdetect-notes"
    theirs.mkdir()
    one_error(run_cli(short_clip[0], "--out", out, "-q", "--overwrite"), 5, ".shotdetect-notes")
    assert theirs.is_dir()
