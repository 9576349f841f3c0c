"""Many videos at once: folders, a process pool, --resume, a failing file among good ones, Dask."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shotdetect.batch import find_videos, is_complete, output_folders, run_batch
from shotdetect.errors import InputError
from shotdetect.jobs import FolderJob
from tooling.synth import ShotSpec, render_clip

FAST = {"preset": "ultrafast"}


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """A folder of three small clips with 2, 3 and 4 shots, plus a broken file and a text file."""
    root = tmp_path_factory.mktemp("library")
    for n, name in ((2, "clip1.mp4"), (3, "clip10.mkv"), (4, "sub/clip2.mp4")):
        path = root / name
        path.parent.mkdir(exist_ok=True)
        render_clip(path, [ShotSpec(20, seed=10 * n + i) for i in range(n)], size=(160, 96), options=FAST)
    (root / "broken.mp4").write_bytes(b"\0not a video" * 100)
    (root / "notes.txt").write_text("not a video either")
    return root


def run_cli(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=180)


def test_find_videos_scans_folders_naturally_sorted(library):
    videos = find_videos([library])
    names = [v.relative_to(library).as_posix() for v in videos]
    assert names == ["broken.mp4", "clip1.mp4", "clip10.mkv", "sub/clip2.mp4"]
    with pytest.raises(InputError):
        find_videos([library / "missing.mp4"])


def test_output_folders_are_unique():
    videos = [Path("a/x.mp4"), Path("b/x.mp4"), Path("x.mkv")]
    folders = output_folders(videos, Path("out"))
    assert len(set(folders.values())) == 3
    assert folders[Path("x.mkv")] == Path("out/x-mkv")


def test_batch_cli_runs_all_reports_failure_and_resumes(library, tmp_path):
    out = tmp_path / "out"
    proc = run_cli(library, "--out", out, "-j", "2", "--no-images")
    # One broken file: reported, the others done, the exit status says something failed.
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "broken.mp4" in proc.stderr and "1 failed" in proc.stderr
    shots = {p.parent.name: len(json.loads(p.read_text())["shots"]) for p in out.glob("*/timeline.json")}
    assert shots == {"clip1": 2, "clip10": 3, "clip2": 4}
    assert not (out / "broken").exists()  # a failed video leaves no folder behind

    proc = run_cli(library / "clip1.mp4", library / "clip10.mkv", "--out", out, "--resume")
    assert proc.returncode == 0, proc.stderr
    assert "2 skipped" in proc.stderr


def test_batch_needs_out(library):
    proc = run_cli(library, "--json", "-")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1


def test_run_batch_in_process(library, tmp_path):
    videos = find_videos([library / "clip1.mp4", library / "broken.mp4"])
    results = run_batch(videos, tmp_path, FolderJob(images=False), workers=1)
    assert [r.status for r in results] == ["ok", "failed"]
    assert results[0].summary["shots"] == 2
    assert results[1].exit_code == 3 and "not a video" in results[1].error
    assert is_complete(results[0].out) and not is_complete(results[1].out)


def test_dask_local_cluster(library, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    videos = find_videos([library / "clip1.mp4", library / "sub" / "clip2.mp4", library / "broken.mp4"])
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        results = run_batch(videos, tmp_path, FolderJob(images=False), scheduler=cluster.scheduler_address)
    assert [r.status for r in results] == ["ok", "ok", "failed"]
    assert [r.summary.get("shots") for r in results[:2]] == [2, 4]
