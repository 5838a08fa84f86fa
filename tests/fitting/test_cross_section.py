"""Tangents, section planes and interpolated sampling, against geometry known in closed form."""

from __future__ import annotations

import numpy as np

from snt_web.fitting.cross_section import plane_bases, sample_cross_sections, tangents


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
