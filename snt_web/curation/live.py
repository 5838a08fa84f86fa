"""Live checks: SNT's per-fork plausibility checks, run as paths are traced and over every fork in a scan.

A fork is a child path and the node of its parent it starts from. Each
measurement is a pure function of the tree; :func:`fork_measures` gives them
all for one fork, so checks, histograms and calibration share one definition.
Angles are in degrees, lengths in the tree's unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..model import Path, Tree
from ..model.fitted import path_in_use
from .settings import CurationSettings
from .warnings import CableAtStake, CurationWarning, ImpactKind, Severity

#: Check names as SNT's table shows them.
BRANCH_ANGLE = "Branch angle"
DIRECTION = "Direction continuity"
RADIUS_CONTINUITY = "Radius continuity"
CONSTANT_RADII = "Constant radii"
TERMINAL_LENGTH = "Terminal path length"
INTER_FORK = "Inter-fork distance"
TORTUOSITY = "Tortuosity consistency"
SOMA_DISTANCE = "Soma distance"

LIVE_CHECKS = (BRANCH_ANGLE, DIRECTION, RADIUS_CONTINUITY, CONSTANT_RADII, TERMINAL_LENGTH, INTER_FORK,
               TORTUOSITY, SOMA_DISTANCE)


def checked_tree(tree: Tree) -> Tree:
    """The paths as they are drawn and exported: a path that uses its fitted version gets its nodes and radii.

    Fitted copies are dropped (they stand for their original). A fitted
    version with another node count is passed over, since its children's
    branch nodes index the traced nodes.
    """
    if not any(p.fitted_of is not None for p in tree.paths):
        return tree
    paths = []
    for path in tree.paths:
        if path.fitted_of is not None:
            continue
        used = path_in_use(tree, path)
        if used is not path and len(used) == len(path):
            path = path.copy(points=used.points.copy(), radii=None if used.radii is None else used.radii.copy(),
                             fitted_id=None, use_fitted=False)
        paths.append(path)
    return Tree(paths, spacing_xyz=tree.spacing_xyz, units=tree.units)


def _angle(u, v) -> float:
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return math.nan
    return math.degrees(math.acos(float(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))))


def contraction(path: Path) -> float:
    """End-to-end distance over path length (1 for a straight path); NaN for a path of no length."""
    length = path.length
    return float(np.linalg.norm(path.points[-1] - path.points[0]) / length) if length > 0 else math.nan


@dataclass(frozen=True)
class ForkMeasures:
    """What the live checks measure at one fork (NaN where a measure does not apply)."""

    parent_id: int
    child_id: int
    branch_index: int
    location: tuple
    branch_angle: float  # parent's continuation vs the child's first direction
    direction: float  # 180° minus the angle between parent tangent and child direction: small = doubling back
    radius_ratio: float  # child's initial median radius / parent radius at the fork
    inter_fork: float  # distance to the nearest other fork node on the parent
    tortuosity_diff: float  # |contraction(child) - contraction(parent)|


def _child_direction(child: Path, nodes: int) -> np.ndarray:
    return child.points[min(nodes, len(child) - 1)] - child.points[0]


def _fork_node(branch_index, n: int) -> int:
    """The parent node a child starts at: its branch index within ``0..n-1``, the parent's end when unset."""
    return n - 1 if branch_index is None else min(max(int(branch_index), 0), n - 1)


def measure_fork(tree: Tree, child: Path) -> ForkMeasures | None:
    """The measures at the fork where ``child`` starts.

    Parameters
    ----------
    tree : Tree
        Physical coordinates.
    child : Path
        A path of ``tree`` with a parent.

    Returns
    -------
    ForkMeasures or None
        None for a primary path or a child whose parent is not in the tree.
    """
    try:
        parent = tree.path(child.parent_id)
    except KeyError:
        return None
    n = len(parent)
    bi = _fork_node(child.branch_index, n)
    fork = parent.points[bi]
    angle = direction = math.nan
    if n >= 2 and len(child) >= 2:
        continuation = parent.points[bi + 1] - fork if bi + 1 < n else fork - parent.points[bi - 1]
        angle = _angle(continuation, _child_direction(child, 5))
        k = min(2, bi) or 1
        tangent = parent.points[min(bi + k, n - 1)] - parent.points[max(bi - k, 0)]
        direction = 180.0 - _angle(tangent, _child_direction(child, 4))
    ratio = math.nan
    if parent.has_radii and child.has_radii and parent.radii[bi] > 0:
        ratio = float(np.median(child.radii[:5]) / parent.radii[bi])
    # Siblings at the same node are one fork, not two forks 0 apart.
    others = {_fork_node(c.branch_index, n) for c in tree.children(parent.id)
              if c.id != child.id and c.fitted_of is None} - {bi}
    inter = min((float(np.linalg.norm(parent.points[o] - fork)) for o in others), default=math.nan)
    tort = math.nan
    if len(parent) >= 5 and len(child) >= 5:
        tort = abs(contraction(child) - contraction(parent))
    return ForkMeasures(parent.id, child.id, bi, tuple(fork), angle, direction, ratio, inter, tort)


def forks(tree: Tree) -> list[ForkMeasures]:
    """Measures at every fork of the tree (fitted copies left out)."""
    out = []
    for path in tree.paths:
        if path.parent_id is None or path.fitted_of is not None:
            continue
        measured = measure_fork(tree, path)
        if measured is not None:
            out.append(measured)
    return out


def soma_distance(tree: Tree, path: Path) -> float:
    """Distance from the path's start to the nearest soma node (SWC type 1), or to its arbor's root."""
    somata = [p.points for p in tree.paths if p.swc_type == 1 and p.fitted_of is None]
    if somata:
        targets = np.concatenate(somata)
    else:
        root = path
        while root.parent_id is not None:
            root = tree.path(root.parent_id)
        targets = root.points[:1]
    return float(np.min(np.linalg.norm(targets - path.points[0], axis=1)))


def _fork_warnings(stake: CableAtStake, m: ForkMeasures, s: CurationSettings) -> list[CurationWarning]:
    out = []
    pair = (m.parent_id, m.child_id)

    def add(check, severity, message, value, threshold, kind=ImpactKind.SUBTREE, paths=pair):
        out.append(CurationWarning(check, severity, message, m.location, paths, value, threshold,
                                   stake(paths, kind)))

    if s.branch_angle_enabled and math.isfinite(m.branch_angle):
        if m.branch_angle < s.branch_angle_min:
            add(BRANCH_ANGLE, Severity.WARNING, f"Acute fork: path {m.child_id} leaves path {m.parent_id} at "
                f"{m.branch_angle:.1f}° (< {s.branch_angle_min:.1f}°)", m.branch_angle, s.branch_angle_min)
        elif m.branch_angle > s.branch_angle_max:
            add(BRANCH_ANGLE, Severity.WARNING, f"Path {m.child_id} turns back along path {m.parent_id}: "
                f"{m.branch_angle:.1f}° (> {s.branch_angle_max:.1f}°)", m.branch_angle, s.branch_angle_max)
    if s.direction_continuity_enabled and math.isfinite(m.direction) and m.direction < s.direction_min_alignment:
        # SNT: below the threshold a warning, below half of it an error.
        severity = Severity.ERROR if m.direction < s.direction_min_alignment / 2 else Severity.WARNING
        add(DIRECTION, severity, f"Path {m.child_id} doubles back along path {m.parent_id} "
            f"({m.direction:.1f}° from reversal)", m.direction, s.direction_min_alignment)
    if s.radius_continuity_enabled and math.isfinite(m.radius_ratio) and m.radius_ratio > s.radius_continuity_max_ratio:
        # SNT: above 1.5 a warning, above 3.0 an error: twice the threshold.
        severity = Severity.ERROR if m.radius_ratio > 2 * s.radius_continuity_max_ratio else Severity.WARNING
        add(RADIUS_CONTINUITY, severity, f"Path {m.child_id} starts {m.radius_ratio:.2f}× thicker than its parent",
            m.radius_ratio, s.radius_continuity_max_ratio, ImpactKind.LOCAL, (m.child_id,))
    if s.inter_fork_enabled and math.isfinite(m.inter_fork) and m.inter_fork < s.inter_fork_min_distance:
        add(INTER_FORK, Severity.WARNING, f"Fork of path {m.child_id} is {m.inter_fork:.2f} from the next fork "
            f"on path {m.parent_id}", m.inter_fork, s.inter_fork_min_distance, ImpactKind.LOCAL, (m.child_id,))
    if s.tortuosity_enabled and math.isfinite(m.tortuosity_diff) and m.tortuosity_diff > s.tortuosity_max_diff:
        add(TORTUOSITY, Severity.INFO, f"Path {m.child_id} is much more or less tortuous than path {m.parent_id} "
            f"(contraction differs by {m.tortuosity_diff:.2f})", m.tortuosity_diff, s.tortuosity_max_diff)
    return out


def _path_warnings(tree: Tree, stake: CableAtStake, path: Path, s: CurationSettings) -> list[CurationWarning]:
    out = []
    start = tuple(path.points[0])
    if (s.constant_radii_enabled and path.has_radii and len(path) >= 3
            and np.ptp(path.radii) <= 1e-6):
        out.append(CurationWarning(CONSTANT_RADII, Severity.INFO, f"Path {path.id}: all radii are "
                                   f"{path.radii[0]:.3g}, likely unfitted", start, (path.id,), 0.0, 0.0))
    terminal = not any(c.fitted_of is None for c in tree.children(path.id))
    if s.terminal_length_enabled and terminal and path.parent_id is not None and path.length < s.terminal_min_length:
        out.append(CurationWarning(TERMINAL_LENGTH, Severity.INFO, f"Terminal path {path.id} is only "
                                   f"{path.length:.2f} long", tuple(path.points[-1]), (path.id,), path.length,
                                   s.terminal_min_length, stake((path.id,), ImpactKind.LOCAL)))
    if s.soma_distance_enabled and path.parent_id is not None:
        d = soma_distance(tree, path)
        if d > s.soma_max_distance:
            # SNT: beyond 500 µm a warning, beyond 1500 µm an error: three times the threshold.
            severity = Severity.ERROR if d > 3 * s.soma_max_distance else Severity.WARNING
            out.append(CurationWarning(SOMA_DISTANCE, severity, f"Path {path.id} starts {d:.1f} from the soma",
                                       start, (path.id,), d, s.soma_max_distance,
                                       stake((path.id,), ImpactKind.SUBTREE)))
    return out


def live_checks(tree: Tree, settings: CurationSettings | None = None, path_ids=None) -> list[CurationWarning]:
    """The live checks over the tree, or over the forks and paths ``path_ids`` touch.

    Parameters
    ----------
    tree : Tree
    settings : CurationSettings, optional
        SNT's defaults if omitted.
    path_ids : collection of int, optional
        Check only these paths: the forks where they start, the forks on them
        and the paths themselves (what the live monitor re-checks after an
        edit). All paths if omitted.

    Returns
    -------
    list of CurationWarning
    """
    s = settings or CurationSettings()
    tree = checked_tree(tree)
    stake = CableAtStake(tree)
    wanted = None if path_ids is None else set(path_ids)
    out = []
    for m in forks(tree):
        if wanted is None or m.child_id in wanted or m.parent_id in wanted:
            out.extend(_fork_warnings(stake, m, s))
    for path in tree.paths:
        if path.fitted_of is None and len(path) and (wanted is None or path.id in wanted):
            out.extend(_path_warnings(tree, stake, path, s))
    return out
