"""The one physical <-> voxel rule (SNT's convention, halves up) and the units that use it."""

from __future__ import annotations

import numpy as np

from snt_web.model import physical_to_voxel, voxel_to_physical
from snt_web.web.share import cursor_at, cursor_position

SPACING = (2.0, 0.5, 0.25)  # z, y, x: anisotropic, and exact in binary so halves are exact


def test_half_a_voxel_goes_to_the_higher_index_on_both_sides_of_zero():
    halves = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    xyz = np.column_stack([halves * SPACING[2], halves * SPACING[1], halves * SPACING[0]])
    zyx = physical_to_voxel(xyz, SPACING)
    assert zyx[:, 0].tolist() == zyx[:, 1].tolist() == zyx[:, 2].tolist() == [-2, -1, 0, 1, 2, 3]
    # What the rule replaced disagreed here: half to even.
    assert np.rint(halves).tolist() == [-2, -2, -0, 0, 2, 2]


def test_each_voxel_owns_the_half_open_box_around_its_position():
    rng = np.random.default_rng(3)
    zyx = rng.integers(-20, 60, size=(200, 3))
    centre = voxel_to_physical(zyx, SPACING)
    assert centre.shape == (200, 3) and np.allclose(centre[:, 0], zyx[:, 2] * SPACING[2])
    step_xyz = np.asarray(SPACING[::-1])
    for offset in (-0.5, -0.49, 0.0, 0.3, 0.49):
        assert (physical_to_voxel(centre + offset * step_xyz, SPACING) == zyx).all(), offset
    assert (physical_to_voxel(centre + 0.5 * step_xyz, SPACING) == zyx + 1).all()


def test_one_point_and_many_keep_their_shape():
    assert physical_to_voxel([0.25, 0.75, 1.0], SPACING).tolist() == [1, 2, 1]
    assert physical_to_voxel(np.zeros((0, 3)), SPACING).shape == (0, 3)
    assert voxel_to_physical([1, 2, 1], SPACING).tolist() == [0.25, 1.0, 2.0]


def test_the_share_cursor_uses_the_rule_and_clips_to_the_image():
    meta = {"id": "p", "image_revision": 1, "shape": [5, 8, 8], "spacing": list(SPACING)}
    for xyz in ([0.375, 1.25, 3.0], [-0.125, -0.25, -1.0], [100.0, 0.75, 1.0]):
        cursor = cursor_at(xyz, meta)
        expected = np.clip(physical_to_voxel(xyz, SPACING), 0, np.asarray(meta["shape"]) - 1)
        assert [cursor[a] for a in "zyx"] == expected.tolist()
        back = cursor_position(cursor, SPACING)
        assert [back[a] for a in "xyz"] == voxel_to_physical(expected, SPACING).tolist()
