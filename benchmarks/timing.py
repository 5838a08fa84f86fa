"""Timing shared by the benchmarks."""

from __future__ import annotations

import statistics
import time


def median_seconds(fn, repeats: int = 1) -> tuple[float, object]:
    """Median wall time of ``repeats`` calls of ``fn``, and the last call's result."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out
