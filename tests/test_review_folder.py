"""From the report the main command wrote into ``--out`` to the review page, as a user goes: the
report names the exact ``shotdetect review`` command (quoted for the shell), the command as written
there opens the folder's results, and a save lands back in the folder, replacing only what shotdetect
wrote. ``shotdetect review DIR`` does the same from the folder alone. No browser: the page's own
token and HTTP calls, as the page makes them."""

from __future__ import annotations

import html
import json
import re
import shlex
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

from test_review import Review


def _run(*args, timeout=180):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def _results(cut_clip, tmp_path, name="my results 'take 2'"):
    """The main command's results (with the report) in a folder whose name needs quoting."""
    video, _ = cut_clip
    out = tmp_path / name
    proc = _run(video, "--out", out, "--export", "html", "-q")
    assert proc.returncode == 0, proc.stderr
    return Path(video), out


def _save_moved_cut(review) -> list:
    """Load the page's data, move the first cut two frames later, save with the page's token."""
    page = urllib.request.urlopen(review.url, timeout=10).read().decode("utf-8")
    token = re.search(r'data-token="([^"]+)"', page).group(1)
    data = json.loads(urllib.request.urlopen(review.url + "data", timeout=10).read())
    items = data["transitions"]
    first = items[0]
    first["frame"] += 2
    first["start_frame"] = first["end_frame"] = first["frame"]
    first["edited"] = True
    request = urllib.request.Request(review.url + "save", data=json.dumps({"transitions": items}).encode(),
                                     method="POST", headers={"X-Review-Token": token,
                                                             "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 200
    return items


def test_report_names_the_review_command_and_it_works(cut_clip, tmp_path):
    video, out = _results(cut_clip, tmp_path)
    page = (out / "report.html").read_text(encoding="utf-8")
    shown = re.search(r'<pre class="command"><code>(.*?)</code></pre>', page, re.S)
    assert shown, "the report does not show the review command"
    argv = shlex.split(html.unescape(shown.group(1)))
    assert argv == ["shotdetect", "review", str(video.resolve()), "--out", str(out.resolve())]
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    detected = json.loads((out / "timeline.json").read_text())
    # the command exactly as the report writes it (the program by its module, as everywhere in the tests)
    review = Review(*argv[2:])
    try:
        items = _save_moved_cut(review)
    finally:
        review.stop()
    saved = json.loads((out / "timeline.json").read_text())
    assert saved["tool"]["settings"]["reviewed"] is True
    assert saved["transitions"][0]["frame"] == detected["transitions"][0]["frame"] + 2 == items[0]["frame"]
    assert saved["transitions"][0]["edited"] is True
    # the keyframes and the report stay as they were; only timeline.json (and the manifest) changed
    after = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"timeline.json", ".shotdetect-manifest.json"}, changed
    manifest = json.loads((out / ".shotdetect-manifest.json").read_text())
    assert {f["name"] for f in manifest["files"]} >= {"timeline.json", "report.html", *[
        k["file"] for s in saved["shots"] for k in s["keyframes"] if k.get("file")]}


def test_review_a_results_folder(cut_clip, tmp_path):
    video, out = _results(cut_clip, tmp_path)
    review = Review(out)  # no video named: the folder's record of it
    try:
        _save_moved_cut(review)
    finally:
        review.stop()
    saved = json.loads((out / "timeline.json").read_text())
    assert saved["transitions"][0]["edited"] is True
    # again: it starts from the saved review
    review = Review(out)
    try:
        data = json.loads(urllib.request.urlopen(review.url + "data", timeout=10).read())
    finally:
        review.stop()
    assert data["transitions"][0]["frame"] == saved["transitions"][0]["frame"]
    assert data["transitions"][0]["edited"] is True


def test_results_folder_refused_with_one_line(cut_clip, tmp_path):
    video, out = _results(cut_clip, tmp_path, "film")
    # a file of the user's in the folder: a save could not go there; refused before the analysis
    (out / "notes.txt").write_text("mine")
    proc = _run("review", out, "--no-browser")
    assert proc.returncode == 5 and proc.stderr.count("\n") == 1, proc.stderr
    assert "notes.txt" in proc.stderr
    assert (out / "notes.txt").read_text() == "mine"
    (out / "notes.txt").unlink()
    # the video is no longer where the folder says it was
    moved_video = tmp_path / "gone.mp4"
    shutil.copy(video, moved_video)
    proc = _run(moved_video, "--out", tmp_path / "gone", "-q")
    assert proc.returncode == 0, proc.stderr
    moved_video.rename(tmp_path / "elsewhere.mp4")
    proc = _run("review", tmp_path / "gone", "--no-browser")
    assert proc.returncode == 3 and proc.stderr.count("\n") == 1, proc.stderr
    assert "gone.mp4" in proc.stderr and "--out" in proc.stderr
    # a folder without results, and the results of slides mode
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = _run("review", empty, "--no-browser")
    assert proc.returncode == 3 and proc.stderr.count("\n") == 1 and "timeline.json" in proc.stderr, proc.stderr
    (empty / "timeline.json").write_text(json.dumps({"schema": "shotdetect.slides", "schema_version": 1}))
    proc = _run("review", empty, "--no-browser")
    assert proc.returncode == 3 and proc.stderr.count("\n") == 1 and "shotdetect.slides" in proc.stderr, proc.stderr
