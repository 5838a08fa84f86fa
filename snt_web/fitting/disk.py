"""Fit a bright disk on a dark background to cross-sections, all nodes at once.

SNT fits a hard-edged disk (centre, radius) by a derivative-free search,
with the cross-section's minimum and maximum as its two grey levels
(``PathFitter``). Those extremes are single noisy pixels, and a hard edge
makes the badness a step function of the radius, so its radii come in whole
pixels. Here the disk has a soft edge, a logistic ramp of fitted width
(the point-spread function blurs every edge), and its two grey levels are
fitted too: the model is smooth in all six parameters and a damped
Gauss-Newton (Levenberg-Marquardt) search with an analytic Jacobian finds
sub-pixel centres and radii. The disk may be elliptical, with its axes
along the section's: a microscope blurs more along z than across, which
stretches a round neurite's section along its axis nearest z, and the caller
can then take the radius across (see :func:`~snt_web.fitting.fit.fit_nodes`).
It runs on every node's cross-section at once as array operations, and a
robust (Cauchy) weighting keeps a neighbouring neurite in a corner of the
section from pulling the fit. A neighbour close enough to merge with the
neurite into one bright blob would still pull the disk towards itself: where
the blob has two peaks, it is split at the valley between them (a watershed
of the smoothed section) and the neighbour's side is left out of the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.segmentation import watershed

#: Iterations of the damped Gauss-Newton search; it converges in fewer on clean sections.
ITERATIONS = 40
#: Iterations after which pixels that fit badly (a neighbour, a spine) are weighted down.
REWEIGHT_AT = (8, 16, 24)
#: Bounds of the edge width (samples): sharper than a pixel is not measurable, wider is a blob.
EDGE_WIDTH = (0.25, 3.0)
#: A neighbour merged with the neurite is left out down to this fraction of the way from the section's
#: background to the neurite's peak (chosen on the synthetic corpus; 0.1-0.5 fit alike).
NEIGHBOUR_LEVEL = 0.25
_CX, _CY, _RA, _RB, _LO, _C, _W = range(7)
_PARAMS = 7


@dataclass(frozen=True)
class DiskFit:
    """Disks fitted to ``n`` cross-sections, in samples from the section's centre.

    Attributes
    ----------
    centre : ndarray, shape (n, 2)
        Offset of the disk's centre along the section's first and second axes.
    semi_axes : ndarray, shape (n, 2)
        The disk's radii along the section's first and second axes.
    radius : ndarray, shape (n,)
        Their geometric mean: the radius of the disk of the same area.
    contrast : ndarray, shape (n,)
        Grey levels of the disk above the background.
    noise : ndarray, shape (n,)
        Robust standard deviation of the residuals.
    ok : ndarray of bool, shape (n,)
        The fit converged to a bright disk inside the section.
    """

    centre: np.ndarray
    semi_axes: np.ndarray
    radius: np.ndarray
    contrast: np.ndarray
    noise: np.ndarray
    ok: np.ndarray


def fit_disks(sections: np.ndarray, max_radius: float | None = None, ignore: np.ndarray | None = None) -> DiskFit:
    """Fit a bright soft-edged disk to each cross-section.

    Parameters
    ----------
    sections : ndarray, shape (n, m, m)
        Square cross-sections, ``m`` odd, centred on the nodes.
    max_radius : float, optional
        Largest radius accepted, in samples; half the side by default.
    ignore : ndarray of bool, shape (n, m, m), optional
        Samples to leave out (another neurite's, say); a neighbour merged
        with the disk's blob is left out as well (see the module's notes).

    Returns
    -------
    DiskFit

    Examples
    --------
    >>> yy, xx = np.mgrid[-10:11, -10:11]
    >>> section = np.where(np.hypot(yy - 1.0, xx) <= 4.0, 100.0, 10.0)
    >>> fit = fit_disks(section[None])
    >>> fit.centre.round(1).tolist(), bool(abs(fit.radius[0] - 4.0) < 0.5)
    ([[1.0, 0.0]], True)
    """
    # Not-a-number voxels (a masked probability map) count as background.
    sections = np.nan_to_num(np.asarray(sections, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    n, m, _ = sections.shape
    half = (m - 1) / 2
    limit = half if max_radius is None else float(max_radius)
    axis = np.arange(m) - half
    u = np.broadcast_to(axis[:, None], (m, m)).reshape(1, -1)
    v = np.broadcast_to(axis[None, :], (m, m)).reshape(1, -1)
    values = sections.reshape(n, -1)
    if ignore is not None:
        # Left-out samples are background to the search for the blob to start from.
        background = np.percentile(sections.reshape(n, -1), 20, axis=1)[:, None, None]
        theta, merged = _initial(np.where(ignore, background, sections), axis)
        merged |= ignore
    else:
        theta, merged = _initial(sections, axis)
    kept = (~merged).reshape(n, -1).astype(np.float64)
    weights = kept.copy()
    damping = np.full(n, 1e-2)
    residual = _model(theta, u, v) - values
    cost = np.einsum("kp,kp->k", weights, residual ** 2)
    active = np.ones(n, dtype=bool)
    for iteration in range(ITERATIONS):
        if iteration in REWEIGHT_AT:
            weights = _cauchy_weights(residual) * kept
            cost = np.einsum("kp,kp->k", weights, residual ** 2)
            active[:] = True
        k = np.flatnonzero(active)
        if not len(k):
            continue
        jac = _jacobian(theta[k], u, v)
        wj = jac * weights[k, :, None]
        hessian = np.matmul(wj.transpose(0, 2, 1), jac)
        gradient = np.matmul(wj.transpose(0, 2, 1), residual[k, :, None])[:, :, 0]
        diag = np.einsum("kii->ki", hessian)
        lhs = hessian + (damping[k, None] * (diag + 1e-9))[:, :, None] * np.eye(_PARAMS)
        step = -np.linalg.solve(lhs, gradient[:, :, None])[:, :, 0]
        trial = _bounded(theta[k] + step, limit)
        trial_residual = _model(trial, u, v) - values[k]
        trial_cost = np.einsum("kp,kp->k", weights[k], trial_residual ** 2)
        better = trial_cost < cost[k]
        gain = np.where(better, cost[k] - trial_cost, 0.0)
        theta[k[better]] = trial[better]
        cost[k[better]] = trial_cost[better]
        residual[k[better]] = trial_residual[better]
        damping[k] = np.where(better, damping[k] / 3, damping[k] * 4).clip(1e-7, 1e7)
        # Settled: the last step gained next to nothing, or steps keep failing.
        active[k] = ~((better & (gain < 1e-7 * cost[k])) | (damping[k] >= 1e5))
    fitted = np.where(kept > 0, residual, np.nan)
    noise = 1.4826 * np.nanmedian(np.abs(fitted - np.nanmedian(fitted, axis=1, keepdims=True)), axis=1)
    centre = theta[:, [_CX, _CY]]
    # A disk that noise alone could make is no neurite: its contrast must stand out per pixel (2 noise
    # standard deviations) and over its area (6 for the disk's mean, as a detection threshold would).
    semi_axes = theta[:, [_RA, _RB]]
    area = np.maximum(np.pi * semi_axes.prod(axis=1), 1.0)
    contrast = theta[:, _C]
    ok = (np.isfinite(theta).all(axis=1) & (np.abs(centre) < half).all(axis=1) & (semi_axes < limit).all(axis=1)
          & (contrast >= 2 * noise) & (contrast * np.sqrt(area) >= 6 * noise))
    return DiskFit(centre=centre, semi_axes=semi_axes, radius=np.sqrt(semi_axes.prod(axis=1)), contrast=contrast,
                   noise=noise, ok=ok)


def _model(theta: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The disk image of each parameter row, ``(n, pixels)``; see :func:`_terms`."""
    lo, c = theta[:, _LO:_LO + 1], theta[:, _C:_C + 1]
    return lo + c * _terms(theta, u, v)[0]


def _terms(theta: np.ndarray, u: np.ndarray, v: np.ndarray):
    """The logistic edge ``s`` and what its derivatives are made of.

    A pixel at distance ``d`` from the centre is inside by ``R - d``, with
    ``R`` the ellipse's radius in the pixel's direction,
    ``R = ra rb d / sqrt((rb du)² + (ra dv)²)``; the edge is a logistic ramp
    of width ``w`` in that signed distance.
    """
    cx, cy, ra, rb, w = (theta[:, k:k + 1] for k in (_CX, _CY, _RA, _RB, _W))
    du, dv = u - cx, v - cy
    d = np.sqrt(du * du + dv * dv + 1e-12)
    p = (rb * du) ** 2 + (ra * dv) ** 2 + 1e-12
    root = np.sqrt(p)
    z = (ra * rb * d / root - d) / w
    s = 0.5 * (1 + np.tanh(0.5 * z))  # the logistic, without overflow
    return s, (du, dv, d, p * root, z)


def _jacobian(theta: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Derivatives of :func:`_model` by each parameter, ``(n, pixels, 7)``."""
    s, (du, dv, d, q3, z) = _terms(theta, u, v)
    ra, rb, c, w = (theta[:, k:k + 1] for k in (_RA, _RB, _C, _W))
    slope = c * s * (1 - s) / w
    twist = ra * rb * (ra * ra - rb * rb) / (d * q3)  # how R turns with the direction
    return np.stack([
        -slope * (twist * du * dv * dv - du / d),
        -slope * (-twist * dv * du * du - dv / d),
        slope * rb * d * (rb * du) ** 2 / q3,
        slope * ra * d * (ra * dv) ** 2 / q3,
        np.ones_like(s),
        s,
        -slope * z,
    ], axis=-1)


def _bounded(theta: np.ndarray, limit: float) -> np.ndarray:
    theta[:, [_RA, _RB]] = theta[:, [_RA, _RB]].clip(0.3, 1.5 * limit)
    theta[:, _W] = theta[:, _W].clip(*EDGE_WIDTH)
    return theta


def _cauchy_weights(residual: np.ndarray) -> np.ndarray:
    """Cauchy weights at 2.4 robust standard deviations: outlying pixels count less."""
    scale = 1.4826 * np.median(np.abs(residual), axis=1, keepdims=True)
    return 1.0 / (1.0 + (residual / (2.385 * np.maximum(scale, 1e-6))) ** 2)


def _initial(sections: np.ndarray, axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starting disks: the bright blob nearest each section's centre, by its centroid and area; merged neighbours.

    The blob is where the lightly smoothed section is above half-way between
    its background (20th percentile) and the brightest value near the
    centre, so a brighter neurite at the edge of the section is not taken
    for the one the node is on. Where the section has several peaks above
    that level, it is split into the peaks' basins (a watershed, down to
    :data:`NEIGHBOUR_LEVEL`); the basin of the blob's part nearest the centre
    is the neurite's, the others' samples are returned to be left out, and
    the blob is that part.

    Returns
    -------
    theta : ndarray, shape (n, 7)
    neighbours : ndarray of bool, shape (n, m, m)
    """
    n, m, _ = sections.shape
    half = (m - 1) / 2
    smooth = ndimage.gaussian_filter(sections, (0, 1, 1))
    near = np.hypot(axis[:, None], axis[None, :]) <= max(3.0, half / 2)
    distance2 = axis[:, None] ** 2 + axis[None, :] ** 2
    theta = np.zeros((n, _PARAMS))
    neighbours = np.zeros(sections.shape, dtype=bool)
    for k in range(n):
        lo = np.percentile(smooth[k], 20)
        hi = smooth[k][near].max()
        theta[k] = (0.0, 0.0, 1.0, 1.0, lo, max(hi - lo, 1e-6), 0.7)
        if hi <= lo:
            continue
        blobs, count = ndimage.label(smooth[k] > (lo + hi) / 2)
        if not count:
            continue
        blob = blobs == _nearest_label(blobs, distance2)
        peaks, count = ndimage.label((smooth[k] == ndimage.maximum_filter(smooth[k], size=3))
                                     & (smooth[k] > (lo + hi) / 2))
        if count > 1:
            basins = watershed(-smooth[k], peaks, mask=smooth[k] > lo + NEIGHBOUR_LEVEL * (hi - lo))
            own = _nearest_label(np.where(blob, basins, 0), distance2)
            if own:
                neighbours[k] = (basins > 0) & (basins != own)
                blob &= ~neighbours[k]
        ii, jj = np.nonzero(blob)
        theta[k, _CX], theta[k, _CY] = axis[ii].mean(), axis[jj].mean()
        theta[k, _RA] = theta[k, _RB] = max(np.sqrt(len(ii) / np.pi), 0.5)
    return theta, neighbours


def _nearest_label(labels: np.ndarray, distance2: np.ndarray) -> int:
    """The label of a labelled section nearest its centre (``distance2``: each sample's squared distance); 0: none."""
    ii, jj = np.nonzero(labels)
    if not len(ii):
        return 0
    nearest = np.argmin(distance2[ii, jj])
    return int(labels[ii[nearest], jj[nearest]])
