"""Adding whole arbors to a reconstruction in one edit (an autotrace's result), from JSON-like data."""

from __future__ import annotations

import numpy as np

from .path import Path
from .tree import Tree

__all__ = ["add_trees", "path_records"]

_FIELDS = {"points", "radii", "name", "swc_type", "parent", "branch_index", "channel", "frame"}


def path_records(tree: Tree) -> list[dict]:
    """``tree``'s paths as :func:`add_trees` takes them: plain lists, parents by position in the list."""
    position = {p.id: k for k, p in enumerate(tree.paths)}
    return [{"points": p.points.tolist(), "radii": None if p.radii is None else p.radii.tolist(), "name": p.name,
             "swc_type": int(p.swc_type), "parent": position.get(p.parent_id), "branch_index": p.branch_index,
             "channel": int(p.channel), "frame": int(p.frame)} for p in tree.paths]


def add_trees(tree: Tree, paths: list[dict]) -> tuple[Tree, int]:
    """Add paths that hang from each other (whole arbors), with new ids after the tree's.

    Parameters
    ----------
    tree : Tree
    paths : list of dict
        Each with ``points`` (n x 3, physical x, y, z) and optionally
        ``radii`` (n), ``name``, ``swc_type``, ``channel``, ``frame``, and
        ``parent`` (position of an earlier entry in ``paths``) with
        ``branch_index`` (node of that parent it starts at).

    Returns
    -------
    tree : Tree
    first_id : int
        Id of the first added path; the others follow in order.

    Examples
    --------
    >>> tree, first = add_trees(Tree(), [{"points": [[0, 0, 0], [5, 0, 0]]},
    ...                                  {"points": [[5, 0, 0], [5, 5, 0]], "parent": 0, "branch_index": 1}])
    >>> first, tree.paths[1].parent_id, tree.paths[1].branch_index
    (0, 0, 1)
    """
    if not isinstance(paths, list) or not paths:
        raise ValueError("add_trees needs a non-empty list of paths")
    first = tree.next_id()
    added = []
    for k, record in enumerate(paths):
        if not isinstance(record, dict) or "points" not in record or set(record) - _FIELDS:
            raise ValueError(f"path {k + 1}: a dict with 'points' and only {', '.join(sorted(_FIELDS))}")
        parent = record.get("parent")
        branch_index = record.get("branch_index")
        if parent is not None:
            if not isinstance(parent, int) or not 0 <= parent < k:
                raise ValueError(f"path {k + 1}: parent must be the position of an earlier path, got {parent!r}")
            n_parent = len(added[parent])
            if not isinstance(branch_index, int) or not 0 <= branch_index < n_parent:
                raise ValueError(f"path {k + 1}: branch_index must be 0-{n_parent - 1}, got {branch_index!r}")
        elif branch_index is not None:
            raise ValueError(f"path {k + 1}: a branch_index needs the parent it is on")
        points = np.asarray(record["points"], dtype=float)
        if points.ndim != 2 or points.shape[1:] != (3,) or not len(points) or not np.all(np.isfinite(points)):
            raise ValueError(f"path {k + 1}: points must be a non-empty list of finite x, y, z")
        try:
            added.append(Path(first + k, points, radii=record.get("radii"), name=record.get("name") or "",
                              swc_type=int(record.get("swc_type", 0)), channel=int(record.get("channel", 1)),
                              frame=int(record.get("frame", 1)),
                              parent_id=None if parent is None else first + parent, branch_index=branch_index))
        except (TypeError, ValueError) as error:  # radii of another length, an SWC type out of range...
            raise ValueError(f"path {k + 1}: {error}") from None
    return Tree(tree.paths + added, spacing_xyz=tree.spacing_xyz, units=tree.units), first
