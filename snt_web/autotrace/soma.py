"""The soma as one node: its centre, and the routes inside it replaced by straight lines from there.

Fast marching starts at the brightest, deepest voxel of the soma (the
distance transform's maximum), which noise puts a voxel or three off the
centre, and its routes wander through the soma's bright interior on their way
out. An SWC soma is one node at the centre with its radius, neurites leaving
it in straight lines: that is how reconstructions are drawn and compared.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["one_node_soma", "soma_centre", "through_soma"]

# The distance transform is taken within a box of this many radii around the
# root: the soma (whose radius the root's underestimates) and background round it.
_BOX_RADII = 2.0


def one_node_soma(volume, nodes_zyx, parent, keep, spacing_zyx, radius: float, threshold: float):
    """The soma of a traced cell as one node: the root moved to the soma's centre, the nodes inside it dropped.

    Parameters
    ----------
    volume : ndarray (z, y, x)
    nodes_zyx : ndarray of int (n, 3)
        Voxels of the trace; node 0 (parent -1) is the root.
    parent : ndarray of int (n,)
        Parents before children.
    keep : ndarray of bool (n,)
        The nodes that survived pruning.
    spacing_zyx : sequence of 3 float
    radius : float
        The root's physical radius: nodes closer to the centre are inside.
    threshold : float
        Background grey level.

    Returns
    -------
    centre : ndarray (3,)
        Physical x, y, z of the soma's centre (:func:`soma_centre`), the root's new place.
    parent : ndarray of int (n,)
        As :func:`through_soma` gives them.
    keep : ndarray of bool (n,)
        ``keep`` less the nodes inside.
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    centre = soma_centre(volume, nodes_zyx[0], radius, spacing, threshold)
    inside = np.linalg.norm(nodes_zyx * spacing - centre[::-1], axis=1) < radius
    inside[0] = False
    return centre, through_soma(parent, keep, inside), keep & ~inside


def soma_centre(volume, root_zyx, radius: float, spacing_zyx, threshold: float) -> np.ndarray:
    """Centre of the largest sphere inscribed in the foreground near ``root_zyx``.

    The foreground (above ``threshold``, holes filled: a noisy dark voxel
    inside the soma is not background) is cut out within two ``radius``
    around the root and its Euclidean distance transform taken (physical);
    the centre is the mean of the voxels within ``radius`` (at least a finest
    voxel) of the root whose distance to the background is within half the
    finest voxel of the largest there (a sphere's plateau is its centre; a
    neurite's is a piece of its axis, so a root on a neurite moves along it,
    at most ``radius``). Where the box holds no background (a soma against
    the image's edge), the root stays.

    Parameters
    ----------
    volume : ndarray (z, y, x)
    root_zyx : sequence of 3 int
        The root voxel.
    radius : float
        The root's physical radius (:func:`~.radius.node_radii`).
    spacing_zyx : sequence of 3 float
    threshold : float
        Background grey level.

    Returns
    -------
    ndarray (3,)
        Physical x, y, z.

    Examples
    --------
    >>> volume = np.zeros((21, 21, 21)); volume[5:16, 4:15, 6:17] = 100  # a cube centred at (11, 9, 10)
    >>> soma_centre(volume, (10, 8, 10), 4.0, (1.0, 1.0, 1.0), 50.0).tolist()
    [11.0, 9.0, 10.0]
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    root = np.asarray(root_zyx, dtype=np.int64)
    half = np.ceil(_BOX_RADII * radius / spacing).astype(np.int64)
    lo = np.maximum(root - half, 0)
    hi = np.minimum(root + half + 1, volume.shape)
    foreground = ndimage.binary_fill_holes(volume[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]] > threshold)
    if foreground.all():
        return (root * spacing)[::-1]
    depth = ndimage.distance_transform_edt(foreground, sampling=spacing)
    offsets = np.ogrid[tuple(slice(a - r, b - r) for a, b, r in zip(lo, hi, root))]
    near = sum((o * s) ** 2 for o, s in zip(offsets, spacing)) <= max(radius, spacing.min()) ** 2
    top = depth[near].max()
    plateau = np.argwhere(near & (depth >= top - spacing.min() / 2)) + lo
    return (plateau.mean(axis=0) * spacing)[::-1]


def through_soma(parent, keep, inside) -> np.ndarray:
    """Parents once the nodes ``inside`` the soma are gone: each kept node's nearest kept ancestor, or the root.

    Parameters
    ----------
    parent : ndarray of int (n,)
        Parent of each node, -1 for the root; parents before children.
    keep : ndarray of bool (n,)
        Nodes of the trace, the root among them.
    inside : ndarray of bool (n,)
        Nodes to drop (never the root).

    Returns
    -------
    ndarray of int (n,)
        New parents of the nodes kept and not inside (others unchanged).

    Examples
    --------
    >>> parent = np.array([-1, 0, 1, 2, 1])
    >>> through_soma(parent, np.ones(5, bool), np.array([0, 1, 0, 0, 1], bool)).tolist()
    [-1, 0, 0, 2, 1]
    """
    parent = np.asarray(parent, dtype=np.int64).copy()
    root = int(np.flatnonzero(parent < 0)[0])
    alive = np.asarray(keep, dtype=bool) & ~np.asarray(inside, dtype=bool)
    orphaned = alive & ~alive[np.maximum(parent, 0)]
    orphaned[root] = False
    alive[root] = True
    # Only nodes whose parent is gone move; the kept ancestors they move to stay.
    for node in np.flatnonzero(orphaned):
        above = parent[node]
        while not alive[above]:
            above = parent[above]
        parent[node] = above
    return parent
