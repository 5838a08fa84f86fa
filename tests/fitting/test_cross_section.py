"""Tangents, section planes and interpolated sampling, against geometry known in closed form."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from snt_web.fitting.cross_section import (nearer_elsewhere, plane_bases, sample_cross_sections, section_grid,
                                           slab_centres, tangents)


def test_tangent_spans_four_nodes_each_side_and_is_clipped_at_the_ends():
    # A right angle at node 5: the tangent there averages both legs.
    points = np.array([[i, 0, 0] for i in range(6)] + [[5, j, 0] for j in range(1, 6)], dtype=float)
    t = tangents(points)
    assert np.allclose(np.linalg.norm(t, axis=1), 1)
    assert np.allclose(t[0], [1, 0, 0])  # nodes 0..4
    assert np.allclose(t[5], np.array([4, 4, 0]) / np.sqrt(32))  # node 1 -> node 9
    assert np.allclose(t[-1], [0, 1, 0])
    assert np.allclose(tangents(np.zeros((1, 3))), [[0, 0, 1]])


def test_plane_bases_are_orthonormal_and_normal_to_the_tangent():
    rng = np.random.default_rng(0)
    t = rng.normal(size=(50, 3))
    t[0] = [0, 0, 1]  # along z: the y helper is used
    t /= np.linalg.norm(t, axis=1, keepdims=True)
    a, b = plane_bases(t)
    for u, v in ((a, b), (a, t), (b, t)):
        assert np.allclose(np.einsum("ij,ij->i", u, v), 0, atol=1e-12)
    assert np.allclose(np.linalg.norm(a, axis=1), 1) and np.allclose(np.linalg.norm(b, axis=1), 1)


def test_sampling_interpolates_a_linear_volume_exactly_in_physical_units():
    # value = 2 x + 3 y + 5 z (physical), anisotropic voxels: linear interpolation is exact.
    spacing = (2.0, 0.5, 0.25)
    z, y, x = np.meshgrid(*(np.arange(n) * s for n, s in zip((10, 40, 80), spacing)), indexing="ij")
    volume = 2 * x + 3 * y + 5 * z
    centres = np.array([[10.0, 10.0, 9.0], [7.3, 8.1, 6.5]])
    a, b = plane_bases(tangents(np.array([[0.0, 0, 0], [1, 1, 1]]))[[0, 0]])
    sections = sample_cross_sections(volume, spacing, centres, a, b, half_width=3, step=0.4)
    offsets = np.arange(-3, 4) * 0.4
    for k in range(2):
        expected = centres[k] + offsets[:, None, None] * a[k] + offsets[None, :, None] * b[k]
        assert np.allclose(sections[k], expected @ [2, 3, 5], atol=1e-3)


def test_a_slab_is_the_mean_of_planes_along_the_path():
    # Planes centred on the path, step apart: on a linear volume they average to the middle one; on a
    # quadratic along a straight path, to the mean of (k step)² over the planes.
    spacing = (0.5, 0.5, 0.5)
    z, y, x = np.meshgrid(*(np.arange(40) * s for s in spacing), indexing="ij")
    path = np.column_stack([np.arange(4.0, 16.0, 0.5), np.full(24, 9.5), np.full(24, 8.0)])
    node = 12  # x = 10
    a, b = plane_bases(tangents(path))
    linear = 2 * x + 3 * y + 5 * z
    slabs = slab_centres(path, 4, 0.5)
    thin = sample_cross_sections(linear, spacing, path[node:node + 1], a[node:node + 1], b[node:node + 1], 3, 0.5)
    slab = sample_cross_sections(linear, spacing, slabs[node:node + 1], a[node:node + 1], b[node:node + 1], 3, 0.5)
    assert np.allclose(slab, thin, atol=1e-3)
    quadratic = (x - 10.0) ** 2
    along = sample_cross_sections(quadratic, spacing, slabs[node:node + 1], a[node:node + 1], b[node:node + 1], 3, 0.5)
    assert np.allclose(along, np.mean((np.arange(-4, 5) * 0.5) ** 2), atol=1e-3)


def test_a_slab_follows_a_bending_path_and_stops_at_its_ends():
    # A quarter circle of radius 10: every plane centre lies on it, step apart along it; at the first node
    # the planes before it are the first node itself.
    angle = np.linspace(0, np.pi / 2, 60)
    path = np.column_stack([10 * np.cos(angle), 10 * np.sin(angle), np.zeros(60)])
    slabs = slab_centres(path, 3, 0.5)
    assert slabs.shape == (60, 7, 3)
    assert np.allclose(np.linalg.norm(slabs[..., :2], axis=-1), 10, atol=0.01)
    assert np.allclose(np.linalg.norm(np.diff(slabs[30], axis=0), axis=1), 0.5, atol=0.01)
    assert np.allclose(slabs[0, :4], path[0]) and not np.allclose(slabs[0, 4], path[0])


def test_samples_nearer_another_neurite_than_the_node_are_marked():
    # The section of a node at the origin across x; another neurite parallel to it at y = 2.
    centres = np.zeros((1, 3))
    a, b = plane_bases(np.array([[1.0, 0.0, 0.0]]))
    grid = section_grid(centres, a, b, half_width=4, step=1.0)
    other = np.column_stack([np.linspace(-5, 5, 41), np.full(41, 2.0), np.zeros(41)])
    marked = nearer_elsewhere(grid, centres, cKDTree(other))[0]
    y = grid[0, ..., 1]
    off_midline = np.abs(y - 1) > 1e-6  # on y = 1 both are equally near
    assert np.array_equal(marked[off_midline], (y > 1)[off_midline])
    assert nearer_elsewhere(grid, centres, None) is None
