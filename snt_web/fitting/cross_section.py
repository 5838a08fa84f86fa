"""Cross-sections of a volume perpendicular to a path, sampled with linear interpolation.

A node's cross-section is a square grid in the plane normal to the path's
tangent at the node, centred on the node, with isotropic physical steps, so
that a round neurite looks round in it whatever the voxel anisotropy.
Coordinates are physical x, y, z (the model's); the volume is indexed
``(z, y, x)`` with voxel ``(z, y, x)`` at ``(x * sx, y * sy, z * sz)``.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from ..model import arc_lengths

#: Nodes on each side of a node that its tangent is taken over (SNT's ``getTangent(i, 4)``).
TANGENT_REACH = 4


def tangents(points: np.ndarray, reach: int = TANGENT_REACH) -> np.ndarray:
    """Unit tangents: ``points[i + reach] - points[i - reach]``, clipped at the ends.

    Parameters
    ----------
    points : ndarray, shape (n, 3)
        Physical x, y, z.
    reach : int
        Nodes taken on each side.

    Returns
    -------
    ndarray, shape (n, 3)
        Unit vectors; ``(0, 0, 1)`` where the nodes around coincide (a
        one-node path).

    Examples
    --------
    >>> tangents(np.array([[0., 0, 0], [1, 0, 0], [2, 0, 0]])).tolist()
    [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    """
    points = np.asarray(points, dtype=float)
    n = len(points)
    index = np.arange(n)
    chord = points[np.minimum(index + reach, n - 1)] - points[np.maximum(index - reach, 0)]
    norm = np.linalg.norm(chord, axis=1, keepdims=True)
    out = np.zeros_like(chord)
    out[:, 2] = 1.0
    ok = norm[:, 0] > 0
    out[ok] = chord[ok] / norm[ok]
    return out


def plane_bases(tangent: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal vectors ``(a, b)`` spanning the planes normal to ``tangent`` (n, 3).

    ``a = t × ẑ`` (``t × ŷ`` where ``t`` is nearly along z) and ``b = a × t``,
    as SNT builds them, so that ``a`` lies in the xy plane when it can.
    """
    t = np.asarray(tangent, dtype=float)
    helper = np.zeros_like(t)
    along_z = np.abs(t[:, 2]) > 0.9
    helper[~along_z, 2] = 1.0
    helper[along_z, 1] = 1.0
    a = np.cross(t, helper)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    b = np.cross(a, t)
    return a, b


def section_grid(centres: np.ndarray, a: np.ndarray, b: np.ndarray, half_width: int, step: float) -> np.ndarray:
    """Physical x, y, z of the ``(2 half_width + 1)²`` samples of each node's cross-section.

    Parameters
    ----------
    centres, a, b : ndarray, shape (n, 3)
        Physical x, y, z of the grid centres, and the grids' unit axes.
    half_width : int
        Samples on each side of the centre.
    step : float
        Physical distance between samples.

    Returns
    -------
    ndarray, shape (n, 2 half_width + 1, 2 half_width + 1, 3)
        ``out[k, i, j]`` is ``centres[k] + (i - h) step a[k] + (j - h) step b[k]``.
    """
    offsets = (np.arange(-half_width, half_width + 1) * step).astype(float)
    return (centres[:, None, None, :] + offsets[None, :, None, None] * a[:, None, None, :]
            + offsets[None, None, :, None] * b[:, None, None, :])


def slab_centres(points: np.ndarray, depth: int, step: float) -> np.ndarray:
    """Centres of the planes of each node's slab: the points ``step`` apart along the path, ``depth`` either side.

    A slab averages a node's cross-section with those just before and after
    it along the neurite: noise falls as the square root of the planes. The
    planes follow the path rather than the node's tangent, so that a bending
    neurite stays centred in each plane instead of drifting off sideways (a
    wider blob, a radius too large).

    Parameters
    ----------
    points : ndarray, shape (n, 3)
        The path's nodes, physical.
    depth : int
        Planes on each side of the node's own.
    step : float
        Distance between the planes along the path, physical.

    Returns
    -------
    ndarray, shape (n, 2 depth + 1, 3)
        ``out[k, depth + j]`` is the point ``j step`` along the path from
        node ``k`` (the path's end where that is nearer).

    Examples
    --------
    >>> path = np.array([[0.0, 0, 0], [2, 0, 0], [2, 2, 0]])
    >>> slab_centres(path, 1, 1.0)[1].tolist()
    [[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [2.0, 1.0, 0.0]]
    """
    points = np.asarray(points, dtype=float)
    arc = arc_lengths(points)
    at = (arc[:, None] + np.arange(-depth, depth + 1)[None, :] * step).clip(0, arc[-1])
    return np.stack([np.interp(at, arc, points[:, k]) for k in range(3)], axis=-1)


def sample_cross_sections(volume: np.ndarray, spacing_zyx, centres: np.ndarray, a: np.ndarray, b: np.ndarray,
                          half_width: int, step: float) -> np.ndarray:
    """Sample ``(2 half_width + 1)²`` grids centred on each node, in the planes spanned by ``a`` and ``b``.

    Parameters
    ----------
    volume : ndarray, shape (z, y, x)
    spacing_zyx : sequence of 3 float
        Voxel size in array order, in the units of ``centres``.
    centres : ndarray, shape (n, 3) or (n, p, 3)
        Physical x, y, z of the grid centres; with ``p`` per section (a slab,
        :func:`slab_centres`), the section is the mean of the ``p`` grids.
    a, b, half_width, step
        The grids' axes, samples each side of the centre and spacing, as
        for :func:`section_grid`.

    Returns
    -------
    ndarray of float32, shape (n, 2 half_width + 1, 2 half_width + 1)
        ``out[k, i, j]`` is the value at ``centres[k] + (i - h) step a[k] + (j - h) step b[k]``
        (averaged over the slab's centres).
        Samples outside the volume take the nearest edge voxel's value, so
        the border of the image draws no false dark edge.
    """
    slab = centres.ndim == 3
    if slab:
        grid = section_grid(np.zeros_like(a), a, b, half_width, step)[:, None] + centres[:, :, None, None, :]
    else:
        grid = section_grid(centres, a, b, half_width, step)
    spacing_xyz = np.asarray(spacing_zyx, dtype=float)[::-1]
    coords = (grid / spacing_xyz)[..., ::-1]  # voxel z, y, x
    lo = np.maximum(np.floor(coords.reshape(-1, 3).min(axis=0)).astype(int) - 1, 0)
    hi = np.minimum(np.ceil(coords.reshape(-1, 3).max(axis=0)).astype(int) + 2, volume.shape)
    if np.any(hi <= lo):  # the whole grid lies beyond one face: its nearest voxels are on that face
        lo, hi = np.minimum(lo, np.asarray(volume.shape) - 1), np.maximum(hi, 1)
        lo, hi = np.minimum(lo, hi - 1), hi
    # Only the box the grids cover is read (and converted), so a memory-mapped
    # volume is touched where the path is, not everywhere.
    box = np.asarray(volume[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]], dtype=np.float32)
    local = np.moveaxis(coords - lo, -1, 0)
    values = ndimage.map_coordinates(box, local, order=1, mode="nearest").astype(np.float32)
    return values.mean(axis=1) if slab else values


def nearer_elsewhere(grid: np.ndarray, centres: np.ndarray, others: cKDTree | None) -> np.ndarray | None:
    """Samples of each cross-section nearer to another neurite than to the section's own node.

    Where a reconstruction's other paths pass close to a node (a fork, a
    neurite crossing above or below), their part of the cross-section is
    left out of the fit, so the disk is fitted to this neurite alone: the
    samples split between the neurites as the points nearest each.

    Parameters
    ----------
    grid : ndarray, shape (n, m, m, 3)
        Physical positions of the samples (:func:`section_grid`).
    centres : ndarray, shape (n, 3)
        The nodes the sections are centred on.
    others : scipy.spatial.cKDTree or None
        Points along the other neurites' centrelines, physical, at most a
        voxel apart (:func:`~snt_web.fitting.fit.neighbour_points`).

    Returns
    -------
    ndarray of bool, shape (n, m, m), or None where there are no others
    """
    if others is None:
        return None
    own = np.linalg.norm(grid - centres[:, None, None, :], axis=-1)
    elsewhere, _ = others.query(grid.reshape(-1, 3), distance_upper_bound=float(own.max()))
    return elsewhere.reshape(own.shape) < own
