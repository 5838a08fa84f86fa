"""The Curation Assistant's core: plausibility checks over a reconstruction, and what becomes of their findings.

Pure functions over :class:`~snt_web.model.Tree` (physical coordinates) and,
for the signal checks, an :class:`~snt_web.io.image.Image`; nothing here
imports the web layer. Findings are :class:`CurationWarning` records; the
store (:mod:`snt_web.store.curation`) keeps them with each reviewer's decision.
"""

from .calibrate import calibrate
from .crossovers import CrossoverEvent, find_bundles, find_crossovers
from .dlqc import parse_points, read_points, seed_review_warnings
from .exports import partition_by_review, write_partitions, write_warnings_csv
from .live import live_checks
from .presets import read_preset, write_preset
from .scan import ScanResult, full_scan
from .settings import CurationSettings
from .warnings import CurationWarning, ImpactKind, Severity

__all__ = [
    "CrossoverEvent", "CurationSettings", "CurationWarning", "ImpactKind", "ScanResult", "Severity", "calibrate",
    "find_bundles", "find_crossovers", "full_scan", "live_checks", "parse_points", "partition_by_review",
    "read_points", "read_preset", "seed_review_warnings", "write_partitions", "write_preset", "write_warnings_csv",
]
