"""Gaussian smoothing at a physical scale: SNT's "Gaussian" secondary layer and the first step of the Hessian."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["gaussian"]


def gaussian(image, scale: float, spacing=None) -> np.ndarray:
    """The image smoothed by a Gaussian of physical standard deviation ``scale``.

    Along each axis the standard deviation is ``scale / spacing`` voxels, so an
    anisotropic stack is smoothed isotropically in space. Borders repeat the
    edge voxels (``mode="nearest"``), so a bright neurite touching the border
    is not dimmed there.

    Parameters
    ----------
    image : ndarray, 2D (y, x) or 3D (z, y, x)
        Image, any real dtype (a memory map is read, not copied).
    scale : float
        Standard deviation in physical units.
    spacing : sequence of float, optional
        Voxel size per axis in array order; 1 per axis when omitted.

    Returns
    -------
    ndarray of float32, the shape of ``image``

    Examples
    --------
    >>> image = np.zeros((5, 9)); image[2, 4] = 1
    >>> smoothed = gaussian(image, 1.0, spacing=(2.0, 1.0))
    >>> round(float(smoothed.sum()), 3), bool(smoothed[2, 3] > smoothed[1, 4])
    (1.0, True)
    """
    image = np.asarray(image)
    spacing = as_spacing(image.ndim, spacing)
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    # Writing straight into float32 smooths an 8- or 16-bit stack without a
    # float copy of the input.
    return ndimage.gaussian_filter(image, sigma=tuple(scale / s for s in spacing), output=np.float32, mode="nearest")


def as_spacing(ndim: int, spacing) -> tuple[float, ...]:
    """Validated voxel size for a 2D or 3D image; 1 per axis when ``spacing`` is None."""
    if ndim not in (2, 3):
        raise ValueError(f"expected a 2D or 3D image, got {ndim} dimensions")
    spacing = (1.0,) * ndim if spacing is None else tuple(float(s) for s in spacing)
    if len(spacing) != ndim or not min(spacing) > 0:
        raise ValueError(f"spacing must be {ndim} positive numbers, got {spacing}")
    return spacing
