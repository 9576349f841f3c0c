"""Batch runs never mix up or misplace results: --resume checks which video results belong to,
folder names survive videos being added, odd names stay inside --out."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shotdetect.export.ownership import MANIFEST_NAME, STAGING_MARK
from tooling.synth import ShotSpec, render_clip

FAST = {"preset": "ultrafast"}


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> dict[int, Path]:
    """Clips with 2, 3 and 4 shots: the shot count tells which video a result came from."""
    root = tmp_path_factory.mktemp("batch-clips")
    out = {}
    for n in (2, 3, 4):
        out[n] = root / f"{n}.mp4"
        render_clip(out[n], [ShotSpec(12, seed=10 * n + i) for i in range(n)], size=(128, 72), options=FAST)
    return out


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)], capture_output=True, text=True,
                          timeout=180)


def results(out: Path) -> dict[str, int]:
    """{source video: shot count} of every result folder, read from its manifest and timeline."""
    found = {}
    for folder in out.iterdir():
        source = json.loads((folder / MANIFEST_NAME).read_text())["source"]["path"]
        found[source] = len(json.loads((folder / "timeline.json").read_text())["shots"])
    return found


def test_resume_after_adding_a_video_with_the_same_name(clips, tmp_path):
    lib, out = tmp_path / "lib", tmp_path / "out"
    for sub, n in (("a", 2), ("b", 3)):
        (lib / sub).mkdir(parents=True)
        shutil.copy(clips[n], lib / sub / "clip.mp4")
    assert run_cli(lib, "--out", out, "--no-images", "-j", "1", "-q").returncode == 0
    first = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/timeline.json")}
    (lib / "0").mkdir()
    shutil.copy(clips[4], lib / "0" / "clip.mp4")  # sorts first: it must not take a/clip.mp4's folder
    proc = run_cli(lib, "--out", out, "--no-images", "-j", "1", "--resume")
    assert proc.returncode == 0, proc.stderr
    assert "1 done, 2 skipped" in proc.stderr
    assert results(out) == {str((lib / s / "clip.mp4").resolve()): n for s, n in (("a", 2), ("b", 3), ("0", 4))}
    after = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/timeline.json")}
    assert {k: after[k] for k in first} == first  # the earlier results untouched


def test_resume_redoes_a_video_that_changed(clips, tmp_path):
    video, out = tmp_path / "clip.mp4", tmp_path / "out"
    shutil.copy(clips[2], video)
    assert run_cli(video, "--out", out, "--no-images", "--resume", "-q").returncode == 0
    shutil.copy(clips[3], video)  # same name, another video
    proc = run_cli(video, "--out", out, "--no-images", "--resume")
    assert proc.returncode == 0, proc.stderr
    assert "1 done, 0 skipped" in proc.stderr
    assert results(out) == {str(video.resolve()): 3}


def test_dot_names_stay_inside_the_out_folder(clips, tmp_path):
    (tmp_path / "in").mkdir()
    dots = [tmp_path / "in" / "...mp4", tmp_path / "..mp4"]  # stems ".." and "."
    for path in dots:
        shutil.copy(clips[2], path)
    out = tmp_path / "work" / "out"
    proc = run_cli(*dots, "--out", out, "--no-images", "-j", "1")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["out"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["..mp4", "in", "work"]
    assert sorted(results(out).values()) == [2, 2]
    assert all(not p.name.startswith(".") for p in out.iterdir())


def test_staging_of_a_killed_run_is_cleaned_and_its_folder_reused(clips, tmp_path):
    video, out = tmp_path / "clip.mp4", tmp_path / "out"
    shutil.copy(clips[2], video)
    stale = out / "clip" / ".shotdetect-stage-k1ll3d"  # what a worker killed mid-video leaves
    stale.mkdir(parents=True)
    (stale / STAGING_MARK).write_bytes(b"")
    (stale / "timeline.json").write_text("{}")
    proc = run_cli(video, "--out", out, "--no-images", "--resume")
    assert proc.returncode == 0, proc.stderr
    assert [p.name for p in out.iterdir()] == ["clip"] and not stale.exists()
    assert results(out) == {str(video.resolve()): 2}


def _left_by_a_killed_run(folder: Path) -> Path:
    staging = folder / ".shotdetect-stage-killed"
    staging.mkdir(parents=True)
    (staging / STAGING_MARK).write_bytes(b"")
    (staging / "shot-001.jpg").write_bytes(b"partial")
    return staging


def test_what_a_killed_worker_left_is_swept_and_nothing_else(tmp_path):
    """A batch worker killed before its own clean-up leaves a staging folder; the parent removes it,
    and the video's folder only if the batch created it and it is empty now."""
    from shotdetect.export.folderlock import FolderLock
    from shotdetect.export.outdir import sweep_killed_run

    created = tmp_path / "created"
    _left_by_a_killed_run(created)
    sweep_killed_run(created, created=True)
    assert not created.exists()

    users = tmp_path / "users"
    _left_by_a_killed_run(users)
    (users / "notes.txt").write_text("mine")
    sweep_killed_run(users, created=True)
    assert sorted(p.name for p in users.iterdir()) == ["notes.txt"]  # foreign file and folder stay

    busy = tmp_path / "busy"
    staging = _left_by_a_killed_run(busy)
    with FolderLock(busy):  # a run still writing there cleans up itself
        sweep_killed_run(busy, created=True)
    assert staging.is_dir()
