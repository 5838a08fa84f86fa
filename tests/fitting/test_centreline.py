"""The smooth centreline through fitted centres: known curves with noise and outliers, carried shifts."""

from __future__ import annotations

import numpy as np

from snt_web.fitting.centreline import carried_shifts, smooth_centres


def _bend(n=81, radius=20.0):
    """An arc of a circle (a neurite bending with a 20-voxel radius), nodes one unit apart."""
    angle = np.arange(n) / radius
    return np.arange(n, dtype=float), np.column_stack([radius * np.sin(angle), radius * (1 - np.cos(angle)),
                                                       np.zeros(n)])


def test_noise_shrinks_and_a_bend_is_not_cut():
    arc, curve = _bend()
    rng = np.random.default_rng(0)
    noisy = curve + rng.normal(0, 0.5, curve.shape)
    smoothed = smooth_centres(arc, noisy, np.ones(len(arc), dtype=bool), sigma=4.0, scale=0.7)
    before = np.linalg.norm(noisy - curve, axis=1)
    after = np.linalg.norm(smoothed - curve, axis=1)
    assert np.median(after) < 0.5 * np.median(before)
    # A quadratic follows the bend: on the noise-free arc the smoothed nodes stay on it, ends included.
    exact = smooth_centres(arc, curve, np.ones(len(arc), dtype=bool), sigma=4.0, scale=0.7)
    assert np.abs(exact - curve).max() < 0.05


def test_a_run_of_outliers_barely_moves_the_centreline_and_rejected_nodes_are_left_alone():
    arc, curve = _bend()
    centres = curve.copy()
    centres[40:43, 2] += 3.0  # three fits caught by a neighbour
    valid = np.ones(len(arc), dtype=bool)
    valid[20:23] = False
    centres[20:23] = 99.0  # rejected: never read, never changed
    smoothed = smooth_centres(arc, centres, valid, sigma=4.0, scale=0.7)
    assert np.abs(smoothed[40:43] - curve[40:43]).max() < 0.3
    assert np.array_equal(smoothed[20:23], centres[20:23])
    assert np.abs(smoothed[valid] - curve[valid]).max() < 0.3


def test_with_too_few_nodes_for_a_curve_a_line_or_a_mean_is_taken():
    arc = np.array([0.0, 1.0])
    centres = np.array([[0.0, 0, 0], [1.0, 1, 0]])
    two = smooth_centres(arc, centres, np.ones(2, dtype=bool), sigma=4.0, scale=0.7)
    assert np.allclose(two, centres)  # a line through both
    one = smooth_centres(arc, centres, np.array([True, False]), sigma=4.0, scale=0.7)
    assert np.allclose(one, centres)
    assert np.allclose(smooth_centres(arc, centres, np.zeros(2, dtype=bool), sigma=4.0, scale=0.7), centres)


def test_rejected_nodes_move_as_their_accepted_neighbours_within_reach():
    arc = np.arange(12.0)
    shifts = np.tile([0.0, 1.0, 0.0], (12, 1))
    shifts[5:] = [0.0, 3.0, 0.0]
    valid = np.ones(12, dtype=bool)
    valid[[3, 4]] = False  # between accepted neighbours: interpolated
    valid[[7, 9, 10, 11]] = False  # 7 between accepted ones; 9-11 past the last: nothing to go by, they stay
    carried = carried_shifts(arc, shifts, valid, reach=3.0)
    assert np.allclose(carried[[3, 4], 1], [1 + 2 / 3, 1 + 4 / 3])
    assert np.allclose(carried[7, 1], 3.0) and np.allclose(carried[9:], 0.0)
    assert np.array_equal(carried[valid], shifts[valid])
    assert np.allclose(carried_shifts(arc, shifts, np.zeros(12, dtype=bool), 3.0), 0.0)
