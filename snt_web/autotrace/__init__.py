"""Automatic tracing of whole neurons, APP2/GWDT-style, as SNT's GWDT tracer does it.

Pipeline (:func:`autotrace`): a background threshold (:mod:`.threshold`), the
gray-weighted distance transform and fast marching from a root (:mod:`.marching`),
node radii (:mod:`.radius`), score-map and hierarchical pruning (:mod:`.scoring`,
:mod:`.pruning`), smoothing and resampling into paths (:mod:`.paths`); several
cells with territory limits (:mod:`.cells`). The core works on numpy arrays
``(z, y, x)`` with a voxel spacing; seeds and results are physical x, y, z.
"""

from .metrics import node_f1, resampled_nodes
from .threshold import auto_threshold
from .tracer import ROLES, AutotraceResult, AutotraceSettings, autotrace

__all__ = ["ROLES", "AutotraceResult", "AutotraceSettings", "auto_threshold", "autotrace", "node_f1",
           "resampled_nodes"]
