"""A reconstruction's landmark nodes (tips, branch points, roots) as a seeds table.

The CSV has the columns SNT's seed importer reads (``ImportSeedPointsCmd``):
the required ``x, y, z, confidence, radius`` and the optional ``type`` and
``source``, numbers written as SNT writes them (``%.6f``), so the table can be
loaded as seeds in SNT, or used as point annotations for a detector.
"""

from __future__ import annotations

import csv

import numpy as np

from ..io.atomic import atomic_write
from ..io.csv_safe import csv_writer
from ..model import Tree

#: Columns of the points CSV, in order.
POINT_COLUMNS = ("x", "y", "z", "confidence", "radius", "type", "source")


def path_points_table(tree: Tree, *, name: str = "") -> list[dict]:
    """One row per tip, branch point and root of a reconstruction.

    Parameters
    ----------
    tree : Tree
    name : str
        Name of the reconstruction (e.g. its file name), recorded as the
        rows' source ``"reconstruction:<name>"``.

    Returns
    -------
    list of dict
        Keys :data:`POINT_COLUMNS`: physical ``x, y, z``; ``confidence`` 1.0
        (the points are traced, not detected); ``radius`` the node's radius,
        0 where unknown (the largest, where nodes of several paths coincide,
        as a branch's first node and its fork node do); ``type`` ``"tip"``,
        ``"branch-point"`` or ``"root"``. Tips come first, then branch points,
        then roots, each in tree order, as :meth:`Tree.tips`,
        :meth:`Tree.branch_points` and :meth:`Tree.roots` list them (a
        primary path's first node is its root). A root is also a branch
        point where branches leave it, and a tip where it is all there is
        (a lone soma node): it then has a row as each.
    """
    radius_at = _radius_by_position(tree)
    source = f"reconstruction:{name}"
    kinds = (
        ("tip", tree.tips()),
        ("branch-point", tree.branch_points()),
        ("root", np.array([p.points[0] for p in tree.roots() if len(p)]).reshape(-1, 3)),
    )
    return [
        {"x": float(x), "y": float(y), "z": float(z), "confidence": 1.0,
         "radius": radius_at.get((x, y, z), 0.0), "type": kind, "source": source}
        for kind, points in kinds
        for x, y, z in points.tolist()
    ]


def write_points_csv(tree: Tree, path, *, name: str = "") -> int:
    """Write :func:`path_points_table` as a seeds CSV, atomically.

    Parameters
    ----------
    tree : Tree
    path : str or os.PathLike
        Destination.
    name : str
        Name of the reconstruction, for the ``source`` column.

    Returns
    -------
    int
        Rows written.
    """
    rows = path_points_table(tree, name=name)
    with atomic_write(path, "w") as fh:
        # SNT's writer: numbers %.6f, strings quoted only when they must be.
        writer = csv_writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        writer.writerow(POINT_COLUMNS)
        for row in rows:
            writer.writerow(f"{v:.6f}" if isinstance(v, float) else v for v in (row[c] for c in POINT_COLUMNS))
    return len(rows)


def _radius_by_position(tree: Tree) -> dict[tuple, float]:
    """The largest radius of the nodes at each position (fitted copies aside)."""
    found: dict[tuple, float] = {}
    for p in tree.paths:
        if p.fitted_of is None and p.radii is not None:
            for xyz, r in zip(map(tuple, p.points.tolist()), p.radii.tolist()):
                if np.isfinite(r) and r > found.get(xyz, 0.0):
                    found[xyz] = r
    return found
