"""Semi-automated tracing: SNT's cost functions, A* path search and cursor snapping."""

from .costs import COSTS, CostModel, cost_model, image_statistics
from .search import TraceResult, trace_path, warm_up
from .snapping import snap_to_brightest

__all__ = [
    "COSTS",
    "CostModel",
    "cost_model",
    "image_statistics",
    "TraceResult",
    "trace_path",
    "warm_up",
    "snap_to_brightest",
]
