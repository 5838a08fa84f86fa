"""How close a reconstruction is to the truth: node precision, recall and F1 after resampling both."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from ..model import Tree, arc_lengths

__all__ = ["resampled_nodes", "node_f1"]


def resampled_nodes(tree: Tree, spacing_xyz, step_voxels: float = 1.0) -> np.ndarray:
    """Points along every path of ``tree``, ``step_voxels`` apart, in voxel units (x, y, z).

    Parameters
    ----------
    tree : Tree
        Physical coordinates.
    spacing_xyz : sequence of 3 float
        Voxel size, x, y, z: coordinates are divided by it first, so that
        distances count voxels of each axis.
    step_voxels : float

    Returns
    -------
    ndarray (n, 3)

    Examples
    --------
    >>> from snt_web.model import Path
    >>> tree = Tree([Path(0, [[0, 0, 0], [3, 0, 0]])])
    >>> resampled_nodes(tree, (0.5, 0.5, 1.0))[:, 0].tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    """
    scale = np.asarray(spacing_xyz, dtype=float)
    out = []
    for path in tree.paths:
        if path.fitted_of is not None:
            continue
        points = path.points / scale
        if len(points) == 1:
            out.append(points)
            continue
        arc = arc_lengths(points)
        where = np.linspace(0.0, arc[-1], max(2, int(np.ceil(arc[-1] / step_voxels)) + 1))
        out.append(np.stack([np.interp(where, arc, points[:, a]) for a in range(3)], axis=1))
    return np.concatenate(out) if out else np.empty((0, 3))


def node_f1(found: Tree, truth: Tree, spacing_xyz, tolerance_voxels: float = 2.0) -> dict:
    """Node precision, recall and F1 of ``found`` against ``truth``.

    Both trees are resampled to one voxel between nodes
    (:func:`resampled_nodes`); a found node is correct when a truth node lies
    within ``tolerance_voxels``, and a truth node is recovered when a found
    node does.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1`` (0 when either tree is empty).
    """
    a, b = resampled_nodes(found, spacing_xyz), resampled_nodes(truth, spacing_xyz)
    if not len(a) or not len(b):
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    precision = float(np.mean(cKDTree(b).query(a, distance_upper_bound=tolerance_voxels)[0] <= tolerance_voxels))
    recall = float(np.mean(cKDTree(a).query(b, distance_upper_bound=tolerance_voxels)[0] <= tolerance_voxels))
    f1 = 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)
    return {"precision": precision, "recall": recall, "f1": f1}
