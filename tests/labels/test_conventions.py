"""SNT's Labkit and TWS labels: node voxels per channel; per-plane strokes per channel."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from snt_web.labels import labkit_labels, tws_labels
from snt_web.model import Path, Tree, physical_to_voxel


def test_labkit_labels_exactly_the_node_voxels_of_a_real_reconstruction(cil):
    tree, shape, spacing = cil
    labels, names = labkit_labels(tree, shape, spacing)
    nodes = physical_to_voxel(np.concatenate([p.points for p in tree.paths if p.fitted_of is None]), spacing)
    expected = np.zeros(shape, bool)
    expected[tuple(nodes.T)] = True
    assert labels.dtype == np.uint8
    assert np.array_equal(labels > 0, expected) and set(np.unique(labels)) == {0, 1}
    assert names == ["background", "SNT paths ch1"]


def test_labkit_has_a_class_per_image_channel():
    tree = Tree([Path(0, [[1, 1, 0], [3, 1, 0]], channel=2), Path(1, [[1, 2, 0], [1.9, 2, 0]])])
    labels, names = labkit_labels(tree, (1, 4, 4), (1, 1, 1), n_channels=3)
    assert names == ["background", "SNT paths ch1", "SNT paths ch2", "SNT paths ch3"]
    # Nodes only: nothing between (1, 1) and (3, 1).
    assert labels[0, 1].tolist() == [0, 2, 0, 2] and labels[0, 2].tolist() == [0, 1, 1, 0]


def test_tws_strokes_are_twice_the_mean_radius_wide_on_the_paths_plane():
    spacing = (1.0, 0.2, 0.25)
    radii = [0.8, 1.2, 1.0]  # mean 1.0
    tree = Tree([Path(0, [[1.0, 3.0, 2.0], [5.0, 3.0, 2.0], [9.0, 3.0, 2.0]], radii=radii, channel=2)])
    labels, names = tws_labels(tree, (4, 32, 48), spacing)
    assert names == ["Bckgrnd", "SNTch1", "SNTch2"]
    assert np.flatnonzero(labels.any(axis=(1, 2))).tolist() == [2]
    # Across the stroke, at x = 5: |y - 3| <= 1, rows 10 to 20.
    assert np.flatnonzero(labels[2, :, 20]).tolist() == list(range(10, 21))
    assert set(np.unique(labels)) == {0, 2}


def test_tws_draws_one_polyline_per_run_of_nodes_on_a_plane():
    # Two nodes on plane 0, then two on plane 3: the jump between planes is not drawn.
    tree = Tree([Path(0, [[1, 1, 0], [6, 1, 0], [6, 6, 3], [1, 6, 3]])])
    labels, _ = tws_labels(tree, (5, 8, 8), (1, 1, 1))
    assert np.flatnonzero(labels.any(axis=(1, 2))).tolist() == [0, 3]
    assert np.flatnonzero(labels[0, 1]).tolist() == [1, 2, 3, 4, 5, 6] and not labels[0, 2:].any()
    assert np.flatnonzero(labels[3, 6]).tolist() == [1, 2, 3, 4, 5, 6] and not labels[3, :6].any()


def test_tws_strokes_of_a_real_reconstruction_are_one_pixel_lines_through_its_nodes(cil):
    tree, shape, spacing = cil
    labels, names = tws_labels(tree, shape, spacing)
    assert names == ["Bckgrnd", "SNTch1"]
    union = np.zeros(shape, bool)
    for path in tree.paths:  # none has radii: the narrowest stroke
        alone, _ = tws_labels(tree, shape, spacing, paths=[path.id])
        nodes = physical_to_voxel(path.points, spacing)
        assert np.all(alone[tuple(nodes.T)] == 1)
        # One pixel wide: no more pixels than steps between the node pixels.
        steps = np.abs(np.diff(nodes, axis=0)).max(axis=1).sum() + 1
        assert np.count_nonzero(alone) <= steps
        _, n_strokes = ndimage.label(alone[0], structure=np.ones((3, 3)))
        assert n_strokes == 1 and not alone[1:].any()
        union |= alone > 0
    assert np.array_equal(labels > 0, union)


def test_conventions_reject_channels_a_byte_cannot_hold():
    tree = Tree([Path(0, [[1, 1, 0]], channel=300)])
    with pytest.raises(ValueError, match="label 300"):
        labkit_labels(tree, (1, 4, 4), (1, 1, 1))


def test_a_path_that_uses_its_fitted_version_is_labelled_with_its_nodes_and_radii():
    traced = Path(0, [[1.0, 2.0, 1.0], [6.0, 2.0, 1.0]], fitted_id=1, use_fitted=True)
    fitted = Path(1, [[1.0, 4.0, 1.0], [6.0, 4.0, 1.0]], radii=[1.0, 1.0], fitted_of=0)
    tree = Tree([traced, fitted])
    labkit, _ = labkit_labels(tree, (3, 8, 8), (1, 1, 1))
    assert np.argwhere(labkit).tolist() == [[1, 4, 1], [1, 4, 6]]
    tws, _ = tws_labels(tree, (3, 8, 8), (1, 1, 1))
    # The fitted line at y = 4, widened by its mean radius of 1; nothing at the traced y = 2.
    assert np.flatnonzero(tws[1, :, 3]).tolist() == [3, 4, 5]
    unfitted, _ = tws_labels(Tree([traced.copy(fitted_id=None, use_fitted=False)]), (3, 8, 8), (1, 1, 1))
    assert np.flatnonzero(unfitted[1, :, 3]).tolist() == [2]
