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
    forks = [m for t in trees for m in live.forks(t)]
    measured = {}
    for t in trees:
        for check, m in scan.live_measurements(t, replace(s, soma_distance_enabled=True)).items():
            measured.setdefault(check, []).extend(m["values"])
        radius = {}
        scan.radius_warnings(t, s, radius)
        for check, m in radius.items():
            measured.setdefault(check, []).extend(m["values"])

    def low(values, default):
        return _percentile(values, lower, default)

    def high(values, default):
        return _percentile(values, upper, default)

    steps = _inter_node(trees)
    return replace(
        s,
        branch_angle_min=low([m.branch_angle for m in forks], s.branch_angle_min),
        branch_angle_max=high([m.branch_angle for m in forks], s.branch_angle_max),
        direction_min_alignment=low([m.direction for m in forks], s.direction_min_alignment),
        radius_continuity_max_ratio=high([m.radius_ratio for m in forks], s.radius_continuity_max_ratio),
        inter_fork_min_distance=low([m.inter_fork for m in forks], s.inter_fork_min_distance),
        tortuosity_max_diff=high([m.tortuosity_diff for m in forks], s.tortuosity_max_diff),
        terminal_min_length=low(measured.get(live.TERMINAL_LENGTH, []), s.terminal_min_length),
        soma_max_distance=high(measured.get(live.SOMA_DISTANCE, []), s.soma_max_distance),
        radius_jumps_max_ratio=high(measured.get(scan.RADIUS_JUMPS, []), s.radius_jumps_max_ratio),
        radius_monotonicity_min_run=int(math.ceil(high(measured.get(scan.RADIUS_INVERSIONS, []),
                                                       s.radius_monotonicity_min_run))),
        # SNT: crossovers are looked for at twice the median distance between nodes.
        crossover_proximity=2 * float(np.median(steps)) if steps else s.crossover_proximity,
    )
