"""Decompression bombs and damaged pictures, run as a user runs them (compare, dedupe, image sequences).

Each bomb is a few bytes (a few hundred kB for the JPEG) that declare a 30000x30000 picture: 2.7 GB
once decoded. shotdetect must refuse it from its header, in one line, without allocating it: the
commands run here under a 1.5 GB address-space limit.
"""

from __future__ import annotations

import json
import resource
import shutil
import struct
import subprocess
import sys
import zlib

import cv2
import numpy as np
import pytest

from shotdetect.imageheader import declared_size

SIDE = 30000
LIMIT = 1536 << 20


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "shotdetect", *map(str, args)], capture_output=True, text=True,
                          timeout=120, preexec_fn=_limit, cwd=cwd)


def gif(w=SIDE, h=SIDE):
    """A 1x1 image on a huge logical screen."""
    return (b"GIF89a" + struct.pack("<HHBBB", w, h, 0, 0, 0) + b"," + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
            + b"\x02\x02\x44\x01\x00;")


def bmp_rle(w=SIDE, h=SIDE):
    """8-bit RLE bitmap whose only code is 'end of bitmap'."""
    palette, data = bytes(1024), b"\x00\x01"
    offset = 14 + 40 + len(palette)
    return (b"BM" + struct.pack("<IHHI", offset + len(data), 0, 0, offset)
            + struct.pack("<IiiHHIIiiII", 40, w, h, 1, 8, 1, len(data), 2835, 2835, 256, 0) + palette + data)


def tiff_deflate(w=SIDE, h=SIDE):
    strip = zlib.compress(b"")
    tags = [(256, 4, w), (257, 4, h), (258, 3, 8), (259, 3, 8), (262, 3, 1), (273, 4, 0), (277, 3, 1),
            (278, 4, h), (279, 4, len(strip))]
    data_at = 8 + 2 + 12 * len(tags) + 4
    entries = b"".join(struct.pack("<HHI", tag, kind, 1)
                       + (struct.pack("<HH", value, 0) if kind == 3
                          else struct.pack("<I", data_at if tag == 273 else value))
                       for tag, kind, value in tags)
    return b"II*\x00" + struct.pack("<IH", 8, len(tags)) + entries + bytes(4) + strip


def jpeg_after_comments(w=SIDE, h=SIDE, comments=3):
    """A real 8x8 JPEG, its frame header patched to w x h and pushed behind ~64 kB comments."""
    data = bytearray(cv2.imencode(".jpg", np.zeros((8, 8, 3), np.uint8))[1].tobytes())
    i = 2
    while data[i + 1] != 0xC0:
        i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    data[i + 5:i + 9] = struct.pack(">HH", h, w)
    com = b"".join(b"\xff\xfe" + struct.pack(">H", 65533) + bytes(65531) for _ in range(comments))
    return bytes(data[:2]) + com + bytes(data[2:])


def pgm(w=SIDE, h=SIDE):
    return f"P5\n# comment\n{w} {h}\n255\n".encode() + bytes(16)


def png(w=SIDE, h=SIDE):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b""))


BOMBS = {"bomb.gif": gif, "bomb.bmp": bmp_rle, "bomb.tif": tiff_deflate, "bomb.jpg": jpeg_after_comments,
         "bomb.pgm": pgm, "bomb.png": png}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_header_parsers_read_the_declared_size(name):
    assert declared_size(BOMBS[name]()) == (SIDE, SIDE)
    assert declared_size(BOMBS[name](640, 480)) == (640, 480)


def test_more_header_formats():
    picture = np.zeros((48, 64, 3), np.uint8)
    for ext in (".jpg", ".png", ".bmp", ".tif", ".webp", ".ppm", ".ras", ".jp2"):
        ok, data = cv2.imencode(ext, picture)
        assert ok and declared_size(data.tobytes()) == (64, 48), ext
    ok, data = cv2.imencode(".hdr", picture.astype(np.float32))
    assert declared_size(data.tobytes()) == (64, 48)
    assert declared_size(b"not an image at all") is None


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_compare_refuses_a_bomb_from_its_header(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BOMBS[name]())
    proc = run_cli("compare", path, path)
    assert proc.returncode == 3, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and f"{SIDE}x{SIDE}" in lines[0] and "megapixels" in lines[0], proc.stderr


def test_opencv_limit_is_the_backstop_beyond_the_parsed_header(tmp_path):
    """A JPEG frame header 17 MB into the file is past what is searched: OpenCV's own limit refuses it."""
    path = tmp_path / "far.jpg"
    path.write_bytes(jpeg_after_comments(comments=260))
    proc = run_cli("compare", path, path)
    assert proc.returncode == 3 and len(proc.stderr.splitlines()) == 1 and "megapixels" in proc.stderr, proc.stderr


def test_bombs_in_dedupe_and_image_sequences_are_skipped(tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(3):
        cv2.imwrite(str(folder / f"p{i}.png"), rng.integers(0, 256, (48, 64, 3), np.uint8))
    (folder / "p1x.bmp").write_bytes(bmp_rle())
    (folder / "p1y.tif").write_bytes(tiff_deflate())
    proc = run_cli("dedupe", folder, "--out", tmp_path / "kept", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "kept" / "kept.json").read_text())
    assert sum("megapixels" in w for w in doc["warnings"]) == 2
    proc = run_cli(folder, "--json", tmp_path / "t.json", "--no-images", "-q")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "t.json").read_text())
    assert doc["video"]["frame_count"] == 3


def test_damaged_pictures_give_one_error_line(tmp_path):
    """libpng and libjpeg print their own complaints on stderr; only shotdetect's line is shown."""
    good = tmp_path / "good.png"
    cv2.imwrite(str(good), np.random.default_rng(2).integers(0, 256, (64, 64, 3), np.uint8))
    data = bytearray(good.read_bytes())
    data[60:80] = bytes(20)  # inside IDAT: "libpng error: IDAT: CRC error"
    bad = tmp_path / "bad.png"
    bad.write_bytes(bytes(data))
    jpeg = tmp_path / "bad.jpg"
    jpeg.write_bytes(cv2.imencode(".jpg", cv2.imread(str(good)))[1].tobytes()[:400])
    for path in (bad, jpeg):
        proc = run_cli("compare", path, good)
        assert proc.returncode in (0, 1, 3), proc.stderr
        assert len(proc.stderr.splitlines()) <= 1, proc.stderr


def test_corrupt_index_cache_entries_are_rebuilt(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for name in ("a.png", "b.png"):
        cv2.imwrite(str(folder / name), cv2.resize(rng.integers(0, 256, (6, 8, 3), np.uint8), (160, 120)))
    query = tmp_path / "query.png"
    shutil.copy(folder / "b.png", query)
    assert run_cli("compare", "--index", folder, query).returncode == 0
    cache = folder / ".shotdetect-index.json"
    for bad in (5, "zz", "f" * 20, [1], {"x": 1}, None, "-1"):
        doc = json.loads(cache.read_text())
        for entry in doc["entries"].values():
            entry["phash"] = bad
        cache.write_text(json.dumps(doc))
        proc = run_cli("compare", "--index", folder, query)
        assert proc.returncode == 0 and "found:" in proc.stdout, (bad, proc.stdout, proc.stderr)
    cache.write_text('{"schema": "shotdetect.index", "entries": {"a.png": 7, "b.png": {"size": "x"}}}')
    proc = run_cli("compare", "--index", folder, query)
    assert proc.returncode == 0 and "found:" in proc.stdout, proc.stderr
