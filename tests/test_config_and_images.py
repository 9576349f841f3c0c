"""Option defaults from a TOML config file, and keyframe image size and quality, as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import cv2
import pytest

from conftest import _render
from tooling.synth import ShotSpec

SHOTS = [ShotSpec(25, seed=41), ShotSpec(30, seed=42), ShotSpec(25, seed=43)]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    video, _ = _render(tmp_path_factory.mktemp("cfg"), "clip.mp4", SHOTS)
    return video


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


def test_config_file_sets_defaults_and_the_command_line_wins(clip, tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('sensitivity = 0.7\nno-images = true\nexport = "csv"\nmin_shot_len = "0.2s"\n'
                      '[command.export]\nedl-rate = 25\n')
    out = tmp_path / "out"
    proc = run_cli(clip, "--out", out, "--config", config, "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "timeline.json").read_text())
    assert doc["tool"]["settings"]["sensitivity"] == 0.7 and doc["tool"]["settings"]["min_shot_len"] == 5
    assert sorted(p.name for p in out.iterdir()) == [".shotdetect-manifest.json", "scenes.csv", "timeline.json",
                                                     "transitions.csv"]
    proc = run_cli(clip, "--out", out, "--config", config, "--sensitivity", "0.4", "--overwrite", "-q")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "timeline.json").read_text())["tool"]["settings"]["sensitivity"] == 0.4
    # A subcommand reads its own table.
    proc = run_cli("export", out / "timeline.json", "--to", "edl", "--out", tmp_path / "e", "--config", config)
    assert proc.returncode == 0, proc.stderr
    assert "* FRAME RATE: 25 FPS (SET WITH --EDL-RATE)" in (tmp_path / "e" / "timeline.edl").read_text()


def test_default_config_file_is_read(clip, tmp_path):
    home = tmp_path / "xdg"
    (home / "shotdetect").mkdir(parents=True)
    (home / "shotdetect" / "config.toml").write_text("no-images = true\n")
    env = {"XDG_CONFIG_HOME": str(home)}
    proc = subprocess.run([sys.executable, "-m", "shotdetect", str(clip), "--out", str(tmp_path / "o"), "-q"],
                          capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in {**os.environ, **env}.items() if k != "SHOTDETECT_CONFIG"})
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [".shotdetect-manifest.json", "timeline.json"]


@pytest.mark.parametrize("text, words", [
    ("sensitivity = 7\n", ["sensitivity", "between 0 and 1"]),
    ("sensitivty = 0.3\n", ["sensitivty", "not an option"]),
    ("no-images = 1\n", ["no-images", "true or false"]),
    ("image-format = 'tiff'\n", ["image-format", "not one of"]),
    ("sensitivity = \n", ["not valid TOML"]),
])
def test_bad_config_is_a_one_line_usage_error(clip, tmp_path, text, words):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    proc = run_cli(clip, "--config", config)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("shotdetect: error: "), proc.stderr
    assert all(w in lines[0] for w in [str(config), *words]), lines[0]
    assert run_cli(clip, "--config", tmp_path / "missing.toml").returncode == 2


def test_image_size_and_quality(clip, tmp_path):
    sizes = {}
    for name, args in {"wide": ["--image-width", "100"], "box": ["--image-width", "100", "--image-height", "30"],
                       "low": ["--image-quality", "20"], "high": ["--image-quality", "98"]}.items():
        proc = run_cli(clip, "--out", tmp_path / name, "-q", *args)
        assert proc.returncode == 0, proc.stderr
        files = sorted((tmp_path / name).glob("shot-*.jpg"))
        assert len(files) == 3
        sizes[name] = (cv2.imread(str(files[0])).shape[:2], sum(f.stat().st_size for f in files))
    assert sizes["wide"][0] == (56, 100)  # 256x144 scaled to width 100, shape kept
    assert sizes["box"][0] == (30, 100)
    assert sizes["low"][0] == sizes["high"][0] == (144, 256)
    assert sizes["low"][1] < sizes["high"][1]
    proc = run_cli(clip, "--out", tmp_path / "x", "--image-quality", "0")
    assert proc.returncode == 2 and "--image-quality" in proc.stderr


def test_image_name_template(clip, tmp_path):
    out = tmp_path / "named"
    template = "{video}-Scene-{scene:03d}-{number:02d}"
    proc = run_cli(clip, "--out", out, "--image-name", template, "--keyframes", "2", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "timeline.json").read_text())
    names = [k["file"] for s in doc["shots"] for k in s["keyframes"]]
    assert names == [f"clip-Scene-{s:03d}-{n:02d}.jpg" for s in (1, 2, 3) for n in (1, 2)]
    assert sorted(p.name for p in out.iterdir()) == sorted([*names, "timeline.json", ".shotdetect-manifest.json"])
    assert run_cli(clip, "--out", out, "--image-name", template, "-q").returncode == 5  # results there already
    proc = run_cli(clip, "--out", out, "--image-name", template, "--overwrite", "-q")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["clip-Scene-001-01.jpg", "clip-Scene-002-01.jpg", "clip-Scene-003-01.jpg", "timeline.json",
         ".shotdetect-manifest.json"])
    # a picture of the user's beside the results: the folder is refused, nothing is touched
    (out / "clip-notes.jpg").write_text("the user's own")
    assert run_cli(clip, "--out", out, "--image-name", template, "--overwrite", "-q").returncode == 5
    assert (out / "clip-notes.jpg").read_text() == "the user's own"


@pytest.mark.parametrize("template, words", [
    ("{shot}-{number}", ["fixed text"]),
    ("shot-{shot}", ["{number}"]),          # two keyframes per shot would share a name
    ("kf-{when}", ["unknown field {when}"]),
    ("../kf-{shot}-{number}", ["without folders"]),
])
def test_bad_image_names_are_usage_errors(clip, tmp_path, template, words):
    proc = run_cli(clip, "--out", tmp_path / "x", "--image-name", template, "--keyframes", "2")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and all(w in proc.stderr for w in words), proc.stderr
    assert not (tmp_path / "x").exists()
