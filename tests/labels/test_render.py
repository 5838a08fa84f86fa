"""Label volumes from paths: exact skeletons, tubes of the right size, class ids, clipping."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from snt_web.labels import class_names, path_label_ids, render_labels
from snt_web.model import Path, Tree, physical_to_voxel
from snt_web.synth import make_demo, render_tree

ANISOTROPIC = (2.0, 0.5, 0.4)  # z, y, x


def neighbour_counts(mask):
    """Number of 26-neighbours of each voxel of a boolean volume that are set."""
    counts = ndimage.convolve(mask.astype(int), np.ones((3, 3, 3), int), mode="constant") - 1
    return counts[mask]


def test_a_straight_path_along_x_is_its_row_of_voxels():
    # y = 3 voxels, z = 2 voxels, x from voxel 2 to voxel 11, in physical units.
    sz, sy, sx = ANISOTROPIC
    tree = Tree([Path(0, [[2 * sx, 3 * sy, 2 * sz], [7.3 * sx, 3 * sy, 2 * sz], [11 * sx, 3 * sy, 2 * sz]])])
    labels = render_labels(tree, (5, 8, 16), ANISOTROPIC)
    expected = np.zeros((5, 8, 16), bool)
    expected[2, 3, 2:12] = True
    assert labels.dtype == np.uint16
    assert np.array_equal(labels > 0, expected) and set(np.unique(labels)) == {0, 1}


def test_a_densely_sampled_diagonal_path_is_one_voxel_thick_and_26_connected():
    t = np.linspace(0, 1, 200)[:, None]
    start, end = np.array([0.5, 0.8, 1.0]), np.array([17.0, 9.0, 25.0])  # physical x, y, z
    tree = Tree([Path(0, start + t * (end - start))])
    mask = render_labels(tree, (16, 24, 48), ANISOTROPIC) > 0
    _, n_components = ndimage.label(mask, structure=np.ones((3, 3, 3)))
    assert n_components == 1
    counts = neighbour_counts(mask)
    assert np.count_nonzero(counts == 1) == 2 and np.all(counts <= 2)
    # The line runs from the first node's voxel to the last's.
    first, last = physical_to_voxel([start, end], ANISOTROPIC)
    assert mask[tuple(first)] and mask[tuple(last)]


def test_a_branch_is_joined_to_its_fork_node_and_the_fork_stays_the_parents():
    trunk = Path(0, [[1, 5, 4], [5, 5, 4], [9, 5, 4], [13, 5, 4]])
    # The branch's first node is two voxels off the fork at node 2.
    branch = Path(1, [[9, 7, 4], [9, 12, 4]], parent_id=0, branch_index=2)
    tree = Tree([branch, trunk])  # child first: drawing order must not depend on file order
    labels = render_labels(tree, (6, 16, 16), (1, 1, 1), classes="path")
    ids = path_label_ids(tree)
    _, n_components = ndimage.label(labels > 0, structure=np.ones((3, 3, 3)))
    assert n_components == 1
    assert labels[4, 5, 9] == ids[0]  # the fork voxel
    assert labels[4, 6, 9] == ids[1]  # the join drawn as part of the branch
    assert np.count_nonzero(labels == ids[0]) == 13 and np.count_nonzero(labels == ids[1]) == 7


@pytest.mark.parametrize("direction", [(1, 0, 0), (0, 0, 1), (1, 0.6, 0.35)], ids=["along-x", "along-z", "oblique"])
def test_a_tube_holds_its_volume_in_voxels_whatever_the_anisotropy(direction):
    spacing, radius, length = (1.0, 0.4, 0.3), 2.0, 80.0
    unit = np.asarray(direction, float) / np.linalg.norm(direction)
    points = np.array([6.13, 6.27, 6.41]) + np.linspace(0, length, 120)[:, None] * unit  # off the voxel grid
    tree = Tree([Path(0, points, radii=np.full(120, radius))])
    labelled = np.count_nonzero(render_labels(tree, (100, 140, 300), spacing, mode="volume")) * np.prod(spacing)
    cylinder = np.pi * radius**2 * length
    capsule = cylinder + 4 / 3 * np.pi * radius**3  # the ends are round
    assert labelled == pytest.approx(capsule, rel=0.06)
    assert labelled == pytest.approx(cylinder, rel=0.10)


def test_unfitted_paths_get_a_thin_but_unbroken_volume():
    # Radius 0 (SNT's unfitted paths), steep in a coarse z: the default radius
    # alone would miss planes, the skeleton inside the volume does not.
    tree = Tree([Path(0, [[2.0, 2.0, 0.0], [2.3, 2.1, 30.0]], radii=[0.0, 0.0])])
    labels = render_labels(tree, (16, 10, 10), ANISOTROPIC, mode="volume")
    skeleton = render_labels(tree, (16, 10, 10), ANISOTROPIC)
    assert np.all(labels[skeleton > 0] > 0)
    assert np.all(np.any(labels > 0, axis=(1, 2)))


def test_volume_labels_cover_the_rendered_demo_neuron():
    image, truth = make_demo(seed=2, shape_zyx=(32, 128, 128))
    occupied = render_tree(truth, image.shape_zyx, image.spacing) >= 0.5
    labelled = render_labels(truth, image.shape_zyx, image.spacing, mode="volume") > 0
    dice = 2 * np.count_nonzero(occupied & labelled) / (np.count_nonzero(occupied) + np.count_nonzero(labelled))
    assert dice >= 0.8


def test_channel_and_path_classes_and_fitted_copies():
    paths = [
        Path(10, [[1, 1, 0], [8, 1, 0]], channel=1),
        Path(11, [[1, 4, 0], [8, 4, 0]], channel=3, fitted_id=12),
        Path(12, [[1, 5, 0], [8, 5, 0]], channel=3, fitted_of=11),
        Path(13, [[1, 7, 0], [8, 7, 0]], channel=2),
    ]
    tree = Tree(paths)
    assert path_label_ids(tree) == {10: 1, 11: 2, 13: 3}
    by_channel = render_labels(tree, (1, 10, 10), (1, 1, 1), classes="channel")
    by_path = render_labels(tree, (1, 10, 10), (1, 1, 1), classes="path")
    assert by_channel[0, :, 4].tolist() == [0, 1, 0, 0, 3, 0, 0, 2, 0, 0]
    assert by_path[0, :, 4].tolist() == [0, 1, 0, 0, 2, 0, 0, 3, 0, 0]  # row 5, the fitted copy, is empty
    assert class_names(tree, "channel") == ["background", "channel 1", "channel 2", "channel 3"]
    assert class_names(tree, "path") == ["background", "Path (10)", "Path (11)", "Path (13)"]
    subset = render_labels(tree, (1, 10, 10), (1, 1, 1), classes="path", paths=[13, 12])
    assert set(np.unique(subset)) == {0, 3}  # a subset keeps the labels of the whole tree
    with pytest.raises(ValueError, match="no path with id 99"):
        render_labels(tree, (1, 10, 10), (1, 1, 1), paths=[99])
    with pytest.raises(ValueError, match="unknown classes"):
        render_labels(tree, (1, 10, 10), (1, 1, 1), classes="colour")


@pytest.mark.parametrize("mode", ["skeleton", "volume"])
def test_paths_outside_the_volume_are_clipped(mode):
    tree = Tree([
        Path(0, [[-50, 2, 1], [50, 2, 1]], radii=[1.0, 1.0]),  # crosses the volume
        Path(1, [[500, 500, 500], [900, 500, 500]]),  # misses it
    ])
    labels = render_labels(tree, (3, 5, 8), (1, 1, 1), mode=mode, classes="path")
    assert np.all(labels[1, 2] == 1) and not np.any(labels == 2)


@pytest.mark.parametrize("mode", ["skeleton", "volume"])
def test_every_path_of_a_real_reconstruction_has_voxels(cil, mode):
    tree, shape, spacing = cil
    labels = render_labels(tree, shape, spacing, mode=mode, classes="path")
    assert set(np.unique(labels)) == {0, *path_label_ids(tree).values()}
    # Each of the 7 arbors is drawn in one piece.
    binary = render_labels(tree, shape, spacing, mode=mode)
    for root in tree.roots():
        arbor = render_labels(tree.subtree(root.id), shape, spacing, mode=mode)
        _, n_components = ndimage.label(arbor, structure=np.ones((3, 3, 3)))
        assert n_components == 1 and np.all(binary[arbor > 0])
