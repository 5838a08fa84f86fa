"""Thresholds of the plausibility checks, with SNT's defaults, and their ``.curation`` property keys.

Every field is in the reconstruction's physical unit (µm) unless its name says
otherwise (degrees, voxels, nodes, ratios). ``-1`` for a contrast means "auto"
(see :mod:`.signal`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass
class CurationSettings:
    """Which checks run and where they flag, as SNT's Curation Assistant defaults them."""

    # live checks (one parent/child fork at a time)
    branch_angle_enabled: bool = True
    branch_angle_min: float = 10.0
    branch_angle_max: float = 170.0
    direction_continuity_enabled: bool = True
    direction_min_alignment: float = 30.0
    radius_continuity_enabled: bool = True
    radius_continuity_max_ratio: float = 1.5
    constant_radii_enabled: bool = True
    terminal_length_enabled: bool = True
    terminal_min_length: float = 2.0
    inter_fork_enabled: bool = True
    inter_fork_min_distance: float = 5.0
    tortuosity_enabled: bool = True
    tortuosity_max_diff: float = 0.3
    soma_distance_enabled: bool = False
    soma_max_distance: float = 500.0
    # full-scan checks
    crossovers_enabled: bool = True
    crossover_proximity: float = 2.0
    crossover_include_self: bool = False
    bundles_enabled: bool = False
    bundle_proximity: float = 3.0
    bundle_max_angle: float = 20.0
    bundle_min_run: int = 10
    missed_fork_enabled: bool = True
    missed_fork_max_proximity: float = 3.0
    invalid_radius_enabled: bool = True
    radius_jumps_enabled: bool = True
    radius_jumps_max_ratio: float = 3.0
    radius_monotonicity_enabled: bool = True
    radius_monotonicity_min_run: int = 10
    boundary_enabled: bool = False
    boundary_min_voxels: float = 1.0
    z_extent_enabled: bool = False
    z_extent_min_ratio: float = 0.01
    signal_quality_enabled: bool = True
    signal_min_contrast: float = -1.0
    tip_signal_enabled: bool = True
    tip_min_contrast: float = -1.0
    tip_tail_nodes: int = 5
    signal_dips_enabled: bool = False
    signal_dips_min_prominence: float = 0.30
    monitor_enabled: bool = False
    #: Keys of a preset this version does not know, kept so that writing it back loses nothing.
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "CurationSettings":
        """Settings from :meth:`to_dict` output; unknown names are refused (ValueError)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown curation settings: {', '.join(sorted(unknown))}")
        return cls(**data)


#: ``.curation`` property key → settings field. Order is the order presets are written in.
PROPERTY_KEYS = {
    "branchAngle.min": "branch_angle_min",
    "branchAngle.max": "branch_angle_max",
    "branchAngle.enabled": "branch_angle_enabled",
    "directionContinuity.minAlignment": "direction_min_alignment",
    "directionContinuity.enabled": "direction_continuity_enabled",
    "radiusContinuity.maxRatio": "radius_continuity_max_ratio",
    "radiusContinuity.enabled": "radius_continuity_enabled",
    "terminalBranchLength.minLength": "terminal_min_length",
    "terminalBranchLength.enabled": "terminal_length_enabled",
    "interForkDistance.minDistance": "inter_fork_min_distance",
    "interForkDistance.enabled": "inter_fork_enabled",
    "somaDistance.maxDist": "soma_max_distance",
    "somaDistance.enabled": "soma_distance_enabled",
    "tortuosityConsistency.maxDiff": "tortuosity_max_diff",
    "tortuosityConsistency.enabled": "tortuosity_enabled",
    "constantRadii.enabled": "constant_radii_enabled",
    "crossovers.proximity": "crossover_proximity",
    "crossovers.includeSelfCrossovers": "crossover_include_self",
    "crossovers.enabled": "crossovers_enabled",
    "bundledPaths.proximity": "bundle_proximity",
    "bundledPaths.maxParallelAngle": "bundle_max_angle",
    "bundledPaths.minRunNodes": "bundle_min_run",
    "bundledPaths.enabled": "bundles_enabled",
    "terminalNearAncestor.maxProximity": "missed_fork_max_proximity",
    "terminalNearAncestor.enabled": "missed_fork_enabled",
    "invalidRadius.enabled": "invalid_radius_enabled",
    "radiusJumps.maxRatio": "radius_jumps_max_ratio",
    "radiusJumps.enabled": "radius_jumps_enabled",
    "radiusMonotonicity.minRun": "radius_monotonicity_min_run",
    "radiusMonotonicity.enabled": "radius_monotonicity_enabled",
    "boundaryProximity.minVoxels": "boundary_min_voxels",
    "boundaryProximity.enabled": "boundary_enabled",
    "zExtentRatio.minRatio": "z_extent_min_ratio",
    "zExtentRatio.enabled": "z_extent_enabled",
    "signalQuality.minContrast": "signal_min_contrast",
    "signalQuality.enabled": "signal_quality_enabled",
    "uncertainTerminal.minTipContrast": "tip_min_contrast",
    "uncertainTerminal.tailNodes": "tip_tail_nodes",
    "uncertainTerminal.enabled": "tip_signal_enabled",
    "intensityValley.minProminence": "signal_dips_min_prominence",
    "intensityValley.enabled": "signal_dips_enabled",
    "monitor.enabled": "monitor_enabled",
}

#: Keys older SNT versions wrote, read as their current name.
LEGACY_KEYS = {"pathOverlap.proximity": "crossovers.proximity", "pathOverlap.enabled": "crossovers.enabled"}
