"""Decoding edge cases: variable frame rate, rotation, non-square pixels, odd sizes and pixel formats."""

from __future__ import annotations

import subprocess
from fractions import Fraction

import cv2
import jsonschema
import numpy as np
import pytest

import shotdetect
from shotdetect.decode import open_video
from shotdetect.export import load_schema
from tooling.synth import ShotSpec, render_clip

from conftest import FAST, FORMAT_SHOTS, cut_frames


def _keyframe_images(path):
    images = []
    tl = shotdetect.detect(path, keyframe_sink=lambda **kw: images.append(kw["image"]) or None)
    return tl, images


def test_vfr_frame_times(vfr_clip):
    path, truth = vfr_clip
    with open_video(path) as reader:
        frames = [(f.index, f.time) for f in reader]
    assert [i for i, _ in frames] == list(range(truth["frames"]))
    assert len(frames) == len(truth["times"])
    for (_, t), expected in zip(frames, truth["times"]):
        assert isinstance(t, Fraction)
        assert float(t) == pytest.approx(expected, abs=1e-3)


def test_vfr_detect(vfr_clip):
    path, truth = vfr_clip
    tl = shotdetect.detect(path)
    assert tl.video.vfr is True
    cuts = cut_frames(truth)
    assert [t.frame for t in tl.transitions] == cuts
    for t in tl.transitions:
        assert float(t.time) == pytest.approx(truth["times"][t.frame], abs=1e-3)
    for s in tl.shots[1:]:
        assert float(s.start_time) == pytest.approx(truth["times"][s.start_frame], abs=1e-3)
    doc = tl.to_dict()
    jsonschema.validate(doc, load_schema())
    assert doc["video"]["vfr"] is True


def test_cfr_is_not_vfr(plain_format_clip):
    path, _ = plain_format_clip
    assert shotdetect.detect(path, keyframes=0).video.vfr is False


def test_reader_info_and_analysis_planes(plain_format_clip):
    path, truth = plain_format_clip
    with open_video(path) as reader:
        assert (reader.info.width, reader.info.height) == (truth["width"], truth["height"])
        assert reader.info.fps == 25
        w, h = reader.analysis_size
        first = next(iter(reader))
        assert first.index == 0 and first.time == 0
        for plane in (first.y, first.u, first.v):
            assert plane.shape == (h, w)
            assert plane.dtype == np.uint8


def test_analysis_copy_from_the_decoding_thread_is_the_consumers(plain_format_clip):
    """The decoding thread makes each frame's analysis copy ahead of the analysis: it must be the
    copy the consumer would make of the same decoded picture."""
    path, _ = plain_format_clip
    with open_video(path) as reader:
        for frame in reader:
            again = reader._analysis_planes(frame.source.frame, reader._geometry)
            for made, expected in zip((frame.y, frame.u, frame.v), again):
                assert np.array_equal(made, expected)


def test_analysis_copy_when_the_picture_size_changes(tmp_path):
    """A stream that changes picture size midway: the frames of the other size get their copy from
    the consumer (scaled by libswscale), at the same analysis size as the rest."""
    parts = []
    for i, size in enumerate(("320x180", "192x108")):
        part = tmp_path / f"part{i}.ts"
        subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=size={size}:rate=25:duration=1", "-c:v", "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", "-f", "mpegts", str(part)], check=True)
        parts.append(part.read_bytes())
    joined = tmp_path / "joined.ts"
    joined.write_bytes(b"".join(parts))
    with open_video(joined) as reader:
        size = reader.analysis_size
        frames = list(reader)
    assert len(frames) >= 45
    sizes = {f.source.width for f in frames}
    assert sizes == {320, 192}
    for f in frames:
        for plane in (f.y, f.u, f.v):
            assert plane.shape == (size[1], size[0])


def test_rotation_90(rotated_clip, plain_format_clip):
    path, truth = rotated_clip
    assert truth["rotation"] == 90  # display matrix: 90 degrees counter-clockwise
    tl, images = _keyframe_images(path)
    # our JSON rotation is clockwise degrees: 90 ccw == 270 cw
    assert tl.video.rotation in (90, 270)
    assert tl.video.rotation == 270
    assert tl.to_dict()["video"]["rotation"] == 270
    jsonschema.validate(tl.to_dict(), load_schema())
    assert tl.cuts == cut_frames(truth)
    assert images and all(img.shape == (truth["width"], truth["height"], 3) for img in images)
    # same pixels as the unrotated clip, turned 90 degrees counter-clockwise
    _, plain = _keyframe_images(plain_format_clip[0])
    assert len(plain) == len(images)
    expected = cv2.rotate(plain[0], cv2.ROTATE_90_COUNTERCLOCKWISE)
    assert np.abs(expected.astype(int) - images[0].astype(int)).mean() < 3
    wrong = cv2.rotate(plain[0], cv2.ROTATE_90_CLOCKWISE)
    assert np.abs(wrong.astype(int) - images[0].astype(int)).mean() > 10


def test_sample_aspect_ratio(sar_clip):
    path, truth = sar_clip
    tl, images = _keyframe_images(path)
    assert tl.video.sample_aspect_ratio == Fraction(16, 11)
    assert tl.to_dict()["video"]["sample_aspect_ratio"] == "16/11"
    expected_w = truth["width"] * 16 / 11
    for img in images:
        assert img.shape[0] == truth["height"]
        assert abs(img.shape[1] - expected_w) <= 2
    assert tl.cuts == cut_frames(truth)


@pytest.mark.parametrize("name, kw", [
    ("odd444.mp4", dict(size=(321, 241), pix_fmt="yuv444p")),
    ("ten_bit.mp4", dict(pix_fmt="yuv420p10le")),
    ("gray.mp4", dict(pix_fmt="gray")),
    ("vp9odd.webm", dict(codec="libvpx-vp9", size=(161, 121))),
    ("mpeg4.avi", dict(codec="mpeg4")),
])
def test_formats_decode_and_detect(clips_dir, name, kw):
    kw.setdefault("size", (256, 144))
    if kw.get("codec", "libx264") == "libx264":
        kw["options"] = FAST
    path = clips_dir / name
    truth = render_clip(path, FORMAT_SHOTS, **kw)
    tl, images = _keyframe_images(path)
    assert tl.video.frame_count == truth["frames"]
    assert (tl.video.width, tl.video.height) == (truth["width"], truth["height"])
    assert [(t.type, t.frame) for t in tl.transitions] == [("cut", f) for f in cut_frames(truth)]
    assert len(images) == len(tl.shots)
    assert all(img.shape == (truth["height"], truth["width"], 3) for img in images)
    jsonschema.validate(tl.to_dict(), load_schema())


def test_nonzero_first_pts(tmp_path, plain_format_clip):
    """A stream starting at pts != 0: times are relative to the first frame, start_time records the offset."""
    import av

    src = plain_format_clip[0]
    dst = tmp_path / "offset.mkv"
    offset = Fraction(2)
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        s_in = inp.streams.video[0]
        s_out = out.add_stream_from_template(s_in)
        for packet in inp.demux(s_in):
            if packet.dts is None:
                continue
            shift = int(offset / s_in.time_base)
            packet.pts += shift
            packet.dts += shift
            packet.stream = s_out
            out.mux(packet)
    tl = shotdetect.detect(dst)
    assert float(tl.video.start_time) == pytest.approx(2.0, abs=0.05)
    assert tl.shots[0].start_time == 0
    assert tl.cuts == cut_frames(plain_format_clip[1])
    assert float(tl.transitions[0].time) == pytest.approx(tl.transitions[0].frame / 25, abs=1e-3)
    jsonschema.validate(tl.to_dict(), load_schema())


@pytest.fixture(scope="module")
def b_frame_clip(tmp_path_factory):
    """A clip encoded with B-frames (the fast preset of the other tests has none)."""
    path = tmp_path_factory.mktemp("bframes") / "bframes.mp4"
    shots = [ShotSpec(30, seed=61, motion=2.0), ShotSpec(30, seed=62)]
    render_clip(path, shots, size=(256, 144), options={"preset": "veryfast", "bf": "3"})
    return path


def _picture_types(path):
    import av

    with av.open(str(path)) as container:
        return [int(f.pict_type) for f in container.decode(video=0)]


def test_fast_decoding_marks_b_frames_and_keeps_analysis(b_frame_clip):
    types = _picture_types(b_frame_clip)
    assert types.count(3) >= 10, "the clip should have B-frames"  # 3: AV_PICTURE_TYPE_B
    with open_video(b_frame_clip) as reader:
        exact = [(f.clean, f.y.astype(int)) for f in reader]
    with open_video(b_frame_clip, fast=True) as reader:
        fast = [(f.clean, f.y.astype(int)) for f in reader]
    assert len(exact) == len(fast) == len(types)
    assert all(clean for clean, _ in exact)
    assert [clean for clean, _ in fast] == [t != 3 for t in types]
    # Skipping the deblocking filter leaves the small analysis copy all but unchanged.
    worst = max(float(np.abs(a - b).mean()) for (_, a), (_, b) in zip(exact, fast))
    assert worst < 1.5


def test_keyframes_come_from_clean_frames(b_frame_clip):
    types = _picture_types(b_frame_clip)
    timeline = shotdetect.detect(b_frame_clip, keyframes=3, keyframe_sink=lambda **kw: "kf.png")
    frames = [k.frame for s in timeline.shots for k in s.keyframes]
    assert len(frames) >= 4
    assert all(types[f] != 3 for f in frames)


def test_stopping_early_ends_the_decoding_thread(plain_format_clip):
    import threading

    path, _ = plain_format_clip
    with open_video(path) as reader:
        for frame in reader:
            if frame.index == 3:
                break
    assert not [t for t in threading.enumerate() if t.name == "shotdetect-decode" and t.is_alive()]


def test_decoder_errors_reach_the_caller(plain_format_clip, monkeypatch):
    from shotdetect import decode
    from shotdetect.errors import DecodeError

    original = decode.VideoReader._decoded

    def failing(self):
        for n, item in enumerate(original(self)):
            if n == 5:
                raise DecodeError("broken on purpose")
            yield item

    monkeypatch.setattr(decode.VideoReader, "_decoded", failing)
    path, _ = plain_format_clip
    seen = []
    with pytest.raises(DecodeError, match="broken on purpose"), open_video(path) as reader:
        seen.extend(f.index for f in reader)
    assert seen == [0, 1, 2, 3, 4]


def test_fast_decoding_leaves_other_codecs_alone(tmp_path):
    path = tmp_path / "mpeg4.mp4"
    shots = [ShotSpec(20, seed=63, motion=2.0), ShotSpec(20, seed=64)]
    render_clip(path, shots, size=(256, 144), codec="mpeg4", options={"bf": "2"})
    assert _picture_types(path).count(3) >= 5, "the clip should have B-frames"
    with open_video(path, fast=True) as reader:
        frames = list(reader)
        assert not reader.skips_b_deblocking
    assert len(frames) == 40 and all(f.clean for f in frames)
