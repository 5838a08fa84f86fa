"""Which nodes stand for a path: its own, or its fitted version's where it uses one (SNT's ``usefitted``)."""

from __future__ import annotations

import numpy as np

from .path import Path
from .tree import Tree


def path_in_use(tree: Tree, path: Path) -> Path:
    """``path``'s fitted version when ``path.use_fitted`` and the version is in ``tree``; else ``path``.

    Views, label images and SWC export draw and write these nodes and radii,
    so a fit shows everywhere while the traced nodes are kept.

    Parameters
    ----------
    tree : Tree
    path : Path
        A path of ``tree``.

    Returns
    -------
    Path
    """
    if path.use_fitted and path.fitted_id is not None:
        try:
            return tree.path(path.fitted_id)
        except KeyError:  # a dangling link: the path's own nodes
            pass
    return path


def drawn_nodes(tree: Tree, path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """The nodes a path is drawn through: those in use, led by its fork node on the parent.

    A branch starts at node ``branch_index`` of its parent (the parent's
    last node when unset), which its first node usually repeats but need
    not, so the arbor draws connected. Both paths are taken as
    :func:`path_in_use` gives them, so a branch leaves its parent's fitted
    fork. A path whose parent is missing or empty is drawn as it is.

    Parameters
    ----------
    tree, path
        As :func:`path_in_use`.

    Returns
    -------
    points : ndarray, shape (m, 3)
        Physical x, y, z.
    radii : ndarray, shape (m,), or None
        Physical radii (the fork's from the parent, NaN where the parent has
        none); None when the path in use has no radii.
    """
    own = path_in_use(tree, path)
    points = own.points
    radii = None if own.radii is None else np.asarray(own.radii, dtype=float)
    try:
        parent = None if path.parent_id is None else path_in_use(tree, tree.path(path.parent_id))
    except KeyError:
        parent = None
    if parent is None or not len(parent):
        return points, radii
    index = len(parent) - 1 if path.branch_index is None else min(max(path.branch_index, 0), len(parent) - 1)
    if radii is not None:
        fork = np.nan if parent.radii is None else float(parent.radii[index])
        radii = np.concatenate([[fork], radii])
    return np.vstack([parent.points[index], points]), radii
