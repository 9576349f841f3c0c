"""Intact files are not reported as damaged: sparse AVI files and streams with empty packets.

An encoder with nothing new for a frame may write an empty chunk (AVI) or an empty packet (Theora,
NUT): "show the previous picture again". FFmpeg decodes such files cleanly; shotdetect must not call
them truncated, missing video or undecodable. Both files are made here, run as a user runs them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import av
import numpy as np
import pytest

from shotdetect.aviindex import empty_video_frames

DAMAGE_WORDS = ("missing", "ended early", "truncated", "undecodable", "damaged")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_sparse_avi_is_not_truncated_or_missing_video(tmp_path):
    """3 frames of every 10 coded, the other 7 empty chunks: 21 pictures over 7 s."""
    avi = tmp_path / "sparse.avi"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x96:r=10:d=7",
                    "-vf", r"select='lt(mod(n\,10)\,3)'", "-fps_mode", "passthrough", "-c:v", "mpeg4", str(avi)],
                   check=True)
    assert len(empty_video_frames(avi)) == 42
    proc = run_cli(avi, "--json", "-", "--no-images", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["video"]["frame_count"] == 21
    assert not [w for w in doc["warnings"] if any(word in w for word in DAMAGE_WORDS)], doc["warnings"]
    assert proc.stderr == ""


def test_avi_index_of_other_files_is_empty(tmp_path):
    (tmp_path / "x.avi").write_bytes(b"RIFF\x04\x00\x00\x00AVI ")
    (tmp_path / "y.avi").write_bytes(b"not a riff file at all")
    assert empty_video_frames(tmp_path / "x.avi") == frozenset()
    assert empty_video_frames(tmp_path / "y.avi") == frozenset()
    assert empty_video_frames(tmp_path / "missing.avi") == frozenset()


def test_empty_packets_are_not_undecodable(tmp_path):
    """A NUT file where every second frame is followed by an empty packet (a repeat of it)."""
    path = tmp_path / "repeats.nut"
    rng = np.random.default_rng(0)
    picture = rng.integers(0, 256, (96, 160, 3), np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        pts = 0
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(np.roll(picture, 3 * i, 1), "rgb24")
            frame.pts = pts
            for packet in stream.encode(frame):
                out.mux(packet)
            pts += 1
            if i % 2:
                empty = av.Packet(b"")
                empty.stream, empty.time_base = stream, stream.time_base
                empty.pts = empty.dts = round(pts / (stream.time_base * 10))
                out.mux(empty)
                pts += 1
        for packet in stream.encode():
            out.mux(packet)
    with av.open(str(path)) as c:
        assert sum(p.size == 0 and p.pts is not None for p in c.demux(c.streams.video[0])) == 15
    proc = run_cli(path, "--json", "-", "--no-images", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["video"]["frame_count"] == 30 and doc["gaps"] == []
    assert not [w for w in doc["warnings"] if any(word in w for word in DAMAGE_WORDS)], doc["warnings"]
