"""Pictures from image files, image sequences, live streams and single video frames (shotdetect.decode)."""

from __future__ import annotations

import os
import struct
from datetime import datetime
from fractions import Fraction

import cv2
import numpy as np
import pytest

import shotdetect.pipeline as pipeline
from shotdetect.decode import VideoReader, open_video
from shotdetect.errors import InputError
from shotdetect.export import ImageWriter
from shotdetect.decode import (
    ImageRef, ImageSequence, LiveSource, grab_video_frame, image_size, list_images, load_picture, natural_key,
    open_source, parse_picture_spec, read_exif, read_image,
)
from tooling.synth import ShotSpec, render_clip

from conftest import FAST
from test_compare_metrics import make_photo


def write_image(path, image, quality=90):
    ok, buf = cv2.imencode(os.path.splitext(str(path))[1], image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    buf.tofile(str(path))
    return path


def exif_segment(when: str | None = None, orientation: int | None = None, subsec: str | None = None,
                 big_endian: bool = False) -> bytes:
    """A JPEG APP1 segment holding a minimal EXIF block (IFD0 -> Exif IFD), built by hand."""
    e = ">" if big_endian else "<"
    ifd0 = []
    if orientation is not None:
        ifd0.append((0x0112, 3, 1, struct.pack(e + "HH", orientation, 0)))
    exif_entries = []
    strings = b""
    # layout: header(8) | IFD0 | Exif IFD | strings
    n0 = len(ifd0) + 1
    ifd0_size = 2 + 12 * n0 + 4
    n1 = (when is not None) + (subsec is not None)
    exif_at = 8 + ifd0_size
    strings_at = exif_at + 2 + 12 * n1 + 4
    for tag, text in ((0x9003, when), (0x9291, subsec)):
        if text is None:
            continue
        raw = text.encode() + b"\x00"
        if len(raw) <= 4:
            exif_entries.append((tag, 2, len(raw), raw.ljust(4, b"\x00")))
        else:
            exif_entries.append((tag, 2, len(raw), struct.pack(e + "I", strings_at + len(strings))))
            strings += raw
    ifd0.append((0x8769, 4, 1, struct.pack(e + "I", exif_at)))
    tiff = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    for entries in (ifd0, exif_entries):
        tiff += struct.pack(e + "H", len(entries))
        for tag, typ, *rest in entries:
            count, value = (rest[0], rest[1]) if len(rest) == 2 else (1, rest[0])
            tiff += struct.pack(e + "HHI", tag, typ, count) + value
        tiff += struct.pack(e + "I", 0)
    payload = b"Exif\x00\x00" + tiff + strings
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def write_jpeg_with_exif(path, image, **exif):
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    data = buf.tobytes()
    path.write_bytes(data[:2] + exif_segment(**exif) + data[2:])
    return path


# ------------------------------------------------------------------------------------------ ordering


def test_natural_order():
    names = ["img10.jpg", "img2.jpg", "img1.jpg", "Img3.jpg", "img2b.jpg", "a.jpg"]
    assert sorted(names, key=natural_key) == ["a.jpg", "img1.jpg", "img2.jpg", "img2b.jpg", "Img3.jpg", "img10.jpg"]


def test_list_images_folder_glob_and_orders(tmp_path):
    small = make_photo(1, (32, 24))
    for i, name in enumerate(["f10.png", "f2.png", "f1.jpg"]):
        write_image(tmp_path / name, small)
        os.utime(tmp_path / name, (1_000_000 + i, 1_000_000 + i))
    (tmp_path / "notes.txt").write_text("not a picture")
    write_image(tmp_path / ".hidden.png", small)
    (tmp_path / "sub").mkdir()
    write_image(tmp_path / "sub" / "f0.png", small)
    assert [p.name for p in list_images(tmp_path)] == ["f1.jpg", "f2.png", "f10.png"]
    assert [p.name for p in list_images(tmp_path, "mtime")] == ["f10.png", "f2.png", "f1.jpg"]
    assert [p.name for p in list_images(str(tmp_path / "f*.png"))] == ["f2.png", "f10.png"]
    assert [p.name for p in list_images([tmp_path / "f10.png", tmp_path / "f2.png"])] == ["f2.png", "f10.png"]
    with pytest.raises(InputError, match="no image files match"):
        list_images(str(tmp_path / "*.gif"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no image files in this folder"):
        list_images(tmp_path / "empty")
    with pytest.raises(InputError, match="no such file"):
        list_images(tmp_path / "missing")


def test_exif_parsed_by_hand(tmp_path):
    img = make_photo(2, (40, 30))
    for big in (False, True):
        p = write_jpeg_with_exif(tmp_path / f"e{big}.jpg", img, when="2023:07:14 12:34:56", orientation=6,
                                 subsec="25", big_endian=big)
        exif = read_exif(p)
        assert exif["datetime_original"] == datetime(2023, 7, 14, 12, 34, 56, 250000)
        assert exif["orientation"] == 6
        assert image_size(p) == (30, 40)  # turned by the orientation tag ...
        assert read_image(p).shape[:2] == (40, 30)  # ... as OpenCV shows it
    plain = write_image(tmp_path / "plain.jpg", img)
    assert "datetime_original" not in read_exif(plain)
    assert read_exif(write_image(tmp_path / "x.png", img)) == {}
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00II*\x00\xff\xff\xff\xff")
    assert "datetime_original" not in read_exif(garbage)


def test_exif_order_and_times(tmp_path):
    img = make_photo(3, (48, 36))
    # names in the opposite order of the capture times; one file without EXIF falls back to its mtime
    write_jpeg_with_exif(tmp_path / "a.jpg", img, when="2024:01:01 10:00:20")
    write_jpeg_with_exif(tmp_path / "b.jpg", img, when="2024:01:01 10:00:05")
    write_jpeg_with_exif(tmp_path / "c.jpg", img, when="2024:01:01 10:00:00")
    late = write_image(tmp_path / "0-late.jpg", img)
    stamp = datetime(2024, 1, 1, 10, 1, 0).timestamp()
    os.utime(late, (stamp, stamp))
    seq = ImageSequence(tmp_path, order="exif")
    assert [p.name for p in seq.files] == ["c.jpg", "b.jpg", "a.jpg", "0-late.jpg"]
    assert [f.time for f in seq] == [0, 5, 20, 60]


# ---------------------------------------------------------------------------------------- one image


def test_read_image_unicode_path_and_errors(tmp_path):
    img = make_photo(4, (64, 48))
    path = write_image(tmp_path / "bild-ü-日本.png", img)
    assert np.array_equal(read_image(path), img)
    assert read_image(path, grey=True).shape == (48, 64)
    big = write_image(tmp_path / "big.jpg", make_photo(4, (1280, 960)))
    reduced = read_image(big, min_width=160)
    assert 160 <= reduced.shape[1] < 320  # decoded at 1/4 size straight from the JPEG
    with pytest.raises(InputError, match="no such file"):
        read_image(tmp_path / "nope.jpg")
    with pytest.raises(InputError, match="is a directory"):
        read_image(tmp_path)
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        read_image(tmp_path / "empty.jpg")
    (tmp_path / "text.jpg").write_text("hello, not a picture")
    with pytest.raises(InputError, match="not an image"):
        read_image(tmp_path / "text.jpg")


def test_picture_specs():
    path, t, f = parse_picture_spec("clip.mp4@12.5s")
    assert (str(path), t, f) == ("clip.mp4", 12.5, None)
    assert parse_picture_spec("dir/clip.mp4@1:02.5")[1] == pytest.approx(62.5)
    assert parse_picture_spec("clip.mp4@1:00:02")[1] == pytest.approx(3602)
    assert parse_picture_spec("clip.mp4@3")[1] == 3
    path, t, f = parse_picture_spec("clip.mkv#frame=300")
    assert (str(path), t, f) == ("clip.mkv", None, 300)
    assert parse_picture_spec("photo.jpg")[1:] == (None, None)


def test_an_existing_file_name_with_at_is_taken_literally(tmp_path):
    p = write_image(tmp_path / "icon@2.png", make_photo(5, (16, 12)))
    assert parse_picture_spec(str(p)) == (p, None, None)
    assert load_picture(str(p)).image.shape == (12, 16, 3)


@pytest.fixture(scope="module")
def three_shots(tmp_path_factory):
    """Three still shots of 20 frames at 25 fps (cuts at frames 20 and 40), with a little noise."""
    path = tmp_path_factory.mktemp("sources") / "three.mp4"
    truth = render_clip(path, [ShotSpec(20, seed=61, noise=2.0), ShotSpec(20, seed=62, noise=2.0),
                               ShotSpec(20, seed=63, noise=2.0)], size=(192, 144), options=FAST)
    return path, truth


def _decoded(path):
    with open_video(path) as reader:
        return [(f.index, f.time, f.source.render()) for f in reader]


def test_grab_video_frame_by_time_and_index(three_shots):
    path, _ = three_shots
    frames = _decoded(path)
    image, index, t = grab_video_frame(path, time=1.0)  # frame 25 is shown from 1.00 s to 1.04 s
    assert index is None and t == pytest.approx(1.0)
    assert np.array_equal(image, frames[25][2])
    image, _, t = grab_video_frame(path, time=1.03)
    assert t == pytest.approx(1.0) and np.array_equal(image, frames[25][2])
    image, index, t = grab_video_frame(path, frame=47)
    assert index == 47 and t == pytest.approx(47 / 25) and np.array_equal(image, frames[47][2])
    with pytest.raises(InputError, match="frame 500 does not exist"):
        grab_video_frame(path, frame=500)
    with pytest.raises(InputError, match="past the end"):
        grab_video_frame(path, time=99)
    pic = load_picture(f"{path}@0.4s")
    assert pic.time == pytest.approx(0.4) and np.array_equal(pic.image, frames[10][2])


# ------------------------------------------------------------------------------------------ sequences


def test_image_sequence_frames(tmp_path):
    pics = [make_photo(s, (320, 240)) for s in (1, 2, 3)]
    for i, img in enumerate(pics):
        write_image(tmp_path / f"p{i + 1}.png", img)
    (tmp_path / "p2b.png").write_bytes(b"\x89PNG broken")  # unreadable, in the middle: skipped
    seq = open_source(tmp_path, fps=10)
    assert isinstance(seq, ImageSequence)
    assert (seq.info.width, seq.info.height, seq.info.fps, seq.info.codec) == (320, 240, 10, "image")
    assert seq.analysis_size == (160, 120)
    frames = list(seq)
    assert [f.index for f in frames] == [0, 1, 2]
    assert [f.time for f in frames] == [0, Fraction(1, 10), Fraction(3, 10)]  # time from the position in the folder
    assert any("p2b.png" in w for w in seq.warnings)
    assert all(f.y.shape == f.u.shape == f.v.shape == (120, 160) for f in frames)
    assert isinstance(frames[2].source, ImageRef)
    rendered = frames[2].source.render()  # the same renderer as for video frames
    assert np.array_equal(rendered, pics[2])
    small = frames[0].source.render(100)
    assert small.shape == (75, 100, 3)
    expected_y = cv2.cvtColor(cv2.resize(pics[0], (160, 120), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2YUV)[:, :, 0]
    assert np.array_equal(frames[0].y, expected_y)


def test_open_source_dispatch(tmp_path, three_shots):
    path, _ = three_shots
    write_image(tmp_path / "one.png", make_photo(1, (64, 48)))
    assert isinstance(open_source(str(tmp_path / "*.png")), ImageSequence)
    assert isinstance(open_source(tmp_path / "one.png"), ImageSequence)
    with open_source(path) as reader:
        assert isinstance(reader, VideoReader)
    with pytest.raises(InputError):
        open_source(tmp_path / "missing.mp4")


def test_live_source_reads_a_stream_like_the_file_reader(three_shots):
    path, _ = three_shots
    with open_video(path) as reader:
        expected = [(f.index, f.time) for f in reader]
    with open_source(f"file:{path}") as live:
        assert isinstance(live, LiveSource) and live.info.frame_count is None
        got = [(f.index, f.time, f.y.shape) for f in live]
    assert [(i, t) for i, t, _ in got] == expected
    assert got[0][2] == (144, 192)
    with LiveSource(f"file:{path}", max_duration=0.5) as live:
        frames = list(live)
        image = frames[-1].source.render()
    assert len(frames) == 13 and image.shape == (144, 192, 3)
    with pytest.raises(InputError, match="no such device or stream"):
        LiveSource("file:/nonexistent/stream.ts", timeout=2)


def test_shot_detection_on_a_folder_of_frames(tmp_path, three_shots, monkeypatch):
    """The wiring proposed for ``shotdetect FOLDER``: pipeline.detect opening sources with open_source."""
    path, truth = three_shots
    folder = tmp_path / "frames"
    folder.mkdir()
    for index, _, image in _decoded(path):
        write_image(folder / f"frame{index}.png", image)  # frame2 before frame10: natural order matters
    # until the lead wires open_source into pipeline.detect (harmless afterwards)
    monkeypatch.setattr(pipeline, "open_video", open_source, raising=False)
    out = tmp_path / "keys"
    out.mkdir()
    timeline = pipeline.detect(folder, keyframe_sink=ImageWriter(out))
    assert [t.frame for t in timeline.transitions] == [t["frame"] for t in truth["transitions"]] == [20, 40]
    assert timeline.video.frame_count == 60 and timeline.video.codec == "image"
    assert len(list(out.glob("shot-*.jpg"))) == 3
