"""Thresholds of the plausibility checks, with SNT's defaults, and their ``.curation`` property keys.

Every field is in the reconstruction's physical unit (µm) unless its name says
otherwise (degrees, voxels, nodes, ratios). ``-1`` for a contrast means "auto"
(see :mod:`.signal`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


def _setting(default, key: str):
    """A field with its default and the ``.curation`` property key SNT keeps it under."""
    return field(default=default, metadata={"key": key})


@dataclass
class CurationSettings:
    """Which checks run and where they flag, as SNT's Curation Assistant defaults them.

    Each setting is declared once, with its ``.curation`` key
    (:data:`PROPERTY_KEYS` is derived from these), in the order presets are
    written. Where SNT has a second, harsher threshold (ERROR), the checks
    derive it from the one here, as SNT's defaults relate them.
    """

    # Live checks, one parent/child fork at a time.
    branch_angle_min: float = _setting(10.0, "branchAngle.min")
    branch_angle_max: float = _setting(170.0, "branchAngle.max")
    branch_angle_enabled: bool = _setting(True, "branchAngle.enabled")
    direction_min_alignment: float = _setting(30.0, "directionContinuity.minAlignment")  # ERROR below half
    direction_continuity_enabled: bool = _setting(True, "directionContinuity.enabled")
    radius_continuity_max_ratio: float = _setting(1.5, "radiusContinuity.maxRatio")  # ERROR above twice
    radius_continuity_enabled: bool = _setting(True, "radiusContinuity.enabled")
    terminal_min_length: float = _setting(2.0, "terminalBranchLength.minLength")
    terminal_length_enabled: bool = _setting(True, "terminalBranchLength.enabled")
    inter_fork_min_distance: float = _setting(5.0, "interForkDistance.minDistance")
    inter_fork_enabled: bool = _setting(True, "interForkDistance.enabled")
    soma_max_distance: float = _setting(500.0, "somaDistance.maxDist")  # ERROR above three times
    soma_distance_enabled: bool = _setting(False, "somaDistance.enabled")
    tortuosity_max_diff: float = _setting(0.3, "tortuosityConsistency.maxDiff")
    tortuosity_enabled: bool = _setting(True, "tortuosityConsistency.enabled")
    constant_radii_enabled: bool = _setting(True, "constantRadii.enabled")
    # Full-scan checks.
    crossover_proximity: float = _setting(2.0, "crossovers.proximity")
    crossover_include_self: bool = _setting(False, "crossovers.includeSelfCrossovers")
    crossovers_enabled: bool = _setting(True, "crossovers.enabled")
    bundle_proximity: float = _setting(3.0, "bundledPaths.proximity")
    bundle_max_angle: float = _setting(20.0, "bundledPaths.maxParallelAngle")
    bundle_min_run: int = _setting(10, "bundledPaths.minRunNodes")
    bundles_enabled: bool = _setting(False, "bundledPaths.enabled")
    missed_fork_max_proximity: float = _setting(3.0, "terminalNearAncestor.maxProximity")
    missed_fork_enabled: bool = _setting(True, "terminalNearAncestor.enabled")
    invalid_radius_enabled: bool = _setting(True, "invalidRadius.enabled")
    radius_jumps_max_ratio: float = _setting(3.0, "radiusJumps.maxRatio")
    radius_jumps_enabled: bool = _setting(True, "radiusJumps.enabled")
    radius_monotonicity_min_run: int = _setting(10, "radiusMonotonicity.minRun")
    radius_monotonicity_enabled: bool = _setting(True, "radiusMonotonicity.enabled")
    boundary_min_voxels: float = _setting(1.0, "boundaryProximity.minVoxels")
    boundary_enabled: bool = _setting(False, "boundaryProximity.enabled")
    z_extent_min_ratio: float = _setting(0.01, "zExtentRatio.minRatio")
    z_extent_enabled: bool = _setting(False, "zExtentRatio.enabled")
    signal_min_contrast: float = _setting(-1.0, "signalQuality.minContrast")
    signal_quality_enabled: bool = _setting(True, "signalQuality.enabled")
    tip_min_contrast: float = _setting(-1.0, "uncertainTerminal.minTipContrast")
    tip_tail_nodes: int = _setting(5, "uncertainTerminal.tailNodes")
    tip_signal_enabled: bool = _setting(True, "uncertainTerminal.enabled")
    signal_dips_min_prominence: float = _setting(0.30, "intensityValley.minProminence")
    signal_dips_enabled: bool = _setting(False, "intensityValley.enabled")
    monitor_enabled: bool = _setting(False, "monitor.enabled")
    #: Keys of a preset this version does not know, kept so that writing it back loses nothing.
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Every setting by field name (``extra`` included): JSON-ready, :meth:`from_dict` reads it back."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict) -> "CurationSettings":
        """Settings from :meth:`to_dict` output; unknown names are refused (ValueError)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown curation settings: {', '.join(sorted(unknown))}")
        return cls(**data)


#: ``.curation`` property key → settings field, in the order presets are written.
PROPERTY_KEYS = {f.metadata["key"]: f.name for f in fields(CurationSettings) if "key" in f.metadata}

#: Keys older SNT versions wrote, read as their current name.
LEGACY_KEYS = {"pathOverlap.proximity": "crossovers.proximity", "pathOverlap.enabled": "crossovers.enabled"}
