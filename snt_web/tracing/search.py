"""Optimal path search between two voxels, as SNT's tracer does it, on the raw image or a filtered layer.

The search is 26-connected and measured in physical units: stepping from a
voxel to a neighbour adds the physical step length times the cost of the
neighbour's value (:mod:`.costs`). It is NBA* (Pijls & Post 2009, SNT's
optimal ``NBASTAR``): an A* from the start and an A* from the goal, each with
the physical straight-line distance to its target times the least step cost
as heuristic (consistent, so admissible), each pruning what cannot beat the
best meeting found so far. The result is the least-cost path.

Two fronts matter most when an end lies off the neurite (a click on the
background of a tubeness layer): its own cost is then huge, and a one-sided
search expands every voxel cheaper than that before it reaches the goal,
often the whole volume, while the other front pays it once and bounds both.

Only the voxels a search touches are stored: the volume is cut into pages of
2 x 8 x 8 voxels (1 x 16 x 16 in 2D), and a page (costs from both ends, parent
directions, a done flag: 19 bytes a voxel) is allocated the first time the
search reaches it, found through a table of one int32 per page. The volume is
only read, never copied or converted.

The kernel is compiled by numba on the first call in a process for each
volume dtype and cached on disk (``cache=True``), so later processes load it
in a fraction of a second; :func:`warm_up` does that ahead of the first click.
It releases the GIL (``nogil=True``): a web process keeps answering other
requests on its other threads while one searches.

A search may be given a budget (voxels explored, seconds): one that runs out
raises :class:`SearchBudgetExceeded` rather than holding a web thread and
memory for as long as an end on the far side of a big volume would take.
"""

from __future__ import annotations

import math
import threading
import time
from typing import NamedTuple

import numba
import numpy as np

from .costs import cost_model, step_cost

__all__ = ["SearchBudgetExceeded", "TraceResult", "trace_path", "warm_up"]

# Page shape as bit shifts (z, y, x): thin in z, where stacks are coarse and
# neurites mostly run in the plane.
_PAGE_SHIFTS_3D = (1, 3, 3)
_PAGE_SHIFTS_2D = (0, 4, 4)


class SearchBudgetExceeded(ValueError):
    """A search ran out of its budget (voxels explored or seconds) before it joined its two ends.

    Attributes
    ----------
    n_visited : int
        Voxels it had expanded.
    search_s : float
        Seconds it had run.
    """

    def __init__(self, n_visited: int, search_s: float, max_visited, max_seconds):
        self.n_visited, self.search_s = n_visited, search_s
        limits = [f"{max_visited:,} voxels" if max_visited is not None else "",
                  f"{max_seconds:g} s" if max_seconds is not None else ""]
        super().__init__(f"too far for one click: click a point in between (the search stopped after "
                         f"{n_visited:,} voxels and {search_s:.1f} s; its budget is "
                         f"{' or '.join(x for x in limits if x)})")


class TraceResult(NamedTuple):
    """The outcome of one search.

    Attributes
    ----------
    path_zyx : ndarray of int64, shape (n, 3)
        Voxel indices from start to goal inclusive.
    cost : float
        Sum over steps of physical step length x cost of the voxel stepped onto.
    n_visited : int
        Voxels expanded (settled and their neighbours scored), both fronts together.
    search_s : float
        Seconds spent searching (statistics and kernel), excluding any filtering and compiling.
    peak_bytes : int
        Working memory the search allocated: page table, pages and queues.
    """

    path_zyx: np.ndarray
    cost: float
    n_visited: int
    search_s: float
    peak_bytes: int


def trace_path(volume, start_zyx, goal_zyx, *, spacing=(1.0, 1.0, 1.0), cost="reciprocal", stats="subvolume",
               z_fudge=0.8, max_visited: int | None = None, max_seconds: float | None = None) -> TraceResult:
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
    max_visited : int, optional
        Voxels the search may expand before giving up; its memory grows with
        them (about 19 bytes a voxel touched, plus its queues). No limit by default.
    max_seconds : float, optional
        Seconds the search's kernel may run before giving up (compiling it, on a process's first search
        of a kind of volume, does not count). No limit by default.

    Returns
    -------
    TraceResult

    Raises
    ------
    SearchBudgetExceeded
        The budget ran out first.

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
    if np.array_equal(start, goal):
        return TraceResult(start[None], 0.0, 0, time.perf_counter() - began, 0)
    shifts = np.array(_PAGE_SHIFTS_2D if volume.shape[0] == 1 else _PAGE_SHIFTS_3D, dtype=np.int64)
    # The kernel polls ``stop``; a timer thread sets it (the kernel runs without the GIL, so the timer runs).
    stop = np.zeros(1, dtype=np.uint8)
    args = (volume, spacing, start, goal, code, p0, p1, min_step, shifts,
            _NO_LIMIT if max_visited is None else int(max_visited), stop)
    compiling = _compile_for(args)
    timer = None
    if max_seconds is not None:
        # The budget is the kernel's, from now: compiling it is not searching (see _compile_for), and the
        # statistics before it are one pass over the region the two ends span.
        timer = threading.Timer(max_seconds, stop.fill, args=(1,))
        timer.daemon = True
        timer.start()
    try:
        path, total, n_visited, peak = _nba_star(*args)
    finally:
        if timer is not None:
            timer.cancel()
    elapsed = time.perf_counter() - began - compiling
    if path.shape[0] == 0:
        raise SearchBudgetExceeded(int(n_visited), elapsed, max_visited, max_seconds)
    return TraceResult(path, float(total), int(n_visited), elapsed, int(peak))


def _compile_for(args) -> float:
    """Compile (or load from numba's cache) the kernel for ``args``' types if it is not yet: the seconds it took.

    Compiling is not searching: a first click in a fresh process (or one made
    while :func:`warm_up` still holds numba's compiler lock, for many seconds
    on a busy machine) would otherwise spend its time budget before the
    search began, and be told it was too far.
    """
    types = tuple(numba.typeof(a) for a in args)
    if types in _nba_star.overloads:
        return 0.0
    began = time.perf_counter()
    _nba_star.compile(types)
    return time.perf_counter() - began


def warm_up() -> None:
    """Compile (or load from numba's cache) the search for the common volume dtypes.

    Memory-mapped images and cached layers are read-only arrays, which numba
    compiles separately from writable ones: both are done here.
    """
    for dtype in (np.uint8, np.uint16, np.float32):
        for writeable in (True, False):
            volume = np.ones((1, 2, 2), dtype=dtype)
            volume.setflags(write=writeable)
            trace_path(volume, (0, 0, 0), (0, 1, 1))


def _voxel(point, shape, name) -> np.ndarray:
    p = np.asarray(point)
    if p.shape != (3,) or np.any(p != np.round(p)):
        raise ValueError(f"{name} must be three integer voxel indices (z, y, x), got {point}")
    p = p.astype(np.int64)
    if np.any(p < 0) or np.any(p >= shape):
        raise ValueError(f"{name} {tuple(p.tolist())} is outside the volume {shape}")
    return p


_FORWARD, _BACKWARD = 0, 1
_NO_PARENT = 255
_NO_LIMIT = np.iinfo(np.int64).max
#: Expansions between two looks at the stop flag.
_POLL_EVERY = 4096


@numba.njit(cache=True, inline="always")
def heap_push(keys, items, n, key, item):
    """Insert into the binary min-heap ``keys[:n]`` (items alongside); the caller counts it."""
    pos = n
    while pos > 0:
        up = (pos - 1) >> 1
        if keys[up] <= key:
            break
        keys[pos], items[pos] = keys[up], items[up]
        pos = up
    keys[pos], items[pos] = key, item


@numba.njit(cache=True, inline="always")
def heap_pop(keys, items, n):
    """Remove and return the item with the smallest key from the heap ``keys[:n]``."""
    top = items[0]
    n -= 1
    last_key, last_item = keys[n], items[n]
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= n:
            break
        if child + 1 < n and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= last_key:
            break
        keys[pos], items[pos] = keys[child], items[child]
        pos = child
    keys[pos], items[pos] = last_key, last_item
    return top


@numba.njit(cache=True, inline="always")
def _block(z, y, x, shifts, pby, pbx):
    """Index in the page table of the page holding voxel ``(z, y, x)``."""
    return ((z >> shifts[0]) * pby + (y >> shifts[1])) * pbx + (x >> shifts[2])


@numba.njit(cache=True, inline="always")
def _slot(z, y, x, shifts):
    """Position of voxel ``(z, y, x)`` within its page."""
    sy, sx = shifts[1], shifts[2]
    return ((((z & ((1 << shifts[0]) - 1)) << sy) | (y & ((1 << sy) - 1))) << sx) | (x & ((1 << sx) - 1))


@numba.njit(cache=True, inline="always")
def _clear_page(g, parent, done, page):
    g[:, page] = np.inf
    parent[:, page] = _NO_PARENT
    done[page] = False


@numba.njit(cache=True, inline="always")
def _distance(z, y, x, target, spacing):
    return math.sqrt(((z - target[0]) * spacing[0]) ** 2 + ((y - target[1]) * spacing[1]) ** 2
                     + ((x - target[2]) * spacing[2]) ** 2)


@numba.njit(cache=True, nogil=True)
def _nba_star(values, spacing, start, goal, code, p0, p1, min_step, shifts, max_visited, stop):
    nz, ny, nx = values.shape
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

    # Pages: table[page of a voxel] -> page number, -1 until first touched.
    # Pages per axis, rounded up.
    pbz, pby, pbx = -(-nz >> shifts[0]), -(-ny >> shifts[1]), -(-nx >> shifts[2])
    table = np.full(pbz * pby * pbx, -1, dtype=np.int32)
    page_size = 1 << (shifts[0] + shifts[1] + shifts[2])
    capacity = 16
    g = np.empty((2, capacity, page_size), dtype=np.float64)  # cost from start / to goal
    parent = np.empty((2, capacity, page_size), dtype=np.uint8)  # neighbour index, per front
    done = np.empty((capacity, page_size), dtype=np.bool_)  # expanded or pruned by either front
    n_pages = 0
    # One binary min-heap per front of (f, flat voxel index), stale entries skipped when popped.
    heap_keys = np.empty((2, 1024), dtype=np.float64)
    heap_items = np.empty((2, 1024), dtype=np.int64)
    n_heap = np.zeros(2, dtype=np.int64)
    ends = np.empty((2, 3), dtype=np.int64)  # where each front starts
    ends[_FORWARD] = start
    ends[_BACKWARD] = goal

    best = np.inf  # cost of the best meeting so far
    meet = -1
    n_visited = 0
    for side in range(2):
        z, y, x = ends[side, 0], ends[side, 1], ends[side, 2]
        block = _block(z, y, x, shifts, pby, pbx)
        if table[block] == -1:
            table[block] = n_pages
            _clear_page(g, parent, done, n_pages)
            n_pages += 1
        g[side, table[block], _slot(z, y, x, shifts)] = 0.0
        heap_push(heap_keys[side], heap_items[side], 0, min_step * _distance(z, y, x, ends[1 - side], spacing),
                  (z * ny + y) * nx + x)
        n_heap[side] = 1

    while n_heap[_FORWARD] > 0 and n_heap[_BACKWARD] > 0:
        side = _FORWARD if n_heap[_FORWARD] <= n_heap[_BACKWARD] else _BACKWARD
        other = 1 - side
        # Every voxel left on this front would be pruned (f >= best): done.
        if heap_keys[side, 0] >= best:
            break
        here = heap_pop(heap_keys[side], heap_items[side], n_heap[side])
        n_heap[side] -= 1
        z, y, x = here // (ny * nx), (here // nx) % ny, here % nx
        page = table[_block(z, y, x, shifts, pby, pbx)]
        slot = _slot(z, y, x, shifts)
        if done[page, slot]:
            continue
        done[page, slot] = True
        g_here = g[side, page, slot]
        # NBA*'s pruning: no path through here can beat the best meeting. The
        # other heap's top bounds its front from below (a stale entry only
        # lowers it), as the pruning needs.
        if g_here + min_step * _distance(z, y, x, ends[other], spacing) >= best:
            continue
        if g_here + heap_keys[other, 0] - min_step * _distance(z, y, x, ends[side], spacing) >= best:
            continue
        n_visited += 1
        if n_visited > max_visited or (n_visited % _POLL_EVERY == 0 and stop[0]):
            # Out of budget: no path (an empty one says so).
            peak = table.nbytes + g.nbytes + parent.nbytes + done.nbytes + heap_keys.nbytes + heap_items.nbytes
            return np.empty((0, 3), dtype=np.int64), best, n_visited - 1, peak

        # Room for this expansion: at most 8 new pages and 26 heap entries.
        if n_pages + 8 > capacity:
            capacity *= 2
            g2 = np.empty((2, capacity, page_size), dtype=np.float64)
            g2[:, :n_pages] = g[:, :n_pages]
            g = g2
            parent2 = np.empty((2, capacity, page_size), dtype=np.uint8)
            parent2[:, :n_pages] = parent[:, :n_pages]
            parent = parent2
            done2 = np.empty((capacity, page_size), dtype=np.bool_)
            done2[:n_pages] = done[:n_pages]
            done = done2
        if n_heap[side] + 26 > heap_keys.shape[1]:
            size = 2 * heap_keys.shape[1]
            keys2 = np.empty((2, size), dtype=np.float64)
            keys2[:, :heap_keys.shape[1]] = heap_keys
            heap_keys = keys2
            items2 = np.empty((2, size), dtype=np.int64)
            items2[:, :heap_items.shape[1]] = heap_items
            heap_items = items2

        # Backwards, a step from a neighbour onto here costs here's value.
        cost_here = step_cost(values[z, y, x], code, p0, p1, min_step)
        for k in range(26):
            vz, vy, vx = z + offsets[k, 0], y + offsets[k, 1], x + offsets[k, 2]
            if vz < 0 or vz >= nz or vy < 0 or vy >= ny or vx < 0 or vx >= nx:
                continue
            block = _block(vz, vy, vx, shifts, pby, pbx)
            there = table[block]
            if there == -1:
                there = n_pages
                table[block] = there
                _clear_page(g, parent, done, there)
                n_pages += 1
            slot = _slot(vz, vy, vx, shifts)
            if done[there, slot]:
                continue
            if side == _FORWARD:
                new_g = g_here + lengths[k] * step_cost(values[vz, vy, vx], code, p0, p1, min_step)
            else:
                new_g = g_here + lengths[k] * cost_here
            if new_g >= g[side, there, slot]:
                continue
            g[side, there, slot] = new_g
            parent[side, there, slot] = k
            heap_push(heap_keys[side], heap_items[side], n_heap[side],
                      new_g + min_step * _distance(vz, vy, vx, ends[other], spacing), (vz * ny + vy) * nx + vx)
            n_heap[side] += 1
            through = new_g + g[other, there, slot]
            if through < best:
                best, meet = through, (vz * ny + vy) * nx + vx

    # The path: from the meeting voxel back to the start, then on to the goal,
    # each step undoing the offset that reached it.
    halves = []
    for side in range(2):
        n = 0
        for filling in range(2):  # count the voxels, then fill them in
            half = np.empty((n, 3), dtype=np.int64)
            z, y, x = meet // (ny * nx), (meet // nx) % ny, meet % nx
            n = 0
            while True:
                if filling:
                    half[n, 0], half[n, 1], half[n, 2] = z, y, x
                n += 1
                k = parent[side, table[_block(z, y, x, shifts, pby, pbx)], _slot(z, y, x, shifts)]
                if k == _NO_PARENT:
                    break
                z, y, x = z - offsets[k, 0], y - offsets[k, 1], x - offsets[k, 2]
        halves.append(half)
    path = np.concatenate((halves[_FORWARD][::-1], halves[_BACKWARD][1:]))
    peak = table.nbytes + g.nbytes + parent.nbytes + done.nbytes + heap_keys.nbytes + heap_items.nbytes
    return path, best, n_visited, peak
