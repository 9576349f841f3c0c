"""Picture distances and the *same* rule: hand-computed values on tiny arrays, then realistic pictures.

The picture helpers here (:func:`make_photo` and the perturbations) are also used by the other
``test_compare*`` / ``test_dedupe*`` modules.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from shotdetect.compare import (
    SameRule, align, changed_box, changed_mask, compare_images, estimate_shift, hamming, hamming_many,
    histogram_distances, match_exposure, match_sizes, mean_abs_diff, ncc, nrmse, phash, rmse, same_picture, ssim,
    zero_norm,
)
from shotdetect.compare.phash import from_hex, popcount64, to_hex

# ------------------------------------------------------------------------------------ test pictures


def make_photo(seed: int, size: tuple[int, int] = (320, 240)) -> np.ndarray:
    """A photo-like BGR picture: lit gradient, colour blotches, textured shapes, fixed grain, thin lines."""
    w, h = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    scale = w / 320.0
    base = rng.uniform(40, 200, 3).astype(np.float32)
    slope = rng.uniform(-0.4, 0.4, (2, 3)).astype(np.float32) / scale
    img = base + xx[..., None] * slope[0] + yy[..., None] * slope[1]
    grid = rng.uniform(-1, 1, (5, 6, 3)).astype(np.float32)
    img += cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC) * 35
    for _ in range(int(rng.integers(6, 10))):
        colour = rng.uniform(0, 255, 3)
        cx, cy = int(rng.uniform(0, w)), int(rng.uniform(0, h))
        ax = int(rng.uniform(min(8.0, w / 8), max(w / 4, min(8.0, w / 8) + 1)))
        ay = int(rng.uniform(min(8.0, h / 8), max(h / 4, min(8.0, h / 8) + 1)))
        mask = np.zeros((h, w), np.uint8)
        if rng.random() < 0.5:
            cv2.ellipse(mask, (cx, cy), (ax, ay), float(rng.uniform(0, 180)), 0, 360, 255, -1, cv2.LINE_AA)
        else:
            cv2.rectangle(mask, (cx - ax, cy - ay), (cx + ax, cy + ay), 255, -1)
        m = (mask.astype(np.float32) / 255)[..., None]
        period = rng.uniform(3, 12, 2) * scale
        tex = np.sin(xx / period[0] + yy / period[1])[..., None] * rng.uniform(0, 40)
        img = img * (1 - m) + (colour + tex) * m
    img += rng.normal(0, 6, (h, w, 1)).astype(np.float32)
    for _ in range(4):
        p1 = tuple(int(v) for v in rng.uniform(0, [w, h]))
        p2 = tuple(int(v) for v in rng.uniform(0, [w, h]))
        cv2.line(img, p1, p2, tuple(float(c) for c in rng.uniform(0, 255, 3)), 1, cv2.LINE_AA)
    return np.clip(img, 0, 255).astype(np.uint8)


def jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def add_noise(img: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(img + rng.normal(0, sigma, img.shape), 0, 255).astype(np.uint8)


def shift(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """The scene moved by (dx, dy) pixels, as a camera shake does (content enters at the edges)."""
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REFLECT)


def brighten(img: np.ndarray, factor: float) -> np.ndarray:
    return np.clip(img.astype(np.float32) * factor, 0, 255).astype(np.uint8)


def with_object(img: np.ndarray, x: int, y: int, size: int = 40) -> np.ndarray:
    """``img`` with a two-coloured object (a disc with a square on it) centred at (x, y)."""
    out = img.copy()
    cv2.circle(out, (x, y), size // 2, (30, 200, 240), -1, cv2.LINE_AA)
    cv2.rectangle(out, (x - size // 4, y - size // 4), (x + size // 4, y + size // 4), (200, 40, 40), -1)
    return out


# ------------------------------------------------------------------------- hand-computed on tiny arrays

A = np.array([[0, 10], [20, 30]], np.uint8)
B = np.array([[0, 14], [20, 60]], np.uint8)  # differences 0, 4, 0, 30


def test_mean_abs_diff_by_hand():
    assert mean_abs_diff(A, B) == pytest.approx((0 + 4 + 0 + 30) / 4)  # 8.5
    assert mean_abs_diff(A, A) == 0.0


def test_zero_norm_by_hand():
    assert zero_norm(A, B) == pytest.approx(2 / 4)  # two pixels changed at all
    assert zero_norm(A, B, tolerance=5) == pytest.approx(1 / 4)  # only the 30 exceeds 5
    assert zero_norm(A, B, tolerance=30) == 0.0  # "more than" the tolerance
    assert zero_norm(A, A) == 0.0


def test_rmse_and_nrmse_by_hand():
    expected = math.sqrt((4 ** 2 + 30 ** 2) / 4)  # sqrt(229) = 15.13
    assert rmse(A, B) == pytest.approx(expected)
    assert nrmse(A, B) == pytest.approx(expected / 30)  # range of A is 30
    flat = np.full((2, 2), 7, np.uint8)
    assert nrmse(flat, flat + 3) == pytest.approx(3 / 255)  # flat reference: divided by 255


def test_ncc_by_hand():
    # A - mean(A) = [-15, -5, 5, 15]; B - mean(B) = [-23.5, -9.5, -3.5, 36.5]
    # sum xy = 352.5 + 47.5 - 17.5 + 547.5 = 930; sum x^2 = 500; sum y^2 = 1987
    assert ncc(A, B) == pytest.approx(930 / math.sqrt(500 * 1987))
    assert ncc(A, A * 2 + 5) == pytest.approx(1.0)  # brightness and contrast do not matter
    assert ncc(A, 30 - A) == pytest.approx(-1.0)
    flat = np.full((2, 2), 9, np.uint8)
    assert ncc(flat, flat) == 1.0 and ncc(flat, A) == 0.0


def test_ssim_by_hand():
    a = np.full((4, 4), 100, np.uint8)
    b = np.full((4, 4), 110, np.uint8)
    c1 = (0.01 * 255) ** 2  # 6.5025; flat pictures: the contrast-structure term is C2 / C2 = 1
    assert ssim(a, b) == pytest.approx((2 * 100 * 110 + c1) / (100 ** 2 + 110 ** 2 + c1), abs=1e-6)
    assert ssim(A, A) == pytest.approx(1.0)
    photo = cv2.cvtColor(make_photo(1), cv2.COLOR_BGR2GRAY)
    assert ssim(photo, photo) == pytest.approx(1.0)
    assert ssim(photo, 255 - photo) < 0


def test_changed_mask_and_box_by_hand():
    assert changed_mask(A, B).tolist() == [[False, True], [False, True]]
    assert changed_box(changed_mask(A, B)) == (1, 0, 1, 2)  # x, y, width, height
    assert changed_box(changed_mask(A, A)) is None
    mask = np.zeros((6, 8), bool)
    mask[2, 3] = mask[4, 6] = True
    assert changed_box(mask) == (3, 2, 4, 3)
    # colour: a change in one channel is a change of the pixel
    a3 = np.zeros((1, 2, 3), np.uint8)
    b3 = a3.copy()
    b3[0, 1, 2] = 50
    assert changed_mask(a3, b3, 10).tolist() == [[False, True]]


def _grey_bgr(values: list[list[int]]) -> np.ndarray:
    g = np.array(values, np.uint8)
    return cv2.merge([g, g, g])


def test_histogram_distances_by_hand():
    # Grey pictures: Y = the grey level, U = V = 128 for both, so only the Y histogram differs and
    # every distance is the Y distance / 3 (distances average over Y, U, V).
    # A: four pixels of 0 -> bin 0 = 1; soft-binned (a quarter to each neighbour, the edge keeping
    #    its own quarter): [0.75, 0.25, 0, ...].
    # B: two of 0, two of 8 -> bins 0 and 1 = 0.5 each; soft: [0.5, 0.375, 0.125, 0, ...].
    a = _grey_bgr([[0, 0], [0, 0]])
    b = _grey_bgr([[0, 8], [8, 0]])
    p = np.array([0.75, 0.25, 0.0])
    q = np.array([0.5, 0.375, 0.125])
    d = histogram_distances(a, b)
    bc = math.sqrt(0.75 * 0.5) + math.sqrt(0.25 * 0.375)
    assert d["bhattacharyya"] == pytest.approx(math.sqrt(1 - bc) / 3)
    # chi-square: 0.5 * (0.25^2 / 1.25 + 0.125^2 / 0.625 + 0.125^2 / 0.125) = 0.5 * 0.2 = 0.1
    assert d["chi_square"] == pytest.approx(0.1 / 3)
    # symmetric KL with 1e-3 of the mass spread over the 32 bins
    eps, bins = 1e-3, 32
    ps = np.concatenate([p, np.zeros(bins - 3)])
    qs = np.concatenate([q, np.zeros(bins - 3)])
    ps, qs = (ps + eps / bins) / (1 + eps), (qs + eps / bins) / (1 + eps)
    assert d["kl"] == pytest.approx(0.5 * float(((ps - qs) * np.log(ps / qs)).sum()) / 3)
    same = histogram_distances(a, a)
    assert same == {"kl": 0.0, "bhattacharyya": 0.0, "chi_square": 0.0}
    # Disjoint Y histograms (0 and 248 are 31 bins apart): Bhattacharyya and chi-square of Y are 1.
    far = histogram_distances(a, _grey_bgr([[248, 248], [248, 248]]))
    assert far["bhattacharyya"] == pytest.approx(1 / 3) and far["chi_square"] == pytest.approx(1 / 3)


def test_hamming_and_popcount_by_hand():
    assert hamming(0b1011, 0b0001) == 2
    assert hamming(0, (1 << 64) - 1) == 64
    values = np.array([0, 1, (1 << 64) - 1, 0xF0F0], dtype=np.uint64)
    assert popcount64(values).tolist() == [0, 1, 64, 8]
    assert hamming_many(0b11, values).tolist() == [2, 1, 62, 10]
    assert from_hex(to_hex(0xDEADBEEF12345678)) == 0xDEADBEEF12345678


def test_match_exposure_and_sizes():
    a = np.array([[10, 20], [30, 40]], np.uint8)
    b = a * 2 + 7  # brighter and more contrast
    assert np.allclose(match_exposure(a, b), a, atol=1e-4)
    big, small = np.zeros((40, 60, 3), np.uint8), np.zeros((20, 30, 3), np.uint8)
    ra, rb, which = match_sizes(big, small)
    assert ra.shape == rb.shape == (20, 30, 3) and which == "a"
    assert match_sizes(small, big)[2] == "b" and match_sizes(small, small)[2] is None


# ------------------------------------------------------------------------------- realistic pictures

SEEDS = (1, 2, 3)


def test_identical_pictures_have_zero_distances():
    a = make_photo(5)
    r = compare_images(a, a.copy())
    assert r.same
    for value in (r.mad, r.zero_norm, r.rmse, r.nrmse, r.kl, r.bhattacharyya, r.chi_square, r.changed_area):
        assert value == 0.0
    assert r.phash_distance == 0 and r.changed_pixels == 0 and r.changed_box is None
    assert r.ssim == pytest.approx(1.0) and r.ncc == pytest.approx(1.0) and r.correlation == pytest.approx(1.0)


SAME = {
    "jpeg95": lambda a: jpeg(a, 95),
    "jpeg50": lambda a: jpeg(a, 50),
    "jpeg10": lambda a: jpeg(a, 10),
    "half size": lambda a: cv2.resize(a, (a.shape[1] // 2, a.shape[0] // 2), interpolation=cv2.INTER_AREA),
    "odd size": lambda a: cv2.resize(a, (117, 88), interpolation=cv2.INTER_AREA),
    "enlarged": lambda a: cv2.resize(a, (480, 360), interpolation=cv2.INTER_CUBIC),
    "shift 1px": lambda a: shift(a, 1, 0),
    "shift 1px diagonal": lambda a: shift(a, -1, 1),
    "brightness +10%": lambda a: brighten(a, 1.1),
    "brightness -10%": lambda a: brighten(a, 0.9),
    "noise 3": lambda a: add_noise(a, 3),
    "noise 5": lambda a: add_noise(a, 5),
    "all at once": lambda a: jpeg(add_noise(brighten(shift(a, 1, 0), 1.08), 4), 40),
}


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("change", list(SAME))
def test_the_same_picture_after_everyday_damage_is_same(change, seed):
    a = make_photo(seed)
    r = compare_images(a, SAME[change](a))
    assert r.same, (change, r.changed_area, r.correlation)
    # with a wide margin: nothing at all counted as changed
    assert r.changed_area <= SameRule.max_area / 5
    assert r.correlation >= 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_a_moved_object_is_different(seed):
    base = make_photo(seed)
    r = compare_images(with_object(base, 80, 90), with_object(base, 220, 150))
    assert not r.same
    assert r.changed_area > 5 * SameRule.max_area
    x, y, w, h = r.changed_box
    assert x <= 66 and y <= 76 and x + w >= 234 and y + h >= 164  # both places, old and new
    appeared = compare_images(base, with_object(base, 80, 90))
    assert not appeared.same
    bx, by, bw, bh = appeared.changed_box
    assert 52 <= bx <= 66 and 62 <= by <= 76 and 94 <= bx + bw <= 110 and 104 <= by + bh <= 120


@pytest.mark.parametrize("seed", SEEDS)
def test_a_different_photo_is_different(seed):
    r = compare_images(make_photo(seed), make_photo(seed + 100))
    assert not r.same
    assert r.changed_area > 0.1 and r.correlation < 0.5 and r.phash_distance >= 16


def test_faint_pictures_and_noisy_walls():
    faint_a = (make_photo(5) // 8 + 100).astype(np.uint8)
    faint_b = (make_photo(6) // 8 + 100).astype(np.uint8)
    r = compare_images(faint_a, faint_b)  # differences stay under the tolerance: correlation decides
    assert not r.same and r.correlation < 0.5
    assert compare_images(faint_a, add_noise(faint_a, 5)).same
    wall = np.full((240, 320, 3), 120, np.uint8)
    for sigma in (4, 15):  # two noisy frames of a blank wall
        assert compare_images(add_noise(wall, sigma, 1), add_noise(wall, sigma, 2)).same
    black, white = np.zeros((60, 80, 3), np.uint8), np.full((60, 80, 3), 255, np.uint8)
    assert not compare_images(black, white).same


def test_max_pixels_rule_and_exposure_normalisation():
    a = make_photo(7, (64, 48))
    b = a.copy()
    b[10:13, 20:22] = 255 - b[10:13, 20:22]  # 6 pixels inverted
    rule = SameRule(max_pixels=6, tolerance=0)
    changed = int(changed_mask(a, b, 0).sum())
    assert changed <= 6
    assert compare_images(a, b, rule=rule).same
    assert not compare_images(a, b, rule=SameRule(max_pixels=changed - 1, tolerance=0)).same
    assert compare_images(a, b, rule=rule).changed_box == (20, 10, 2, 3)
    brighter = brighten(a, 1.1)
    plain = compare_images(a, brighter)
    normalised = compare_images(a, brighter, normalize_exposure=True)
    assert normalised.mad < plain.mad / 3 and normalised.zero_norm <= plain.zero_norm


def test_alignment_finds_and_undoes_a_shift():
    a = make_photo(8)
    b = shift(a, 3, -2)  # the scene moved 3 px right and 2 px up
    s = estimate_shift(a, b)
    assert s.dx == pytest.approx(3, abs=0.2) and s.dy == pytest.approx(-2, abs=0.2) and s.response > 0.5
    ca, cb, applied = align(a, b)
    assert applied.applied and ca.shape == cb.shape and ca.shape[:2] == (238, 317)  # 2 rows, 3 columns cut
    assert mean_abs_diff(ca, cb) < 1.0
    plain, aligned = compare_images(a, b), compare_images(a, b, align_images=True)
    assert aligned.mad < plain.mad / 5 and aligned.ssim > 0.97 > plain.ssim
    assert aligned.shift.applied
    unrelated = align(a, make_photo(9))[2]
    assert not unrelated.applied


def test_phash_survives_reencoding_and_separates_photos():
    a = make_photo(10)
    h = phash(a)
    assert hamming(h, phash(jpeg(cv2.resize(a, (150, 110), interpolation=cv2.INTER_AREA), 30))) <= 6
    assert hamming(h, phash(brighten(a, 1.1))) <= 6
    others = [hamming(h, phash(make_photo(s))) for s in range(20, 30)]
    assert min(others) >= 12 and 20 <= np.mean(others) <= 44


def test_same_picture_fast_path_agrees():
    a = make_photo(11)
    assert same_picture(a, jpeg(cv2.resize(a, (200, 150), interpolation=cv2.INTER_AREA), 40))[0]
    assert not same_picture(a, with_object(a, 150, 100))[0]
    assert same_picture(cv2.cvtColor(a, cv2.COLOR_BGR2GRAY), a)[0]  # grey against colour
