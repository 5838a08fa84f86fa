"""Painting node spheres into a volume (compiled): APP2's coverage and the cells' claimed voxels."""

from __future__ import annotations

import numba


@numba.njit(cache=True)
def paint_sphere(volume, z, y, x, rz, ry, rx, value):
    """Set the free (zero) voxels of the ellipsoid with radii ``rz, ry, rx`` voxels around ``(z, y, x)`` to ``value``.

    Radii below half a voxel count as half a voxel, so a node always covers
    its own voxel. Returns the number of voxels set.
    """
    nz, ny, nx = volume.shape
    rz, ry, rx = max(rz, 0.5), max(ry, 0.5), max(rx, 0.5)
    count = 0
    for vz in range(max(0, z - int(rz)), min(nz, z + int(rz) + 1)):
        for vy in range(max(0, y - int(ry)), min(ny, y + int(ry) + 1)):
            for vx in range(max(0, x - int(rx)), min(nx, x + int(rx) + 1)):
                if volume[vz, vy, vx] != 0:
                    continue
                if ((vz - z) / rz) ** 2 + ((vy - y) / ry) ** 2 + ((vx - x) / rx) ** 2 <= 1.0:
                    volume[vz, vy, vx] = value
                    count += 1
    return count
