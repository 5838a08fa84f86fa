"""Small reconstructions with known defects, in µm, for the check tests."""

from __future__ import annotations

import numpy as np

from snt_web.model import Path, Tree


def line(start, direction, length, step=1.0):
    """Nodes every ``step`` from ``start`` along ``direction`` for ``length``."""
    direction = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
    n = int(round(length / step)) + 1
    return np.asarray(start, dtype=float) + np.outer(np.arange(n) * step, direction)


def clean_tree() -> Tree:
    """A trunk with two branches 20 µm apart at 60°, radii tapering smoothly: nothing wrong with it."""
    trunk = line((0, 0, 0), (1, 0, 0), 60)
    trunk_r = np.linspace(2.0, 1.2, len(trunk))
    paths = [Path(0, trunk, radii=trunk_r, swc_type=3)]
    for pid, at, side in ((1, 20, 1), (2, 40, -1)):
        pts = line(trunk[at], (np.cos(np.pi / 3), side * np.sin(np.pi / 3), 0), 25)
        paths.append(Path(pid, pts, radii=np.linspace(0.8 * trunk_r[at], 0.5, len(pts)), swc_type=3,
                          parent_id=0, branch_index=at))
    return Tree(paths)


def with_paths(tree: Tree, *extra: Path) -> Tree:
    return Tree(list(tree.paths) + list(extra), spacing_xyz=tree.spacing_xyz, units=tree.units)
