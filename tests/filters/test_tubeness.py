import numpy as np
import pytest

from snt_web.filters import frangi, tubeness
from snt_web.model import Path, Tree
from snt_web.synth import render_tree

SHAPE = (16, 48, 64)
SPACING = (1.0, 0.3, 0.3)


@pytest.fixture(scope="module")
def tube():
    """A straight neurite of radius 0.6 along x at y = 7.2, z = 8 (µm), and its centre-line voxels."""
    path = Path(1, [[1.5, 7.2, 8.0], [17.4, 7.2, 8.0]], radii=[0.6, 0.6])
    image = render_tree(Tree([path]), SHAPE, SPACING) * 100
    return image, (8, 24, slice(10, 54))


@pytest.mark.parametrize("filt", [tubeness, frangi])
def test_high_on_the_tube_zero_on_background(tube, filt):
    image, centre = tube
    response = filt(image, scales=[0.4, 0.8], spacing=SPACING)
    assert response.dtype == np.float32 and response.shape == image.shape
    on_tube = response[centre]
    assert on_tube.min() > 0
    background = response[:, 40:, :]  # far from the tube (> 4 µm in y)
    assert np.abs(background).max() < 1e-3 * on_tube.min()
    assert response.min() >= 0


def test_tubeness_peaks_on_the_axis(tube):
    image, (z, y, xs) = tube
    response = tubeness(image, scales=0.6, spacing=SPACING)
    profile = response[z, :, 30]
    assert abs(int(np.argmax(profile)) - y) <= 1
    assert abs(int(np.argmax(response[:, y, 30])) - z) <= 1


@pytest.mark.parametrize("filt", [tubeness, frangi])
def test_2d_ridge(filt):
    image = np.zeros((40, 40))
    image[20, 5:35] = 100
    for stack in (image, image[None]):  # 2D, and 3D with one slice
        response = filt(stack, scales=1.0)
        flat = response.reshape(40, 40)
        assert flat[20, 10:30].min() > 0
        assert flat[20, 10:30].min() > 10 * flat[30:, :].max()


def test_dark_tubes_are_ignored():
    image = np.full((9, 32, 32), 100.0)
    image[4, 16, :] = 0
    assert tubeness(image, scales=1.0).max() == pytest.approx(0, abs=1e-3)


def test_bad_scale():
    with pytest.raises(ValueError):
        tubeness(np.zeros((4, 8, 8)), scales=0)
