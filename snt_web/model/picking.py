"""Which node or segment a click means: nearest-node queries over a tree, in physical units."""

from __future__ import annotations

import numpy as np

from .edit import _point
from .tree import Tree


def nearest_node(tree: Tree, xyz, *, path_ids=None, max_distance: float = np.inf) -> tuple[int, int] | None:
    """The node nearest to ``xyz`` (Euclidean, physical units), fitted copies skipped.

    Parameters
    ----------
    path_ids : iterable of int, optional
        Look only at these paths; all by default.
    max_distance : float
        Farther nodes do not count.

    Returns
    -------
    (path_id, index) or None
        None when no node is within ``max_distance``.
    """
    target = _point(xyz)
    paths = tree.paths if path_ids is None else [tree.path(i) for i in path_ids]
    best, best_distance = None, np.inf
    for path in paths:
        if path.fitted_of is not None or not len(path):
            continue
        distances = np.linalg.norm(path.points - target, axis=1)
        index = int(np.argmin(distances))
        if distances[index] < best_distance:  # on a tie, the path first in file order
            best, best_distance = (path.id, index), distances[index]
    return best if best_distance <= max_distance else None


def nearest_segment(tree: Tree, path_id: int, xyz) -> int:
    """Where :func:`insert_node` should put a node at ``xyz``: ``i + 1`` for the nearest segment ``(i, i + 1)``.

    A single-node path has no segment: the node goes after it (1).
    """
    path = tree.path(path_id)
    target = _point(xyz)
    if len(path) < 2:
        return len(path)
    start, step = path.points[:-1], np.diff(path.points, axis=0)
    squared = (step ** 2).sum(axis=1)
    # Where along each segment the perpendicular from xyz lands, clamped to
    # the segment; a zero-length segment is its start point.
    along = np.divide(((target - start) * step).sum(axis=1), squared, out=np.zeros_like(squared),
                      where=squared > 0)
    closest = start + np.clip(along, 0, 1)[:, None] * step
    return int(np.argmin(np.linalg.norm(closest - target, axis=1))) + 1


# --- helpers ------------------------------------------------------------------


def pick_node(tree: Tree, xyz, in_plane, tolerance: float, *, path_ids=None) -> tuple[int, int] | None:
    """The node a click at ``xyz`` on a slice view means, as SNT picks: near in the view, then in depth.

    Parameters
    ----------
    tree : Tree
    xyz : array_like, shape (3,)
        Physical position of the click (the slice's depth included).
    in_plane : pair of int
        The coordinates (0 x, 1 y, 2 z) the view shows, e.g. ``(0, 1)`` for XY.
    tolerance : float
        Nodes farther than this from the click *in the view's plane* do not count.
    path_ids : iterable of int, optional
        Look only at these paths; all by default.

    Returns
    -------
    (path_id, index) or None
        Of the nodes within ``tolerance`` in the plane, the nearest in 3D: the
        one on or nearest to the slice shown.
    """
    target = _point(xyz)
    cols = list(in_plane)
    wanted = None if path_ids is None else set(path_ids)
    best, best_distance = None, np.inf
    for path in tree.paths:
        if path.fitted_of is not None or not len(path) or (wanted is not None and path.id not in wanted):
            continue
        near = np.linalg.norm(path.points[:, cols] - target[cols], axis=1) <= tolerance
        distances = np.where(near, np.linalg.norm(path.points - target, axis=1), np.inf)
        index = int(np.argmin(distances))
        if distances[index] < best_distance:
            best, best_distance = (path.id, index), distances[index]
    return best
