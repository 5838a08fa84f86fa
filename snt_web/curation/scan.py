"""The full scan: every live check over every fork, plus the checks that look at whole paths and the image.

:func:`full_scan` returns the warnings and, per check, the distribution of the
measured values (for the Assistant's histograms), so that a reviewer sees
where the threshold falls among all the forks or paths, not only the flagged
ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from ..io.image import Image
from ..model import Path, Tree
from . import live, signal
from .crossovers import find_bundles, find_crossovers
from .settings import CurationSettings
from .warnings import CableAtStake, CurationWarning, ImpactKind, Severity, sort_warnings

CROSSOVERS = "Crossovers"
BUNDLES = "Bundled paths"
MISSED_FORK = "Missed-fork candidate"
INVALID_RADIUS = "Invalid radius"
RADIUS_JUMPS = "Thickness jumps"
RADIUS_INVERSIONS = "Thickness inversions"
BOUNDARY = "Boundary proximity"
Z_EXTENT = "Z-extent ratio"
SIGNAL = "Path signal quality"
TIP_SIGNAL = "Tip signal quality"
SIGNAL_DIPS = "Path signal quality dips"

SCAN_CHECKS = (CROSSOVERS, BUNDLES, MISSED_FORK, INVALID_RADIUS, RADIUS_JUMPS, RADIUS_INVERSIONS, BOUNDARY,
               Z_EXTENT, SIGNAL, TIP_SIGNAL, SIGNAL_DIPS)


@dataclass
class ScanResult:
    """Warnings (most severe first) and, per check name, ``{"values": [...], "thresholds": [...]}``."""

    warnings: list[CurationWarning]
    measurements: dict = field(default_factory=dict)


def _measure(out: dict, check: str, values, *thresholds) -> None:
    clean = [round(float(v), 6) for v in values if v is not None and math.isfinite(v)]
    out[check] = {"values": clean, "thresholds": [float(t) for t in thresholds]}


def _paths(tree: Tree) -> list[Path]:
    return [p for p in tree.paths if p.fitted_of is None and len(p)]


def _terminal(tree: Tree, path: Path) -> bool:
    return not any(c.fitted_of is None for c in tree.children(path.id))


def _ancestors(tree: Tree, path: Path) -> set[int]:
    seen, pid = set(), path.parent_id
    while pid is not None and pid not in seen:
        seen.add(pid)
        try:
            pid = tree.path(pid).parent_id
        except KeyError:
            break
    return seen


def _crossover_warnings(tree: Tree, s: CurationSettings, measurements: dict) -> list[CurationWarning]:
    """Unjoined paths that cross (WARNING) and, when enabled, run side by side (INFO)."""
    stake = CableAtStake(tree)
    out = []
    if s.crossovers_enabled:
        events = find_crossovers(tree, s.crossover_proximity, include_self=s.crossover_include_self)
        _measure(measurements, CROSSOVERS, [e.distance for e in events], s.crossover_proximity)
        for e in events:
            names = " and ".join(map(str, e.paths))
            out.append(CurationWarning(
                CROSSOVERS, Severity.WARNING, f"Paths {names} cross without a join ({e.distance:.2f} apart, "
                f"{e.angle:.0f}°)", e.location, e.paths, e.distance, s.crossover_proximity,
                stake(e.paths, ImpactKind.SUBTREE)))
    if s.bundles_enabled:
        events = find_bundles(tree, s.bundle_proximity, s.bundle_max_angle, s.bundle_min_run)
        _measure(measurements, BUNDLES, [e.distance for e in events], s.bundle_proximity)
        for e in events:
            out.append(CurationWarning(
                BUNDLES, Severity.INFO, f"Paths {' and '.join(map(str, e.paths))} run side by side "
                f"({e.distance:.2f} apart, {e.angle:.0f}°)", e.location, e.paths, e.distance, s.bundle_proximity,
                stake(e.paths, ImpactKind.SUBTREE)))
    return out


def _missed_fork_warnings(tree: Tree, s: CurationSettings, measurements: dict) -> list[CurationWarning]:
    """Terminal ends close to another path they are not joined to: a fork that was never made."""
    stake = CableAtStake(tree)
    paths = _paths(tree)
    if not s.missed_fork_enabled or len(paths) < 2:
        return []
    nodes = np.concatenate([p.points for p in paths])
    owner = np.concatenate([np.full(len(p), p.id) for p in paths])
    index = cKDTree(nodes)
    out, values = [], []
    for path in paths:
        if not _terminal(tree, path):
            continue
        # Paths on another channel or frame (a timelapse) are other images of the same neurite.
        excluded = _ancestors(tree, path) | {path.id} | {p.id for p in paths
                                                         if (p.channel, p.frame) != (path.channel, path.frame)}
        end = path.points[-1]
        near = [k for k in index.query_ball_point(end, 5 * s.missed_fork_max_proximity) if owner[k] not in excluded]
        if not near:
            continue
        d = np.linalg.norm(nodes[near] - end, axis=1)
        k = int(np.argmin(d))
        values.append(float(d[k]))
        if d[k] < s.missed_fork_max_proximity:
            other = int(owner[near[k]])
            out.append(CurationWarning(
                MISSED_FORK, Severity.INFO, f"End of path {path.id} is {d[k]:.2f} from path {other}: a missed fork?",
                tuple(end), (path.id, other), float(d[k]), s.missed_fork_max_proximity,
                stake((path.id,), ImpactKind.LOCAL)))
    _measure(measurements, MISSED_FORK, values, s.missed_fork_max_proximity)
    return out


def _longest_increase(radii: np.ndarray) -> tuple[int, int]:
    """``(steps, last node)`` of the longest run of strictly increasing radii."""
    best, best_end, run = 0, 0, 0
    for k in range(1, len(radii)):
        run = run + 1 if radii[k] > radii[k - 1] else 0
        if run > best:
            best, best_end = run, k
    return best, best_end


def radius_warnings(tree: Tree, s: CurationSettings, measurements: dict) -> list[CurationWarning]:
    """Invalid radii, thickness jumps between neighbouring nodes and thickness inversions (runs of growth).

    Parameters
    ----------
    tree : Tree
        Paths without radii are passed over.
    s : CurationSettings
        Which of the three checks flag, and where.
    measurements : dict
        Filled in place with each check's distribution (``{"values",
        "thresholds"}``), whether or not the check is enabled, so that
        calibration can learn from it.

    Returns
    -------
    list of CurationWarning
    """
    stake = CableAtStake(tree)
    out, jumps, runs = [], [], []
    for path in _paths(tree):
        if not path.has_radii:
            continue
        r = path.radii
        bad = ~np.isfinite(r) | (r <= 0)
        local = stake((path.id,), ImpactKind.LOCAL)
        if s.invalid_radius_enabled and bad.any():
            k = int(np.argmax(bad))
            out.append(CurationWarning(INVALID_RADIUS, Severity.WARNING, f"Path {path.id}: {int(bad.sum())} nodes "
                                       "with a radius of zero, negative or NaN", tuple(path.points[k]), (path.id,),
                                       float(bad.sum()), 0.0, local))
        if len(r) >= 2:
            a, b = r[:-1], r[1:]
            ok = (a > 0) & (b > 0) & np.isfinite(a) & np.isfinite(b)
            if ok.any():
                ratio = np.where(ok, np.maximum(a, b) / np.where(ok, np.minimum(a, b), 1), 0)
                k = int(np.argmax(ratio))
                jumps.append(float(ratio[k]))
                if s.radius_jumps_enabled and ratio[k] > s.radius_jumps_max_ratio:
                    out.append(CurationWarning(
                        RADIUS_JUMPS, Severity.WARNING, f"Path {path.id}: radius changes {ratio[k]:.1f}× between "
                        f"nodes {k} and {k + 1}", tuple((path.points[k] + path.points[k + 1]) / 2), (path.id,),
                        float(ratio[k]), s.radius_jumps_max_ratio, local))
        steps, end = _longest_increase(np.where(bad, -np.inf, r))
        runs.append(steps)
        if s.radius_monotonicity_enabled and steps >= max(s.radius_monotonicity_min_run, 1):
            out.append(CurationWarning(
                RADIUS_INVERSIONS, Severity.INFO, f"Path {path.id} thickens {steps} times in a row "
                "(traced from the tip towards the soma?)", tuple(path.points[end]), (path.id,), float(steps),
                float(s.radius_monotonicity_min_run), local))
    _measure(measurements, RADIUS_JUMPS, jumps, s.radius_jumps_max_ratio)
    _measure(measurements, RADIUS_INVERSIONS, runs, s.radius_monotonicity_min_run)
    return out


def _geometry_warnings(tree: Tree, s: CurationSettings, measurements: dict, shape_zyx=None,
                       spacing_zyx=None) -> list[CurationWarning]:
    """Boundary proximity of terminal ends (needs the image's shape) and Z-extent ratio."""
    stake = CableAtStake(tree)
    paths = _paths(tree)
    out = []
    if s.boundary_enabled and shape_zyx is not None:
        values = []
        for path in paths:
            if not _terminal(tree, path):
                continue
            vox = path.points[-1][::-1] / np.asarray(spacing_zyx, dtype=float)
            edge = np.minimum(vox, np.asarray(shape_zyx) - 1 - vox)
            axes = [k for k, n in enumerate(shape_zyx) if n > 1]
            d = float(min(edge[k] for k in axes)) if axes else math.inf
            values.append(d)
            if d < s.boundary_min_voxels:
                out.append(CurationWarning(BOUNDARY, Severity.INFO, f"End of path {path.id} is {d:.1f} voxels from "
                                           "the edge of the image: the neurite may continue outside",
                                           tuple(path.points[-1]), (path.id,), d, s.boundary_min_voxels,
                                           stake((path.id,), ImpactKind.LOCAL)))
        _measure(measurements, BOUNDARY, values, s.boundary_min_voxels)
    all_z = np.concatenate([p.points[:, 2] for p in paths]) if paths else np.empty(0)
    flat = (shape_zyx is not None and shape_zyx[0] == 1) or not len(all_z) or np.ptp(all_z) == 0
    if s.z_extent_enabled and not flat:
        values = []
        for path in paths:
            if path.length <= 0:
                continue
            ratio = float(np.ptp(path.points[:, 2]) / path.length)
            values.append(ratio)
            if ratio < s.z_extent_min_ratio:
                out.append(CurationWarning(Z_EXTENT, Severity.INFO, f"Path {path.id} stays in one plane "
                                           f"(Z extent {ratio:.3f} of its length)", tuple(path.points[0]),
                                           (path.id,), ratio, s.z_extent_min_ratio,
                                           stake((path.id,), ImpactKind.LOCAL)))
        _measure(measurements, Z_EXTENT, values, s.z_extent_min_ratio)
    return out


def _volume_for(image: Image, path: Path) -> np.ndarray:
    c = min(max(path.channel - 1, 0), image.n_channels - 1)
    t = min(max(path.frame - 1, 0), image.n_frames - 1)
    return image.volume(c, t)


def _signal_warnings(tree: Tree, s: CurationSettings, measurements: dict, image: Image) -> list[CurationWarning]:
    """Path and tip contrast against the automatic or preset threshold, and intensity dips along paths."""
    stake = CableAtStake(tree)
    out = []
    paths = [p for p in _paths(tree) if len(p) >= 2]
    if s.signal_quality_enabled or s.tip_signal_enabled:
        contrasts = {p.id: signal.path_contrast(_volume_for(image, p), image.spacing, p.points, p.radii)
                     for p in paths}
        threshold = (s.signal_min_contrast if s.signal_min_contrast > 0
                     else signal.auto_threshold(contrasts.values(), signal.PATH_FALLBACK))
        if s.signal_quality_enabled:
            _measure(measurements, SIGNAL, contrasts.values(), threshold)
            for p in paths:
                if contrasts[p.id] < threshold:
                    out.append(CurationWarning(SIGNAL, Severity.WARNING, f"Path {p.id} barely stands out from the "
                                               f"background (contrast {contrasts[p.id]:.2f})",
                                               tuple(p.points[len(p) // 2]), (p.id,), contrasts[p.id], threshold,
                                               stake((p.id,), ImpactKind.LOCAL)))
        if s.tip_signal_enabled:
            # "Auto" borrows the path check's automatic threshold, as SNT does; when there is none (a preset
            # fixes the path threshold, or no path to derive it from) SNT's tip fallback applies.
            tip_threshold = s.tip_min_contrast if s.tip_min_contrast > 0 else (
                threshold if s.signal_min_contrast <= 0 and contrasts else signal.TIP_FALLBACK)
            tips = {}
            for p in paths:
                if _terminal(tree, p):
                    tail = slice(max(len(p) - s.tip_tail_nodes, 0), None)
                    tips[p.id] = signal.path_contrast(_volume_for(image, p), image.spacing, p.points[tail],
                                                      None if p.radii is None else p.radii[tail])
            _measure(measurements, TIP_SIGNAL, tips.values(), tip_threshold)
            for pid, c in tips.items():
                if c < tip_threshold:
                    p = tree.path(pid)
                    out.append(CurationWarning(TIP_SIGNAL, Severity.INFO, f"The tip of path {pid} fades out "
                                               f"(contrast {c:.2f}): does it really end here?", tuple(p.points[-1]),
                                               (pid,), c, tip_threshold, stake((pid,), ImpactKind.LOCAL)))
    if s.signal_dips_enabled:
        values = []
        for p in paths:
            found, prominence = signal.signal_dips(signal.node_intensities(_volume_for(image, p), image.spacing,
                                                                           p.points), s.signal_dips_min_prominence)
            values += prominence.tolist()
            for k, prom in zip(found, prominence):
                out.append(CurationWarning(SIGNAL_DIPS, Severity.INFO, f"Path {p.id}: the signal dips by "
                                           f"{prom:.0%} at node {k} (a gap or a jump to another neurite?)",
                                           tuple(p.points[k]), (p.id,), float(prom), s.signal_dips_min_prominence,
                                           stake((p.id,), ImpactKind.LOCAL)))
        _measure(measurements, SIGNAL_DIPS, values, s.signal_dips_min_prominence)
    return out


def live_measurements(tree: Tree, s: CurationSettings) -> dict:
    """The distribution of each live check's measure over all forks and paths.

    Parameters
    ----------
    tree : Tree
    s : CurationSettings
        The thresholds drawn on the histograms; soma distances are measured
        only when that check is enabled.

    Returns
    -------
    dict
        Check name → ``{"values": [...], "thresholds": [...]}``.
    """
    out: dict = {}
    forks = live.forks(tree)
    _measure(out, live.BRANCH_ANGLE, [m.branch_angle for m in forks], s.branch_angle_min, s.branch_angle_max)
    _measure(out, live.DIRECTION, [m.direction for m in forks], s.direction_min_alignment)
    _measure(out, live.RADIUS_CONTINUITY, [m.radius_ratio for m in forks], s.radius_continuity_max_ratio)
    _measure(out, live.INTER_FORK, [m.inter_fork for m in forks], s.inter_fork_min_distance)
    _measure(out, live.TORTUOSITY, [m.tortuosity_diff for m in forks], s.tortuosity_max_diff)
    terminal = [p.length for p in _paths(tree) if p.parent_id is not None and _terminal(tree, p)]
    _measure(out, live.TERMINAL_LENGTH, terminal, s.terminal_min_length)
    if s.soma_distance_enabled:
        _measure(out, live.SOMA_DISTANCE, [live.soma_distance(tree, p) for p in _paths(tree)
                                           if p.parent_id is not None], s.soma_max_distance)
    return out


def full_scan(tree: Tree, settings: CurationSettings | None = None, image: Image | None = None,
              progress=None) -> ScanResult:
    """Run every enabled check over the whole reconstruction.

    Parameters
    ----------
    tree : Tree
        Physical coordinates. Paths that use their fitted version are checked
        with its nodes and radii.
    settings : CurationSettings, optional
        SNT's defaults if omitted.
    image : Image, optional
        The traced image; without it the image checks (signal quality, tip
        signal, dips, boundary proximity) are skipped, as in SNT.
    progress : callable, optional
        ``progress(fraction, message)`` between the stages.

    Returns
    -------
    ScanResult
    """
    s = settings or CurationSettings()
    tree = live.checked_tree(tree)
    report = progress or (lambda fraction, message: None)
    report(0.0, "live checks")
    warnings = live.live_checks(tree, s)
    measurements = live_measurements(tree, s)
    report(0.2, "crossovers")
    warnings += _crossover_warnings(tree, s, measurements)
    report(0.5, "paths")
    warnings += _missed_fork_warnings(tree, s, measurements)
    warnings += radius_warnings(tree, s, measurements)
    warnings += _geometry_warnings(tree, s, measurements, None if image is None else image.shape_zyx,
                                  None if image is None else image.spacing)
    if image is not None:
        report(0.7, "signal")
        warnings += _signal_warnings(tree, s, measurements, image)
    report(1.0, "done")
    return ScanResult(sort_warnings(warnings), measurements)
