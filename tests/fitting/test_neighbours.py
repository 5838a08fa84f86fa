"""Fitting a reconstruction: each path's cross-sections leave out the other traced neurites."""

from __future__ import annotations

import numpy as np

from snt_web.fitting import apply_fits, fit_path, fit_tree
from snt_web.fitting.fit import neighbour_points
from snt_web.model import Path, Tree
from snt_web.synth import add_noise, render_tree
from snt_web.synth.phantom import distance_to_polyline


def test_neighbours_are_the_other_paths_as_drawn_a_step_apart():
    a = Path(0, [[0.0, 0, 0], [10.0, 0, 0]])
    b = Path(1, [[0.0, 5, 0], [0.0, 5, 7]], parent_id=0, branch_index=0)
    tree = apply_fits(Tree([a, b]), [{"path_id": 1, "points": [[1.0, 5, 0], [1.0, 5, 7]], "radii": None,
                                      "tangents": None}])
    points = neighbour_points(tree, tree.path(0), step=0.5)
    assert np.allclose(points[:, 0], 1.0) and np.allclose(points[:, 1], 5.0)  # b's fitted version, only
    assert np.allclose(np.diff(points[:, 2]), 0.5) and points[0, 2] == 0 and points[-1, 2] == 7
    # b's own fitted version is no neighbour of b.
    assert np.allclose(neighbour_points(tree, tree.path(1), step=1.0)[:, 1], 0.0)
    # Paths leaving the same node of one parent run together at first: not each other's neighbours.
    c = Path(2, [[0.0, 0, 0], [0.0, -5, 0]], parent_id=0, branch_index=0)
    d = Path(3, [[10.0, 0, 0], [10.0, -5, 0]], parent_id=0, branch_index=1)
    family = Tree([a, b, c, d])
    assert not np.any(np.all(neighbour_points(family, b, step=1.0) == [0.0, -5, 0], axis=1))
    assert np.any(np.all(neighbour_points(family, b, step=1.0) == [10.0, -5, 0], axis=1))


def test_two_neurites_merged_by_the_axial_blur_are_each_centred():
    # Two parallel neurites 1.8 µm apart diagonally (one 1.5 µm higher), radius 0.45 µm, in a stack of
    # 1 µm slices blurred 1.2 µm along z: every cross-section holds one elongated blob of both.
    spacing = (1.0, 0.25, 0.25)
    shape = (16, 48, 96)
    x = np.arange(2.0, 22.0, 0.25)
    lower = Path(0, np.column_stack([x, np.full(len(x), 5.5), np.full(len(x), 6.5)]), radii=np.full(len(x), 0.45))
    upper = Path(1, lower.points + [0, 1.0, 1.5], radii=lower.radii)
    truth = Tree([lower, upper])
    image = add_noise(render_tree(truth, shape, spacing), np.random.default_rng(0),
                      psf_sigma_zyx=(1.2, 0.8, 0.8), gradient=0.0)
    traced = Tree([p.copy(points=p.points + [0, 0.2, -0.2], radii=None) for p in truth.paths])
    voxel = min(spacing)

    def within(fitted):
        off = np.concatenate([distance_to_polyline(f.points, t.points) for f, t in zip(fitted, truth.paths)])
        return np.mean(off <= voxel)

    alone = [fit_path(image, spacing, p) for p in traced.paths]
    together = fit_tree(image, spacing, traced)
    assert within(together) >= 0.9 > within(alone) + 0.2, (within(together), within(alone))
