"""Every command accepts every kind of input: a file, a folder of pictures, a UDP/MPEG-TS stream, an
HTTP URL and standard input (``pipe:0`` / ``-``), all served from this machine. Run as a user runs
them (subprocesses); the clip has four still shots with cuts at frames 30, 60 and 90."""

from __future__ import annotations

import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import cv2
import pytest

from conftest import FAST, ShotSpec, render_clip
from shotdetect.decode import open_video

pytestmark = pytest.mark.skipif(not __import__("shutil").which("ffmpeg"), reason="needs the ffmpeg program")

CUTS = [30, 60, 90]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """The clip as MP4 and as MPEG-TS (what streams carry), its frames as PNG files, frame 0 alone."""
    root = tmp_path_factory.mktemp("inputs")
    clip = root / "clip.mp4"
    truth = render_clip(clip, [ShotSpec(30, seed=s, noise=2.0) for s in (71, 72, 73, 74)], size=(192, 144),
                        options=FAST)
    assert [t["frame"] for t in truth["transitions"]] == CUTS
    ts = root / "clip.ts"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(clip), "-c", "copy", "-f", "mpegts", str(ts)], check=True)
    frames = root / "frames"
    frames.mkdir()
    with open_video(clip) as reader:
        for f in reader:
            cv2.imwrite(str(frames / f"f{f.index}.png"), f.source.render())
    first = root / "first.png"
    first.write_bytes((frames / "f0.png").read_bytes())
    return {"clip": clip, "ts": ts, "frames": frames, "first": first}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def udp_bound(port: int) -> bool:
    """Whether some process listens on this UDP port (so a sender's packets are not lost)."""
    wanted = f":{port:04X} "
    with open("/proc/net/udp") as fh:
        return any(wanted in line.split("rem_address")[0] for line in fh.readlines()[1:])


@contextmanager
def http_server(folder: Path):
    """A plain HTTP server on 127.0.0.1 serving ``folder``."""
    handler = lambda *a, **kw: http.server.SimpleHTTPRequestHandler(*a, directory=str(folder), **kw)  # noqa: E731
    http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def send_udp(ts: Path, port: int, rate: str = "2", wait: float = 30) -> subprocess.Popen:
    """Start ffmpeg sending ``ts`` as MPEG-TS over UDP at ``rate`` x real time, once the receiver listens."""
    deadline = time.monotonic() + wait
    while not udp_bound(port):
        assert time.monotonic() < deadline, "the receiver never opened its UDP port"
        time.sleep(0.05)
    return subprocess.Popen(["ffmpeg", "-v", "error", "-readrate", rate, "-i", str(ts), "-c", "copy", "-f", "mpegts",
                             f"udp://127.0.0.1:{port}?pkt_size=1316"], stdin=subprocess.DEVNULL)


def run_shotdetect(args: list[str], source: str, media, *, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``shotdetect ARGS`` with ``{src}`` in ARGS replaced by ``source`` (file, folder, udp, http, pipe)."""
    stdin = subprocess.DEVNULL
    sender = None
    spec = str(media["clip"])
    extra = {}
    if source == "folder":
        spec = str(media["frames"])
    elif source == "pipe":
        spec = "pipe:0"
        stdin = open(media["ts"], "rb")  # noqa: SIM115
    elif source == "udp":
        port = free_port()
        spec = f"udp://127.0.0.1:{port}?timeout=1500000"  # the stream ends 1.5 s after its last packet
        extra["port"] = port
    elif source.startswith("http"):
        spec = source
    argv = [sys.executable, "-m", "shotdetect", *[spec if a == "{src}" else a for a in args]]
    proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        if source == "udp":
            sender = send_udp(media["ts"], extra["port"])
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if sender is not None:
            sender.wait(timeout=30)
        if hasattr(stdin, "close"):
            stdin.close()
    return subprocess.CompletedProcess(argv, proc.returncode, out.decode(), err.decode())


SOURCES = ["file", "folder", "udp", "http", "pipe"]


@pytest.fixture(scope="module")
def web(media):
    with http_server(media["ts"].parent) as base:
        yield base


def _source(name, web):
    return f"{web}/clip.ts" if name == "http" else name


@pytest.mark.parametrize("source", SOURCES)
def test_main_command(source, media, web):
    proc = run_shotdetect(["{src}", "--json", "-", "--no-images", "-q"], _source(source, web), media)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [t["frame"] for t in doc["transitions"]] == CUTS
    assert doc["video"]["frame_count"] == 120


@pytest.mark.parametrize("source", SOURCES)
def test_slides(source, media, web):
    proc = run_shotdetect(["slides", "{src}", "--json", "-", "-q", "--min-slide-duration", "0.5"],
                          _source(source, web), media)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    starts = [s["spans"][0]["start_frame"] for s in doc["slides"]]
    assert starts == [0, *CUTS], doc["slides"]


@pytest.mark.parametrize("source", SOURCES)
def test_compare(source, media, web):
    """The first frame of each input is the picture decoded from frame 0 of the file."""
    proc = run_shotdetect(["compare", "{src}", str(media["first"]), "--json"], _source(source, web), media)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["same"] is True and doc["metrics"]["changed_pixels"] == 0


@pytest.mark.parametrize("source", SOURCES)
def test_dedupe(source, media, web, tmp_path):
    out = tmp_path / "kept"
    proc = run_shotdetect(["dedupe", "{src}", "--out", str(out), "-q"], _source(source, web), media)
    assert proc.returncode == 0, proc.stderr
    kept = json.loads((out / "kept.json").read_text())["kept"]
    assert [e["frame"] for e in kept] == [0, *CUTS]


def test_url_is_never_taken_for_a_path(tmp_path):
    """A stream that is not there is a stream error (exit 3), not "no such file" of a mangled path."""
    proc = subprocess.run([sys.executable, "-m", "shotdetect", "http://127.0.0.1:9/none.ts", "-q"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3, proc.stderr
    assert "http://127.0.0.1:9/none.ts" in proc.stderr and "no such file" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_stream_picture_size_is_checked_like_a_file():
    """A stream declaring a picture over the limits is refused before decoding (exit 3), as a file is."""
    header = b"YUV4MPEG2 W17000 H16 F25:1 Ip A1:1 C420jpeg\n"
    frame = b"FRAME\n" + bytes(17000 * 16 * 3 // 2)
    proc = subprocess.run([sys.executable, "-m", "shotdetect", "-", "-q"], input=header + frame * 2,
                          capture_output=True, timeout=60)
    stderr = proc.stderr.decode()
    assert proc.returncode == 3, stderr
    assert "17000x16 is larger than the supported 16384 pixels per side" in stderr
    assert len(stderr.strip().splitlines()) == 1


def test_jsonl_for_a_file(media, tmp_path):
    """``--jsonl FILE`` works for any input: one complete JSON line per transition, nothing else."""
    log = tmp_path / "cuts.jsonl"
    proc = subprocess.run([sys.executable, "-m", "shotdetect", str(media["clip"]), "--jsonl", str(log)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["index"], e["type"], e["frame"]) for e in lines] == [(i, "cut", f) for i, f in enumerate(CUTS)]
    assert all(e["latency"] >= 0 and e["wall_time"].endswith("+00:00") for e in lines)
    assert "3 transitions streamed (3 cuts); latency median" in proc.stderr
    assert proc.stdout == ""
    missing = subprocess.run([sys.executable, "-m", "shotdetect", str(tmp_path / "none.mp4"), "--jsonl",
                              str(tmp_path / "none.jsonl")], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 3 and not (tmp_path / "none.jsonl").exists()
    kept = tmp_path / "earlier.jsonl"  # a file that was there before is never removed, failed run or not
    kept.write_text("")
    again = subprocess.run([sys.executable, "-m", "shotdetect", str(tmp_path / "none.mp4"), "--jsonl", str(kept),
                            "--overwrite"], capture_output=True, text=True, timeout=60)
    assert again.returncode == 3 and kept.is_file()
