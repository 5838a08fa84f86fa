"""Where branches leave their parents: straight departures, and no branch inside another path.

Fast marching reaches a branch's voxels by the cheapest route from the root,
and the cheapest route follows the parent's bright core as far as it can:
a traced branch runs inside its parent for a while and then cuts across to
its own neurite (along the parent at a narrow fork, across the corner at a
wide one), and a route that never leaves another neurite can survive
pruning as a branch of its own beside it. :func:`tune_branches` replaces
the part of a branch inside its parent by the straight line through the
branch's first nodes outside, carried back to the parent's axis;
:func:`drop_enclosed` removes end branches lying wholly inside other paths.

A node is inside a path when it lies within :data:`INSIDE_RADII` of the
path's radii of its axis: node radii (APP2's first shell touching the
background) fall short of the neurite's edge, by a voxel or more where noise
darkens a voxel near it.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..model import arc_lengths
from .paths import NodePath

__all__ = ["INSIDE_RADII", "tune_branches", "drop_enclosed"]

#: A node is inside a path within this many of its radii of the path's axis.
INSIDE_RADII = 2.0
#: A branch's direction is fitted to its nodes within this many parent radii past the first node outside.
DIRECTION_RADII = 4.0


def tune_branches(paths: list[NodePath], step: float) -> list[NodePath]:
    """Each branch leaves its parent's axis in a straight line, where its own direction meets that axis.

    For each branch (parents first): its first node outside the parent
    (:data:`INSIDE_RADII`), the line fitted to its nodes from there on for
    :data:`DIRECTION_RADII` parent radii, and the parent's node nearest that
    line, behind the fitted nodes' centroid, inside the parent and along it
    no farther from the traced fork than the replaced part's length and the
    fitted span, become the fork; the branch runs straight from there to its first node
    outside. Branches that leave their parent at once, or whose line misses
    the parent, are kept as traced, and so are the neurites leaving a root's
    first node.

    Parameters
    ----------
    paths : list of NodePath
        Parents before children (as :func:`~.paths.decompose` gives them),
        physical coordinates and radii.
    step : float
        Node spacing of the straight part, physical.

    Returns
    -------
    list of NodePath
        The same number of paths; a tuned branch has a new ``branch_index``,
        and the branches hanging from it hang from its nearest new node,
        their first node moved there.

    Examples
    --------
    A branch that runs along its parent and then turns off at 45°:

    >>> parent = NodePath(np.stack([np.arange(0.0, 21), np.zeros(21), np.zeros(21)], 1), np.full(21, 1.0))
    >>> branch = np.array([[5.0, 0, 0], [7, 0.5, 0], [9, 1, 0], [10, 2, 0], [11, 3, 0], [12, 4, 0], [13, 5, 0]])
    >>> tuned = tune_branches([parent, NodePath(branch, np.full(7, 0.5), 0, 5)], 1.0)[1]
    >>> tuned.branch_index, tuned.points[0].tolist(), tuned.points[1].round(2).tolist()
    (8, [8.0, 0.0, 0.0], [8.6, 0.6, 0.0])
    """
    paths = list(paths)
    children: dict[int, list[int]] = {}
    for k, path in enumerate(paths):
        if path.parent is not None:
            children.setdefault(path.parent, []).append(k)
    out: list[NodePath] = []
    for k, path in enumerate(paths):
        tuned = None if _leaves_a_soma(path, out) else _tuned(path, out[path.parent], step)
        out.append(path if tuned is None else tuned)
        if tuned is None:
            continue
        for j in children.get(k, []):
            child = paths[j]
            nearest = int(np.argmin(np.linalg.norm(tuned.points - path.points[child.branch_index], axis=1)))
            points = child.points.copy()
            points[0] = tuned.points[nearest]
            paths[j] = NodePath(points, child.radii, k, nearest)
    return out


def drop_enclosed(paths: list[NodePath]) -> list[NodePath]:
    """The paths less end branches (no branch of their own) whose every node is inside the paths kept.

    End branches are taken shortest first; one goes when each of its nodes
    is inside some other path kept, and the branches already gone stay
    inside the paths left without it. As in APP2's pruning, a neurite
    leaving the soma that ends within about two soma radii of its centre is
    taken for part of the soma (the root's radius is the soma's).

    Parameters
    ----------
    paths : list of NodePath
        Parents before children, physical coordinates and radii.

    Returns
    -------
    list of NodePath
        Parents renumbered.

    Examples
    --------
    >>> main = NodePath(np.stack([np.arange(0.0, 11), np.zeros(11), np.zeros(11)], 1), np.full(11, 1.0))
    >>> beside = NodePath(np.array([[2.0, 0, 0], [4, 1, 0], [6, 1, 0]]), np.full(3, 0.5), 0, 2)
    >>> away = NodePath(np.array([[8.0, 0, 0], [8, 3, 0], [8, 6, 0]]), np.full(3, 0.5), 0, 8)
    >>> [p.points[-1].tolist() for p in drop_enclosed([main, beside, away])]
    [[10.0, 0.0, 0.0], [8.0, 6.0, 0.0]]
    """
    has_branch = {p.parent for p in paths}
    ends = [k for k, p in enumerate(paths) if p.parent is not None and k not in has_branch]
    if not ends:
        return list(paths)
    owner = np.concatenate([np.full(len(p.points), k) for k, p in enumerate(paths)])
    nodes = cKDTree(np.concatenate([p.points for p in paths]))
    widest = INSIDE_RADII * max(float(p.radii.max()) for p in paths)
    longest = max(float(np.diff(arc_lengths(p.points)).max(initial=0.0)) for p in paths)
    holders: dict[int, list[set[int]]] = {}  # per end branch, per node: the paths it is inside
    for k in ends:
        points = paths[k].points
        holders[k] = [set() for _ in points]
        # Only paths with a node within reach of this one can hold it.
        near = nodes.query_ball_point(points, widest + longest)
        for other in set(owner[np.concatenate(near).astype(np.int64)].tolist()) - {k}:
            distance, radius = _to_axis(points, paths[other].points, paths[other].radii)
            for node in np.flatnonzero(distance <= INSIDE_RADII * radius):
                holders[k][node].add(other)
    dropped: set[int] = set()
    for k in sorted(ends, key=lambda k: arc_lengths(paths[k].points)[-1]):
        gone = dropped | {k}
        if all(held - gone for j in (*dropped, k) for held in holders[j]):
            dropped.add(k)
    number: dict[int, int] = {}
    out: list[NodePath] = []
    for k, path in enumerate(paths):
        if k not in dropped:
            number[k] = len(out)
            out.append(NodePath(path.points, path.radii, None if path.parent is None else number[path.parent],
                                path.branch_index))
    return out


def _leaves_a_soma(path: NodePath, paths: list[NodePath]) -> bool:
    """Whether ``path`` is a root path or starts at a root path's first node (a neurite leaving the soma)."""
    return path.parent is None or (paths[path.parent].parent is None and path.branch_index == 0)


def _tuned(path: NodePath, parent: NodePath, step: float) -> NodePath | None:
    distance, radius = _to_axis(path.points, parent.points, parent.radii)
    outside = np.flatnonzero(distance > INSIDE_RADII * radius)
    if not len(outside) or outside[0] <= 1:
        return None
    first = int(outside[0])
    beyond = path.points[first:]
    fitted = beyond[arc_lengths(beyond) <= DIRECTION_RADII * radius[first]]
    if len(fitted) < 3:
        return None
    centre = fitted.mean(axis=0)
    direction = np.linalg.svd(fitted - centre)[2][0]
    if direction @ (fitted[-1] - fitted[0]) < 0:
        direction = -direction
    end = path.points[first]
    behind = (parent.points - centre) @ direction
    off_line = np.linalg.norm(parent.points - centre - behind[:, None] * direction, axis=1)
    # Along the parent, about as far from the traced fork as the route replaced
    # and the fitted nodes' span: not on another stretch of a parent that bends back.
    along = arc_lengths(parent.points)
    reach = (np.abs(along - along[path.branch_index])
             <= arc_lengths(path.points[:first + 1])[-1] + DIRECTION_RADII * radius[first])
    candidates = np.flatnonzero((behind < 0) & (off_line <= INSIDE_RADII * parent.radii) & reach)
    if not len(candidates):
        return None
    fork = int(candidates[np.argmin(off_line[candidates])])
    start = parent.points[fork]
    pieces = max(1, int(np.ceil(np.linalg.norm(end - start) / step - 1e-9)))
    fraction = np.arange(pieces) / pieces
    line = start + fraction[:, None] * (end - start)
    radii = parent.radii[fork] + fraction * (path.radii[first] - parent.radii[fork])
    return NodePath(np.concatenate([line, beyond]), np.concatenate([radii, path.radii[first:]]), path.parent, fork)


def _to_axis(points, axis, radii) -> tuple[np.ndarray, np.ndarray]:
    """Distance of each point to the polyline ``axis``, and the polyline's radius at the nearest place."""
    if len(axis) == 1:
        return np.linalg.norm(points - axis[0], axis=1), np.full(len(points), float(radii[0]))
    a, ab = axis[:-1], np.diff(axis, axis=0)
    length2 = np.maximum((ab * ab).sum(axis=1), 1e-24)
    t = np.clip(np.einsum("pkd,kd->pk", points[:, None, :] - a[None], ab) / length2, 0.0, 1.0)
    distance = np.linalg.norm(points[:, None, :] - a[None] - t[..., None] * ab[None], axis=-1)
    segment = np.argmin(distance, axis=1)
    rows = np.arange(len(points))
    t = t[rows, segment]
    return distance[rows, segment], (1 - t) * radii[:-1][segment] + t * radii[1:][segment]
