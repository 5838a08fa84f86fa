"""Digital polylines: 26-connected, one voxel thick, clipped exactly."""

from __future__ import annotations

import numpy as np

from snt_web.labels.lines import polyline_voxels, thin_chain
from snt_web.labels.voxels import inside
from snt_web.model import physical_to_voxel


def chebyshev_steps(voxels):
    return np.abs(np.diff(voxels, axis=0)).max(axis=1)


def test_a_segment_steps_once_per_voxel_along_its_longest_axis():
    voxels = polyline_voxels([[0, 0, 0], [3, -5, 9]], (10, 10, 10))
    # Only the part inside: y goes negative after the first voxel.
    assert voxels.tolist() == [[0, 0, 0]]
    voxels = polyline_voxels([[1, 8, 0], [4, 3, 9]], (10, 10, 10))
    assert len(voxels) == 10 and voxels[0].tolist() == [1, 8, 0] and voxels[-1].tolist() == [4, 3, 9]
    assert np.array_equal(voxels[:, 2], np.arange(10))
    assert np.all(chebyshev_steps(voxels) == 1)


def test_clipping_keeps_exactly_the_voxels_of_the_whole_line_inside_the_volume():
    rng = np.random.default_rng(7)
    for _ in range(500):
        nodes = rng.integers(-40, 50, size=(rng.integers(1, 6), 3))
        shape = rng.integers(1, 15, size=3)
        # The same line drawn in a volume holding all of it, shifted: the
        # integer line is translation invariant.
        whole = polyline_voxels(nodes + 100, (300, 300, 300)) - 100
        assert np.array_equal(polyline_voxels(nodes, shape), whole[inside(whole, shape)])


def test_a_line_far_outside_the_volume_costs_nothing():
    assert polyline_voxels([[-10**9, 0, 0], [-10**9, 10**9, 10**9]], (4, 4, 4)).shape == (0, 3)


def test_thinning_removes_staircase_corners_and_keeps_the_ends():
    # Nodes every 0.4 voxel along an oblique line: rounding makes staircases.
    t = np.linspace(0, 1, 80)[:, None]
    points = t * np.array([30.0, 12.0, 7.0])
    chain = polyline_voxels(physical_to_voxel(points, (1, 1, 1)), (20, 20, 40))
    thin = thin_chain(chain)
    assert len(thin) < len(chain)
    assert np.array_equal(thin[0], chain[0]) and np.array_equal(thin[-1], chain[-1])
    assert np.all(chebyshev_steps(thin) == 1)
    # No shortcuts left: voxels two apart in the chain never touch.
    assert np.all(np.abs(thin[2:] - thin[:-2]).max(axis=1) == 2)
