"""Tests of the synthetic clip renderer: the truth it reports must match the pixels it writes."""

from __future__ import annotations

import importlib.util
import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tooling.synth import Event, ShotSpec, TransitionSpec, layout, render_clip, truth_path_for

SMALL = (128, 96)
ROOT = Path(__file__).resolve().parent.parent


def decode(path):
    """All frames of ``path`` as int16 RGB arrays, plus the first decoded frame and the stream."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        frames = list(c.decode(video=0))
        sar = stream.sample_aspect_ratio
    return [f.to_ndarray(format="rgb24").astype(np.int16) for f in frames], frames, sar


def mad(a, b):
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


# ---------------------------------------------------------------------------------------------- layout


def test_layout_arithmetic():
    shots = [ShotSpec(10, 1), ShotSpec(12, 2), ShotSpec(15, 3), ShotSpec(9, 4)]
    trans = [TransitionSpec("cut"), TransitionSpec("dissolve", 5), TransitionSpec("fade", 8, hold=2)]
    offsets, pure, truth = layout(shots, trans)
    assert offsets == [0, 10, 22, 37, 46]
    # dissolve of 5 at boundary 22: 5 // 2 = 2 frames from the old shot, 3 from the new one
    # fade of 8 at boundary 37: 4 from the old shot, 4 from the new one
    assert truth == [
        {"type": "cut", "frame": 10},
        {"type": "dissolve", "start": 20, "end": 24},
        {"type": "fade", "start": 33, "end": 40},
    ]
    assert pure == [(0, 9), (10, 19), (25, 32), (41, 45)]
    # every frame is either pure or inside exactly one span, and spans are exactly F frames long
    covered = sorted(k for lo, hi in pure for k in range(lo, hi + 1))
    covered += [k for t in truth if "start" in t for k in range(t["start"], t["end"] + 1)]
    assert sorted(covered) == list(range(offsets[-1]))
    assert layout(shots)[2] == [{"type": "cut", "frame": f} for f in (10, 22, 37)]


def test_layout_rejects_bad_specs():
    with pytest.raises(ValueError):
        layout([ShotSpec(10, 1), ShotSpec(10, 2)], [])
    with pytest.raises(ValueError):  # shot 1 keeps no pure frame
        layout([ShotSpec(10, 1), ShotSpec(4, 2), ShotSpec(10, 3)],
               [TransitionSpec("dissolve", 6), TransitionSpec("dissolve", 4)])
    with pytest.raises(ValueError):
        TransitionSpec("cut", 3)
    with pytest.raises(ValueError):
        TransitionSpec("dissolve", 0)
    with pytest.raises(ValueError):
        TransitionSpec("fade", 4, hold=3)
    with pytest.raises(ValueError):
        TransitionSpec("spin", 4)
    with pytest.raises(ValueError):
        Event("flash", 3, frames=4)


# ---------------------------------------------------------------------------------------------- pixels


def test_cuts_frame_count_and_in_shot_stability(tmp_path):
    shots = [
        ShotSpec(12, seed=1),
        ShotSpec(12, seed=2, pan=(1.0, 0.5)),
        ShotSpec(12, seed=3, motion=3.0),
        ShotSpec(12, seed=4, noise=8.0),
    ]
    truth = render_clip(tmp_path / "cuts.mp4", shots, size=SMALL)
    rgb, _, _ = decode(tmp_path / "cuts.mp4")
    assert len(rgb) == truth["frames"] == 48
    assert (truth["width"], truth["height"], truth["fps"], truth["codec"]) == (128, 96, 25, "x264")
    cuts = [t["frame"] for t in truth["transitions"]]
    assert cuts == [12, 24, 36]
    diffs = [0.0] + [mad(rgb[k], rgb[k - 1]) for k in range(1, len(rgb))]
    in_shot = [diffs[k] for k in range(1, len(rgb)) if k not in cuts]
    assert min(diffs[k] for k in cuts) > 20
    assert max(in_shot) < 10
    assert min(diffs[k] for k in cuts) > 3 * max(in_shot)
    assert max(diffs[1:12]) < 1.0  # the still shot is still
    assert min(diffs[25:36]) > 0.3  # the shot with moving objects moves
    assert min(diffs[37:48]) > 1.0  # fresh noise in every frame survives the encoder


def test_dissolve_midpoint_is_average(tmp_path):
    shots = [ShotSpec(10, seed=5), ShotSpec(10, seed=6)]
    truth = render_clip(tmp_path / "dis.mp4", shots, [TransitionSpec("dissolve", 9)], size=SMALL, crf=8)
    assert truth["transitions"] == [{"type": "dissolve", "start": 6, "end": 14}]
    rgb, _, _ = decode(tmp_path / "dis.mp4")
    a, b = rgb[5], rgb[15]  # last pure frame of A, first pure frame of B
    assert mad(a, b) > 20
    assert mad(rgb[0], a) < 1.0 and mad(rgb[-1], b) < 1.0
    assert mad(rgb[10], (a + b) / 2.0) < 2.0
    # every span frame is a real mixture, and the mixture moves steadily from A to B
    dist_a = [mad(rgb[k], a) for k in range(6, 15)]
    assert min(dist_a) > 1.5 and min(mad(rgb[k], b) for k in range(6, 15)) > 1.5
    assert all(x < y for x, y in zip(dist_a, dist_a[1:]))


@pytest.mark.parametrize("kind, level", [("fade", 0), ("fade-white", 255)])
def test_fade_through_black_or_white(tmp_path, kind, level):
    shots = [ShotSpec(10, seed=7), ShotSpec(10, seed=8)]
    truth = render_clip(tmp_path / "fade.mp4", shots, [TransitionSpec(kind, 8, hold=2)], size=SMALL)
    assert truth["transitions"] == [{"type": "fade", "start": 6, "end": 13}]
    rgb, _, _ = decode(tmp_path / "fade.mp4")
    # 3 frames out (6..8), 2 held (9, 10), 3 in (11..13)
    for k in (9, 10):
        assert abs(float(rgb[k].mean()) - level) < 3
    for k in (5, 14, 6, 13):
        assert abs(float(rgb[k].mean()) - level) > 15
    assert abs(rgb[8].mean() - level) < abs(rgb[6].mean() - level)


def test_wipe_reveals_new_shot_progressively(tmp_path):
    shots = [ShotSpec(8, seed=9), ShotSpec(8, seed=10)]
    truth = render_clip(tmp_path / "wipe.mp4", shots, [TransitionSpec("wipe", 7)], size=SMALL, crf=10)
    assert truth["transitions"] == [{"type": "wipe", "start": 5, "end": 11}]
    rgb, _, _ = decode(tmp_path / "wipe.mp4")
    a, b = rgb[4], rgb[12]
    mid = rgb[8]  # half wiped: the left half shows B, the right half A (direction "right")
    w = SMALL[0]
    assert mad(mid[:, : w // 2 - 4], b[:, : w // 2 - 4]) < 2.0
    assert mad(mid[:, w // 2 + 4:], a[:, w // 2 + 4:]) < 2.0
    assert mad(mid[:, : w // 2 - 4], a[:, : w // 2 - 4]) > 10


def test_flash_and_caption_are_negatives(tmp_path):
    shots = [ShotSpec(20, seed=11), ShotSpec(12, seed=12)]
    truth = render_clip(tmp_path / "flash.mp4", shots, size=SMALL,
                        events=[Event("flash", 8, frames=2), Event("text", 22, frames=6)])
    assert truth["transitions"] == [{"type": "cut", "frame": 20}]
    assert truth["negatives"] == [{"type": "flash", "frame": 8}, {"type": "text", "frame": 22, "end": 27}]
    rgb, _, _ = decode(tmp_path / "flash.mp4")
    base = float(rgb[7].mean())
    assert rgb[8].mean() > base + 40  # 70 % toward white
    assert base + 10 < rgb[9].mean() < rgb[8].mean()  # decaying second frame
    assert mad(rgb[10], rgb[7]) < 1.0  # back to the shot
    assert mad(rgb[26], rgb[21]) > 1.0  # the caption is there...
    assert mad(rgb[28], rgb[21]) < 1.0  # ...and gone after its 6 frames
    with pytest.raises(ValueError):  # events may not overlap a transition
        render_clip(tmp_path / "bad.mp4", shots, [TransitionSpec("dissolve", 6)], size=SMALL,
                    events=[Event("flash", 18)])


def test_same_seed_same_pictures_different_seed_different(tmp_path):
    spec = [ShotSpec(3, seed=42, pan=(0.7, 0.3), motion=2.0, noise=1.0)]
    render_clip(tmp_path / "a.mp4", spec, size=SMALL)
    render_clip(tmp_path / "b.mp4", spec, size=SMALL)
    render_clip(tmp_path / "c.mp4", [ShotSpec(3, seed=43, pan=(0.7, 0.3), motion=2.0, noise=1.0)], size=SMALL)
    a, b, c = (decode(tmp_path / n)[0] for n in ("a.mp4", "b.mp4", "c.mp4"))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert mad(a[0], c[0]) > 20


# ---------------------------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("name, rotation, expected", [("r.mp4", 90, 90), ("r.mkv", 270, -90), ("r.mp4", 180, -180)])
def test_rotation_is_written_as_display_matrix(tmp_path, name, rotation, expected):
    if not hasattr(av.video.stream.VideoStream, "set_display_rotation"):
        pytest.skip("writing a display matrix needs PyAV >= 18")
    truth = render_clip(tmp_path / name, [ShotSpec(3, seed=1)], size=SMALL, rotation=rotation)
    assert truth["rotation"] == expected
    rgb, frames, _ = decode(tmp_path / name)
    assert frames[0].rotation == expected
    assert rgb[0].shape == (96, 128, 3)  # stored upright, only the metadata rotates


def test_rotation_refused_in_avi(tmp_path):
    with pytest.raises(ValueError):
        render_clip(tmp_path / "r.avi", [ShotSpec(3, seed=1)], size=SMALL, codec="mpeg4", rotation=90)
    assert not (tmp_path / "r.avi").exists()


@pytest.mark.parametrize("name, codec", [("s.mp4", "libx264"), ("s.mkv", "libx264"), ("s.avi", "mpeg4")])
def test_sample_aspect_ratio_reads_back(tmp_path, name, codec):
    truth = render_clip(tmp_path / name, [ShotSpec(3, seed=1)], size=SMALL, codec=codec, sar=Fraction(16, 11))
    assert truth["sar"] == "16:11"
    _, _, sar = decode(tmp_path / name)
    assert sar == Fraction(16, 11)


@pytest.mark.parametrize("name, codec, vfr, fps", [
    ("v.mp4", "libx264", True, 25),
    ("v.mkv", "libx264", (1, 3, 2), 25),
    ("v.webm", "libvpx-vp9", True, 25),
    ("v.mp4", "libx264", True, Fraction(30000, 1001)),
])
def test_vfr_times_read_back(tmp_path, name, codec, vfr, fps):
    shots = [ShotSpec(8, seed=1), ShotSpec(7, seed=2)]
    truth = render_clip(tmp_path / name, shots, size=SMALL, codec=codec, vfr=vfr, fps=fps)
    times = truth["times"]
    assert len(times) == truth["frames"] == 15
    pattern = (1, 2) if vfr is True else vfr
    steps = np.diff(times) * float(fps)
    assert np.allclose(steps, [pattern[k % len(pattern)] for k in range(14)], atol=1e-3)
    assert truth["fps"] == pytest.approx(15 / ((times[-1] + pattern[14 % len(pattern)] / float(fps))), rel=1e-5)
    _, frames, _ = decode(tmp_path / name)
    assert len(frames) == 15
    # Matroska stores milliseconds, hence the tolerance
    assert np.allclose([float(f.time) for f in frames], times, atol=1e-3)


# ---------------------------------------------------------------------------------------------- formats


@pytest.mark.parametrize("name, codec, pix_fmt, size, decoded_fmt", [
    ("f.mp4", "libx264", "yuv420p10le", (128, 96), "yuv420p10le"),
    ("f.mkv", "libx264", "yuv444p", (129, 97), "yuv444p"),
    ("f.mp4", "libx264", "gray", (129, 97), None),
    ("f.webm", "libvpx-vp9", "yuv420p", (129, 97), "yuv420p"),
    ("f.webm", "libvpx-vp9", "yuv444p", (128, 96), "yuv444p"),
    ("f.avi", "mpeg4", "yuv420p", (129, 97), "yuv420p"),
])
def test_codecs_pixel_formats_and_odd_sizes(tmp_path, name, codec, pix_fmt, size, decoded_fmt):
    shots = [ShotSpec(4, seed=1), ShotSpec(4, seed=2)]
    truth = render_clip(tmp_path / name, shots, size=size, codec=codec, pix_fmt=pix_fmt)
    assert truth["pix_fmt"] == pix_fmt
    rgb, frames, _ = decode(tmp_path / name)
    assert len(frames) == 8
    assert (frames[0].width, frames[0].height) == size
    if decoded_fmt:
        assert frames[0].format.name == decoded_fmt
    if pix_fmt == "gray":  # no colour left
        assert np.abs(rgb[0][:, :, 0] - rgb[0][:, :, 1]).max() <= 3
    assert mad(rgb[4], rgb[3]) > 3 * max(mad(rgb[1], rgb[0]), 1.0)


@pytest.mark.parametrize("kwargs", [
    dict(size=(129, 97)),  # libx264 4:2:0 needs even sizes
    dict(size=(129, 96), pix_fmt="yuv420p10le"),
    dict(codec="libvpx-vp9", pix_fmt="gray"),
    dict(codec="mpeg4", pix_fmt="yuv444p"),
    dict(codec="libvpx-vp9", sar=Fraction(4, 3)),
    dict(codec="h263"),
    dict(rotation=45),
])
def test_unsupported_combinations_are_refused(tmp_path, kwargs):
    with pytest.raises(ValueError):
        render_clip(tmp_path / "x.mkv", [ShotSpec(2, seed=1)], **kwargs)


def test_gop_and_truth_file(tmp_path):
    path = tmp_path / "g.mp4"
    truth = render_clip(path, [ShotSpec(12, seed=1)], size=SMALL, gop=4, write_truth=True)
    assert truth_path_for(path) == tmp_path / "g.truth.json"
    assert json.loads((tmp_path / "g.truth.json").read_text()) == truth
    assert truth["video"] == "g.mp4"
    assert {"video", "frames", "fps", "width", "height", "codec", "transitions", "negatives"} <= set(truth)
    _, frames, _ = decode(path)
    keys = [i for i, f in enumerate(frames) if f.key_frame]
    assert keys[:3] == [0, 4, 8]


def test_sample_truth_matches_its_script():
    script = ROOT / "samples" / "make_sample.py"
    truth_file = ROOT / "samples" / "demo.truth.json"
    if not script.exists() or not truth_file.exists():
        pytest.skip("sample not present")
    spec = importlib.util.spec_from_file_location("make_sample", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    truth = json.loads(truth_file.read_text())
    offsets, _, transitions = layout(mod.SHOTS, mod.TRANSITIONS)
    assert truth["frames"] == offsets[-1]
    assert truth["transitions"] == transitions
