"""A* path search between two voxels, as SNT's tracer does it, on the raw image or a filtered layer.

The search is 26-connected and measured in physical units: stepping from a
voxel to a neighbour adds the physical step length times the cost of the
neighbour's value (:mod:`.costs`). The heuristic is the physical straight-line
distance to the goal times the least step cost, which is consistent, so the
first time the goal is taken from the queue its cost is optimal.

The search touches only the voxels it reaches: their costs, parents and closed
flags live in an open-addressing hash table keyed by flat voxel index that
grows with the search, and the volume is only read. A short path on a filtered
layer visits a few thousand voxels, so a click costs kilobytes, not arrays the
size of the image.

The kernel is compiled by numba on the first call in a process for each volume
dtype and cached on disk (``cache=True``); later processes load it in a fraction
of a second. :func:`warm_up` does that ahead of the first click.
"""

from __future__ import annotations

import math
import time
from typing import NamedTuple

import numba
import numpy as np

from .costs import cost_model, step_cost

__all__ = ["TraceResult", "trace_path", "voxels_to_points", "warm_up"]


class TraceResult(NamedTuple):
    """The outcome of one search.

    Attributes
    ----------
    path_zyx : ndarray of int64, shape (n, 3)
        Voxel indices from start to goal inclusive.
    cost : float
        Sum over steps of physical step length x cost of the voxel stepped onto.
    n_visited : int
        Voxels whose cost was settled (taken from the queue).
    search_s : float
        Seconds spent searching (statistics and kernel), excluding any filtering.
    peak_bytes : int
        Largest working memory the search held (hash table, queue, per-voxel records).
    """

    path_zyx: np.ndarray
    cost: float
    n_visited: int
    search_s: float
    peak_bytes: int


def trace_path(volume, start_zyx, goal_zyx, *, spacing=(1.0, 1.0, 1.0), cost="reciprocal", stats="subvolume",
               z_fudge=0.8) -> TraceResult:
    """The least-cost 26-connected path between two voxels.

    Parameters
    ----------
    volume : ndarray (z, y, x)
        Image or filtered layer to search, bright neurites; a 2D image is a
        volume with one z-slice. Any real dtype; it is read, never copied.
    start_zyx, goal_zyx : sequence of 3 int
        Voxel indices of the end points.
    spacing : sequence of 3 float
        Voxel size ``(z, y, x)``; steps are measured in these units.
    cost : {"reciprocal", "difference", "difference-squared", "probability"}
        SNT's cost function (see :mod:`snt_web.tracing.costs`).
    stats : {"subvolume", "image"}
        Where the cost function's statistics come from.
    z_fudge : float
        Scale of the z-score in the probability cost.

    Returns
    -------
    TraceResult

    Examples
    --------
    >>> volume = np.zeros((1, 5, 7)); volume[0, 2, :] = 100
    >>> result = trace_path(volume, (0, 2, 0), (0, 2, 6))
    >>> result.path_zyx[:, 2].tolist()
    [0, 1, 2, 3, 4, 5, 6]
    """
    began = time.perf_counter()
    volume = np.asarray(volume)
    if volume.ndim != 3:
        raise ValueError(f"volume must be 3D (z, y, x), got shape {volume.shape}")
    start, goal = (_voxel(p, volume.shape, name) for p, name in ((start_zyx, "start"), (goal_zyx, "goal")))
    spacing = np.asarray(spacing, dtype=np.float64)
    if spacing.shape != (3,) or not np.all(spacing > 0):
        raise ValueError(f"spacing must be three positive numbers, got {spacing}")
    code, p0, p1, min_step = cost_model(volume, start, goal, cost=cost, stats=stats, z_fudge=z_fudge).params
    if not volume.flags.c_contiguous:
        volume = np.ascontiguousarray(volume)
    flat, total, n_visited, peak = _astar(volume.reshape(-1), np.array(volume.shape, dtype=np.int64), spacing,
                                          _flat(start, volume.shape), _flat(goal, volume.shape),
                                          code, p0, p1, min_step)
    path = np.stack(np.unravel_index(flat, volume.shape), axis=1).astype(np.int64)
    return TraceResult(path, float(total), int(n_visited), time.perf_counter() - began, int(peak))


def voxels_to_points(path_zyx, spacing=(1.0, 1.0, 1.0)) -> np.ndarray:
    """Physical x, y, z node positions (n, 3) of voxel indices (z, y, x): ``(x sx, y sy, z sz)``.

    Examples
    --------
    >>> voxels_to_points([[2, 3, 4]], spacing=(1.0, 0.5, 0.25)).tolist()
    [[1.0, 1.5, 2.0]]
    """
    zyx = np.asarray(path_zyx, dtype=np.float64).reshape(-1, 3)
    return zyx[:, ::-1] * np.asarray(spacing, dtype=np.float64)[::-1]


def warm_up() -> None:
    """Compile (or load from numba's cache) the search for the common volume dtypes."""
    for dtype in (np.uint8, np.uint16, np.float32):
        trace_path(np.ones((1, 2, 2), dtype=dtype), (0, 0, 0), (0, 1, 1))


def _voxel(point, shape, name) -> np.ndarray:
    p = np.asarray(point)
    if p.shape != (3,) or np.any(p != np.round(p)):
        raise ValueError(f"{name} must be three integer voxel indices (z, y, x), got {point}")
    p = p.astype(np.int64)
    if np.any(p < 0) or np.any(p >= shape):
        raise ValueError(f"{name} {tuple(p.tolist())} is outside the volume {shape}")
    return p


def _flat(p, shape) -> int:
    return int(np.ravel_multi_index(tuple(p), shape))


@numba.njit(cache=True)
def _slot_of(keys, key):
    """Hash-table position of ``key``: where it is, or the empty position where it belongs."""
    mask = keys.size - 1
    h = (key * 0x9E3779B1) ^ (key >> 15)
    i = h & mask
    while keys[i] != -1 and keys[i] != key:
        i = (i + 1) & mask
    return i


@numba.njit(cache=True)
def _astar(values, shape, spacing, start, goal, code, p0, p1, min_step):
    nz, ny, nx = shape[0], shape[1], shape[2]
    gz, gy, gx = goal // (ny * nx), (goal // nx) % ny, goal % nx
    # The 26 neighbour offsets and their physical lengths.
    offsets = np.empty((26, 3), dtype=np.int64)
    lengths = np.empty(26, dtype=np.float64)
    k = 0
    for dz in range(-1, 2):
        for dy in range(-1, 2):
            for dx in range(-1, 2):
                if dz != 0 or dy != 0 or dx != 0:
                    offsets[k, 0], offsets[k, 1], offsets[k, 2] = dz, dy, dx
                    lengths[k] = math.sqrt((dz * spacing[0]) ** 2 + (dy * spacing[1]) ** 2 + (dx * spacing[2]) ** 2)
                    k += 1

    # Hash table: flat voxel index -> record number; records hold the voxel,
    # its best cost so far, its parent record and whether it is settled.
    keys = np.full(1024, -1, dtype=np.int64)
    slots = np.empty(1024, dtype=np.int32)
    voxel = np.empty(512, dtype=np.int64)
    g = np.empty(512, dtype=np.float64)
    parent = np.empty(512, dtype=np.int32)
    closed = np.zeros(512, dtype=np.bool_)
    n_records = 0
    # Binary min-heap of (f, record) with lazy deletion of stale entries.
    heap_f = np.empty(1024, dtype=np.float64)
    heap_r = np.empty(1024, dtype=np.int32)
    n_heap = 0
    peak = 0

    i = _slot_of(keys, start)
    keys[i], slots[i] = start, 0
    voxel[0], g[0], parent[0] = start, 0.0, -1
    n_records = 1
    heap_f[0], heap_r[0] = 0.0, 0
    n_heap = 1
    n_visited = 0
    found = -1

    while n_heap > 0:
        # Pop the smallest f.
        r = heap_r[0]
        n_heap -= 1
        last_f, last_r = heap_f[n_heap], heap_r[n_heap]
        pos = 0
        while True:
            child = 2 * pos + 1
            if child >= n_heap:
                break
            if child + 1 < n_heap and heap_f[child + 1] < heap_f[child]:
                child += 1
            if heap_f[child] >= last_f:
                break
            heap_f[pos], heap_r[pos] = heap_f[child], heap_r[child]
            pos = child
        if n_heap > 0:
            heap_f[pos], heap_r[pos] = last_f, last_r
        if closed[r]:
            continue
        closed[r] = True
        n_visited += 1
        here = voxel[r]
        if here == goal:
            found = r
            break
        z, y, x = here // (ny * nx), (here // nx) % ny, here % nx
        for k in range(26):
            vz, vy, vx = z + offsets[k, 0], y + offsets[k, 1], x + offsets[k, 2]
            if vz < 0 or vz >= nz or vy < 0 or vy >= ny or vx < 0 or vx >= nx:
                continue
            there = (vz * ny + vy) * nx + vx
            new_g = g[r] + lengths[k] * step_cost(values[there], code, p0, p1, min_step)
            i = _slot_of(keys, there)
            if keys[i] == -1:
                if n_records == voxel.size:  # grow the records
                    size = 2 * voxel.size
                    voxel2 = np.empty(size, dtype=np.int64)
                    voxel2[:n_records] = voxel[:n_records]
                    voxel = voxel2
                    g2 = np.empty(size, dtype=np.float64)
                    g2[:n_records] = g[:n_records]
                    g = g2
                    parent2 = np.empty(size, dtype=np.int32)
                    parent2[:n_records] = parent[:n_records]
                    parent = parent2
                    closed2 = np.zeros(size, dtype=np.bool_)
                    closed2[:n_records] = closed[:n_records]
                    closed = closed2
                s = n_records
                n_records += 1
                voxel[s], g[s], parent[s] = there, new_g, r
                keys[i], slots[i] = there, s
                if 2 * n_records > keys.size:  # keep the table at most half full
                    old_keys, old_slots = keys, slots
                    keys = np.full(2 * old_keys.size, -1, dtype=np.int64)
                    slots = np.empty(2 * old_keys.size, dtype=np.int32)
                    for j in range(old_keys.size):
                        if old_keys[j] != -1:
                            t = _slot_of(keys, old_keys[j])
                            keys[t], slots[t] = old_keys[j], old_slots[j]
            else:
                s = slots[i]
                if closed[s] or new_g >= g[s]:
                    continue
                g[s], parent[s] = new_g, r
            # Push (f, s) and sift it up.
            if n_heap == heap_f.size:
                heap_f2 = np.empty(2 * n_heap, dtype=np.float64)
                heap_f2[:n_heap] = heap_f[:n_heap]
                heap_f = heap_f2
                heap_r2 = np.empty(2 * n_heap, dtype=np.int32)
                heap_r2[:n_heap] = heap_r[:n_heap]
                heap_r = heap_r2
            h = min_step * math.sqrt(((vz - gz) * spacing[0]) ** 2 + ((vy - gy) * spacing[1]) ** 2
                                     + ((vx - gx) * spacing[2]) ** 2)
            f = new_g + h
            pos = n_heap
            n_heap += 1
            while pos > 0:
                up = (pos - 1) // 2
                if heap_f[up] <= f:
                    break
                heap_f[pos], heap_r[pos] = heap_f[up], heap_r[up]
                pos = up
            heap_f[pos], heap_r[pos] = f, s
        used = keys.size * 12 + voxel.size * 21 + heap_f.size * 12
        if used > peak:
            peak = used

    # Walk back from the goal (always reached: the volume is connected).
    n = 0
    r = found
    while r != -1:
        n += 1
        r = parent[r]
    path = np.empty(n, dtype=np.int64)
    r = found
    for j in range(n - 1, -1, -1):
        path[j] = voxel[r]
        r = parent[r]
    return path, g[found], n_visited, peak
