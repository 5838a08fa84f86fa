"""Hessian-based vesselness filters as SNT computes its secondary layers: Tubeness (Sato) and Frangi.

Both smooth the image at each physical scale (``scale / spacing`` voxels per
axis), take the Hessian in physical units times ``scale**2`` (so responses at
different scales compare), sort its eigenvalues by magnitude
(``|l1| <= |l2| <= |l3|``), respond only to bright tubes (``l2, l3 < 0``) and
keep the maximum over scales. A 3D array with a single z-slice is filtered as
a 2D image.

Per scale, one compiled pass computes Hessian, eigenvalues and response voxel
by voxel, so the working memory is the smoothed image and the output (two
float32 arrays the size of the image), never the six Hessian components.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..checkpoints import slabs
from .gaussian import as_spacing, gaussian
from .hessian import HESSIAN_WORK, eigenvalues_2x2, eigenvalues_3x3, hessian_at_2d, hessian_at_3d

__all__ = ["tubeness", "frangi"]

_SATO, _FRANGI = 0, 1


def tubeness(image, scales=(1.0,), spacing=None) -> np.ndarray:
    """Sato's tubeness, SNT's default secondary layer.

    ``sqrt(l2 * l3)`` where ``l2, l3 < 0``, else 0, in 3D; ``|l2|`` where
    ``l2 < 0`` in 2D; eigenvalues of the scale-normalised Hessian
    (``scale**2 * H``); the maximum over ``scales``.

    Parameters
    ----------
    image : ndarray, 2D (y, x) or 3D (z, y, x)
        Image with bright neurites.
    scales : float or sequence of float
        Physical scales (Gaussian standard deviations), roughly the radii of
        the neurites to enhance.
    spacing : sequence of float, optional
        Voxel size in array order; 1 per axis when omitted.

    Returns
    -------
    ndarray of float32, the shape of ``image``

    Examples
    --------
    >>> image = np.zeros((9, 32, 32)); image[4, 16, :] = 100
    >>> response = tubeness(image, scales=1.0)
    >>> bool(response[4, 16, 16] > 10 * response[4, 8, 16])
    True
    """
    return _max_over_scales(image, scales, spacing, _SATO, 0.0, 0.0, 1.0)


def frangi(image, scales=(1.0,), spacing=None, alpha: float = 0.5, beta: float = 0.5, c: float | None = None):
    """Frangi's vesselness, SNT's second Hessian filter.

    In 3D, ``(1 - exp(-Ra**2 / 2 alpha**2)) exp(-Rb**2 / 2 beta**2) (1 - exp(-S**2 / 2 c**2))``
    where ``l2, l3 < 0``, with ``Ra = |l2| / |l3|``, ``Rb = |l1| / sqrt|l2 l3|``
    and ``S`` the Frobenius norm of the scale-normalised Hessian; in 2D,
    ``exp(-Rb**2 / 2 beta**2) (1 - exp(-S**2 / 2 c**2))`` with ``Rb = |l1| / |l2|``
    where ``l2 < 0``. The maximum over ``scales``.

    Parameters
    ----------
    image, scales, spacing
        As for :func:`tubeness`.
    alpha, beta : float
        Sensitivities to plate-likeness (``Ra``) and blob-likeness (``Rb``).
    c : float, optional
        Sensitivity to structure (``S``); a quarter of the image maximum when
        omitted, as in SNT.

    Returns
    -------
    ndarray of float32 in [0, 1], the shape of ``image``

    Examples
    --------
    >>> image = np.zeros((9, 32, 32)); image[4, 16, :] = 100
    >>> response = frangi(image, scales=1.0)
    >>> bool(response[4, 16, 16] > 0.1 > response[4, 8, 16])
    True
    """
    if c is None:
        c = max(float(np.max(image)) / 4, np.finfo(np.float32).tiny)
    if not (alpha > 0 and beta > 0 and c > 0):
        raise ValueError(f"alpha, beta and c must be positive, got {alpha}, {beta}, {c}")
    return _max_over_scales(image, scales, spacing, _FRANGI, alpha, beta, c)


def _max_over_scales(image, scales, spacing, kind, alpha, beta, c) -> np.ndarray:
    image = np.asarray(image)
    squeezed = image.ndim == 3 and image.shape[0] == 1
    if squeezed:
        image = image[0]
        spacing = None if spacing is None else tuple(spacing)[1:]
    spacing = as_spacing(image.ndim, spacing)
    inverse = 1.0 / np.asarray(spacing)
    best = np.zeros(image.shape, dtype=np.float32)  # every response is >= 0
    for scale in np.atleast_1d(np.asarray(scales, dtype=float)):
        smoothed = gaussian(image, scale, spacing)
        if image.ndim == 2:
            _respond_2d(smoothed, inverse, scale * scale, kind, alpha, beta, c, best)
            continue
        for z0, z1 in slabs(image.shape[0], image.shape[1] * image.shape[2] * 2 * HESSIAN_WORK):
            _respond_3d(smoothed, inverse, scale * scale, kind, alpha, beta, c, best, z0, z1)
    return best[None] if squeezed else best


@numba.njit(cache=True, inline="always")
def _by_magnitude(l1, l2, l3):
    """The three values reordered so that ``|l1| <= |l2| <= |l3|``."""
    if abs(l1) > abs(l2):
        l1, l2 = l2, l1
    if abs(l2) > abs(l3):
        l2, l3 = l3, l2
    if abs(l1) > abs(l2):
        l1, l2 = l2, l1
    return l1, l2, l3


@numba.njit(cache=True, inline="always")
def _response_3d(l1, l2, l3, kind, alpha, beta, c):
    """Sato or Frangi response to eigenvalues sorted by magnitude."""
    if l2 >= 0.0 or l3 >= 0.0:
        return 0.0
    if kind == _SATO:
        return math.sqrt(l2 * l3)
    ra = l2 / l3
    rb = abs(l1) / math.sqrt(l2 * l3)
    structure = l1 * l1 + l2 * l2 + l3 * l3
    return (
        (1.0 - math.exp(-ra * ra / (2.0 * alpha * alpha)))
        * math.exp(-rb * rb / (2.0 * beta * beta))
        * (1.0 - math.exp(-structure / (2.0 * c * c)))
    )


@numba.njit(cache=True, inline="always")
def _response_2d(l1, l2, kind, beta, c):
    """Sato or Frangi response to 2D eigenvalues sorted by magnitude."""
    if l2 >= 0.0:
        return 0.0
    if kind == _SATO:
        return -l2
    rb = l1 / l2
    structure = l1 * l1 + l2 * l2
    return math.exp(-rb * rb / (2.0 * beta * beta)) * (1.0 - math.exp(-structure / (2.0 * c * c)))


@numba.njit(cache=True, nogil=True)
def _respond_3d(s, inverse, norm, kind, alpha, beta, c, best, z0, z1):
    nz, ny, nx = s.shape
    for z in range(z0, z1):
        for y in range(ny):
            for x in range(nx):
                hzz, hzy, hzx, hyy, hyx, hxx = hessian_at_3d(s, z, y, x, inverse[0], inverse[1], inverse[2])
                if hzz + hyy + hxx >= 0.0:
                    # Two negative eigenvalues larger in magnitude than the third make
                    # the trace negative: skipping the rest halves the time on a stack.
                    continue
                e1, e2, e3 = eigenvalues_3x3(hzz, hzy, hzx, hyy, hyx, hxx)
                l1, l2, l3 = _by_magnitude(norm * e1, norm * e2, norm * e3)
                r = _response_3d(l1, l2, l3, kind, alpha, beta, c)
                if r > best[z, y, x]:
                    best[z, y, x] = r


@numba.njit(cache=True, nogil=True)
def _respond_2d(s, inverse, norm, kind, alpha, beta, c, best):
    ny, nx = s.shape
    for y in range(ny):
        for x in range(nx):
            hyy, hyx, hxx = hessian_at_2d(s, y, x, inverse[0], inverse[1])
            if hyy + hxx > 0.0:
                continue  # the eigenvalue larger in magnitude is negative, so the trace is not positive
            e1, e2 = eigenvalues_2x2(hyy, hyx, hxx)
            l1, l2 = (norm * e1, norm * e2) if abs(e1) <= abs(e2) else (norm * e2, norm * e1)
            r = _response_2d(l1, l2, kind, beta, c)
            if r > best[y, x]:
                best[y, x] = r
