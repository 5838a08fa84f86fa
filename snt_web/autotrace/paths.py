"""From a tree of nodes to SNT paths: decomposition, smoothing and resampling.

A node tree (one parent per node, a root) becomes paths as SNT draws them: the
primary path follows, from the root, the longest route downstream; every other
child of a node on a path starts a branch, whose first node is that node
(``branch_index`` on the parent path). Smoothing and resampling keep branch
nodes where they are, so branches stay attached.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ..model import arc_lengths

__all__ = ["NodePath", "decompose", "smooth", "resample"]


@dataclass
class NodePath:
    """One path before it becomes a :class:`~snt_web.model.Path`.

    Attributes
    ----------
    points : ndarray (n, 3)
        Physical x, y, z.
    radii : ndarray (n,)
    parent : int or None
        Index of the parent path in the same list.
    branch_index : int or None
        Node of the parent path this one starts at.
    """

    points: np.ndarray
    radii: np.ndarray
    parent: int | None = None
    branch_index: int | None = None


def decompose(points, radii, parent) -> list[NodePath]:
    """Paths of a node tree, parents before children.

    Parameters
    ----------
    points : ndarray (n, 3)
        Physical x, y, z of each node.
    radii : ndarray (n,)
    parent : ndarray of int (n,)
        Parent node, -1 for the root; a parent's number is below its children's.

    Returns
    -------
    list of NodePath

    Examples
    --------
    >>> points = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0], [1, 1, 0]], float)
    >>> paths = decompose(points, np.ones(4), np.array([-1, 0, 1, 1]))
    >>> [(len(p.points), p.parent, p.branch_index) for p in paths]
    [(3, None, None), (2, 0, 1)]
    """
    points = np.asarray(points, dtype=float)
    parent = np.asarray(parent, dtype=np.int64)
    n = len(parent)
    step = np.zeros(n)
    has_parent = parent >= 0
    step[has_parent] = np.linalg.norm(points[has_parent] - points[parent[has_parent]], axis=1)
    downstream = np.zeros(n)
    main = np.full(n, -1, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        p = parent[i]
        if p >= 0 and downstream[i] + step[i] >= downstream[p]:
            downstream[p], main[p] = downstream[i] + step[i], i
    children: dict[int, list[int]] = {}
    for i in np.flatnonzero(has_parent):
        children.setdefault(int(parent[i]), []).append(int(i))

    out: list[NodePath] = []
    node_lists: list[list[int]] = []  # the node numbers of each path
    pending = deque((int(r), None, None) for r in np.flatnonzero(~has_parent))
    while pending:
        start, parent_path, branch_node = pending.popleft()
        chain = [start]
        while main[chain[-1]] >= 0:
            chain.append(int(main[chain[-1]]))
        nodes = ([branch_node] if branch_node is not None else []) + chain
        index = len(out)
        out.append(NodePath(points[nodes], np.asarray(radii, dtype=float)[nodes], parent_path,
                            None if parent_path is None else node_lists[parent_path].index(branch_node)))
        node_lists.append(nodes)
        for node in chain:
            pending.extend((c, index, node) for c in children.get(node, []) if c != main[node])
    return out


def smooth(paths: list[NodePath], window: int = 5) -> list[NodePath]:
    """Moving average of node positions over ``window`` nodes along each path.

    End nodes stay, and a branch's first node is its parent's node after
    smoothing, so the tree stays connected.

    Parameters
    ----------
    paths : list of NodePath
        Parents before children (as :func:`decompose` gives them).
    window : int
        Nodes averaged (SNT's 5); below 3 nothing changes.

    Returns
    -------
    list of NodePath
        New paths; radii are copied, not smoothed.
    """
    half = window // 2
    out: list[NodePath] = []
    for path in paths:
        points = path.points.copy()
        n = len(points)
        if half >= 1 and n > 2:
            padded = np.concatenate([np.repeat(points[:1], half, 0), points, np.repeat(points[-1:], half, 0)])
            cumulative = np.concatenate([np.zeros((1, 3)), np.cumsum(padded, axis=0)])
            averaged = (cumulative[window:] - cumulative[:-window]) / window
            points[1:-1] = averaged[1:n - 1]
        if path.parent is not None:
            points[0] = out[path.parent].points[path.branch_index]
        out.append(NodePath(points, path.radii.copy(), path.parent, path.branch_index))
    return out


def resample(paths: list[NodePath], step: float) -> list[NodePath]:
    """Nodes about ``step`` apart along each path (physical units), branch nodes kept where they are.

    Each path is cut at its ends and at the nodes where branches start; each
    piece gets evenly spaced nodes no farther than ``step`` apart, positions
    and radii interpolated linearly along the path.

    Examples
    --------
    >>> path = NodePath(np.array([[0.0, 0, 0], [10.0, 0, 0]]), np.array([1.0, 3.0]))
    >>> out = resample([path], 2.5)
    >>> out[0].points[:, 0].tolist(), out[0].radii.tolist()
    ([0.0, 2.5, 5.0, 7.5, 10.0], [1.0, 1.5, 2.0, 2.5, 3.0])
    """
    if step <= 0:
        raise ValueError(f"resampling step must be positive, got {step}")
    starts: dict[int, list[int]] = {}
    for k, path in enumerate(paths):
        if path.parent is not None:
            starts.setdefault(path.parent, []).append(k)
    out: list[NodePath] = []
    new_index: dict[int, int] = {}
    for k, path in enumerate(paths):
        arc = arc_lengths(path.points)
        branch_at = {c: arc[paths[c].branch_index] for c in starts.get(k, [])}
        knots = np.unique(np.concatenate([[0.0, arc[-1]], list(branch_at.values())]))
        samples = [knots[:1]]
        for a, b in zip(knots[:-1], knots[1:]):
            pieces = max(1, int(np.ceil((b - a) / step - 1e-9)))
            samples.append(a + (b - a) * np.arange(1, pieces + 1) / pieces)
        where = np.concatenate(samples)
        points = np.stack([np.interp(where, arc, path.points[:, a]) for a in range(3)], axis=1)
        radii = np.interp(where, arc, path.radii)
        for child, position in branch_at.items():
            new_index[child] = int(np.argmin(np.abs(where - position)))
        parent_index = None if path.parent is None else new_index[k]
        if path.parent is not None:
            points[0] = out[path.parent].points[parent_index]
        out.append(NodePath(points, radii, path.parent, parent_index))
    return out
