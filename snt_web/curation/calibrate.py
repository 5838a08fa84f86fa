"""Thresholds learnt from reference reconstructions (SNT's ``PlausibilityCalibrator``).

Each check's measure is collected over all the reference trees; a "flag if
below" threshold becomes the lower percentile (5th by default) and a "flag if
above" threshold the upper one (95th), so that about one in twenty forks or
paths of a typical reconstruction of that kind is flagged per side.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..model import Tree
from . import live, scan
from .settings import CurationSettings


def _percentile(values, q: float, default: float) -> float:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return float(np.percentile(finite, q)) if finite else default


def _inter_node(trees) -> list[float]:
    steps = [np.linalg.norm(np.diff(p.points, axis=0), axis=1) for t in trees for p in t.paths if len(p) > 1]
    return np.concatenate(steps).tolist() if steps else []


def calibrate(trees: list[Tree], base: CurationSettings | None = None, lower: float = 5.0,
              upper: float = 95.0) -> CurationSettings:
    """Settings whose thresholds are percentiles of the measures over ``trees``.

    Parameters
    ----------
    trees : list of Tree
        Reference reconstructions of the kind to be checked (same unit).
    base : CurationSettings, optional
        Which checks are enabled and the thresholds that cannot be learnt
        (signal contrast); SNT's defaults if omitted.
    lower, upper : float
        Percentiles (0-100) for "flag if below" and "flag if above".

    Returns
    -------
    CurationSettings
        A measure with no values keeps its ``base`` threshold.
    """
    if not 0 <= lower < upper <= 100:
        raise ValueError(f"percentiles must satisfy 0 <= lower < upper <= 100, got {lower}, {upper}")
    s = base or CurationSettings()
    trees = [live.checked_tree(t) for t in trees]
    # Soma distances are learnt even where that check is off, so that a preset can turn it on.
    wanted = replace(s, soma_distance_enabled=True)
    measured: dict = {}
    for tree in trees:
        found = scan.live_measurements(tree, wanted)
        scan.radius_warnings(tree, s, found)  # for its measurements; its warnings are not wanted here
        for check, m in found.items():
            measured.setdefault(check, []).extend(m["values"])

    def low(check, default):
        return _percentile(measured.get(check, []), lower, default)

    def high(check, default):
        return _percentile(measured.get(check, []), upper, default)

    steps = _inter_node(trees)
    return replace(
        s,
        branch_angle_min=low(live.BRANCH_ANGLE, s.branch_angle_min),
        branch_angle_max=high(live.BRANCH_ANGLE, s.branch_angle_max),
        direction_min_alignment=low(live.DIRECTION, s.direction_min_alignment),
        radius_continuity_max_ratio=high(live.RADIUS_CONTINUITY, s.radius_continuity_max_ratio),
        inter_fork_min_distance=low(live.INTER_FORK, s.inter_fork_min_distance),
        tortuosity_max_diff=high(live.TORTUOSITY, s.tortuosity_max_diff),
        terminal_min_length=low(live.TERMINAL_LENGTH, s.terminal_min_length),
        soma_max_distance=high(live.SOMA_DISTANCE, s.soma_max_distance),
        radius_jumps_max_ratio=high(scan.RADIUS_JUMPS, s.radius_jumps_max_ratio),
        radius_monotonicity_min_run=int(math.ceil(high(scan.RADIUS_INVERSIONS, s.radius_monotonicity_min_run))),
        # SNT: crossovers are looked for at twice the median distance between nodes.
        crossover_proximity=2 * float(np.median(steps)) if steps else s.crossover_proximity,
    )
