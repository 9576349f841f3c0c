"""``shotdetect review``: the per-frame record and its cut rule, exact frames by number, and the page
in a real browser (Debian's chromium driven by Playwright): load, step, move a cut, re-decide with
the slider, save, and the saved timeline.json is right."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import select
import shutil
import subprocess
import sys
import time

import av
import cv2
import numpy as np
import pytest

from conftest import _render
from tooling.synth import ShotSpec

SHOTS = [ShotSpec(25, seed=41), ShotSpec(30, seed=42, motion=2.0), ShotSpec(25, seed=43)]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review")
    video, truth = _render(folder, "clip.mp4", SHOTS)
    return video


def test_slider_rule_finds_the_detectors_cuts(cut_clip, negatives_clip, tmp_path):
    """At the analysis sensitivity the record's rule gives exactly the detector's cuts (flashes too)."""
    from shotdetect.review import analyse, decide_cuts

    for path, _truth in (cut_clip, negatives_clip):
        session = analyse(path, tmp_path / path.stem)
        detected = [t.frame for t in session.detected.transitions if t.type == "cut"]
        cuts = decide_cuts(session.record, 0.5, session.detected.settings["min_shot_len"])
        assert [f for f, _ in cuts] == detected, path.name
        lower = decide_cuts(session.record, 0.2, session.detected.settings["min_shot_len"])
        higher = decide_cuts(session.record, 0.9, session.detected.settings["min_shot_len"])
        assert {f for f, _ in lower} <= {f for f, _ in cuts} <= {f for f, _ in higher}
    assert session.record.flash_end, "the flash in the negatives clip was recorded"


def test_slider_rule_leaves_camera_jolts_out(tmp_path):
    """A handheld jolt clears the cut bar but is the old picture moved: the record marks it, and the
    record's rule gives the detector's cuts, without the jolts, at the analysis sensitivity."""
    from shotdetect.review import analyse, decide_cuts
    from tooling.synth import Event, render_clip

    path = tmp_path / "jolts.mp4"
    shots = [ShotSpec(70, seed=60 + i, motion=1.5, pan=(0.3, 0.0)) for i in range(3)]
    render_clip(path, shots, None, events=[Event("jolt", 25, frames=8), Event("jolt", 95, frames=10)],
                size=(320, 180))
    session = analyse(path, tmp_path / "o")
    detected = [t.frame for t in session.detected.transitions if t.type == "cut"]
    assert detected == [70, 140] and session.record.moved
    assert [f for f, _ in decide_cuts(session.record, 0.5, session.detected.settings["min_shot_len"])] == detected


@pytest.mark.parametrize("name", ["pan.mp4", "pan.ts"])  # MPEG-TS: starts at 1.4 s, seeks land late
def test_frames_by_number_are_exact(tmp_path, name):
    """Random access, backwards and forwards, gives the same picture as decoding from the start."""
    from fractions import Fraction

    from shotdetect.decode import open_video
    from shotdetect.review.frames import FrameGrabber

    clip, _ = _render(tmp_path, name, [ShotSpec(40, seed=51, pan=(3.0, 1.0)), ShotSpec(40, seed=52, pan=(-2.0, 0))],
                      gop=12)

    with open_video(clip) as reader:
        info = reader.info
    with av.open(str(clip)) as c:
        reference = [f.to_ndarray(format="gray") for f in c.decode(video=0)]
    grabber = FrameGrabber(clip, info, [Fraction(i, 25) for i in range(len(reference))])
    try:
        for n in (55, 10, 54, 55, 56, 79, 0, 24, 25, 1, 0, 40, 39):
            picture = cv2.imdecode(np.frombuffer(grabber.jpeg(n, 1000), np.uint8), cv2.IMREAD_GRAYSCALE)
            errors = [float(np.abs(picture.astype(np.int16) - r).mean()) for r in reference]
            assert int(np.argmin(errors)) == n and errors[n] < 3, (n, errors[n])
    finally:
        grabber.close()


def _browser_or_skip():
    if importlib.util.find_spec("playwright") is None:
        pytest.skip("Playwright for Python is not installed (pip install playwright)")
    if CHROMIUM is None:
        pytest.skip("no chromium to drive (apt-get install chromium)")


class Review:
    """``shotdetect review`` running in the background, as a user starts it."""

    def __init__(self, *args):
        self.proc = subprocess.Popen([sys.executable, "-m", "shotdetect", "review", *map(str, args), "--no-browser"],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 90
        line = ""
        while time.monotonic() < deadline and self.proc.poll() is None:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline()
                break
        if "http://127.0.0.1:" not in line:
            self.stop()
            raise AssertionError(f"no address printed: {line!r} {self.proc.stderr.read()[-2000:]}")
        self.url = line[line.index("http://"):].split()[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(__import__("signal").SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@contextlib.contextmanager
def review_page(review, *, viewport=None, watch=None):
    """The review page loaded in headless Chromium and ready (``watch(page)`` runs before it loads)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(**({"viewport": viewport} if viewport else {}))
            if watch is not None:
                watch(page)
            page.goto(review.url)
            page.wait_for_selector('body[data-ready="1"]', timeout=30000)
            yield page
        finally:
            browser.close()


def test_review_page_move_a_cut_and_save(clip, tmp_path):
    _browser_or_skip()
    out = tmp_path / "reviewed"
    review = Review(clip, "--out", out)
    assert review.url.startswith("http://127.0.0.1:")
    try:
        problems, elsewhere = [], []

        def watch(page):
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("request", lambda r: None if r.url.startswith(review.url) else elsewhere.append(r.url))

        with review_page(review, viewport={"width": 1280, "height": 900}, watch=watch) as page:
            frames = lambda: page.evaluate("window.review.list.map(t => [t.type, t.frame, t.edited])")  # noqa: E731
            assert frames() == [["cut", 25, False], ["cut", 55, False]]
            assert page.locator("#rows tr").count() == 2

            # Frame-accurate stepping: type a frame, step with the arrow key; the picture is that frame.
            page.fill("#frameno", "58")
            page.press("#frameno", "Enter")
            page.locator("#detail").click(position={"x": 2, "y": 2})  # focus off the input...
            page.evaluate("window.review.go(58)")                       # ...back on frame 58
            page.keyboard.press("ArrowRight")
            assert page.input_value("#frameno") == "59"
            page.keyboard.press("ArrowRight")
            assert page.input_value("#frameno") == "60"
            assert page.get_attribute("#frame", "src").startswith("/frame/60.jpg")
            for _ in range(100):  # (wait_for_function would need eval, which the page's policy forbids)
                if page.evaluate("() => { const i = document.getElementById('frame'); return i.complete && i.naturalWidth > 0; }"):
                    break
                page.wait_for_timeout(100)
            assert page.evaluate("() => document.getElementById('frame').naturalWidth") > 0

            # Select the second cut (55) and move it here (60), then save.
            page.locator("#rows tr").nth(1).locator("td").nth(4).click()
            assert page.input_value("#frameno") == "55"
            page.evaluate("window.review.go(60)")
            page.click("#move")
            assert frames() == [["cut", 25, False], ["cut", 60, True]]

            # The slider re-decides the detector's cuts; the moved one stays where the user put it.
            page.evaluate("""() => { const s = document.getElementById('sens'); s.value = '0.05';
                                     s.dispatchEvent(new Event('input')); }""")
            assert [60, True] in [f[1:] for f in frames()] and [55, False] not in [f[1:] for f in frames()]
            page.evaluate("""() => { const s = document.getElementById('sens'); s.value = '0.5';
                                     s.dispatchEvent(new Event('input')); }""")
            assert frames() == [["cut", 25, False], ["cut", 60, True]]

            page.click("#save")
            page.wait_for_selector('body[data-saved="1"]', timeout=15000)
            assert "saved 3 shots" in page.inner_text("#status")
            page.screenshot(path=str(tmp_path / "review.png"))
        assert problems == [] and elsewhere == [], (problems, elsewhere)
    finally:
        review.stop()
    assert review.proc.returncode == 0, review.proc.stderr.read()[-2000:]

    doc = json.loads((out / "timeline.json").read_text())
    import jsonschema

    from shotdetect.export import load_schema

    jsonschema.validate(doc, load_schema())
    assert [(t["type"], t["frame"], t.get("edited", False)) for t in doc["transitions"]] == \
        [("cut", 25, False), ("cut", 60, True)]
    assert [(s["start_frame"], s["end_frame"]) for s in doc["shots"]] == [(0, 25), (25, 60), (60, 80)]
    assert doc["transitions"][1]["time"] == pytest.approx(60 / 25)
    assert doc["tool"]["settings"]["reviewed"] is True

    # Every export works from the saved file.
    proc = subprocess.run([sys.executable, "-m", "shotdetect", "export", out / "timeline.json", "--to", "edl,csv",
                           "--out", tmp_path / "exports"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "00:00:02:10" in (tmp_path / "exports" / "timeline.edl").read_text()  # frame 60 at 25 fps


def test_review_reopens_its_save_and_retypes(clip, tmp_path):
    """A second review of the same folder starts from the saved list; retyping marks the entry."""
    _browser_or_skip()
    out = tmp_path / "r"
    saved = json.loads(subprocess.run([sys.executable, "-m", "shotdetect", clip, "--json", "-", "--no-images", "-q"],
                                      capture_output=True, text=True, timeout=120, check=True).stdout)
    saved["transitions"] = saved["transitions"][:1]
    (tmp_path / "edited.json").write_text(json.dumps(saved))
    # an earlier save: a timeline.json that shotdetect wrote (and recorded) in the folder
    subprocess.run([sys.executable, "-m", "shotdetect", "export", tmp_path / "edited.json", "--to", "json",
                    "--out", out], capture_output=True, text=True, timeout=120, check=True)
    review = Review(clip, "--out", out, "--export", "csv")
    try:
        with review_page(review) as page:
            assert page.evaluate("window.review.list.map(t => t.frame)") == [25]
            page.select_option("#rows tr >> nth=0 >> select.type", "dissolve")
            page.click("#save")
            page.wait_for_selector('body[data-saved="1"]', timeout=15000)
    finally:
        review.stop()
    doc = json.loads((out / "timeline.json").read_text())
    t = doc["transitions"][0]
    assert (t["type"], t["frame"], t.get("edited")) == ("dissolve", 25, True)
    assert t["start_frame"] < 25 < t["end_frame"]
    transitions = (out / "transitions.csv").read_text().splitlines()  # --export: rewritten on every save
    assert len(transitions) == 2 and ",dissolve,25," in transitions[1]


def test_review_refuses_a_foreign_timeline_json(clip, tmp_path):
    out = tmp_path / "taken"
    out.mkdir()
    (out / "timeline.json").write_text('{"mine": true}')
    proc = subprocess.run([sys.executable, "-m", "shotdetect", "review", clip, "--out", out, "--no-browser", "-q"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 5 and proc.stderr.count("\n") == 1, proc.stderr
    assert "not a shotdetect timeline" in proc.stderr
    assert (out / "timeline.json").read_text() == '{"mine": true}'


def test_server_answers_only_its_own_host_and_token(clip, tmp_path):
    import urllib.error
    import urllib.request

    review = Review(clip, "--out", tmp_path / "o")
    try:
        with urllib.request.urlopen(review.url + "data", timeout=10) as r:
            data = json.loads(r.read())
        assert len(data["scores"]["strength"]) == 80 and data["scores"]["times"][1] == pytest.approx(0.04)
        request = urllib.request.Request(review.url + "save", data=b'{"transitions": []}', method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 403
        request = urllib.request.Request(review.url + "data", headers={"Host": "evil.example:80"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 403
        with urllib.request.urlopen(urllib.request.Request(review.url + "video", headers={"Range": "bytes=0-99"}),
                                    timeout=10) as r:
            assert r.status == 206 and len(r.read()) == 100
    finally:
        review.stop()
    assert not (tmp_path / "o" / "timeline.json").exists()


def test_page_rule_matches_the_python_rule(negatives_clip, tmp_path):
    """The page's script decides the same cuts as :func:`decide_cuts` at every sensitivity (a flash
    and a fast pan in this clip; both rules must leave them out alike)."""
    _browser_or_skip()
    from shotdetect.review import analyse, decide_cuts

    path, _truth = negatives_clip
    session = analyse(path, tmp_path / "py")
    gap = session.detected.settings["min_shot_len"]
    levels = [0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0]
    want = [[f for f, _ in decide_cuts(session.record, s, gap)] for s in levels]
    assert want[0] != want[-1] or session.record.flash_end  # the levels differ, or a flash was held back
    review = Review(path, "--out", tmp_path / "page")
    try:
        with review_page(review) as page:
            got = page.evaluate("(levels) => levels.map(s => window.review.decideCuts(s).map(c => c.frame))", levels)
    finally:
        review.stop()
    assert got == want


@pytest.mark.parametrize("name", ["csci576_movie.mp4", "river_monsters_edit.mp4", "wednesday_teaser.mp4"])
def test_slider_rule_on_real_footage(footage, tmp_path, name):
    """Edited trailers and films: the record's rule reproduces the detector's cuts exactly."""
    from shotdetect.review import analyse, decide_cuts

    path = footage / "real-public" / name
    if not path.is_file():
        pytest.skip(f"{path} not found")
    session = analyse(path, tmp_path)
    gradual = [t for t in session.detected.transitions if t.type != "cut"]
    cuts = [t.frame for t in session.detected.transitions if t.type == "cut"]
    decided = [f for f, _ in decide_cuts(session.record, 0.5, session.detected.settings["min_shot_len"])
               if not any(g.start_frame - 2 <= f <= g.end_frame + 2 for g in gradual)]
    assert len(cuts) >= 5 and decided == cuts
