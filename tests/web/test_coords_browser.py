"""The browser's physical <-> voxel conversion agrees with the Python rule, half voxels included."""

from __future__ import annotations

import numpy as np

from snt_web.model import physical_to_voxel, voxel_to_physical

from .browser import start

#: z, y, x: anisotropic, one of them not exact in binary (0.3), one above 1.
SPACING = (2.0, 0.3, 0.25)


def _grid() -> np.ndarray:
    """Physical x, y, z: exact half voxels, quarters and arbitrary values, negative and positive."""
    steps = np.asarray(SPACING[::-1])
    k = np.arange(-4, 5)[:, None]
    halves = (k + 0.5) * steps
    quarters = (k + 0.25) * steps
    arbitrary = np.random.default_rng(7).uniform(-5, 12, size=(40, 3))
    return np.concatenate([halves, -halves, quarters, k * steps, arbitrary])


def test_the_javascript_rule_is_the_python_rule(dash_duo, app):
    start(dash_duo, app)
    xyz = _grid()
    js = dash_duo.driver.execute_script(
        """
        var c = window.dash_clientside.snt_web.coords, s = arguments[1];
        return arguments[0].map(function (p) {
          var zyx = [c.toVoxel(p[2], s[0]), c.toVoxel(p[1], s[1]), c.toVoxel(p[0], s[2])];
          return {zyx: zyx, back: [c.toPhysical(zyx[2], s[2]), c.toPhysical(zyx[1], s[1]), c.toPhysical(zyx[0], s[0])]};
        });
        """,
        xyz.tolist(), list(SPACING),
    )
    expected = physical_to_voxel(xyz, SPACING)
    assert [row["zyx"] for row in js] == expected.tolist()
    assert [row["back"] for row in js] == voxel_to_physical(expected, SPACING).tolist()
    # The grid does hold ties that half-to-even rounding would send the other way.
    assert (np.rint(xyz[:, ::-1] / SPACING) != expected).any()
