"""The filter bank: what each feature is, blocks equal to the whole volume, 2D images, settings."""

import numpy as np
import pytest
from scipy import ndimage

from snt_web.classify import (
    FEATURE_GROUPS,
    FeatureSettings,
    compute_features,
    default_scales,
    feature_halo,
    feature_names,
    iter_feature_blocks,
)
from snt_web.classify.features import block_features
from snt_web.filters import gaussian, hessian_eigenvalues, hessian_matrix
from snt_web.synth import make_demo

SPACING = (1.0, 0.3, 0.3)


@pytest.fixture(scope="module")
def volume():
    image, _ = make_demo(seed=2, shape_zyx=(20, 72, 80))
    return image.volume()


def rows(settings, prefix):
    return [i for i, name in enumerate(feature_names(settings)) if name.startswith(prefix)]


def test_names_follow_groups_then_scales_and_settings_round_trip_through_json():
    settings = FeatureSettings(scales=(0.6, 0.3, 0.6))
    names = feature_names(settings)
    assert settings.scales == (0.3, 0.6) and settings.groups == FEATURE_GROUPS
    assert len(names) == settings.n_features == 2 * 10 and len(set(names)) == len(names)
    assert names[:3] == ["gaussian 0.3", "gaussian 0.6", "gradient 0.3"]
    assert names[-3:] == ["structure1 0.6", "structure2 0.6", "structure3 0.6"]
    assert FeatureSettings.from_json(settings.to_json()) == settings
    assert default_scales(SPACING) == pytest.approx((0.3, 0.6, 1.2, 2.4))


@pytest.mark.parametrize("bad", [dict(scales=()), dict(scales=(0.0,)), dict(scales=(1.0,), groups=("sobel",)),
                                 dict(scales=(1.0,), groups=())])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError):
        FeatureSettings(**bad)
    with pytest.raises(ValueError):
        FeatureSettings.from_json({"scales": [1.0], "groups": ["gaussian"], "extra": 1})


def test_features_are_the_filters_in_physical_units(volume):
    settings = FeatureSettings(scales=(0.6, 1.2))
    features = compute_features(volume, SPACING, settings, n_jobs=2)
    assert features.shape == (settings.n_features,) + volume.shape and features.dtype == np.float32
    inner = (slice(None), slice(2, -2), slice(2, -2), slice(2, -2))  # np.gradient differs on the border
    for k, scale in enumerate(settings.scales):
        smoothed = gaussian(volume, scale, SPACING)
        np.testing.assert_array_equal(features[rows(settings, "gaussian")[k]], smoothed)
        hessian = hessian_matrix(volume, scale, SPACING)
        np.testing.assert_allclose(features[rows(settings, "hessian")[3 * k:3 * k + 3]],
                                   hessian_eigenvalues(hessian), rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(features[rows(settings, "laplacian")[k]], hessian[0] + hessian[3] + hessian[5],
                                   rtol=1e-4, atol=1e-3)
        gradient = np.gradient(smoothed.astype(np.float64), *SPACING)
        np.testing.assert_allclose(features[rows(settings, "gradient")[k]][inner[1:]],
                                   np.sqrt(sum(g * g for g in gradient))[inner[1:]], rtol=1e-4, atol=1e-3)
        tensor = [ndimage.gaussian_filter(gradient[i] * gradient[j], [0.5 * scale / s for s in SPACING],
                                          mode="nearest") for i in range(3) for j in range(i, 3)]
        reference = np.linalg.eigvalsh(np.stack([np.stack([tensor[0], tensor[1], tensor[2]], -1),
                                                 np.stack([tensor[1], tensor[3], tensor[4]], -1),
                                                 np.stack([tensor[2], tensor[4], tensor[5]], -1)], -2))
        structure = features[rows(settings, "structure")[3 * k:3 * k + 3]]
        # The structure tensor smooths gradient products: compare where the
        # border's one-sided differences do not reach.
        deep = (slice(None),) + tuple(slice(6, -6) for _ in range(3))
        np.testing.assert_allclose(structure[deep], np.moveaxis(reference[..., ::-1], -1, 0)[deep],
                                   rtol=1e-3, atol=1e-2)
    dog = features[rows(settings, "dog")]
    np.testing.assert_allclose(dog[0], volume - gaussian(volume, 0.6, SPACING), atol=1e-4)
    np.testing.assert_allclose(dog[1], gaussian(volume, 0.6, SPACING) - gaussian(volume, 1.2, SPACING), atol=1e-4)


def test_blocks_equal_the_whole_volume(volume):
    settings = FeatureSettings(scales=(0.3, 0.9, 1.5))
    whole = compute_features(volume, SPACING, settings, n_jobs=2)
    halo = feature_halo(SPACING, settings)
    assert halo == (int(4 * 1.5 + 0.5) + 1 + int(4 * 0.75 + 0.5), 20 + 1 + 10, 20 + 1 + 10)
    seen = np.zeros(volume.shape, dtype=int)
    for block, features in iter_feature_blocks(volume, SPACING, settings, (7, 30, 33), n_jobs=2):
        np.testing.assert_array_equal(features, whole[(slice(None),) + block])
        seen[block] += 1
    assert np.all(seen == 1)


def test_a_block_is_computed_from_the_slab_its_filters_reach(volume):
    settings = FeatureSettings(scales=(0.6,), groups=("gaussian", "hessian"))
    halo = feature_halo(SPACING, settings)
    block = (slice(8, 10), slice(30, 40), slice(30, 45))
    slab = tuple(slice(b.start - h, b.stop + h) for b, h in zip(block, halo))
    altered = volume.copy()
    outside = np.ones(volume.shape, dtype=bool)
    outside[slab] = False
    altered[outside] = 255
    np.testing.assert_array_equal(block_features(altered, SPACING, settings, block),
                                  compute_features(volume, SPACING, settings)[(slice(None),) + block])


def test_a_2d_image_is_a_volume_constant_along_z(volume):
    settings = FeatureSettings(scales=(0.3, 0.6))
    plane = volume[10:11]
    flat = compute_features(plane, SPACING, settings)
    assert flat.shape == (settings.n_features, 1) + plane.shape[1:]
    stacked = compute_features(np.repeat(plane, 9, axis=0), SPACING, settings)
    np.testing.assert_allclose(flat[:, 0], stacked[:, 4], atol=1e-4)
    hessian = flat[rows(settings, "hessian")].reshape(2, 3, *plane.shape[1:])
    # One eigenvalue of each 2D Hessian is the zero of the z axis.
    assert np.all(np.min(np.abs(hessian), axis=1) < 1e-6)


def test_out_may_be_a_strided_view(volume):
    settings = FeatureSettings(scales=(0.6,))
    buffer = np.zeros(volume.shape + (settings.n_features,), dtype=np.float32)
    compute_features(volume, SPACING, settings, out=np.moveaxis(buffer, -1, 0))
    np.testing.assert_array_equal(np.moveaxis(buffer, -1, 0), compute_features(volume, SPACING, settings))
    with pytest.raises(ValueError, match="out must be float32"):
        compute_features(volume, SPACING, settings, out=np.zeros((3,) + volume.shape, np.float32))
