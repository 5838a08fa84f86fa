"""A map checked against the traced paths' share: painted background far from the neurites no longer makes a blob."""

import numpy as np
import pytest
from scipy import ndimage

from snt_web.classify import (
    FeatureSettings,
    apply,
    check_coverage,
    default_scales,
    expected_coverage,
    map_coverage,
    samples_from_paths,
    train,
)
from snt_web.labels import render_labels
from snt_web.model import Path, Tree
from snt_web.synth import make_demo, render_tree

SHAPE = (24, 128, 128)


def test_a_map_covering_three_times_the_paths_share_is_called_too_wide():
    probability = np.zeros((10, 10, 10), np.float32)
    probability[:, :3] = 0.7  # 30% of the voxels
    assert check_coverage(probability, 0.1).warning is not None
    assert check_coverage(probability, 0.11).warning is None
    checked = check_coverage(probability, 0.05)
    assert checked.fraction == pytest.approx(0.3) and checked.ratio == pytest.approx(6.0)
    assert "6x" in checked.warning and "30%" in checked.warning and "out-of-bag" in checked.warning
    # The background's probability says the same, for any number of neurite classes.
    background = 1 - probability
    assert check_coverage(background, 0.05, background=True) == checked
    with pytest.raises(ValueError):
        check_coverage(probability, 0.0)


def test_a_memory_mapped_map_is_counted_in_pieces_as_in_memory(tmp_path, monkeypatch):
    from snt_web.classify import coverage

    rng = np.random.default_rng(0)
    values = rng.random((2, 12, 40, 30)).astype(np.float32)
    mapped = np.lib.format.open_memmap(tmp_path / "map.npy", mode="w+", dtype=np.float32, shape=values.shape)
    mapped[:] = values
    monkeypatch.setattr(coverage, "_VOXELS", 500)  # a few planes at a time
    region = (slice(2, 9), slice(5, 33), slice(1, 29))
    expected = coverage.ExpectedCoverage(0.2, ((2, 9), (5, 33), (1, 29)))
    assert map_coverage(expected, mapped) == check_coverage(values[(-1, *region)], 0.2, background=True)
    assert map_coverage(expected, mapped).fraction == pytest.approx(np.mean(values[(-1, *region)] <= 0.5))
    # An XY slice is checked within the region's rows and columns.
    assert map_coverage(expected, values[:, 4]).fraction == pytest.approx(np.mean(values[1, 4, 5:33, 1:29] <= 0.5))
    assert map_coverage(None, mapped) is None


def far_strokes(truth, shape, spacing) -> np.ndarray:
    """Two background strokes painted (1 µm brush) where the slice is farthest from every neurite."""
    neurites = render_tree(truth, shape, spacing) >= 0.5
    z = shape[0] // 2
    distance = ndimage.distance_transform_edt(~neurites[z], sampling=spacing[1:])
    strokes = []
    for k in range(2):
        y, x = np.unravel_index(np.argmax(distance), distance.shape)
        distance[max(y - 20, 0):y + 20, max(x - 20, 0):x + 20] = 0
        xs = np.clip([x - 8, x, x + 8], 0, shape[2] - 1) * spacing[2]
        strokes.append(Path(k, [[xx, y * spacing[1], z * spacing[0]] for xx in xs], radii=[1.0] * 3))
    return render_labels(Tree(strokes, truth.spacing_xyz), shape, spacing, mode="volume") > 0


@pytest.fixture(scope="module")
def painted_far():
    """A classifier of demo seed 1 with two strokes far from the neurites, as the panel trains it; demo seed 2."""
    image, truth = make_demo(seed=1, shape_zyx=SHAPE)
    volume, spacing = image.volume(), image.spacing
    marked = far_strokes(truth, SHAPE, spacing)
    settings = FeatureSettings(default_scales(spacing))
    samples = samples_from_paths(truth, SHAPE, spacing, mode="volume", background=marked)
    classifier = train(volume, spacing, samples, settings, n_estimators=30, n_jobs=2)
    # The strokes alone, as the background was before: what the check must catch.
    alone = samples_from_paths(truth, SHAPE, spacing, mode="volume", background=marked, n_background=0)
    strokes_only = train(volume, spacing, alone, settings, n_estimators=30, n_jobs=2)
    other, other_truth = make_demo(seed=2, shape_zyx=SHAPE)
    return classifier, strokes_only, other.volume(), spacing, other_truth, samples


def test_painted_background_far_from_the_neurites_still_gives_a_map_hugging_them(painted_far):
    classifier, _, volume, spacing, truth, samples = painted_far
    assert samples.background_counts["painted"] > 0 and samples.background_counts["near paths"] > 0
    probabilities = apply(classifier, volume, spacing, n_jobs=2)
    neurites = render_tree(truth, SHAPE, spacing) >= 0.5
    covered = probabilities[0] >= 0.5
    # Voxels (of each axis) from the truth: the 0.5-region stays within a few of them.
    off = ndimage.distance_transform_edt(~neurites)[covered]
    assert np.quantile(off, 0.99) <= 3.0 and np.mean(off) <= 0.5
    assert 2 * np.count_nonzero(covered & neurites) / (np.count_nonzero(covered) + np.count_nonzero(neurites)) > 0.85
    expected = expected_coverage(render_labels(truth, SHAPE, spacing, mode="volume"))
    checked = map_coverage(expected, probabilities)
    assert checked.warning is None and checked.ratio < 1.5


def test_a_map_from_far_strokes_alone_is_a_blob_that_the_check_calls_out(painted_far):
    _, strokes_only, volume, spacing, truth, _ = painted_far
    assert strokes_only.oob_accuracy > 0.9  # what the user saw, and trusted
    probabilities = apply(strokes_only, volume, spacing, n_jobs=2)
    expected = expected_coverage(render_labels(truth, SHAPE, spacing, mode="volume"))
    checked = map_coverage(expected, probabilities)
    off = ndimage.distance_transform_edt(~(render_tree(truth, SHAPE, spacing) >= 0.5))[probabilities[0] >= 0.5]
    assert np.mean(off) > 1.5
    assert checked.ratio >= 3 and "too wide" in checked.warning
