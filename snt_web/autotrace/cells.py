"""Several cells in one stack: soma detection, territory limits, claimed voxels.

Beyond SNT (which computes the distance transform per soma and lets cells
traced from seeds overlap), every cell is traced on one distance transform, in
turn, and the voxels a traced cell occupies (its nodes' spheres), with an
exclusion buffer around them, are closed to the cells traced after it.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy import ndimage

from .spheres import paint_sphere

__all__ = ["detect_somas", "territory_reach", "claim"]

#: Fraction of the largest distance-transform value a soma centre must reach.
SOMA_FRACTION = 0.5


def detect_somas(gwdt, spacing_zyx, min_distance: float) -> np.ndarray:
    """Soma centres: the thickest, brightest places of the foreground.

    A soma is where the gray-weighted distance transform has a local maximum
    (within ``min_distance``) of at least half its largest value; maxima
    closer than ``min_distance`` to a stronger one are dropped.

    Parameters
    ----------
    gwdt : ndarray (z, y, x)
    spacing_zyx : sequence of 3 float
    min_distance : float
        Smallest physical distance between two somas.

    Returns
    -------
    ndarray of int64, shape (n, 3)
        Voxel indices (z, y, x), strongest first.

    Examples
    --------
    >>> gwdt = np.zeros((1, 20, 40)); gwdt[0, 10, 5] = 9; gwdt[0, 10, 30] = 8; gwdt[0, 10, 8] = 7
    >>> detect_somas(gwdt, (1.0, 1.0, 1.0), 10.0).tolist()
    [[0, 10, 5], [0, 10, 30]]
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    size = 2 * np.maximum(np.round(0.5 * min_distance / spacing), 1).astype(int) + 1
    peak = ndimage.maximum_filter(gwdt, size=tuple(size), mode="constant")
    top = float(np.max(gwdt))
    candidates = np.argwhere((gwdt == peak) & (gwdt >= SOMA_FRACTION * top) & (gwdt > 0))
    del peak
    candidates = candidates[np.argsort(-gwdt[tuple(candidates.T)], kind="stable")]
    kept: list[np.ndarray] = []
    for c in candidates:
        if all(np.linalg.norm((c - k) * spacing) >= min_distance for k in kept):
            kept.append(c)
    return np.array(kept, dtype=np.int64).reshape(-1, 3)


def territory_reach(centres_zyx, spacing_zyx, fraction: float) -> np.ndarray:
    """How far each cell may reach: ``fraction`` of the physical distance to the nearest other centre.

    Unlimited (inf) for a lone cell or a negative ``fraction`` (SNT's -1).

    Examples
    --------
    >>> territory_reach([[0, 0, 0], [0, 0, 10], [0, 0, 30]], (1, 1, 1), 0.5).tolist()
    [5.0, 5.0, 10.0]
    """
    centres = np.asarray(centres_zyx, dtype=float).reshape(-1, 3) * np.asarray(spacing_zyx, dtype=float)
    if fraction < 0 or len(centres) < 2:
        return np.full(len(centres), np.inf)
    distance = np.linalg.norm(centres[:, None] - centres[None], axis=2)
    np.fill_diagonal(distance, np.inf)
    return fraction * distance.min(axis=1)


def claim(territory, cell: int, nodes_zyx, radii_zyx, buffer_voxels: int) -> int:
    """Mark a traced cell's voxels in ``territory``: its nodes' spheres get ``cell``, a buffer around them ``-cell``.

    Only free voxels (0) are marked, so no voxel is ever claimed twice.

    Parameters
    ----------
    territory : ndarray of int16 (z, y, x)
    cell : int
        1-based cell number.
    nodes_zyx : ndarray of int (n, 3)
    radii_zyx : ndarray of float (n, 3)
        Node radii in voxels of each axis.
    buffer_voxels : int
        SNT's exclusion buffer (5).

    Returns
    -------
    int
        Voxels claimed (the buffer not counted).
    """
    if not 0 < cell <= np.iinfo(territory.dtype).max:
        raise ValueError(f"cell number {cell} does not fit the territory array")
    nodes = np.asarray(nodes_zyx, dtype=np.int64).reshape(-1, 3)
    radii = np.asarray(radii_zyx, dtype=np.float64).reshape(-1, 3)
    claimed = _paint(territory, nodes, radii, 0.0, cell)
    _paint(territory, nodes, radii, float(buffer_voxels), -cell)
    return int(claimed)


@numba.njit(cache=True)
def _paint(territory, nodes, radii, grow, value):
    count = 0
    for i in range(nodes.shape[0]):
        count += paint_sphere(territory, nodes[i, 0], nodes[i, 1], nodes[i, 2], radii[i, 0] + grow, radii[i, 1] + grow,
                              radii[i, 2] + grow, value)
    return count
