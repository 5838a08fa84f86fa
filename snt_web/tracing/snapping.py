"""Cursor snapping: move a click onto the neurite it was meant for."""

from __future__ import annotations

import numpy as np

__all__ = ["snap_to_brightest"]


def snap_to_brightest(volume, zyx, radius_xy: int = 4) -> tuple[int, int, int]:
    """The brightest voxel within ``radius_xy`` voxels in x and y of a click, on its z-slice.

    As SNT's cursor snapping: the window is ``(2 radius_xy + 1)`` voxels square
    (clipped to the image) and does not extend in z. When several voxels share
    the maximum, the middle one of them in raster order is taken, so that a
    click on a flat-topped (saturated) neurite lands inside it rather than on
    its edge.

    Parameters
    ----------
    volume : ndarray (z, y, x)
        Image (or layer) the click was made on.
    zyx : sequence of 3 int
        Voxel indices of the click.
    radius_xy : int
        Half-width of the window in voxels (SNT's default 4).

    Returns
    -------
    tuple of 3 int
        Voxel indices ``(z, y, x)`` of the snapped position.

    Examples
    --------
    >>> volume = np.zeros((3, 20, 20)); volume[1, 12, 9] = 5
    >>> snap_to_brightest(volume, (1, 10, 10))
    (1, 12, 9)
    """
    z, y, x = (int(v) for v in zyx)
    if radius_xy < 0:
        raise ValueError(f"radius_xy must be >= 0, got {radius_xy}")
    y0, x0 = max(y - radius_xy, 0), max(x - radius_xy, 0)
    window = np.asarray(volume[z, y0:y + radius_xy + 1, x0:x + radius_xy + 1])
    ties = np.argwhere(window == window.max())
    dy, dx = ties[(len(ties) - 1) // 2]
    return z, y0 + int(dy), x0 + int(dx)
