"""SNT's validity rules for fitted nodes: typical radius, folds, overlapping circles."""

from __future__ import annotations

import numpy as np

from snt_web.fitting.validity import disks_overlap, folded, mode_radii, overlapping


def _one(c1, n1, r1, c2, n2, r2) -> bool:
    args = [np.atleast_2d(np.asarray(v, dtype=float)) for v in (c1, n1)] + [np.atleast_1d(float(r1))]
    args += [np.atleast_2d(np.asarray(v, dtype=float)) for v in (c2, n2)] + [np.atleast_1d(float(r2))]
    return bool(disks_overlap(*args)[0])


def test_disks_overlap_exactly_when_they_share_a_point():
    z, x = [0, 0, 1], [1, 0, 0]
    # Parallel planes: never, unless coplanar and close.
    assert not _one([0, 0, 0], z, 5, [0, 0, 1], z, 5)
    assert _one([0, 0, 0], z, 2, [3, 0, 0], z, 2) and not _one([0, 0, 0], z, 1, [3, 0, 0], z, 1)
    # Perpendicular disks: the xy disk of radius 2 at the origin and a yz disk at x = 1.
    assert _one([0, 0, 0], z, 2, [1, 0, 0], x, 1)
    assert not _one([0, 0, 0], z, 2, [3, 0, 0], x, 1)  # the yz disk is beyond the xy disk's rim
    assert not _one([0, 0, 0], z, 2, [1, 0, 2], x, 1)  # it is above the xy plane
    # Tilted neighbours one unit apart on a bend: large circles cross, small ones do not.
    tilt = [np.sin(0.5), 0, np.cos(0.5)]
    assert _one([0, 0, 0], z, 6, [0, 0, 1], tilt, 6) and not _one([0, 0, 0], z, 1, [0, 0, 1], tilt, 1)


def test_mode_radius_is_the_local_median_of_valid_radii_with_a_floor():
    radii = np.array([1.0, 1, 1, 1, 9, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5, 5, 5, 5, 0.1])
    valid = np.ones(len(radii), dtype=bool)
    valid[4] = False
    mode = mode_radii(radii, valid, floor=0.5)
    assert mode[4] == 1.0 and mode[14] == 5.0 and mode[-1] == 5.0
    assert np.all(mode_radii(radii, np.zeros(len(radii), dtype=bool), floor=0.5) == 0.5)


def test_a_sharp_fold_is_rejected_and_a_gentle_bend_is_not():
    centres = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0], [1.2, 0.3, 0], [2.5, 0.6, 0], [3.5, 0.8, 0]], dtype=float)
    out = folded(centres, np.ones(6, dtype=bool), 90.0)
    assert out.tolist() == [False, False, True, True, False, False]
    skip = np.array([True, True, False, False, True, True])  # the fold's nodes already rejected
    assert not folded(centres, skip, 90.0).any()


def test_the_circle_crossing_most_others_goes_first():
    # A straight run of parallel circles, and one tilted by 60 degrees in the middle crossing 4 of them.
    centres = np.array([[i, 0, 0] for i in range(9)], dtype=float)
    normals = np.tile([1.0, 0, 0], (9, 1))
    normals[4] = [np.cos(np.pi / 3), np.sin(np.pi / 3), 0]
    radii = np.full(9, 2.0)
    out = overlapping(centres, normals, radii, np.ones(9, dtype=bool))
    assert out.tolist() == [False] * 4 + [True] + [False] * 4
