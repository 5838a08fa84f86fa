"""The image the autotracer works on (noise, smoothing, background, threshold) and gaps bridged from its tips."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from snt_web.autotrace import AutotraceSettings, autotrace
from snt_web.autotrace.denoise import noise_sigma, smoothed_noise
from snt_web.autotrace.foreground import prepare

SPACING = (1.0, 0.3, 0.3)
_OPTIONS = {"sigma": None, "threshold": None, "noise_sigmas": AutotraceSettings.noise_sigmas,
            "min_contrast": AutotraceSettings.min_contrast, "sigma_scale": AutotraceSettings.denoise_scale}


def _neurite_image(rng, *, signal, noise, ramp=0.0, gap=(), shape=(12, 48, 160)):
    """A soma at x = 12 and a neurite along x (row y = 24, slice z = 6), blurred, over a background of 100.

    ``gap``: x voxels where the neurite is not labelled. Returns the image and the neurite's voxels (z, y, x).
    """
    truth = np.zeros(shape, dtype=np.float32)
    zz, yy, xx = np.ogrid[:shape[0], :shape[1], :shape[2]]
    truth[((zz - 6) * 3.3) ** 2 + (yy - 24) ** 2 + (xx - 12) ** 2 <= 64] = 2.0 * signal
    truth[6, 23:26, 12:150] = np.maximum(truth[6, 23:26, 12:150], signal)
    truth[:, :, list(gap)] = np.where(truth[:, :, list(gap)] == signal, 0, truth[:, :, list(gap)])
    blurred = ndimage.gaussian_filter(truth, (0.6, 1.0, 1.0))
    background = 100.0 + ramp * np.linspace(0, 1, shape[2])
    image = blurred * (signal / blurred[6, 24, 80]) + background + rng.normal(0, noise, shape)
    return image.astype(np.float32), np.array([(6, 24, x) for x in range(30, 150) if x not in gap])


def test_the_noise_is_measured_from_neighbouring_voxels_despite_neurites_and_a_ramp():
    image, _ = _neurite_image(np.random.default_rng(0), signal=40, noise=8, ramp=60)
    assert noise_sigma(image) == pytest.approx(8, rel=0.05)


def test_at_an_snr_of_2_5_the_threshold_clears_the_noise_and_keeps_the_neurite():
    image, neurite = _neurite_image(np.random.default_rng(1), signal=20, noise=8)
    out = prepare(image, SPACING, **_OPTIONS)
    background = out.image[:, :8]  # rows far from the neurite and the soma
    assert np.mean(background > out.threshold) < 0.01
    assert np.mean(out.image[tuple(neurite.T)] > out.threshold) > 0.9
    assert out.threshold >= AutotraceSettings.noise_sigmas * smoothed_noise(out.noise, SPACING, out.sigma) - 1e-6


def test_a_ramp_of_background_is_subtracted_so_that_one_threshold_fits_both_sides():
    image, neurite = _neurite_image(np.random.default_rng(2), signal=30, noise=4, ramp=80)
    out = prepare(image, SPACING, **_OPTIONS)
    dim, bright = out.image[:, :8, :40], out.image[:, :8, -40:]
    assert np.mean(bright > out.threshold) < 0.01 and np.mean(dim > out.threshold) < 0.01
    assert np.mean(out.image[tuple(neurite.T)] > out.threshold) > 0.9


def test_a_clean_stack_is_smoothed_little_and_a_noisy_one_more():
    rng = np.random.default_rng(3)
    clean = prepare(_neurite_image(rng, signal=60, noise=3)[0], SPACING, **_OPTIONS)
    noisy = prepare(_neurite_image(rng, signal=20, noise=8)[0], SPACING, **_OPTIONS)
    assert clean.sigma < noisy.sigma


def _reach(tree) -> float:
    """The largest x (µm) of any node."""
    return max(float(p.points[:, 0].max()) for p in tree.paths)


@pytest.mark.parametrize("gap", [3, 8])
def test_a_gap_in_a_neurite_is_bridged_and_the_rest_traced(gap):
    image, _ = _neurite_image(np.random.default_rng(4), signal=40, noise=4, gap=range(80, 80 + gap))
    seed = [[12 * 0.3, 24 * 0.3, 6.0]]
    traced = autotrace(image, SPACING, seeds_xyz=seed).tree
    assert _reach(traced) > 140 * 0.3
    if gap > AutotraceSettings.max_gap:  # fast marching alone stops at the gap
        alone = autotrace(image, SPACING, seeds_xyz=seed, settings=AutotraceSettings(reconnect_rounds=0)).tree
        assert _reach(alone) < 82 * 0.3


def test_a_speck_of_noise_beyond_a_tip_is_not_kept():
    image, _ = _neurite_image(np.random.default_rng(5), signal=40, noise=4, gap=range(100, 160))
    image[6, 24:26, 110:112] += 60  # a 2 x 2 voxel speck 10 voxels on, straight ahead
    tree = autotrace(image, SPACING, seeds_xyz=[[12 * 0.3, 24 * 0.3, 6.0]]).tree
    assert 95 * 0.3 < _reach(tree) < 104 * 0.3
