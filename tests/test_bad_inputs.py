"""The bad-input matrix, run through the command line as a user runs it (``python -m shotdetect``).

Every input is made here, tiny (128x96, a few dozen frames). Each case has one exact expectation:
either a clean failure (one ``shotdetect: error:`` line, the documented exit code, no traceback,
nothing written and an existing output folder left exactly as it was), or a correct result, with a
warning where part of the video could not be used.

test_cli.py already covers: a missing --json folder, --out below a regular file or in a read-only
folder, the first 10 % of an MP4 or MKV, an .m4a with only audio, random bytes in the middle of an
MP4, and a second run refused without --overwrite. This file extends those.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import signal
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import cv2
import jsonschema
import numpy as np
import pytest

from shotdetect.decode import MAX_PIXELS, MAX_SIDE
from shotdetect.export import load_schema
from tooling.synth import ShotSpec, render_clip

SIZE = (128, 96)
FAST = {"preset": "ultrafast"}
#: 60 frames at 25 fps, hard cuts at 20 and 40 (0.8 s and 1.6 s).
SHOTS = [ShotSpec(20, seed=1), ShotSpec(20, seed=2, motion=2.0), ShotSpec(20, seed=3)]
FRAMES = 60
CUTS = [20, 40]


# ------------------------------------------------------------------------------------------- helpers


def run_cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)],
                          capture_output=True, text=True, timeout=60, **kw)


def assert_one_line_error(proc, code, *words):
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("shotdetect: error: "), lines[0]
    for word in words:
        assert word.lower() in lines[0].lower(), (word, lines[0])
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def leftovers(root: Path) -> list[str]:
    """Temporary files shotdetect may leave behind: staging folders and half-written files."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if (p.name.startswith(".shotdetect-") and p.name != ".shotdetect-manifest.json")
                  or p.name.endswith(".part"))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def ok_json(proc, path: Path) -> dict:
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    doc = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(doc, load_schema())
    return doc


def cuts_of(doc) -> list[int]:
    return [t["frame"] for t in doc["transitions"] if t["type"] == "cut"]


def remux(src: Path, dst: Path, *, options=None, edit=None) -> None:
    """Copy the video packets of ``src`` into ``dst``; ``edit(k, packet, time_base)`` may change them."""
    with av.open(str(src)) as inp, av.open(str(dst), "w", options=options or {}) as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        for k, packet in enumerate(p for p in inp.demux(s_in) if p.size):
            if edit is not None:
                edit(k, packet, s_in.time_base)
            packet.stream = s_out
            out.mux(packet)


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


def write_frames(path: Path, codec: str, pix_fmt: str, images, *, src_format="rgb24", rate=25, options=None):
    """Encode a list of arrays as a video (for formats the synth module does not offer)."""
    with av.open(str(path), "w") as c:
        s = c.add_stream(codec, rate=rate)
        s.height, s.width = images[0].shape[:2]
        s.pix_fmt = pix_fmt
        if options:
            s.codec_context.options = options
        for k, img in enumerate(images):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format=src_format)
            frame.pts = k
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def write_audio(path: Path) -> None:
    rate = 8000
    with av.open(str(path), "w") as c:
        s = c.add_stream("aac", rate=rate)
        s.layout = "mono"
        x = (0.2 * np.sin(np.arange(rate // 2) * 0.3)).astype(np.float32)
        for i in range(0, len(x), 1024):
            frame = av.AudioFrame.from_ndarray(x[None, i:i + 1024].copy(), format="fltp", layout="mono")
            frame.sample_rate, frame.pts = rate, i
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)


def write_packets_only(path: Path, codec: str | None) -> None:
    """A container whose only stream is a subtitle (``codec``) or a data stream (``None``)."""
    with av.open(str(path), "w") as c:
        s = c.add_data_stream() if codec is None else c.add_stream(codec)
        c.start_encoding()
        for i in range(3):
            packet = av.Packet(f"line {i}".encode())
            packet.stream, packet.pts, packet.dts = s, i * 1000, i * 1000
            packet.time_base = Fraction(1, 1000)
            c.mux(packet)


# ------------------------------------------------------------------------------------------- inputs


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    """The clean clips every damaged input starts from."""
    d = tmp_path_factory.mktemp("src")
    render_clip(d / "clip.mp4", SHOTS, size=SIZE, options=FAST)  # PyAV writes the index (moov) last
    render_clip(d / "clip.mkv", SHOTS, size=SIZE, options=FAST)
    render_clip(d / "clip.avi", SHOTS, size=SIZE, codec="mpeg4")
    # A keyframe every 12 frames: the Matroska muxer starts a cluster at each, at 0, 12, 24, 36, 48.
    render_clip(d / "gop12.mkv", SHOTS, size=SIZE, options=FAST, gop=12)
    remux(d / "clip.mp4", d / "faststart.mp4", options={"movflags": "+faststart"})
    data = (d / "faststart.mp4").read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")  # the index really is first
    return d


def _cut(name: str, fraction: float):
    def make(src: Path, d: Path) -> Path:
        data = (src / name).read_bytes()
        path = d / f"cut{int(fraction * 100)}-{name}"
        path.write_bytes(data[: int(len(data) * fraction)])
        return path
    return make


def _missing(src, d):
    return d / "missing.mp4"


def _directory(src, d):
    (d / "clips.mp4").mkdir()
    return d / "clips.mp4"


def _empty(src, d):
    (d / "empty.mp4").write_bytes(b"")
    return d / "empty.mp4"


def _text(src, d):
    (d / "readme.mp4").write_text("Not a video.\n" * 50)
    return d / "readme.mp4"


def _jpeg(src, d):
    img = (np.random.default_rng(1).integers(0, 256, (96, 128, 3))).astype(np.uint8)
    assert cv2.imwrite(str(d / "photo.jpg"), img)
    return d / "photo.jpg"


def _png_named_jpg(src, d):
    ok, data = cv2.imencode(".png", np.full((96, 128, 3), 200, np.uint8))
    (d / "scan.jpg").write_bytes(data.tobytes())
    return d / "scan.jpg"


def _audio_mp4(src, d):
    write_audio(d / "song.mp4")
    return d / "song.mp4"


def _subtitles_only(src, d):
    write_packets_only(d / "subs.mkv", "ass")
    return d / "subs.mkv"


def _data_only(src, d):
    write_packets_only(d / "data.ts", None)
    return d / "data.ts"


def _no_streams(src, d):
    null_packet = bytes([0x47, 0x1F, 0xFF, 0x10]) + b"\xff" * 184  # MPEG-TS padding only
    (d / "nothing.ts").write_bytes(null_packet * 100)
    return d / "nothing.ts"


def _too_wide(src, d):
    path = d / "wide.nut"  # one grey 16385x8 frame, raw: 131 kB
    write_frames(path, "rawvideo", "gray", [np.zeros((8, MAX_SIDE + 1), np.uint8)], src_format="gray")
    return path


def _too_many_pixels(src, d):
    """8200x8200 (67.2 MP) in the header: encode 256x256 and patch Matroska's PixelWidth/PixelHeight."""
    path = d / "huge.mkv"
    write_frames(path, "ffv1", "gray", [np.zeros((256, 256), np.uint8)], src_format="gray")
    data = path.read_bytes()
    for element in (b"\xb0", b"\xba"):  # PixelWidth, PixelHeight: 2-byte unsigned 256 -> 8200
        assert data.count(element + b"\x82\x01\x00") == 1
        data = data.replace(element + b"\x82\x01\x00", element + b"\x82\x20\x08")
    path.write_bytes(data)
    assert 8200 * 8200 > MAX_PIXELS and 8200 <= MAX_SIDE
    return path


FAILURES = [
    # name, make input, exit code, words in the one error line
    ("missing", _missing, 3, ["no such file"]),
    ("directory", _directory, 3, ["directory"]),
    ("empty", _empty, 3, ["empty file"]),
    ("text named .mp4", _text, 3, ["not a video"]),
    # A photo opens in FFmpeg as a 1-frame "video"; a user who passes one has made a mistake.
    ("jpeg", _jpeg, 3, ["still image", "jpeg", "not a video"]),
    ("png named .jpg", _png_named_jpg, 3, ["still image", "png", "not a video"]),
    ("audio-only mp4", _audio_mp4, 3, ["no video stream", "audio"]),
    ("subtitles only", _subtitles_only, 3, ["no video stream", "subtitle"]),
    ("data stream only", _data_only, 3, ["no video stream", "data"]),
    ("no streams", _no_streams, 3, ["not a video"]),
    # MP4 with its index at the end: any cut loses the index, the file cannot be opened at all.
    ("mp4 cut at 10%", _cut("clip.mp4", 0.10), 3, ["incomplete", "moov", "truncated"]),
    ("mp4 cut at 50%", _cut("clip.mp4", 0.50), 3, ["incomplete", "moov", "truncated"]),
    ("mp4 cut at 99%", _cut("clip.mp4", 0.99), 3, ["incomplete", "moov", "truncated"]),
    # Index first: it opens, but no frame survives.
    ("faststart mp4 cut at 10%", _cut("faststart.mp4", 0.10), 4, ["no decodable video frames"]),
    ("wider than MAX_SIDE", _too_wide, 3, [f"{MAX_SIDE + 1}x8", f"{MAX_SIDE} pixels per side"]),
    ("more than MAX_PIXELS", _too_many_pixels, 3, ["8200x8200", f"{MAX_PIXELS / 1e6:.1f} megapixels"]),
]


@pytest.mark.parametrize("name, make, code, words", FAILURES, ids=[f[0] for f in FAILURES])
def test_bad_input_fails_cleanly(src, tmp_path, name, make, code, words):
    inputs = tmp_path / "in"
    inputs.mkdir()
    video = make(src, inputs)
    out = tmp_path / "results" / "out"  # neither exists: neither may be left behind
    proc = run_cli(video, "--out", out, "--json", tmp_path / "t.json", "--stats", tmp_path / "s.csv")
    assert_one_line_error(proc, code, video.name, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]
    assert leftovers(tmp_path) == []


SOME_FAILURES = [f for f in FAILURES if f[0] in ("text named .mp4", "png named .jpg", "mp4 cut at 99%",
                                                 "faststart mp4 cut at 10%", "wider than MAX_SIDE")]


@pytest.mark.parametrize("name, make, code, words", SOME_FAILURES, ids=[f[0] for f in SOME_FAILURES])
def test_failed_overwrite_keeps_previous_results(src, tmp_path, name, make, code, words):
    """--overwrite replaces earlier results only when the new run succeeds."""
    out = tmp_path / "out"
    assert run_cli(src / "clip.mkv", "--out", out, "-q").returncode == 0
    before = snapshot(out)
    video = make(src, tmp_path)
    proc = run_cli(video, "--out", out, "--overwrite")
    assert_one_line_error(proc, code, *words)
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------------------------------- results


def test_one_frame_video(tmp_path):
    video = tmp_path / "one.mp4"
    render_clip(video, [ShotSpec(1, seed=1)], size=SIZE, options=FAST)
    proc = run_cli(video, "--out", tmp_path / "out")
    doc = ok_json(proc, tmp_path / "out" / "timeline.json")
    assert doc["video"]["frame_count"] == 1
    assert doc["transitions"] == [] and doc["warnings"] == [] and doc["gaps"] == []
    [shot] = doc["shots"]
    assert (shot["start_frame"], shot["end_frame"]) == (0, 1)
    assert [k["frame"] for k in shot["keyframes"]] == [0]
    assert cv2.imread(str(tmp_path / "out" / shot["keyframes"][0]["file"])).shape == (96, 128, 3)
    assert "warning" not in proc.stderr


def test_two_frame_video(tmp_path):
    """Two different pictures: two frames analysed, one shot (shorter than the 3-frame minimum)."""
    video = tmp_path / "two.mp4"
    render_clip(video, [ShotSpec(1, seed=1), ShotSpec(1, seed=2)], size=SIZE, options=FAST)
    doc = ok_json(run_cli(video, "--json", tmp_path / "t.json", "-q"), tmp_path / "t.json")
    assert doc["video"]["frame_count"] == 2
    assert doc["video"]["duration"] == pytest.approx(0.08)
    assert [(s["start_frame"], s["end_frame"]) for s in doc["shots"]] == [(0, 2)]
    assert doc["transitions"] == [] and doc["warnings"] == []


def test_all_black_video(tmp_path):
    video = tmp_path / "black.mp4"
    write_frames(video, "libx264", "yuv420p", [np.zeros((96, 128, 3), np.uint8)] * 50, options=FAST)
    out = tmp_path / "out"
    doc = ok_json(run_cli(video, "--out", out, "-q"), out / "timeline.json")
    assert doc["video"]["frame_count"] == 50
    assert doc["transitions"] == []  # no fade, no cut in a flat picture
    [shot] = doc["shots"]
    assert (shot["start_frame"], shot["end_frame"]) == (0, 50)
    image = cv2.imread(str(out / shot["keyframes"][0]["file"]))
    assert image.shape == (96, 128, 3) and image.max() < 20


@pytest.mark.parametrize("name, fraction, min_frames", [
    ("faststart.mp4", 0.50, 20), ("faststart.mp4", 0.99, 57), ("clip.mkv", 0.99, 57),
])
def test_truncated_file_keeps_what_decodes(src, tmp_path, name, fraction, min_frames):
    video = _cut(name, fraction)(src, tmp_path)
    proc = run_cli(video, "--json", tmp_path / "t.json")
    doc = ok_json(proc, tmp_path / "t.json")
    n = doc["video"]["frame_count"]
    assert min_frames <= n < FRAMES
    assert cuts_of(doc) == [c for c in CUTS if c < n]
    assert doc["video"]["duration"] == pytest.approx(n / 25)
    if name.endswith(".mp4"):  # the MP4 index counts the frames exactly: the loss is certain
        assert any("ended early" in w for w in doc["warnings"]), doc["warnings"]
        assert "warning: video ended early" in proc.stderr
    # Matroska carries no frame count; a lost last frame or two is within what its duration allows.


@pytest.mark.parametrize("container, codec", [("mkv", "libx264"), ("avi", "mpeg4")])
def test_corrupt_packet_in_the_middle_is_a_gap(src, tmp_path, container, codec):
    """One packet's payload overwritten: exactly that frame is skipped, the rest is analysed."""
    clean = src / f"clip.{container}"
    data = bytearray(clean.read_bytes())
    payload = video_packets(clean)[30]  # the frame at 1.2 s
    at = data.find(payload)
    assert at > 0 and data.find(payload, at + 1) == -1
    data[at:at + len(payload)] = np.random.default_rng(30).integers(0, 256, len(payload), np.uint8).tobytes()
    video = tmp_path / f"corrupt.{container}"
    video.write_bytes(bytes(data))
    out = tmp_path / "out"
    proc = run_cli(video, "--out", out)
    doc = ok_json(proc, out / "timeline.json")
    assert doc["video"]["frame_count"] == FRAMES - 1
    assert doc["gaps"] == [{"after_frame": 29, "time": 1.16, "skipped_packets": 1}]
    assert doc["warnings"] == ["skipped 1 undecodable packet(s)"]
    assert "warning: skipped 1 undecodable packet" in proc.stderr
    # Frames are numbered as decoded, so after the gap they are one lower; times stay exact.
    assert [(t["frame"], t["time"]) for t in doc["transitions"]] == [(20, 0.8), (39, 1.6)]
    assert len(list(out.glob("shot-*.jpg"))) == 3


def test_random_bytes_mid_file_mkv(src, tmp_path):
    """Random bytes over the container's own structure: what can still be read is analysed, and the
    damage is reported (how much is lost depends on where the demuxer finds its way back)."""
    clean = src / "clip.mkv"
    data = bytearray(clean.read_bytes())
    at = data.find(video_packets(clean)[30]) - 4  # the block header (track, time, flags) and what follows
    data[at:at + 600] = np.random.default_rng(3).integers(0, 256, 600, np.uint8).tobytes()
    video = tmp_path / "damaged.mkv"
    video.write_bytes(bytes(data))
    proc = run_cli(video, "--json", tmp_path / "t.json")
    doc = ok_json(proc, tmp_path / "t.json")
    assert 30 <= doc["video"]["frame_count"] < FRAMES
    assert doc["warnings"], "the damage must not pass silently"
    assert all(f"warning: {w}" in proc.stderr for w in doc["warnings"])
    assert [(t["type"], t["frame"], t["time"]) for t in doc["transitions"]][:1] == [("cut", 20, 0.8)]
    assert all(t["time"] in (0.8, 1.6) for t in doc["transitions"])


def test_blocks_dropped_by_the_demuxer_are_reported(src, tmp_path):
    """A Matroska block whose track number is damaged: the demuxer gives up on the rest of its
    cluster (frames 30-35) and finds the next one (36) without a word, so the decoder never sees an
    error; the hole in the timestamps is what reveals the lost 0.24 s."""
    clean = src / "gop12.mkv"
    data = bytearray(clean.read_bytes())
    with av.open(str(clean)) as c:
        pos = [p.pos for p in c.demux(video=0) if p.size][30]  # pos: the block's track number
    assert data[pos] == 0x81  # track 1
    data[pos] = 0x82  # track 2, which does not exist
    video = tmp_path / "damaged.mkv"
    video.write_bytes(bytes(data))
    proc = run_cli(video, "--json", tmp_path / "t.json")
    doc = ok_json(proc, tmp_path / "t.json")
    assert doc["video"]["frame_count"] == FRAMES - 6
    warning = "0.24 s of video missing after frame 29 (at 1.160 s): damaged file or a jump in its timestamps"
    assert doc["warnings"] == [warning]
    assert f"warning: {warning}" in proc.stderr
    assert doc["gaps"] == []  # nothing reached the decoder to be rejected
    assert [(t["frame"], t["time"]) for t in doc["transitions"]] == [(20, 0.8), (34, 1.6)]


def test_variable_frame_rate(tmp_path):
    video = tmp_path / "vfr.mkv"
    truth = render_clip(video, SHOTS, size=SIZE, options=FAST, vfr=(1, 3))
    proc = run_cli(video, "--json", tmp_path / "t.json", "--stats", tmp_path / "s.csv", "-q")
    doc = ok_json(proc, tmp_path / "t.json")
    assert doc["video"]["vfr"] is True
    assert cuts_of(doc) == CUTS
    assert [t["time"] for t in doc["transitions"]] == [pytest.approx(truth["times"][c], abs=1e-3) for c in CUTS]
    with open(tmp_path / "s.csv", newline="") as fh:
        times = [float(row["time"]) for row in csv.DictReader(fh)]
    assert times == pytest.approx(truth["times"], abs=1e-3)
    assert doc["warnings"] == []  # long frames that say how long they last are not missing video


def test_pts_jump(src, tmp_path):
    """A 10 s hole in the timestamps: every frame is analysed, times keep the hole, a warning names it."""
    video = tmp_path / "jump.mkv"

    def jump(k, packet, tb):
        if k >= 30:
            packet.pts += int(10 / tb)
            packet.dts += int(10 / tb)

    remux(src / "clip.mkv", video, edit=jump)
    doc = ok_json(run_cli(video, "--json", tmp_path / "t.json", "-q"), tmp_path / "t.json")
    assert doc["video"]["frame_count"] == FRAMES
    assert doc["video"]["duration"] == pytest.approx(12.4)
    assert [(t["frame"], t["time"]) for t in doc["transitions"]] == [(20, 0.8), (40, 11.6)]
    assert doc["warnings"] == ["10 s of video missing after frame 29 (at 1.160 s): damaged file or a jump in "
                               "its timestamps"]


def test_many_pts_jumps_are_summarised(src, tmp_path):
    video = tmp_path / "jumps.mkv"

    def jumps(k, packet, tb):  # 1 s more after every 5th frame: 11 holes
        packet.pts += (k // 5) * int(1 / tb)
        packet.dts += (k // 5) * int(1 / tb)

    remux(src / "clip.mkv", video, edit=jumps)
    doc = ok_json(run_cli(video, "--json", tmp_path / "t.json", "-q"), tmp_path / "t.json")
    assert doc["video"]["frame_count"] == FRAMES
    assert [w.split(" (at")[0] for w in doc["warnings"]] == [
        "1 s of video missing after frame 4", "1 s of video missing after frame 9",
        "1 s of video missing after frame 14", "video missing in 8 more places"]


def test_duplicate_pts(src, tmp_path):
    """Two frames stamped with the time of the frame before them (Matroska accepts equal timestamps)."""
    video = tmp_path / "dup.mkv"

    def dup(k, packet, tb):
        if k in (30, 31):
            packet.pts = packet.dts = int(Fraction(29, 25) / tb)

    remux(src / "clip.mkv", video, edit=dup)
    proc = run_cli(video, "--json", tmp_path / "t.json", "--stats", tmp_path / "s.csv", "-q")
    doc = ok_json(proc, tmp_path / "t.json")
    assert doc["video"]["frame_count"] == FRAMES
    assert cuts_of(doc) == CUTS
    with open(tmp_path / "s.csv", newline="") as fh:
        times = [float(row["time"]) for row in csv.DictReader(fh)]
    assert len(times) == FRAMES and times == sorted(times)
    assert times[29:33] == pytest.approx([1.16, 1.16, 1.16, 1.28])


def test_implausible_frame_rate_in_header(tmp_path):
    """A header claiming 4 million frames per second (found by fuzzing, as a damaged AVI header):
    the detector sizes its windows in frames, so believing it needed gigabytes. Rates above
    MAX_FPS are not used; the timestamps still give the times."""
    video = tmp_path / "fast.mp4"
    render_clip(video, SHOTS, size=SIZE, options=FAST, fps=4_000_000)

    def two_gib():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    proc = run_cli(video, "--json", tmp_path / "t.json", "-q", preexec_fn=two_gib)
    doc = ok_json(proc, tmp_path / "t.json")
    assert doc["video"]["fps"] is None
    assert [(t["frame"], t["time"]) for t in doc["transitions"]] == [(20, 5e-06), (40, 1e-05)]


def test_time_lapse_below_half_a_frame_per_second(tmp_path):
    video = tmp_path / "timelapse.mkv"  # one frame every 5 s
    render_clip(video, SHOTS, size=SIZE, options=FAST, fps=Fraction(1, 5))
    doc = ok_json(run_cli(video, "--json", tmp_path / "t.json", "-q"), tmp_path / "t.json")
    assert doc["video"]["fps"] == "1/5"
    assert [(t["frame"], t["time"]) for t in doc["transitions"]] == [(20, 100.0), (40, 200.0)]


@pytest.fixture(scope="module")
def plain_keyframe(tmp_path_factory):
    d = tmp_path_factory.mktemp("plain")
    render_clip(d / "plain.mp4", SHOTS, size=SIZE, options=FAST)
    assert run_cli(d / "plain.mp4", "--out", d / "out", "--image-format", "png", "-q").returncode == 0
    return cv2.imread(str(d / "out" / "shot-0000-1.png")).astype(int)


@pytest.mark.parametrize("ccw, clockwise, turn", [
    (90, 270, cv2.ROTATE_90_COUNTERCLOCKWISE),
    (180, 180, cv2.ROTATE_180),
    (270, 90, cv2.ROTATE_90_CLOCKWISE),
])
def test_rotation_keyframes_upright(tmp_path, plain_keyframe, ccw, clockwise, turn):
    """The display matrix turns the picture ``ccw`` degrees counter-clockwise; keyframes show it turned."""
    video = tmp_path / f"rot{ccw}.mp4"
    render_clip(video, SHOTS, size=SIZE, options=FAST, rotation=ccw)
    out = tmp_path / "out"
    doc = ok_json(run_cli(video, "--out", out, "--image-format", "png", "-q"), out / "timeline.json")
    assert doc["video"]["rotation"] == clockwise
    assert (doc["video"]["width"], doc["video"]["height"]) == SIZE  # coded size, as stored
    assert cuts_of(doc) == CUTS
    image = cv2.imread(str(out / "shot-0000-1.png")).astype(int)
    expected = cv2.rotate(plain_keyframe.astype(np.uint8), turn).astype(int)
    assert image.shape == expected.shape
    assert np.abs(image - expected).mean() < 2
    if ccw != 180:  # turned the wrong way: clearly different
        wrong = cv2.rotate(expected.astype(np.uint8), cv2.ROTATE_180).astype(int)
        assert np.abs(image - wrong).mean() > 10


def test_non_square_pixels(tmp_path):
    video = tmp_path / "anamorphic.mp4"
    render_clip(video, SHOTS, size=SIZE, options=FAST, sar=Fraction(16, 11))
    out = tmp_path / "out"
    doc = ok_json(run_cli(video, "--out", out, "-q"), out / "timeline.json")
    assert doc["video"]["sample_aspect_ratio"] == "16/11"
    assert cuts_of(doc) == CUTS
    for image in out.glob("shot-*.jpg"):
        assert cv2.imread(str(image)).shape == (96, round(128 * 16 / 11), 3)  # stretched to square pixels


@pytest.mark.parametrize("name, kw, pix_fmt, size", [
    ("odd.mp4", dict(pix_fmt="yuv444p", size=(129, 97)), "yuv444p", (129, 97)),
    ("ten.mp4", dict(pix_fmt="yuv420p10le"), "yuv420p10le", SIZE),
    ("interlaced.mp4", dict(options={**FAST, "flags": "+ildct+ilme", "x264-params": "interlaced=1"}),
     "yuv420p", SIZE),
])
def test_picture_formats(tmp_path, name, kw, pix_fmt, size):
    video = tmp_path / name
    kw = {"size": SIZE, "options": FAST, **kw}
    render_clip(video, SHOTS, **kw)
    if name.startswith("interlaced"):
        with av.open(str(video)) as c:
            assert next(c.decode(video=0)).interlaced_frame
    out = tmp_path / "out"
    doc = ok_json(run_cli(video, "--out", out, "-q"), out / "timeline.json")
    assert (doc["video"]["pix_fmt"], doc["video"]["width"], doc["video"]["height"]) == (pix_fmt, *size)
    assert doc["video"]["frame_count"] == FRAMES
    assert cuts_of(doc) == CUTS
    assert doc["warnings"] == []
    assert [cv2.imread(str(out / f"shot-{i:04d}-1.jpg")).shape for i in range(3)] == [(size[1], size[0], 3)] * 3


def _alpha_frames():
    frames = []
    for k in range(30):
        img = np.zeros((96, 128, 4), np.uint8)
        img[..., 0 if k < 15 else 2] = 220  # red, then blue: a cut at 15
        img[..., 1] = np.linspace(0, 255, 128, dtype=np.uint8)[None, :]
        img[..., 3] = np.linspace(0, 255, 96, dtype=np.uint8)[:, None]  # transparent at the top
        frames.append(img)
    return frames


@pytest.mark.parametrize("name, codec, pix_fmt, decoded", [
    ("alpha.mov", "png", "rgba", "rgba"),
    ("alpha.webm", "libvpx-vp9", "yuva420p", "yuv420p"),  # FFmpeg's VP9 decoder drops the alpha plane
])
def test_alpha_channel(tmp_path, name, codec, pix_fmt, decoded):
    if codec not in av.codecs_available:
        pytest.skip(f"{codec} not in this FFmpeg")
    video = tmp_path / name
    write_frames(video, codec, pix_fmt, _alpha_frames(), src_format="rgba")
    out = tmp_path / "out"
    doc = ok_json(run_cli(video, "--out", out, "-q"), out / "timeline.json")
    assert doc["video"]["pix_fmt"] == decoded
    assert doc["video"]["frame_count"] == 30
    assert [(t["type"], t["frame"]) for t in doc["transitions"]] == [("cut", 15)]
    for i, (channel, other) in enumerate([(2, 0), (0, 2)]):  # BGR: red first, then blue
        image = cv2.imread(str(out / f"shot-{i:04d}-1.jpg"))
        assert image.shape == (96, 128, 3)
        assert image[..., channel].mean() > image[..., other].mean() + 100


def test_unicode_and_spaces_in_paths(src, tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    video = folder / "vidéo – 1 ✓.mp4"
    video.write_bytes((src / "clip.mp4").read_bytes())
    out = tmp_path / "résultats ✓" / "ünïcode out"
    proc = run_cli(Path("clips") / video.name, "--out", out, "--json", tmp_path / "tl ✓.json",
                   "--stats", tmp_path / "stats é.csv", cwd=tmp_path)
    doc = ok_json(proc, out / "timeline.json")
    assert doc["video"]["path"] == f"clips/{video.name}"
    assert cuts_of(doc) == CUTS
    assert json.loads((tmp_path / "tl ✓.json").read_text(encoding="utf-8")) == doc
    assert (tmp_path / "stats é.csv").read_text().count("\n") == FRAMES + 1
    assert sorted(p.name for p in out.iterdir()) == [".shotdetect-manifest.json", "shot-0000-1.jpg",
                                                     "shot-0001-1.jpg", "shot-0002-1.jpg", "timeline.json"]
    assert "résultats ✓" in proc.stderr  # the summary names the folder


def test_unicode_path_json_on_stdout_any_locale(src, tmp_path):
    video = tmp_path / "vidéo ✓.mp4"
    video.write_bytes((src / "clip.mp4").read_bytes())
    proc = subprocess.run([sys.executable, "-m", "shotdetect", str(video), "--json", "-", "-q"],
                          capture_output=True, timeout=60, env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.decode("utf-8"))["video"]["path"] == str(video)


# ------------------------------------------------------------------------------------------- output


def _disk_full_after(limit: int):
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def test_disk_full_writing_keyframes(src, tmp_path):
    """Writes beyond 1 kB fail (EFBIG): the first keyframe image cannot be written."""
    out = tmp_path / "results" / "out"
    proc = run_cli(src / "clip.mkv", "--out", out, preexec_fn=_disk_full_after(1024))
    assert_one_line_error(proc, 5, "cannot write", "file too large")
    assert not (tmp_path / "results").exists()
    assert leftovers(tmp_path) == []


def test_disk_full_writing_timeline_keeps_previous_results(src, tmp_path):
    out = tmp_path / "out"
    assert run_cli(src / "clip.mkv", "--out", out, "--keyframes", "2", "-q").returncode == 0
    before = snapshot(out)
    proc = run_cli(src / "clip.mkv", "--out", out, "--no-images", "--overwrite", preexec_fn=_disk_full_after(500))
    assert_one_line_error(proc, 5, "timeline.json", "cannot write")
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_disk_full_writing_stats(tmp_path):
    video = tmp_path / "long.mkv"  # 200 frames: about 20 kB of CSV
    render_clip(video, [ShotSpec(100, seed=1), ShotSpec(100, seed=2)], size=SIZE, options=FAST)
    proc = run_cli(video, "--stats", tmp_path / "s.csv", "-q", preexec_fn=_disk_full_after(1024))
    assert_one_line_error(proc, 5, "s.csv", "cannot write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.mkv"]


def test_overwrite_leaves_nothing_of_the_old_run(tmp_path):
    video = tmp_path / "long.mp4"
    render_clip(video, [ShotSpec(45, seed=1), ShotSpec(45, seed=2, motion=2.0)], size=SIZE, options=FAST)
    out = tmp_path / "out"
    assert run_cli(video, "--out", out, "--keyframes", "3", "-q").returncode == 0
    old = sorted(p.name for p in out.glob("shot-*"))
    assert "shot-0000-3.jpg" in old and "shot-0001-2.jpg" in old
    before = snapshot(out)
    proc = run_cli(video, "--out", out, "--keyframes", "1")
    assert_one_line_error(proc, 5, "already holds results", "--overwrite")
    assert snapshot(out) == before
    doc = ok_json(run_cli(video, "--out", out, "--keyframes", "1", "--overwrite", "-q"), out / "timeline.json")
    files = [k["file"] for s in doc["shots"] for k in s["keyframes"]]
    assert files == ["shot-0000-1.jpg", "shot-0001-1.jpg"]
    assert sorted(p.name for p in out.iterdir()) == [".shotdetect-manifest.json", *files, "timeline.json"]
    assert leftovers(tmp_path) == []
