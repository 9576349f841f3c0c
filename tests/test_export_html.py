"""``report.html``: self-contained, and loaded in a real headless browser without errors."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from fractions import Fraction

import cv2
import numpy as np
import pytest

from shotdetect.cli import main
from shotdetect.export.report import THUMB_WIDTH, render_html
from shotdetect.export.scores import ScoreSeries
from tooling.synth import ShotSpec, TransitionSpec
from shotdetect.timeline import Shot, Timeline, Transition, VideoInfo

from conftest import _render

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
needs_browser = pytest.mark.skipif(CHROMIUM is None, reason="no chromium to load the page in")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The same clip reported with keyframe pictures and without."""
    root = tmp_path_factory.mktemp("report")
    shots = [ShotSpec(30, seed=71), ShotSpec(30, seed=72, motion=2.0), ShotSpec(30, seed=73)]
    path, _ = _render(root, "clip <&> report.mp4", shots, [TransitionSpec("dissolve", 12), TransitionSpec("cut")])
    with_images, without = root / "images", root / "no-images"
    assert main([str(path), "--out", str(with_images), "--export", "html", "-q"]) == 0
    assert main([str(path), "--out", str(without), "--export", "html", "--no-images", "-q"]) == 0
    return with_images / "report.html", without / "report.html"


def test_report_is_self_contained(reports):
    page = reports[0].read_text()
    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//|file:)""", page, flags=re.I)
    assert "http://" not in page and "https://" not in page
    images = re.findall(r'<img src="data:image/jpeg;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3
    thumb = cv2.imdecode(np.frombuffer(base64.b64decode(images[0]), np.uint8), cv2.IMREAD_COLOR)
    assert thumb is not None and 0 < thumb.shape[1] <= THUMB_WIDTH
    assert "clip &lt;&amp;&gt; report.mp4" in page and "<&>" not in page
    # The plot: the score curve, the threshold and a marker per transition.
    assert page.count("<polyline") == 1 and "threshold 0.120" in page
    assert 'href="#shot-1"' in page and 'id="shot-2"' in page
    assert "dissolve" in page and "cut" in page


def test_report_without_pictures(reports):
    page = reports[1].read_text()
    assert "<img" not in page
    assert page.count("no picture") == 3


def test_report_plot_is_bounded_for_long_videos():
    n = 200_000
    fps = Fraction(25)
    video = VideoInfo(path="long.mp4", width=1920, height=1080, fps=fps, frame_count=n, duration=Fraction(n) / fps)
    cuts = list(range(1000, n, 1000))
    shots = [Shot(a, b, Fraction(a) / fps, Fraction(b) / fps) for a, b in zip([0, *cuts], [*cuts, n])]
    transitions = [Transition("cut", c, c, c, Fraction(c) / fps, Fraction(c) / fps, Fraction(c) / fps, 0.9)
                   for c in cuts]
    series = ScoreSeries(2000)
    for i in range(n):
        series.add(i, Fraction(i) / fps, 0.5 if i in set(cuts[:3]) else 0.01)
    timeline = Timeline(video=video, transitions=transitions, shots=shots, settings={"sensitivity": 0.5})
    page = render_html(timeline, source="long.mp4", scores=series)
    points = re.search(r'<polyline points="([^"]*)"', page).group(1).split()
    assert len(points) <= 2000
    assert len(page) < 1_500_000


def _chromium(tmp_path, url, *extra):
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-extensions", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           *extra, url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def _page_messages(stderr):
    """Console messages and load failures the page caused (Chromium's own chatter is ignored)."""
    return [line for line in stderr.splitlines()
            if ":CONSOLE" in line or "Uncaught" in line or "Refused to" in line or "ERR_" in line]


@needs_browser
@pytest.mark.parametrize("which,images", [(0, 3), (1, 0)], ids=["pictures", "no-pictures"])
def test_report_loads_in_a_browser(reports, tmp_path, which, images):
    report = reports[which]
    proc = _chromium(tmp_path, report.as_uri(), "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    assert 'data-ready="1"' in dom, "the page's script did not run to the end"
    assert f'data-images="{images}"' in dom
    assert 'data-broken-images="0"' in dom
    assert "<svg" in dom and "Shot 3" in dom
    assert _page_messages(proc.stderr) == []


@needs_browser
def test_report_screenshot_is_not_blank(reports, tmp_path):
    shot = tmp_path / "report.png"
    proc = _chromium(tmp_path, reports[0].as_uri(), f"--screenshot={shot}", "--window-size=1200,900",
                     "--hide-scrollbars")
    assert proc.returncode == 0 and shot.is_file(), proc.stderr[-2000:]
    assert _page_messages(proc.stderr) == []
    image = cv2.imread(str(shot))
    assert image is not None and image.shape[:2] == (900, 1200)
    assert float(image.std()) > 20.0
    colours = np.unique(image.reshape(-1, 3) // 16, axis=0)
    assert len(colours) > 100  # text, the plot and the thumbnails, not a flat page
