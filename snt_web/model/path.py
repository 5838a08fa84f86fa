"""A traced path: an ordered polyline of nodes in physical units.

Coordinates are physical (µm, or the unit of the image calibration) in x, y, z
order, as in SWC and SNT ``.traces``: a node at voxel index ``(z, y, x)`` of an
image with spacing ``(sz, sy, sx)`` sits at ``(x * sx, y * sy, z * sz)``
(no half-voxel shift, no origin offset; SNT's convention).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

#: SWC types as SNT names them (``Path.java``).
SWC_TYPES = {
    0: "undefined",
    1: "soma",
    2: "axon",
    3: "(basal) dendrite",
    4: "apical dendrite",
    5: "custom",
    6: "unspecified neurite",
    7: "glia process",
}

_TAG = re.compile(r"\{[^{}]*\}")


def arc_lengths(points) -> np.ndarray:
    """Distance along a polyline from its first point to each point (0 for the first).

    Examples
    --------
    >>> arc_lengths([[0, 0, 0], [3, 4, 0], [3, 4, 1]]).tolist()
    [0.0, 5.0, 6.0]
    """
    steps = np.linalg.norm(np.diff(np.asarray(points, dtype=float), axis=0), axis=1)
    return np.concatenate([[0.0], np.cumsum(steps)])


def _as_points(points) -> np.ndarray:
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise ValueError(f"points must have shape (n, 3), got {pts.shape}")
    return pts


def _as_optional(values, n: int, width: int | None = None) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(values, dtype=float)
    expected = (n,) if width is None else (n, width)
    if arr.shape != expected:
        raise ValueError(f"expected shape {expected}, got {arr.shape}")
    return arr


@dataclass(eq=False)
class Path:
    """One traced path.

    Parameters
    ----------
    id : int
        Unique id within its :class:`~snt_web.model.tree.Tree`.
    points : array_like, shape (n, 3)
        Node positions, physical x, y, z.
    radii : array_like, shape (n,), optional
        Node radii in physical units; ``None`` when the path has not been fitted.
    values : array_like, shape (n,), optional
        Per-node values (SNT's ``v``: intensity, score or confidence).
    tangents : array_like, shape (n, 3), optional
        Unit tangents as written by SNT's path fitting.
    name : str
        Display name; custom ``{tag}`` suffixes are part of it and preserved.
    swc_type : int
        SWC type, 0-7 (see :data:`SWC_TYPES`).
    channel, frame : int
        1-based channel and time frame the path was traced on.
    color : str, optional
        ``#rrggbb`` or ``#rrggbbaa``.
    parent_id : int, optional
        Id of the path this one branches from.
    branch_index : int, optional
        Index of the node on the parent where this path starts.
    fitted_id : int, optional
        Id of this path's fitted version.
    fitted_of : int, optional
        Id of the path this one is the fitted version of.
    use_fitted : bool
        Whether the fitted version stands in for this path.
    """

    id: int
    points: np.ndarray
    radii: np.ndarray | None = None
    values: np.ndarray | None = None
    tangents: np.ndarray | None = None
    name: str = ""
    swc_type: int = 0
    channel: int = 1
    frame: int = 1
    color: str | None = None
    parent_id: int | None = None
    branch_index: int | None = None
    fitted_id: int | None = None
    fitted_of: int | None = None
    use_fitted: bool = False
    spines: int = 0
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.points = _as_points(self.points)
        n = len(self.points)
        self.radii = _as_optional(self.radii, n)
        self.values = _as_optional(self.values, n)
        self.tangents = _as_optional(self.tangents, n, 3)
        if not 0 <= int(self.swc_type) <= 7:
            raise ValueError(f"SWC type must be 0-7, got {self.swc_type}")
        if not self.name:
            self.name = f"Path ({self.id})"

    def __len__(self) -> int:
        return len(self.points)

    @property
    def length(self) -> float:
        """Physical length: sum of the distances between consecutive nodes."""
        if len(self.points) < 2:
            return 0.0
        return float(np.linalg.norm(np.diff(self.points, axis=0), axis=1).sum())

    @property
    def tags(self) -> list[str]:
        """Custom tags in the name, e.g. ``['cur:accept']`` for ``'P{cur:accept}'``."""
        return [t[1:-1] for t in _TAG.findall(self.name)]

    @property
    def base_name(self) -> str:
        """The name without its ``{tag}`` suffixes, e.g. ``'P'`` for ``'P {cur:accept}'``."""
        return _TAG.sub("", self.name).strip()

    @property
    def has_radii(self) -> bool:
        return self.radii is not None

    @property
    def is_primary(self) -> bool:
        """A root path: it branches from no other path (fitted copies excluded)."""
        return self.parent_id is None and self.fitted_of is None

    def copy(self, **changes) -> "Path":
        """A deep copy, with ``changes`` applied to its fields."""
        arrays = {
            k: None if getattr(self, k) is None else getattr(self, k).copy()
            for k in ("points", "radii", "values", "tangents")
        }
        arrays["extra"] = dict(self.extra)
        arrays.update(changes)
        return replace(self, **arrays)
