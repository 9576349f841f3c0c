"""Keyframe image writing: at once, or in the background inside a ``with`` block."""

from __future__ import annotations

import threading

import cv2
import pytest

from shotdetect.decode import open_video
from shotdetect.errors import OutputError
from shotdetect.export import ImageWriter


@pytest.fixture(scope="module")
def pictures(cut_clip):
    path, _ = cut_clip
    with open_video(path) as reader:
        return [f.source.render() for f in reader if f.index % 40 == 0]


def _writer_threads():
    return [t for t in threading.enumerate() if t.name == "shotdetect-images" and t.is_alive()]


def test_background_writes_everything_by_the_end_of_the_block(tmp_path, pictures):
    with ImageWriter(tmp_path) as writer:
        names = [writer(shot=i, number=1, frame=i, image=p) for i, p in enumerate(pictures)]
    assert not _writer_threads()
    assert names == [f"shot-{i:04d}-1.jpg" for i in range(len(pictures))]
    assert sorted(p.name for p in tmp_path.iterdir()) == names  # no temporary files left
    for name, picture in zip(names, pictures):
        back = cv2.imread(str(tmp_path / name))
        assert back.shape == picture.shape
        assert abs(float(back.mean()) - float(picture.mean())) < 2


def test_without_a_block_it_writes_at_once(tmp_path, pictures):
    writer = ImageWriter(tmp_path, "png")
    name = writer(shot=3, number=2, frame=0, image=pictures[0])
    assert (tmp_path / name).is_file() and name == "shot-0003-2.png"
    assert not _writer_threads()


def test_background_error_is_raised(tmp_path, pictures):
    target = tmp_path / "gone"
    target.mkdir()
    with pytest.raises(OutputError, match="cannot write"):
        with ImageWriter(target) as writer:
            target.rmdir()
            for i, p in enumerate(pictures):
                writer(shot=i, number=1, frame=i, image=p)
    assert not _writer_threads()


def test_leaving_by_an_exception_drops_the_queue(tmp_path, pictures):
    with pytest.raises(KeyboardInterrupt):
        with ImageWriter(tmp_path) as writer:
            for i, p in enumerate(pictures):
                writer(shot=i, number=1, frame=i, image=p)
            raise KeyboardInterrupt
    assert not _writer_threads()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
