"""Hessian matrices of a Gaussian-smoothed image at a physical scale, and their eigenvalues in closed form.

The Hessian is taken by finite differences on the smoothed image, in physical
units (an anisotropic stack gives the same response to a tube whatever its
direction). Eigenvalues of the symmetric 3 x 3 matrices are computed with the
trigonometric method (Smith 1961), 2 x 2 with the quadratic formula, voxel by
voxel in compiled loops: about 10x faster than the batched
``numpy.linalg.eigvalsh`` that ``skimage.feature.hessian_matrix_eigvals``
uses (``benchmarks/bench_tracing.py``), and without its temporaries.

The per-voxel pieces (:func:`hessian_at_3d`, :func:`eigenvalues_3x3` and their
2D twins) are numba functions, so that :mod:`.tubeness` can fuse them with its
response into one pass that never holds the six Hessian components of the
whole image. They are compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..checkpoints import slabs
from .gaussian import as_spacing, gaussian

__all__ = ["hessian_matrix", "hessian_eigenvalues"]

#: Operations per voxel of a Hessian (for :func:`snt_web.checkpoints.slabs`).
HESSIAN_WORK = 32


def hessian_matrix(image, scale: float, spacing=None) -> list[np.ndarray]:
    """Hessian of the image smoothed by a Gaussian of physical standard deviation ``scale``.

    Parameters
    ----------
    image : ndarray, 2D (y, x) or 3D (z, y, x)
        Image, any real dtype.
    scale : float
        Standard deviation of the Gaussian in physical units (``scale /
        spacing`` voxels along each axis, see :func:`~.gaussian.gaussian`).
    spacing : sequence of float, optional
        Voxel size per axis in array order; 1 per axis when omitted.

    Returns
    -------
    list of ndarray of float32
        The upper triangle of the Hessian in row-major order, derivatives with
        respect to physical coordinates: ``[Hzz, Hzy, Hzx, Hyy, Hyx, Hxx]`` in
        3D, ``[Hyy, Hyx, Hxx]`` in 2D (the order of
        ``skimage.feature.hessian_matrix``).

    Examples
    --------
    >>> y, x = np.mgrid[:32, :32]
    >>> hyy, hyx, hxx = hessian_matrix((x - 16.0) ** 2, 1.0)
    >>> round(float(hxx[16, 16]), 3), round(float(hyy[16, 16]), 3)
    (2.0, 0.0)
    """
    image = np.asarray(image)
    spacing = as_spacing(image.ndim, spacing)
    smoothed = gaussian(image, scale, spacing)
    inverse = 1.0 / np.asarray(spacing)
    out = np.empty((3 * image.ndim - 3,) + image.shape, dtype=np.float32)
    if image.ndim == 3:
        for z0, z1 in slabs(image.shape[0], image.shape[1] * image.shape[2] * HESSIAN_WORK):
            _hessian_3d(smoothed, inverse, out, z0, z1)
    else:
        _hessian_2d(smoothed, inverse, out)
    return list(out)


def hessian_eigenvalues(hessian) -> np.ndarray:
    """Eigenvalues of symmetric 2 x 2 or 3 x 3 matrices given by their upper triangles.

    Parameters
    ----------
    hessian : sequence of ndarray
        ``[a, b, c, d, e, f]`` for the 3 x 3 matrices ``[[a, b, c], [b, d, e],
        [c, e, f]]``, or ``[a, b, d]`` for the 2 x 2 matrices ``[[a, b], [b, d]]``,
        as :func:`hessian_matrix` returns them; any common shape.

    Returns
    -------
    ndarray of float32, shape ``(3, ...)`` or ``(2, ...)``
        Eigenvalues in decreasing order along the first axis (as
        ``skimage.feature.hessian_matrix_eigvals``).

    Examples
    --------
    >>> hessian_eigenvalues([np.array([2.0]), np.array([0.0]), np.array([0.0]),
    ...                      np.array([-1.0]), np.array([0.0]), np.array([5.0])])[:, 0]
    array([ 5.,  2., -1.], dtype=float32)
    """
    if len(hessian) not in (3, 6):
        raise ValueError(f"expected 3 (2D) or 6 (3D) Hessian components, got {len(hessian)}")
    parts = [np.asarray(h) for h in hessian]
    shape = parts[0].shape
    if any(p.shape != shape for p in parts):
        raise ValueError(f"Hessian components differ in shape: {[p.shape for p in parts]}")
    # Float32 components are read in place (no float64 copy of six volumes);
    # the arithmetic is in double precision either way.
    dtype = np.float64 if any(p.dtype == np.float64 for p in parts) else np.float32
    flat = [np.ascontiguousarray(p, dtype=dtype).reshape(-1) for p in parts]
    out = np.empty((3 if len(parts) == 6 else 2, flat[0].size), dtype=np.float32)
    if len(parts) == 6:
        _eigenvalues_3x3_all(*flat, out)
    else:
        _eigenvalues_2x2_all(*flat, out)
    return out.reshape((len(out),) + shape)


@numba.njit(cache=True, inline="always")
def hessian_at_3d(s, z, y, x, iz, iy, ix):
    """Hessian ``(hzz, hzy, hzx, hyy, hyx, hxx)`` of the smoothed volume ``s`` at one voxel.

    Second differences on the diagonal (a 3-point stencil, sharper than two
    central differences), products of central differences off it; borders
    repeat the edge voxel. ``iz, iy, ix`` are the inverse voxel sizes.
    """
    nz, ny, nx = s.shape
    zm, zp = max(z - 1, 0), min(z + 1, nz - 1)
    ym, yp = max(y - 1, 0), min(y + 1, ny - 1)
    xm, xp = max(x - 1, 0), min(x + 1, nx - 1)
    twice = 2.0 * s[z, y, x]
    hzz = (s[zp, y, x] - twice + s[zm, y, x]) * (iz * iz)
    hyy = (s[z, yp, x] - twice + s[z, ym, x]) * (iy * iy)
    hxx = (s[z, y, xp] - twice + s[z, y, xm]) * (ix * ix)
    hzy = (s[zp, yp, x] - s[zm, yp, x] - s[zp, ym, x] + s[zm, ym, x]) * (0.25 * iz * iy)
    hzx = (s[zp, y, xp] - s[zm, y, xp] - s[zp, y, xm] + s[zm, y, xm]) * (0.25 * iz * ix)
    hyx = (s[z, yp, xp] - s[z, ym, xp] - s[z, yp, xm] + s[z, ym, xm]) * (0.25 * iy * ix)
    return hzz, hzy, hzx, hyy, hyx, hxx


@numba.njit(cache=True, inline="always")
def hessian_at_2d(s, y, x, iy, ix):
    """Hessian ``(hyy, hyx, hxx)`` of the smoothed image ``s`` at one pixel (as :func:`hessian_at_3d`)."""
    ny, nx = s.shape
    ym, yp = max(y - 1, 0), min(y + 1, ny - 1)
    xm, xp = max(x - 1, 0), min(x + 1, nx - 1)
    twice = 2.0 * s[y, x]
    hyy = (s[yp, x] - twice + s[ym, x]) * (iy * iy)
    hxx = (s[y, xp] - twice + s[y, xm]) * (ix * ix)
    hyx = (s[yp, xp] - s[ym, xp] - s[yp, xm] + s[ym, xm]) * (0.25 * iy * ix)
    return hyy, hyx, hxx


@numba.njit(cache=True, inline="always")
def eigenvalues_3x3(a, b, c, d, e, f):
    """Eigenvalues, decreasing, of the symmetric matrix ``[[a, b, c], [b, d, e], [c, e, f]]``.

    With ``q`` the mean of the diagonal and ``p`` the scaled norm of ``A - qI``,
    the eigenvalues of ``B = (A - qI) / p`` are ``2 cos(phi + 2 k pi / 3)``
    where ``cos(3 phi) = det(B) / 2``. Computed in double precision.
    """
    q = (a + d + f) / 3.0
    a, d, f = a - q, d - q, f - q
    p2 = (a * a + d * d + f * f + 2.0 * (b * b + c * c + e * e)) / 6.0
    if p2 == 0.0:
        return q, q, q
    p = math.sqrt(p2)
    # det(B) / 2 = det(A - qI) / (2 p**3); rounding can push it a hair past 1.
    half_det = 0.5 * (a * (d * f - e * e) - b * (b * f - e * c) + c * (b * e - d * c)) / (p2 * p)
    phi = math.acos(min(max(half_det, -1.0), 1.0)) / 3.0
    # cos(phi + 2 pi / 3) from cos(phi) and sin(phi) (phi is in [0, pi / 3]):
    # one cosine instead of two, the costliest part of the filter after acos.
    cos_phi = math.cos(phi)
    sin_phi = math.sqrt(max(1.0 - cos_phi * cos_phi, 0.0))
    largest = q + 2.0 * p * cos_phi
    smallest = q - p * (cos_phi + math.sqrt(3.0) * sin_phi)
    return largest, 3.0 * q - largest - smallest, smallest


@numba.njit(cache=True, inline="always")
def eigenvalues_2x2(a, b, d):
    """Eigenvalues, decreasing, of the symmetric matrix ``[[a, b], [b, d]]``."""
    mean = 0.5 * (a + d)
    radius = math.hypot(0.5 * (a - d), b)
    return mean + radius, mean - radius


@numba.njit(cache=True, nogil=True)
def _hessian_3d(s, inverse, out, z0, z1):
    nz, ny, nx = s.shape
    for z in range(z0, z1):
        for y in range(ny):
            for x in range(nx):
                h = hessian_at_3d(s, z, y, x, inverse[0], inverse[1], inverse[2])
                for k in range(6):
                    out[k, z, y, x] = h[k]


@numba.njit(cache=True, nogil=True)
def _hessian_2d(s, inverse, out):
    ny, nx = s.shape
    for y in range(ny):
        for x in range(nx):
            h = hessian_at_2d(s, y, x, inverse[0], inverse[1])
            for k in range(3):
                out[k, y, x] = h[k]


@numba.njit(cache=True, nogil=True)
def _eigenvalues_3x3_all(a, b, c, d, e, f, out):
    # np.float64, not float(): numba's float() keeps float32 as float32.
    f64 = np.float64
    for i in range(a.size):
        out[0, i], out[1, i], out[2, i] = eigenvalues_3x3(
            f64(a[i]), f64(b[i]), f64(c[i]), f64(d[i]), f64(e[i]), f64(f[i])
        )


@numba.njit(cache=True, nogil=True)
def _eigenvalues_2x2_all(a, b, d, out):
    f64 = np.float64
    for i in range(a.size):
        out[0, i], out[1, i] = eigenvalues_2x2(f64(a[i]), f64(b[i]), f64(d[i]))
