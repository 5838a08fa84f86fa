"""Derivative features of a smoothed volume, voxel by voxel in compiled loops.

The filter bank (:mod:`.features`) smooths the volume once per scale; these
kernels take that smoothed volume and write, for the voxels of one block,
the gradient magnitude, the Laplacian and the Hessian eigenvalues in a single
pass (the Hessian stencil and closed-form eigenvalues of
:mod:`snt_web.filters.hessian`), and the gradient outer products and the
eigenvalues of the smoothed structure tensor. Derivatives are in physical
units; borders repeat the edge voxel, as the Gaussian does.

Features are written straight into rows of the caller's ``(n_features, z, y,
x)`` array, whatever its strides, so that a block's features can be laid out
voxel-major for the classifier without a copy. The kernels release the GIL,
so the scales of a block are computed on several threads.
"""

from __future__ import annotations

import numba
import numpy as np

from ..filters.hessian import eigenvalues_3x3, hessian_at_3d

__all__ = ["derivative_features", "gradient_products", "tensor_eigenvalues"]


def derivative_features(smoothed, origin, inverse_spacing, rows, out) -> None:
    """Gradient magnitude, Laplacian and Hessian eigenvalues of ``smoothed`` over one block.

    Parameters
    ----------
    smoothed : ndarray of float32, shape (z, y, x)
        The slab (block plus halo) smoothed at one scale.
    origin : sequence of 3 int
        Index in ``smoothed`` of the block's first voxel; the block's shape is
        that of ``out[0]``.
    inverse_spacing : sequence of 3 float
        ``1 / spacing``, z, y, x.
    rows : sequence of 5 int
        Row of ``out`` for the gradient magnitude, the Laplacian and the three
        Hessian eigenvalues (decreasing); -1 for one not wanted.
    out : ndarray of float32, shape (n_features, bz, by, bx)
        Written in place, only at ``rows``.
    """
    _derivatives(smoothed, np.asarray(origin, dtype=np.int64), np.asarray(inverse_spacing, dtype=np.float64),
                 np.asarray(rows, dtype=np.int64), out)


def gradient_products(smoothed, inverse_spacing, box) -> list[np.ndarray]:
    """The six distinct products of the gradient's components, ``gz gz, gz gy, gz gx, gy gy, gy gx, gx gx``.

    Parameters
    ----------
    smoothed : ndarray of float32, shape (z, y, x)
    inverse_spacing : sequence of 3 float
    box : tuple of 3 slice
        Where the products are wanted, in ``smoothed`` (explicit starts and
        stops); the differences read the voxels around it.

    Returns
    -------
    list of 6 ndarray of float32, the shape of ``box``
        Central differences in physical units, the upper triangle of the
        (unsmoothed) structure tensor in the order of
        :func:`snt_web.filters.hessian_matrix`; six arrays, not one, so that
        each can be released on its own.
    """
    shape = tuple(b.stop - b.start for b in box)
    out = [np.empty(shape, dtype=np.float32) for _ in range(6)]
    origin = np.array([b.start for b in box], dtype=np.int64)
    _gradient_products(smoothed, origin, np.asarray(inverse_spacing, dtype=np.float64), *out)
    return out


def tensor_eigenvalues(components, origin, rows, out) -> None:
    """Eigenvalues, decreasing, of symmetric 3 x 3 matrices over one block.

    Parameters
    ----------
    components : sequence of 6 ndarray of float32, shape (z, y, x)
        Upper triangle ``[a, b, c, d, e, f]`` of ``[[a, b, c], [b, d, e], [c, e, f]]``
        over the slab.
    origin : sequence of 3 int
        Index in the slab of the block's first voxel.
    rows : sequence of 3 int
        Rows of ``out`` for the three eigenvalues.
    out : ndarray of float32, shape (n_features, bz, by, bx)
    """
    a, b, c, d, e, f = components
    _tensor_eigenvalues(a, b, c, d, e, f, np.asarray(origin, dtype=np.int64), np.asarray(rows, dtype=np.int64), out)


@numba.njit(cache=True, inline="always")
def _gradient_at(s, z, y, x, iz, iy, ix):
    """Central differences of ``s`` at one voxel, physical units; borders repeat the edge voxel."""
    nz, ny, nx = s.shape
    gz = (s[min(z + 1, nz - 1), y, x] - s[max(z - 1, 0), y, x]) * (0.5 * iz)
    gy = (s[z, min(y + 1, ny - 1), x] - s[z, max(y - 1, 0), x]) * (0.5 * iy)
    gx = (s[z, y, min(x + 1, nx - 1)] - s[z, y, max(x - 1, 0)]) * (0.5 * ix)
    return gz, gy, gx


@numba.njit(cache=True, nogil=True)
def _derivatives(s, origin, inverse, rows, out):
    iz, iy, ix = inverse[0], inverse[1], inverse[2]
    want_eigenvalues = rows[2] >= 0
    _, bz, by, bx = out.shape
    for z in range(bz):
        sz = z + origin[0]
        for y in range(by):
            sy = y + origin[1]
            for x in range(bx):
                sx = x + origin[2]
                if rows[0] >= 0:
                    gz, gy, gx = _gradient_at(s, sz, sy, sx, iz, iy, ix)
                    out[rows[0], z, y, x] = np.sqrt(gz * gz + gy * gy + gx * gx)
                hzz, hzy, hzx, hyy, hyx, hxx = hessian_at_3d(s, sz, sy, sx, iz, iy, ix)
                if rows[1] >= 0:
                    out[rows[1], z, y, x] = hzz + hyy + hxx
                if want_eigenvalues:
                    e1, e2, e3 = eigenvalues_3x3(np.float64(hzz), np.float64(hzy), np.float64(hzx),
                                                 np.float64(hyy), np.float64(hyx), np.float64(hxx))
                    out[rows[2], z, y, x] = e1
                    out[rows[3], z, y, x] = e2
                    out[rows[4], z, y, x] = e3


@numba.njit(cache=True, nogil=True)
def _gradient_products(s, origin, inverse, zz, zy, zx, yy, yx, xx):
    bz, by, bx = zz.shape
    for z in range(bz):
        for y in range(by):
            for x in range(bx):
                gz, gy, gx = _gradient_at(s, z + origin[0], y + origin[1], x + origin[2],
                                          inverse[0], inverse[1], inverse[2])
                zz[z, y, x] = gz * gz
                zy[z, y, x] = gz * gy
                zx[z, y, x] = gz * gx
                yy[z, y, x] = gy * gy
                yx[z, y, x] = gy * gx
                xx[z, y, x] = gx * gx


@numba.njit(cache=True, nogil=True)
def _tensor_eigenvalues(a, b, c, d, e, f, origin, rows, out):
    f64 = np.float64
    _, bz, by, bx = out.shape
    for z in range(bz):
        sz = z + origin[0]
        for y in range(by):
            sy = y + origin[1]
            for x in range(bx):
                sx = x + origin[2]
                e1, e2, e3 = eigenvalues_3x3(f64(a[sz, sy, sx]), f64(b[sz, sy, sx]), f64(c[sz, sy, sx]),
                                             f64(d[sz, sy, sx]), f64(e[sz, sy, sx]), f64(f[sz, sy, sx]))
                out[rows[0], z, y, x] = e1
                out[rows[1], z, y, x] = e2
                out[rows[2], z, y, x] = e3
