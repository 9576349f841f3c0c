"""Every picture size FFmpeg decodes gives a result: tiny, huge and extremely wide or tall videos.

Each video is made here (PNG frames in QuickTime MOV, which take any size, odd ones included), a few frames
with one hard cut, and run through the command line as a user runs it, with every export.
"""

from __future__ import annotations

import json
import subprocess
import sys

import av
import numpy as np
import pytest

#: (width, height): tiny pictures, odd sizes, and wide/tall ones whose analysis thumbnail used to
#: be too small for the optical flow (1920x720 and 1280x400 crashed the interpreter).
SIZES = [(1, 1), (2, 1), (1, 2), (3, 5), (16, 16), (2, 1000), (1000, 2), (3000, 200), (1280, 400),
         (1920, 720), (3840, 1080), (2000, 100), (100, 2000), (641, 33)]


def make_video(path, width, height, frames=6, cut=3):
    """``frames`` frames of random blocks, dark then bright: the picture changes completely at ``cut``."""
    rng = np.random.default_rng(width * 7919 + height)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("png", rate=10)
        stream.width, stream.height, stream.pix_fmt = width, height, "rgb24"
        shots = [rng.integers(low, low + 128, (max(1, height // 8), max(1, width // 8), 3), np.uint8)
                 for low in (0, 128)]
        for i in range(frames):
            small = shots[i >= cut]
            picture = np.kron(small, np.ones((8, 8, 1), np.uint8))[:height, :width]
            picture = np.pad(picture, ((0, height - picture.shape[0]), (0, width - picture.shape[1]), (0, 0)),
                             mode="edge")
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), "rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_size_gives_a_result(tmp_path, width, height):
    video = tmp_path / f"v{width}x{height}.mov"
    make_video(video, width, height)
    out = tmp_path / "out"
    proc = run_cli(video, "--out", out, "--export", "all", "--keyframes", "2", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "timeline.json").read_text())
    assert doc["video"]["width"] == width and doc["video"]["height"] == height
    assert len(doc["shots"]) >= 1
    assert sum(len(s["keyframes"]) for s in doc["shots"]) >= 1


@pytest.mark.parametrize("width,height", [(1, 1), (20, 1), (1920, 720), (200, 4000)],
                         ids=["1x1", "20x1", "1920x720", "200x4000"])
def test_every_size_in_slides_mode(tmp_path, width, height):
    video = tmp_path / f"v{width}x{height}.mov"
    make_video(video, width, height)
    proc = run_cli(video, "--slides", "--out", tmp_path / "slides", "-q")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "slides" / "timeline.json").read_text())["video"]["width"] == width


def test_hard_cut_found_in_a_wide_strip(tmp_path):
    """The stretched optical flow still measures: the cut in a 20:1 strip is found."""
    video = tmp_path / "strip.mov"
    make_video(video, 2000, 100, frames=30, cut=15)
    proc = run_cli(video, "--json", "-", "--no-images", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [t["frame"] for t in doc["transitions"]] == [15]


@pytest.mark.parametrize("width,height", [(2, 96), (1, 1), (20000, 3), (3, 20000), (8192, 8192)],
                         ids=["2x96", "1x1", "20000x3", "3x20000", "8192x8192"])
def test_slides_pdf_takes_any_picture_size(width, height):
    """A slide cropped to a sliver (seen in fuzzing: 2x96) or a huge one still makes a PDF page."""
    cv2 = pytest.importorskip("cv2")
    pytest.importorskip("img2pdf")
    from shotdetect.slides.pdf import pdf_bytes

    ok, png = cv2.imencode(".png", np.full((height, width, 3), 200, np.uint8))
    pdf = pdf_bytes([png.tobytes()])
    assert pdf.startswith(b"%PDF") and b"/MediaBox" in pdf
