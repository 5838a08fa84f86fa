"""What a check finds: a :class:`CurationWarning` (SNT's ``Warning`` record) and its severity and impact.

Locations are physical ``(x, y, z)`` in the reconstruction's unit (µm), as node
coordinates are. Each warning has a :attr:`~CurationWarning.key` made from what
it is about (check, location, affected paths), so a re-scan finds the same
warnings again and review decisions stay attached to them.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace
from enum import Enum, IntEnum

import numpy as np
from scipy.spatial import cKDTree

from ..model import Tree


class Severity(IntEnum):
    """INFO < WARNING < ERROR; tables sort by it, most severe first."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    @classmethod
    def parse(cls, text) -> "Severity":
        """``"warning"``, ``"WARNING"``, ``1`` or a Severity; ValueError otherwise."""
        if isinstance(text, Severity):
            return text
        name = str(text).strip().upper()
        if name.isdigit() and int(name) in (0, 1, 2):
            return cls(int(name))
        if name not in cls.__members__:
            raise ValueError(f"severity must be INFO, WARNING or ERROR, not {text!r}")
        return cls[name]


class ImpactKind(Enum):
    """How much of the arbor a finding puts at stake (SNT's ``ImpactKind``)."""

    SUBTREE = "subtree"  # the affected path and everything branching from it
    LOCAL = "local"  # the affected path alone
    NONE = "none"  # cosmetic: no cable at stake


@dataclass(frozen=True)
class CurationWarning:
    """One finding.

    Attributes
    ----------
    check : str
        The check's name as SNT shows it (``"Branch angle"``, ``"Crossovers"``,
        ``"Seed Review"``, ``"DL-QC"``...).
    severity : Severity
    message : str
    location : tuple of float or None
        Physical ``(x, y, z)``.
    paths : tuple of int
        Ids of the affected paths (may be empty).
    value, threshold : float
        The measured value and the threshold it crossed (NaN if none).
    impact : float
        Fraction of the reconstruction's cable length at stake, 0-1 (NaN when
        the finding puts none at stake).
    """

    check: str
    severity: Severity
    message: str
    location: tuple | None = None
    paths: tuple = ()
    value: float = math.nan
    threshold: float = math.nan
    impact: float = math.nan

    def __post_init__(self):
        object.__setattr__(self, "severity", Severity.parse(self.severity))
        if self.location is not None:
            object.__setattr__(self, "location", tuple(float(v) for v in self.location))
        object.__setattr__(self, "paths", tuple(int(p) for p in self.paths))

    @property
    def key(self) -> str:
        """A stable id: the same finding on a re-scan gets the same key (location rounded to 0.01)."""
        where = "" if self.location is None else ",".join(f"{v:.2f}" for v in self.location)
        text = f"{self.check}|{where}|{','.join(map(str, sorted(self.paths)))}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_(self, **changes) -> "CurationWarning":
        """A copy with some fields changed (a new key if check, location or paths change)."""
        return replace(self, **changes)

    def to_dict(self) -> dict:
        """JSON-ready: NaN becomes None."""
        def num(v):
            return None if v is None or not math.isfinite(v) else float(v)

        x, y, z = self.location if self.location is not None else (None, None, None)
        return {
            "key": self.key, "check": self.check, "severity": self.severity.name, "message": self.message,
            "x": num(x), "y": num(y), "z": num(z), "paths": list(self.paths), "value": num(self.value),
            "threshold": num(self.threshold), "impact": num(self.impact),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "CurationWarning":
        """The warning :meth:`to_dict` describes (its ``key`` is recomputed, not read)."""
        def num(v):
            return math.nan if v is None else float(v)

        location = None if data.get("x") is None else (data["x"], data["y"], data["z"])
        return cls(data["check"], data["severity"], data.get("message", ""), location, tuple(data.get("paths", ())),
                   num(data.get("value")), num(data.get("threshold")), num(data.get("impact")))


def sort_warnings(warnings) -> list[CurationWarning]:
    """Most severe first, then most impact, then by check (SNT's table order)."""
    return sorted(warnings, key=lambda w: (-w.severity, -(w.impact if math.isfinite(w.impact) else -1), w.check))


def severity_counts(warnings) -> dict[str, int]:
    """``{"ERROR": n, "WARNING": n, "INFO": n}``, most severe first, severities with none left out."""
    counts = {s.name: 0 for s in sorted(Severity, reverse=True)}
    for w in warnings:
        counts[w.severity.name] += 1
    return {name: n for name, n in counts.items() if n}


class CableAtStake:
    """A finding's impact: the fraction of the tree's cable length it puts at stake (SNT's ``computeImpact``).

    SUBTREE counts the focus path and its descendants, LOCAL the focus path
    alone, NONE nothing (NaN). The focus is the descendant when the affected
    paths include a parent and its child (the smallest such subtree), else
    the affected path with the most at stake. Lengths are measured once per
    tree, so a scan's hundreds of findings cost no more than one.

    Examples
    --------
    >>> stake = CableAtStake(tree)  # doctest: +SKIP
    >>> stake((3,), ImpactKind.SUBTREE)  # doctest: +SKIP
    0.12
    """

    def __init__(self, tree: Tree):
        paths = [p for p in tree.paths if p.fitted_of is None]
        self._length = {p.id: p.length for p in paths}
        self._parent = {p.id: p.parent_id for p in paths}
        self._children: dict = {}
        for p in paths:
            self._children.setdefault(p.parent_id, []).append(p.id)
        self._subtree: dict = {}
        self.total = float(sum(self._length.values()))

    def subtree_length(self, path_id: int) -> float:
        """Length of the path and all its descendants."""
        if path_id not in self._subtree:
            total, stack, seen = 0.0, [path_id], set()
            while stack:
                pid = stack.pop()
                if pid in seen:
                    continue
                seen.add(pid)
                total += self._length.get(pid, 0.0)
                stack.extend(self._children.get(pid, ()))
            self._subtree[path_id] = total
        return self._subtree[path_id]

    def __call__(self, path_ids, kind: ImpactKind) -> float:
        """The impact of a finding about ``path_ids``: a fraction 0-1 of the total cable, NaN if none at stake."""
        ids = [i for i in dict.fromkeys(path_ids) if i in self._length]
        if kind is ImpactKind.NONE or not ids or self.total <= 0:
            return math.nan
        at_stake = self.subtree_length if kind is ImpactKind.SUBTREE else self._length.__getitem__
        children = [i for i in ids if self._parent[i] in ids]
        stakes = [at_stake(i) for i in (children or ids)]
        return float(min(stakes) if children else max(stakes)) / self.total


class NearbyPaths:
    """Which paths pass near a point: an index over the tree's nodes, built once for many points.

    DL-QC files and seeds sent for review bring thousands of points; a k-d
    tree answers each in the time of its neighbourhood, not of the whole tree.

    Examples
    --------
    >>> near = NearbyPaths(tree)  # doctest: +SKIP
    >>> near((10.0, 0.5, 0.0), 5.0)  # doctest: +SKIP
    (0, 1)
    """

    def __init__(self, tree: Tree):
        paths = [p for p in tree.paths if p.fitted_of is None and len(p)]
        self._nodes = np.concatenate([p.points for p in paths]) if paths else np.empty((0, 3))
        self._owner = np.concatenate([np.full(len(p), p.id) for p in paths]) if paths else np.empty(0, int)
        self._index = cKDTree(self._nodes) if paths else None

    def __call__(self, xyz, max_distance: float) -> tuple[int, ...]:
        """Ids of the paths with a node within ``max_distance`` of physical ``xyz``, nearest first."""
        if self._index is None:
            return ()
        xyz = np.asarray(xyz, dtype=float)
        near = self._index.query_ball_point(xyz, max_distance)
        closest: dict[int, float] = {}
        for owner, d in zip(self._owner[near].tolist(), np.linalg.norm(self._nodes[near] - xyz, axis=1).tolist()):
            closest[owner] = min(d, closest.get(owner, math.inf))
        return tuple(pid for pid, _ in sorted(closest.items(), key=lambda item: (item[1], item[0])))
