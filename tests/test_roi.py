"""--roi in the main command: transitions only inside the region count; keyframes stay whole pictures."""

from __future__ import annotations

import json
import subprocess
import sys

import av
import cv2
import numpy as np
import pytest

W, H, BAND = 256, 144, 96  # the picture; the ticker band starts at y = BAND
SCENE_CUT = 60  # the only cut in the upper part
BAND_CUTS = [25, 50, 75, 100]  # the band below changes completely here (and nowhere else)
FRAMES = 125


def _texture(seed: int, h: int, w: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 8 + 2, w // 8 + 2, 3), dtype=np.uint8)
    big = cv2.resize(small, (w + 64, h + 64), interpolation=cv2.INTER_CUBIC)
    return cv2.GaussianBlur(big, (5, 5), 0)


@pytest.fixture(scope="module")
def ticker_clip(tmp_path_factory):
    """An upper scene with one cut at frame 60 (slow pan), a lower band that cuts every 25 frames."""
    path = tmp_path_factory.mktemp("roi") / "ticker.mp4"
    scenes = [_texture(1, BAND, W), _texture(2, BAND, W)]
    tints = [(1.0, 0.2, 0.2), (0.2, 1.0, 0.3), (0.2, 0.3, 1.0), (1.0, 1.0, 0.2), (0.6, 0.1, 1.0)]
    bands = [(_texture(10 + i, H - BAND, W) * np.array(tint)).astype(np.uint8) for i, tint in enumerate(tints)]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
        for n in range(FRAMES):
            scene = scenes[n >= SCENE_CUT]
            band = bands[sum(n >= c for c in BAND_CUTS)]
            shift = n // 2  # a slow pan
            picture = np.vstack([scene[:BAND, shift:shift + W], band[: H - BAND, :W]])
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _run(*args):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def _cuts(clip, *args):
    result = _run(clip, "--json", "-", "--no-images", "-q", *args)
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    return [s["start_frame"] for s in doc["shots"][1:]], doc


def test_cuts_outside_the_region_are_ignored(ticker_clip):
    everywhere, _ = _cuts(ticker_clip)
    assert set(BAND_CUTS) <= set(everywhere)  # the ticker's changes are cuts for the whole picture
    inside, doc = _cuts(ticker_clip, "--roi", f"0,0,{W},{BAND}")
    assert inside == [SCENE_CUT]
    assert doc["tool"]["settings"]["roi"] == [0, 0, W, BAND]
    only_band, _ = _cuts(ticker_clip, "--roi", f"0,{BAND},{W},{H - BAND}")
    assert only_band == BAND_CUTS


def test_keyframes_stay_whole_pictures(ticker_clip, tmp_path):
    result = _run(ticker_clip, "--out", tmp_path / "out", "--roi", f"10,10,100,60", "-q")
    assert result.returncode == 0, result.stderr
    doc = json.loads((tmp_path / "out" / "timeline.json").read_text())
    image = cv2.imread(str(tmp_path / "out" / doc["shots"][0]["keyframes"][0]["file"]))
    assert image.shape[:2] == (H, W)


@pytest.mark.parametrize("roi,words", [(f"0,0,{W + 1},{H}", "outside"), ("0,0,0,10", "w and h > 0"),
                                       ("1,2,3", "x,y,w,h"), ("0,0,8,8", "at least 16x16")])
def test_bad_regions(ticker_clip, roi, words):
    result = _run(ticker_clip, "--roi", roi, "-q")
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
