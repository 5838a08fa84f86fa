"""A reconstruction: a set of paths linked by parent/branch-node references.

A :class:`Tree` may hold several disconnected arbors (one per primary path),
as SNT's path manager does; :meth:`Tree.roots` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .path import Path


@dataclass(eq=False)
class Tree:
    """Paths plus the calibration they were traced with.

    Parameters
    ----------
    paths : list of Path
        In file order. Ids must be unique.
    spacing_xyz : tuple of float
        Voxel spacing in x, y, z order (the order of node coordinates), in
        ``units``, as recorded by the tracer (``.traces`` ``samplespacing``);
        ``(1, 1, 1)`` when unknown. Note that :class:`~snt_web.io.image.Image`
        keeps its spacing in array order (z, y, x).
    units : str
        Physical unit of coordinates, e.g. ``"µm"``.
    """

    paths: list[Path] = field(default_factory=list)
    spacing_xyz: tuple[float, float, float] = (1.0, 1.0, 1.0)
    units: str = "µm"

    def __post_init__(self):
        ids = [p.id for p in self.paths]
        if len(set(ids)) != len(ids):
            raise ValueError("path ids must be unique")

    # --- lookup ---------------------------------------------------------
    def __len__(self) -> int:
        return len(self.paths)

    def __iter__(self):
        return iter(self.paths)

    def path(self, path_id: int) -> Path:
        """The path with id ``path_id`` (KeyError if absent)."""
        for p in self.paths:
            if p.id == path_id:
                return p
        raise KeyError(path_id)

    def children(self, path_id: int) -> list[Path]:
        """Paths branching directly from ``path_id``."""
        return [p for p in self.paths if p.parent_id == path_id]

    def roots(self) -> list[Path]:
        """Primary paths: one per arbor."""
        return [p for p in self.paths if p.is_primary]

    def next_id(self) -> int:
        return max((p.id for p in self.paths), default=-1) + 1

    # --- measurements -----------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return int(sum(len(p) for p in self.paths))

    @property
    def total_length(self) -> float:
        """Summed physical length of all paths except fitted copies."""
        return float(sum(p.length for p in self.paths if p.fitted_of is None))

    def subtree(self, path_id: int) -> "Tree":
        """The path ``path_id`` and all its descendants, as a new Tree."""
        keep, stack = [], [path_id]
        while stack:
            pid = stack.pop()
            keep.append(pid)
            stack.extend(c.id for c in self.children(pid))
        wanted = set(keep)
        return Tree(
            [p for p in self.paths if p.id in wanted],
            spacing_xyz=self.spacing_xyz,
            units=self.units,
        )

    def _child_counts(self) -> list[np.ndarray]:
        """Per path, the number of children attached at each node.

        A node's own successor along its path counts as one child, so a node
        with a count above one is a fork.
        """
        counts = {}
        for p in self.paths:
            c = np.zeros(len(p), dtype=int)
            c[:-1] = 1
            counts[p.id] = c
        for p in self.paths:
            if p.fitted_of is not None or p.parent_id not in counts:
                continue
            parent = counts[p.parent_id]
            idx = p.branch_index if p.branch_index is not None else len(parent) - 1
            parent[min(max(idx, 0), len(parent) - 1)] += 1
        return [counts[p.id] for p in self.paths if p.fitted_of is None]

    def branch_points(self) -> np.ndarray:
        """Physical positions (n, 3) of fork nodes: nodes with two or more children."""
        return self._nodes_where(lambda counts: counts >= 2)

    def tips(self) -> np.ndarray:
        """Physical positions (n, 3) of terminal nodes: nodes with no child."""
        return self._nodes_where(lambda counts: counts == 0)

    def _nodes_where(self, predicate) -> np.ndarray:
        paths = [p for p in self.paths if p.fitted_of is None]
        picked = [p.points[predicate(c)] for p, c in zip(paths, self._child_counts())]
        return np.concatenate(picked) if picked else np.empty((0, 3))

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        """``(min_xyz, max_xyz)`` over all nodes, physical units."""
        if not self.n_nodes:
            raise ValueError("an empty reconstruction has no bounding box")
        pts = np.concatenate([p.points for p in self.paths])
        return pts.min(axis=0), pts.max(axis=0)

    def summary(self) -> dict:
        """Counts and measurements, as ``snt-web info`` prints them."""
        out = {
            "n_paths": len(self.paths),
            "n_nodes": self.n_nodes,
            "n_trees": len(self.roots()),
            "total_length": round(self.total_length, 6),
            "n_branch_points": int(len(self.branch_points())),
            "n_tips": int(len(self.tips())),
            "units": self.units,
        }
        if self.n_nodes:
            lo, hi = self.bounding_box()
            out["bounding_box"] = {"min": lo.tolist(), "max": hi.tolist()}
        return out
