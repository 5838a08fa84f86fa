"""Physical positions to voxel indices and back: the one rule of SNT Web.

SNT's convention: the voxel at index ``(z, y, x)`` of an image with spacing
``(sz, sy, sx)`` sits at physical ``(x·sx, y·sy, z·sz)`` (no half-voxel shift,
no origin offset). A physical position belongs to the nearest voxel, a tie
(exactly half a voxel) going to the higher index: ``floor(v / s + 0.5)``.
Half up rather than numpy's half to even (``np.rint``, Python's ``round``), so
that a position between two voxels goes the same way whatever the parity of
its index, and so that the browser (``snt_web.coords`` in
``assets/snt_web.js``, with ``Math.floor``) computes the same voxel.
"""

from __future__ import annotations

import numpy as np

__all__ = ["physical_to_voxel", "voxel_to_physical"]


def physical_to_voxel(xyz, spacing_zyx) -> np.ndarray:
    """The voxel of each physical position.

    Parameters
    ----------
    xyz : array_like, shape (..., 3)
        Physical x, y, z (the image's unit, e.g. µm).
    spacing_zyx : sequence of 3 float
        Voxel size in array order (z, y, x), same unit.

    Returns
    -------
    ndarray of int64, shape (..., 3)
        Voxel indices in array order (z, y, x); not clipped to any volume.

    Examples
    --------
    >>> physical_to_voxel([1.5, 0.25, 2.0], (2.0, 0.5, 0.5)).tolist()
    [1, 1, 3]
    >>> physical_to_voxel([[-0.25, 0.0, 0.0]], (1.0, 1.0, 0.5)).tolist()
    [[0, 0, 0]]
    """
    zyx = np.asarray(xyz, dtype=np.float64)[..., ::-1] / np.asarray(spacing_zyx, dtype=np.float64)
    return np.floor(zyx + 0.5).astype(np.int64)


def voxel_to_physical(zyx, spacing_zyx) -> np.ndarray:
    """The physical position of each voxel index.

    Parameters
    ----------
    zyx : array_like, shape (..., 3)
        Voxel indices (or fractional voxel coordinates) in array order z, y, x.
    spacing_zyx : sequence of 3 float
        Voxel size in array order (z, y, x).

    Returns
    -------
    ndarray of float64, shape (..., 3)
        Physical x, y, z: ``(x·sx, y·sy, z·sz)``.

    Examples
    --------
    >>> voxel_to_physical([[2, 3, 4]], (1.0, 0.5, 0.25)).tolist()
    [[1.0, 1.5, 2.0]]
    """
    return np.asarray(zyx, dtype=np.float64)[..., ::-1] * np.asarray(spacing_zyx, dtype=np.float64)[::-1]
