"""Training samples from paths: a class per channel, background drawn beside and away from the paths, and marked."""

import numpy as np
import pytest
from scipy import ndimage

from snt_web.classify import BACKGROUND, default_margin, samples_from_paths
from snt_web.labels import render_labels
from snt_web.model import Path, Tree

SHAPE = (12, 40, 60)
SPACING = (1.0, 0.5, 0.5)


@pytest.fixture
def tree():
    return Tree([
        Path(0, [[2, 5, 3], [25, 5, 3]], radii=[0.6, 0.6], channel=1),
        Path(1, [[2, 15, 8], [25, 15, 8]], radii=[0.6, 0.6], channel=3),
    ])


def test_one_class_per_traced_channel_and_the_background(tree):
    samples = samples_from_paths(tree, SHAPE, SPACING, seed=4)
    assert samples.class_names == ("SNT paths ch1", "SNT paths ch3", BACKGROUND)
    labels = render_labels(tree, SHAPE, SPACING, classes="channel")
    z, y, x = samples.coords.T
    assert np.array_equal(labels[z, y, x][samples.labels == 0], np.full(np.sum(samples.labels == 0), 1))
    assert np.array_equal(labels[z, y, x][samples.labels == 1], np.full(np.sum(samples.labels == 1), 3))
    counts = samples.counts
    assert counts["SNT paths ch1"] == np.count_nonzero(labels == 1)
    assert counts[BACKGROUND] == 5 * (counts["SNT paths ch1"] + counts["SNT paths ch3"])
    assert len(np.unique(samples.coords, axis=0)) == len(samples.coords)


def test_automatic_background_keeps_its_margin_and_studies_the_border(tree):
    for mode in ("skeleton", "volume"):
        samples = samples_from_paths(tree, SHAPE, SPACING, mode=mode, seed=1)
        labels = render_labels(tree, SHAPE, SPACING, mode=mode)
        distance = ndimage.distance_transform_edt(labels == 0, sampling=SPACING)
        margin = default_margin(tree, SPACING, mode)
        at = distance[tuple(samples.coords[samples.labels == 2].T)]
        assert at.min() > margin
        # Half of them lie within a voxel of the coarsest axis beyond the margin.
        assert np.mean(at <= margin + max(SPACING)) >= 0.5
    assert default_margin(tree, SPACING, "skeleton") == pytest.approx(2 * max(0.6, 2 * 0.5))
    assert default_margin(tree, SPACING, "volume") == 0.0


def test_draws_are_seeded_and_capped(tree):
    a = samples_from_paths(tree, SHAPE, SPACING, seed=7, max_per_class=30)
    b = samples_from_paths(tree, SHAPE, SPACING, seed=7, max_per_class=30)
    c = samples_from_paths(tree, SHAPE, SPACING, seed=8, max_per_class=30)
    assert np.array_equal(a.coords, b.coords) and not np.array_equal(a.coords, c.coords)
    assert max(a.counts.values()) == 30
    assert samples_from_paths(tree, SHAPE, SPACING, n_background=17).counts[BACKGROUND] == 17


def test_marked_background_adds_to_the_automatic_background(tree):
    marked = np.zeros(SHAPE, dtype=np.uint8)
    marked[3, 10:20, 5:7] = 2  # crosses the channel-1 path
    marked[10, 30:38, 50:58] = 1  # far from both paths
    automatic = samples_from_paths(tree, SHAPE, SPACING, mode="volume", seed=3)
    samples = samples_from_paths(tree, SHAPE, SPACING, mode="volume", background=marked, seed=3)
    on_path = render_labels(tree, SHAPE, SPACING, mode="volume") > 0
    background = samples.coords[samples.labels == 2]
    painted = np.count_nonzero((marked != 0) & ~on_path)
    assert not on_path[tuple(background.T)].any()
    # Every painted voxel off the paths is a sample, and the automatic ones,
    # near the paths and far from them, are all still drawn beside them.
    assert np.count_nonzero(marked[tuple(background.T)]) == painted > 0
    assert samples.background_counts == {"near paths": automatic.background_counts["near paths"],
                                         "far": automatic.background_counts["far"], "painted": painted}
    assert samples.counts[BACKGROUND] == automatic.counts[BACKGROUND] + painted
    assert len(np.unique(background, axis=0)) == len(background)
    distance = ndimage.distance_transform_edt(~on_path, sampling=SPACING)
    assert np.count_nonzero(distance[tuple(background.T)] <= max(SPACING)) >= samples.background_counts["near paths"]
    with pytest.raises(ValueError, match="shape"):
        samples_from_paths(tree, SHAPE, SPACING, background=marked[:-1])


def test_the_paths_volumes_say_how_much_of_the_traced_region_is_neurite(tree):
    for mode in ("skeleton", "volume"):
        expected = samples_from_paths(tree, SHAPE, SPACING, mode=mode).expected
        volumes = render_labels(tree, SHAPE, SPACING, mode="volume") > 0
        box = volumes[expected.slices]
        assert np.count_nonzero(box) == np.count_nonzero(volumes)  # the region holds every path voxel
        assert expected.fraction == pytest.approx(np.mean(box))
        assert all(np.take(box, i, axis=a).any() for a in range(3) for i in (0, -1))  # and no more


def test_paths_outside_the_image_or_no_room_for_background_are_errors(tree):
    with pytest.raises(ValueError, match="no path"):
        samples_from_paths(Tree([Path(0, [[500, 500, 50], [600, 500, 50]])]), SHAPE, SPACING)
    with pytest.raises(ValueError, match="away from the paths"):
        samples_from_paths(tree, SHAPE, SPACING, margin=100.0)
