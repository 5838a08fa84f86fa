"""Image-based checks: how clearly a path's signal stands out, at its tip, and where it dips.

Volumes are ``(z, y, x)`` arrays with ``spacing_zyx`` in physical units per
voxel; path points are physical ``(x, y, z)``, as everywhere in the model.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage
from scipy.signal import find_peaks

#: Contrast thresholds used when a preset says "auto" (-1) and nothing can be derived.
PATH_FALLBACK, TIP_FALLBACK = 1.5, 1.2


def _voxels(points_xyz: np.ndarray, spacing_zyx) -> np.ndarray:
    """Physical (x, y, z) to fractional voxel (z, y, x)."""
    return points_xyz[:, ::-1] / np.asarray(spacing_zyx, dtype=float)


def profile_values(volume: np.ndarray, spacing_zyx, points_xyz, radii=None) -> np.ndarray:
    """Intensities on lines across the path at each node, pooled.

    Each line lies in the node's XY plane, perpendicular to the path there,
    ``max(round(3 × mean radius), 5)`` voxels to either side (SNT's profile
    half-length), sampled every voxel with linear interpolation.

    Parameters
    ----------
    volume : ndarray (z, y, x)
    spacing_zyx : sequence of 3 float
    points_xyz : array_like (n, 3)
        Physical node positions.
    radii : array_like (n,), optional
        Physical radii; the half-length is 5 voxels without them.

    Returns
    -------
    ndarray of float
        All the profiles' samples in one array.
    """
    pts = np.asarray(points_xyz, dtype=float)
    vox = _voxels(pts, spacing_zyx)
    if len(vox) >= 2:
        tangent = np.gradient(vox, axis=0)[:, 1:]
    else:
        tangent = np.array([[0.0, 1.0]])
    norm = np.linalg.norm(tangent, axis=1)
    tangent = np.where(norm[:, None] > 0, tangent / np.where(norm > 0, norm, 1)[:, None], [0.0, 1.0])
    normal = np.c_[-tangent[:, 1], tangent[:, 0]]  # (dy, dx) perpendicular in XY
    mean_r = float(np.nanmean(radii)) / spacing_zyx[2] if radii is not None and len(radii) else 0.0
    half = max(int(round(3 * mean_r)) if math.isfinite(mean_r) else 0, 5)
    k = np.arange(-half, half + 1, dtype=float)
    z = np.repeat(vox[:, 0], len(k))
    y = (vox[:, 1, None] + normal[:, 0, None] * k).ravel()
    x = (vox[:, 2, None] + normal[:, 1, None] * k).ravel()
    return ndimage.map_coordinates(np.asarray(volume, dtype=float), [z, y, x], order=1, mode="nearest")


def contrast(values: np.ndarray) -> float:
    """``(signal + 1) / (background + 1)``: medians of the top and bottom quartiles of ``values``."""
    values = np.asarray(values, dtype=float)
    if not len(values):
        return math.nan
    low, high = np.percentile(values, [25, 75])
    return float((np.median(values[values >= high]) + 1) / (np.median(values[values <= low]) + 1))


def path_contrast(volume, spacing_zyx, points_xyz, radii=None) -> float:
    """:func:`contrast` of a path's perpendicular profiles."""
    return contrast(profile_values(volume, spacing_zyx, points_xyz, radii))


def auto_threshold(contrasts, fallback: float = PATH_FALLBACK) -> float:
    """Half the reconstruction's median path contrast, and at least ``fallback``.

    SNT derives the automatic threshold from the image's extreme values, which
    flags every path of a dark, noisy stack; relative to the paths' own
    contrast it flags the paths that stand out much less than the others.
    """
    finite = [c for c in contrasts if math.isfinite(c)]
    return max(fallback, float(np.median(finite)) / 2) if finite else fallback


def node_intensities(volume, spacing_zyx, points_xyz) -> np.ndarray:
    """The image at each node (linear interpolation)."""
    vox = _voxels(np.asarray(points_xyz, dtype=float), spacing_zyx)
    return ndimage.map_coordinates(np.asarray(volume, dtype=float), vox.T, order=1, mode="nearest")


def signal_dips(intensities: np.ndarray, min_prominence: float = 0.30) -> tuple[np.ndarray, np.ndarray]:
    """Local minima of a path's intensity profile with prominence ≥ ``min_prominence`` × its maximum.

    Returns
    -------
    indices : ndarray of int
        Node indices of the dips.
    prominences : ndarray of float
        As fractions of the path's maximum intensity.
    """
    values = np.asarray(intensities, dtype=float)
    peak = float(values.max()) if len(values) else 0.0
    if peak <= 0 or len(values) < 3:
        return np.empty(0, int), np.empty(0)
    found, props = find_peaks(-values, prominence=min_prominence * peak)
    return found, props["prominences"] / peak
