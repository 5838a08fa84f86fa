"""Node radii as APP2 estimates them: the first shell around a node that touches the background."""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["node_radii", "MAX_RADIUS_VOXELS", "RADIUS_BACKGROUND"]

#: Largest radius estimated, in voxels of the finest axis (SNT's cap).
MAX_RADIUS_VOXELS = 50
#: Grey level at or below which a shell voxel of an integer image counts as
#: background, at least (APP2's 8-bit constant; the threshold when higher).
RADIUS_BACKGROUND = 40.0
# A shell touches the background when more than this fraction of it is dark.
_DARK_FRACTION = 0.001


def node_radii(volume, nodes_zyx, spacing_zyx, threshold: float) -> np.ndarray:
    """Physical radius of each node.

    Shells one finest voxel thick are grown around each node (physical
    distance, so anisotropic stacks get round shells); the radius is the
    outer distance of the first shell in which more than 0.1% of the voxels
    are at or below ``max(40, threshold)`` (``threshold`` for a float image,
    such as a probability map) or outside the image; at most 50 finest
    voxels.

    Parameters
    ----------
    volume : ndarray (z, y, x)
    nodes_zyx : ndarray of int, shape (n, 3)
        Voxel indices.
    spacing_zyx : sequence of 3 float
    threshold : float
        The background threshold of the trace.

    Returns
    -------
    ndarray of float64, shape (n,)

    Examples
    --------
    >>> volume = np.zeros((1, 11, 11)); volume[0, 3:8, :] = 100
    >>> node_radii(volume, np.array([[0, 5, 5]]), (1.0, 1.0, 1.0), 10.0).tolist()
    [3.0]
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    unit = float(spacing.min())
    offsets, starts = _shells(spacing / unit, np.asarray(volume).shape)
    volume = np.asarray(volume)
    # APP2's constant is an 8-bit grey level: meaningless for a probability map.
    integer = np.issubdtype(volume.dtype, np.integer)
    level = max(RADIUS_BACKGROUND, float(threshold)) if integer else float(threshold)
    shells = _radii(volume, np.asarray(nodes_zyx, dtype=np.int64).reshape(-1, 3), level, offsets, starts)
    return shells.astype(np.float64) * unit


def _shells(scale, shape) -> tuple[np.ndarray, np.ndarray]:
    """Voxel offsets sorted into shells ``k < distance <= k + 1`` (finest-voxel units); shell starts."""
    reach = np.minimum(np.floor(MAX_RADIUS_VOXELS / scale).astype(int), np.asarray(shape) - 1)
    axes = [np.arange(-r, r + 1) for r in reach]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    distance = np.sqrt(((grid * scale) ** 2).sum(1))
    keep = (distance > 0) & (distance <= MAX_RADIUS_VOXELS)
    grid, distance = grid[keep], distance[keep]
    shell = np.ceil(distance).astype(np.int64) - 1
    order = np.argsort(shell, kind="stable")
    starts = np.searchsorted(shell[order], np.arange(MAX_RADIUS_VOXELS + 1))
    return grid[order].astype(np.int64), starts.astype(np.int64)


@numba.njit(cache=True)
def _radii(volume, nodes, level, offsets, starts):
    nz, ny, nx = volume.shape
    out = np.empty(nodes.shape[0], dtype=np.int64)
    for i in range(nodes.shape[0]):
        z, y, x = nodes[i, 0], nodes[i, 1], nodes[i, 2]
        out[i] = starts.shape[0] - 1
        for shell in range(starts.shape[0] - 1):
            size = starts[shell + 1] - starts[shell]
            if size == 0:
                continue
            dark = 0
            for j in range(starts[shell], starts[shell + 1]):
                vz, vy, vx = z + offsets[j, 0], y + offsets[j, 1], x + offsets[j, 2]
                if vz < 0 or vz >= nz or vy < 0 or vy >= ny or vx < 0 or vx >= nx or volume[vz, vy, vx] <= level:
                    dark += 1
            if dark > _DARK_FRACTION * size:
                out[i] = shell + 1
                break
    return out
