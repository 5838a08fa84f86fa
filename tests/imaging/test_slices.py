import io

import numpy as np
import pytest
from PIL import Image as PILImage

from snt_web.imaging.slices import (
    auto_contrast,
    encode_png,
    extract_slice,
    render_slice_png,
    window_to_uint8,
)


@pytest.fixture
def volume():
    # Every voxel holds its own (z, y, x) index, so slices can be checked exactly.
    z, y, x = np.meshgrid(np.arange(4), np.arange(5), np.arange(6), indexing="ij")
    return z * 100 + y * 10 + x


def test_planes_follow_the_orthogonal_view_layout(volume):
    xy = extract_slice(volume, "xy", 2)
    assert xy.shape == (5, 6) and xy[3, 4] == 234
    xz = extract_slice(volume, "xz", 3)  # rows z, columns x
    assert xz.shape == (4, 6) and xz[1, 5] == 135
    zy = extract_slice(volume, "zy", 1)  # rows y, columns z
    assert zy.shape == (5, 4) and zy[4, 2] == 241


def test_index_is_clipped_to_the_volume(volume):
    assert np.array_equal(extract_slice(volume, "xy", 99), volume[-1])
    assert np.array_equal(extract_slice(volume, "xy", -5), volume[0])


def test_window_maps_low_to_black_and_high_to_white():
    plane = np.array([[0.0, 50.0, 100.0, 200.0, np.nan]])
    out = window_to_uint8(plane, 50, 100)
    assert out.dtype == np.uint8
    assert out.tolist() == [[0, 0, 255, 255, 0]]
    assert window_to_uint8(np.array([[5.0, 4.0]]), 4, 4).tolist() == [[255, 0]]


def test_png_round_trips_exactly():
    rng = np.random.default_rng(0)
    plane = rng.integers(0, 256, (37, 53), dtype=np.uint8)
    decoded = np.asarray(PILImage.open(io.BytesIO(encode_png(plane))))
    assert decoded.dtype == np.uint8 and np.array_equal(decoded, plane)


def test_rendered_slice_is_8_bit_grayscale_of_the_right_shape(volume):
    png = render_slice_png(volume, "xz", 2, 0, 400)
    img = PILImage.open(io.BytesIO(png))
    assert img.mode == "L" and img.size == (6, 4)  # PIL size is (width, height)


def test_auto_contrast_ignores_rare_outliers():
    rng = np.random.default_rng(1)
    vol = rng.normal(100, 10, (20, 64, 64))
    vol[0, 0, :5] = 60000  # hot pixels
    lo, hi = auto_contrast(vol)
    assert 50 < lo < 100 < hi < 200
