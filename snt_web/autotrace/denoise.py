"""Noise-adaptive smoothing before the threshold: the noise measured, a Gaussian as wide as it calls for.

At a signal-to-noise ratio of 2-3 (a neurite's core 2-3 noise standard
deviations above the background) no threshold separates neurites from noise:
one low enough to keep the neurites keeps a web of noise voxels, one above
the noise keeps only the brightest stretches, and fast marching from the
soma stops at the first dark run. A Gaussian a voxel or two wide averages
the noise down by the number of voxels it spans while a neurite, itself a
few voxels wide after the microscope's blur, keeps most of its contrast.
On a clean stack the same smoothing only blurs neighbouring neurites
together, so its width grows with the noise measured.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["SIGMA_RANGE", "noise_sigma", "denoised", "smoothed_noise", "smoothing_sigma"]

#: The narrowest and widest smoothing :func:`smoothing_sigma` chooses, finest voxels.
SIGMA_RANGE = (0.5, 2.0)

# Statistics are taken on at most this many voxel pairs (an even stride).
_SAMPLE = 1 << 22
# Standard deviation of a Gaussian over its median absolute deviation.
_MAD_TO_SIGMA = 1.4826


def noise_sigma(volume) -> float:
    """Standard deviation of the image's pixel noise, from differences of neighbouring voxels along x.

    Neighbouring voxels see nearly the same signal (the microscope's blur
    spans several voxels, background ramps and haze far more), so the
    difference of two is noise, with twice its variance; the median absolute
    deviation of the differences ignores the few that straddle a neurite's
    edge. It is the noise of the background, where most voxels are: for
    photon noise, the level the threshold has to clear.

    Parameters
    ----------
    volume : ndarray (z, y, x)

    Returns
    -------
    float
        Grey levels; 0 for an image without noise (or with too few voxels).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> volume = rng.normal(100, 5, (8, 64, 64)) + np.linspace(0, 50, 64)  # a ramp does not count
    >>> bool(abs(noise_sigma(volume) - 5) < 0.2)
    True
    """
    volume = np.asarray(volume)
    if volume.shape[-1] < 2:
        return 0.0
    rows = volume.reshape(-1, volume.shape[-1])
    rows = rows[:: max(1, rows.size // _SAMPLE)].astype(np.float64)
    differences = np.diff(rows, axis=1).reshape(-1)
    spread = np.median(np.abs(differences - np.median(differences)))
    return float(_MAD_TO_SIGMA * spread / np.sqrt(2.0))


def denoised(volume, spacing_zyx, sigma_voxels: float) -> np.ndarray:
    """``volume`` smoothed by a Gaussian ``sigma_voxels`` finest voxels wide, the same physical width on every axis.

    Parameters
    ----------
    volume : ndarray (z, y, x)
    spacing_zyx : sequence of 3 float
    sigma_voxels : float
        Standard deviation in voxels of the finest axis; coarser axes get
        proportionally fewer voxels.

    Returns
    -------
    ndarray of float32 (z, y, x)

    Examples
    --------
    >>> volume = np.zeros((3, 9, 9)); volume[1, 4, 4] = 1
    >>> out = denoised(volume, (2.0, 1.0, 1.0), 1.0)
    >>> out.dtype.name, bool(out[1, 4, 3] > out[0, 4, 4] > 0), round(float(out.sum()), 2)
    ('float32', True, 1.0)
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    sigmas = sigma_voxels * spacing.min() / spacing
    out = np.asarray(volume, dtype=np.float32)
    out = out.copy() if out is volume else out
    ndimage.gaussian_filter(out, sigmas, output=out, mode="nearest")
    return out


def smoothed_noise(noise: float, spacing_zyx, sigma_voxels: float) -> float:
    """Standard deviation of independent voxel noise of ``noise`` after :func:`denoised` with ``sigma_voxels``.

    The noise is scaled by the root of the sum of the squared weights of
    the Gaussian, as scipy samples it, on each axis.

    Examples
    --------
    >>> round(smoothed_noise(10.0, (1.0, 1.0, 1.0), 0.0), 3), round(smoothed_noise(10.0, (1.0, 1.0, 1.0), 2.0), 2)
    (10.0, 0.53)
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    factor = 1.0
    for sigma in sigma_voxels * spacing.min() / spacing:
        if sigma > 0:
            impulse = np.zeros(2 * int(4 * sigma + 0.5) + 1)
            impulse[len(impulse) // 2] = 1.0
            factor *= float(np.sqrt((ndimage.gaussian_filter1d(impulse, sigma, mode="constant") ** 2).sum()))
    return noise * factor


def smoothing_sigma(noise: float, signal: float, scale: float) -> float:
    """How wide to smooth: ``scale * sqrt(noise / signal)`` finest voxels, within :data:`SIGMA_RANGE`.

    Smoothing by ``s`` voxels lowers the noise about as ``1 / s`` (a neurite
    is a line: it keeps its contrast along itself) but also a thin neurite's
    contrast, once ``s`` is its width; the best width grows more slowly than
    the noise, here as its root.

    Parameters
    ----------
    noise : float
        The image's noise (:func:`noise_sigma`).
    signal : float
        The bright foreground's level above the background, in the same grey levels.
    scale : float
        The width at a noise equal to the signal.

    Returns
    -------
    float
        Finest voxels.

    Examples
    --------
    >>> smoothing_sigma(7.0, 110.0, 3.0), smoothing_sigma(100.0, 400.0, 3.0), smoothing_sigma(0.0, 100.0, 3.0)
    (0.76, 1.5, 0.5)
    """
    ratio = noise / signal if signal > 0 else np.inf
    return round(float(np.clip(scale * np.sqrt(ratio), *SIGMA_RANGE)), 2)
