"""The README's library examples run as written: every ```python block is executed, in order, in a
folder holding the files the examples name (small generated clips and pictures under those names)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from conftest import _render
from tooling.synth import ShotSpec

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(line number, code)`` of every fenced python block."""
    out = []
    for m in re.finditer(r"^```python\n(.*?)^```", text, re.M | re.S):
        out.append((text.count("\n", 0, m.start()) + 1, m.group(1)))
    return out


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A folder with every input the examples name: videos, a recorded talk, pictures, folders."""
    folder = tmp_path_factory.mktemp("readme")
    clip, _ = _render(folder, "clip.mp4", [ShotSpec(110, seed=71, pan=(1.0, 0.0)), ShotSpec(110, seed=72),
                                           ShotSpec(110, seed=73, motion=2.0)])  # 13.2 s: "clip.mp4@12.5s"
    for name in ("video.mp4", "film.mp4"):
        shutil.copyfile(clip, folder / name)
    from tooling.slides_synth import Shown, Slide, render_talk

    render_talk(folder / "talk.mp4", [Shown(Slide("Welcome", ["A talk"]), 2.0),
                                      Shown(Slide("Outline", ["One", "Two"]), 2.5)], size=(320, 180))
    import av

    pictures = []
    with av.open(str(clip)) as c:
        for i, frame in enumerate(c.decode(video=0)):
            if i % 60 == 0:
                pictures.append(frame.to_ndarray(format="bgr24"))
    cv2.imwrite(str(folder / "a.jpg"), pictures[0])
    cv2.imwrite(str(folder / "download.jpg"), pictures[2])
    for sub, chosen in (("photos", pictures[:4]), ("timelapse", pictures[1:5])):
        (folder / sub).mkdir()
        for i, picture in enumerate(chosen):
            cv2.imwrite(str(folder / sub / f"{i:03d}.jpg"), picture)
    # What the README's shell examples leave: `shotdetect film.mp4 --out film/`.
    proc = subprocess.run([sys.executable, "-m", "shotdetect", "film.mp4", "--out", "film/", "-q"], cwd=folder,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return folder


def test_readme_has_library_examples():
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    assert any("shotdetect.export.ImageWriter" in code for _, code in blocks)


def test_readme_python_examples_run_as_written(workspace):
    failures = []
    for line, code in python_blocks(README.read_text(encoding="utf-8")):
        proc = subprocess.run([sys.executable, "-c", code], cwd=workspace, capture_output=True, text=True,
                              timeout=180)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["?"])[-1]
            failures.append(f"README.md line {line}: {last}")
    assert failures == [], "\n".join(failures)


def test_library_writers_make_missing_folders(workspace, tmp_path):
    """``exports.write(..., "film/")`` and ``ImageWriter("dir")`` on folders that do not exist yet."""
    import shotdetect
    from shotdetect.export import ExportOptions

    with shotdetect.export.ImageWriter(tmp_path / "new" / "keyframes") as sink:
        timeline = shotdetect.detect(workspace / "video.mp4", keyframe_sink=sink)
    assert sorted(p.name for p in (tmp_path / "new" / "keyframes").iterdir()) == \
        sorted(k.file for s in timeline.shots for k in s.keyframes)
    written = ExportOptions(formats=("csv",)).write(timeline, tmp_path / "other" / "film", source=workspace / "video.mp4")
    assert sorted(p.name for p in written) == ["scenes.csv", "transitions.csv"]
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(shotdetect.OutputError):
        ExportOptions(formats=("csv",)).write(timeline, blocked / "film", source=workspace / "video.mp4")
