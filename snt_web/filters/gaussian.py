"""Gaussian smoothing at a physical scale: SNT's "Gaussian" secondary layer and the first step of the Hessian."""

from __future__ import annotations

import numba
import numpy as np
from scipy import ndimage

from ..checkpoints import slabs

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
    sigma = tuple(scale / s for s in spacing)
    if image.ndim == 2:
        # Writing straight into float32 smooths an 8- or 16-bit image without
        # a float copy of the input.
        return ndimage.gaussian_filter(image, sigma=sigma, output=np.float32, mode="nearest")
    out = np.empty(image.shape, dtype=np.float32)
    plane = image.shape[1] * image.shape[2]
    kz, ky, kx = (_kernel(s) for s in sigma)
    # Slab by slab, so that a job stops at a checkpoint within seconds of a cancel.
    for z0, z1 in slabs(image.shape[0], plane * kz.size):
        _along_z(image, out, kz, z0, z1)
    for z0, z1 in slabs(image.shape[0], plane * ky.size):
        _along_y(out, ky, z0, z1)
    for z0, z1 in slabs(image.shape[0], plane * kx.size):
        _along_x(out, kx, z0, z1)
    return out


# A 3D volume is smoothed by compiled separable passes rather than by scipy,
# twice as fast at the scales of the filter banks: the first pass (z) reads the
# input in whole planes into the float32 output, the others work in place on
# it with a plane or a line of scratch, so the memory is that of the output
# alone, as with scipy. Kernel and borders are scipy's: radius
# int(4 sigma + 0.5), normalised weights, edge voxels repeated; the sums are
# float32 (scipy's are float64: the two differ by float32 rounding). Each pass
# does the planes z0 to z1 of the output.
_TRUNCATE = 4.0


def _kernel(sigma: float) -> np.ndarray:
    radius = int(_TRUNCATE * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    weights = np.exp(-0.5 / (sigma * sigma) * x * x)
    return (weights / weights.sum()).astype(np.float32)


@numba.njit(cache=True, nogil=True)
def _along_z(src, out, weights, z0, z1):
    radius = (weights.size - 1) // 2
    nz, ny, nx = src.shape
    for z in range(z0, z1):
        plane = out[z]
        plane[:, :] = 0
        for k in range(-radius, radius + 1):
            source = src[min(max(z + k, 0), nz - 1)]
            w = weights[k + radius]
            for y in range(ny):
                for x in range(nx):
                    plane[y, x] += w * source[y, x]


@numba.njit(cache=True, nogil=True)
def _along_y(volume, weights, z0, z1):
    # A plane is a stack of rows: the z pass over a copy of it, into it.
    if weights.size == 1:
        return
    nz, ny, nx = volume.shape
    rows = np.empty((ny, 1, nx), dtype=np.float32)
    for z in range(z0, z1):
        rows[:, 0, :] = volume[z]
        _along_z(rows, volume[z].reshape((ny, 1, nx)), weights, 0, ny)


@numba.njit(cache=True, nogil=True)
def _along_x(volume, weights, z0, z1):
    radius = (weights.size - 1) // 2
    nz, ny, nx = volume.shape
    if radius == 0:
        return
    padded = np.empty(nx + 2 * radius, dtype=np.float32)
    for z in range(z0, z1):
        for y in range(ny):
            line = volume[z, y]
            padded[:radius] = line[0]
            padded[radius + nx:] = line[nx - 1]
            padded[radius:radius + nx] = line
            for x in range(nx):
                total = np.float32(0)
                for k in range(2 * radius + 1):
                    total += weights[k] * padded[x + k]
                line[x] = total


def as_spacing(ndim: int, spacing) -> tuple[float, ...]:
    """Validated voxel size for a 2D or 3D image; 1 per axis when ``spacing`` is None."""
    if ndim not in (2, 3):
        raise ValueError(f"expected a 2D or 3D image, got {ndim} dimensions")
    spacing = (1.0,) * ndim if spacing is None else tuple(float(s) for s in spacing)
    if len(spacing) != ndim or not min(spacing) > 0:
        raise ValueError(f"spacing must be {ndim} positive numbers, got {spacing}")
    return spacing
