"""Physical node positions to voxel indices.

Physical ``(x, y, z)`` maps to voxel ``(z, y, x) = round((z/sz, y/sy, x/sx))``,
SNT's convention (no half-voxel shift, no origin offset). Rounding is half up,
``floor(v + 0.5)``, rather than numpy's half-to-even, so that a node exactly
between two voxels always goes the same way whatever the parity of its index.
"""

from __future__ import annotations

import numpy as np


def voxel_index(points_xyz, spacing_zyx) -> np.ndarray:
    """Nearest voxel of each physical point.

    Parameters
    ----------
    points_xyz : array_like, shape (n, 3)
        Physical x, y, z.
    spacing_zyx : sequence of 3 float
        Voxel size in array order.

    Returns
    -------
    ndarray of int64, shape (n, 3)
        Voxel indices z, y, x; possibly outside any given volume.

    Examples
    --------
    >>> voxel_index([[1.5, 0.2, 2.0]], (2.0, 0.5, 0.5)).tolist()
    [[1, 0, 3]]
    """
    zyx = np.asarray(points_xyz, dtype=float)[:, ::-1] / np.asarray(spacing_zyx, dtype=float)
    return np.floor(zyx + 0.5).astype(np.int64)


def inside(voxels: np.ndarray, shape) -> np.ndarray:
    """Boolean mask of the rows of ``voxels`` (n, ndim) that index into ``shape``."""
    return np.all((voxels >= 0) & (voxels < np.asarray(shape)), axis=1)



def paint_unlabelled(labels: np.ndarray, voxels: np.ndarray, label: int) -> None:
    """Give ``label`` to those of ``voxels`` (n, ndim) not labelled yet, in place."""
    free = voxels[labels[tuple(voxels.T)] == 0]
    labels[tuple(free.T)] = label
