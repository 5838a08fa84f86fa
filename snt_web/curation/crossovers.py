"""Crossover and bundle detection between paths that are not joined (SNT's ``CrossoverFinder``).

1. Nodes and segment midpoints (midpoints catch a path ending on another's
   segment) go into a uniform spatial hash grid with cells ``proximity`` wide.
2. Candidate pairs: points of different paths traced on the same channel
   and frame within ``proximity`` (midpoint-midpoint pairs ignored), grouped
   by path pair.
3. Monotonic runs: pairs whose node indices on both paths advance by at most
   one node form a run; runs of ``min_run`` nodes or more are kept, and single
   pairs at a path's end (a path stopping on another).
4. Segment-level verification over the run: median closest distance and
   median orientation-free angle (0-90°) between segments, the event centre
   the mean of the closest points; a child and its parent are vetoed (they
   are joined), as are siblings where they meet at their shared fork.
5. Events closer than ``proximity`` are merged.
6. Node witness: an event needs a real node of a participant near its centre.

All positions are physical (the tree's unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numba
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..model import Tree


@dataclass(frozen=True)
class CrossoverEvent:
    """Where two or more paths come within ``proximity`` of each other without being joined.

    Attributes
    ----------
    location : tuple of float
        Physical ``(x, y, z)`` centre.
    distance : float
        Median closest distance between the participants' segments there.
    angle : float
        Median angle between their segments, degrees, 0 (parallel) to 90.
    paths : tuple of int
        Participating path ids.
    windows : dict
        Path id → ``(first, last)`` node index of the run on that path.
    """

    location: tuple
    distance: float
    angle: float
    paths: tuple
    windows: dict


def probe_points(tree: Tree) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the hash grid pairs: every node and every segment midpoint of the paths (fitted copies left out).

    Parameters
    ----------
    tree : Tree
        Physical coordinates.

    Returns
    -------
    positions : ndarray (n, 3)
        Physical x, y, z.
    path_ids : ndarray of int (n,)
    doubled_index : ndarray of int (n,)
        Twice the node index; odd for the midpoint after that node.
    """
    pos, pid, idx = [], [], []
    for path in tree.paths:
        if path.fitted_of is not None or not len(path):
            continue
        n = len(path)
        mids = (path.points[:-1] + path.points[1:]) / 2
        pos += [path.points, mids]
        pid += [np.full(n, path.id), np.full(n - 1, path.id)]
        idx += [np.arange(n) * 2, np.arange(n - 1) * 2 + 1]
    if not pos:
        return np.empty((0, 3)), np.empty(0, int), np.empty(0, int)
    return np.concatenate(pos), np.concatenate(pid).astype(int), np.concatenate(idx).astype(int)


#: Neighbouring cell offsets, each unordered pair of cells once: the cell itself and 13 of its 26 neighbours.
_HALF_NEIGHBOURHOOD = np.array([o for o in product((-1, 0, 1), repeat=3) if o >= (0, 0, 0)], dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def _grid_pairs(points, keys, starts, counts, occupied, dims, offsets, reach2, out_i, out_j):
    """Count (``out_i`` empty) or list the pairs within reach, cell by occupied cell; points sorted by cell."""
    n, fill = 0, len(out_i) > 0
    for c in range(len(keys)):
        for o in range(len(offsets)):
            key = ((occupied[c, 0] + offsets[o, 0]) * dims[1] + occupied[c, 1] + offsets[o, 1]) * dims[2] \
                + occupied[c, 2] + offsets[o, 2]
            b = np.searchsorted(keys, key)
            if b >= len(keys) or keys[b] != key:
                continue
            same = offsets[o, 0] == 0 and offsets[o, 1] == 0 and offsets[o, 2] == 0
            for i in range(starts[c], starts[c] + counts[c]):
                for j in range(i + 1 if same else starts[b], starts[b] + counts[b]):
                    d0, d1, d2 = points[i, 0] - points[j, 0], points[i, 1] - points[j, 1], points[i, 2] - points[j, 2]
                    if d0 * d0 + d1 * d1 + d2 * d2 <= reach2:
                        if fill:
                            out_i[n], out_j[n] = i, j
                        n += 1
    return n


def candidate_pairs(positions: np.ndarray, proximity: float) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs ``(i, j)``, ``i < j``, of points within ``proximity``, found through a uniform hash grid.

    Points are bucketed into cells ``proximity`` wide; each occupied cell is
    paired with itself and 13 of its neighbours (the other 13 pair with it
    from their side), so every pair within reach is met once and the work
    follows the number of close points, not the square of all points. The
    pairs are counted, then listed (compiled; no candidate arrays).
    """
    if len(positions) < 2:
        return np.empty(0, int), np.empty(0, int)
    cells = np.floor(positions / proximity).astype(np.int64)
    cells -= cells.min(axis=0) - 1
    dims = cells.max(axis=0) + 2
    flat = (cells[:, 0] * dims[1] + cells[:, 1]) * dims[2] + cells[:, 2]
    order = np.argsort(flat, kind="stable")
    keys, starts, counts = np.unique(flat[order], return_index=True, return_counts=True)
    args = (np.ascontiguousarray(positions[order], dtype=np.float64), keys, starts, counts,
            cells[order][starts], dims, _HALF_NEIGHBOURHOOD, float(proximity) ** 2)
    n = _grid_pairs(*args, np.empty(0, np.int64), np.empty(0, np.int64))
    i, j = np.empty(n, np.int64), np.empty(n, np.int64)
    _grid_pairs(*args, i, j)
    i, j = order[i], order[j]
    return np.minimum(i, j), np.maximum(i, j)


def monotonic_runs(pairs: np.ndarray) -> list[np.ndarray]:
    """Split index pairs ``(a, b)`` (doubled indices) into runs where both advance by at most one node.

    Pairs are deduplicated; two pairs are in the same run when they are within
    one node (two doubled steps) of each other on both paths, so an X
    crossing, whose pairs fan out, is one run.
    """
    pairs = np.unique(np.asarray(pairs).reshape(-1, 2), axis=0)
    if len(pairs) < 2:
        return [pairs] if len(pairs) else []
    edges = cKDTree(pairs).query_pairs(2, p=np.inf, output_type="ndarray")
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(len(pairs),) * 2)
    _, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    return np.split(pairs[order], np.flatnonzero(np.diff(labels[order])) + 1)


def _segment_closest(p0, p1, q0, q1):
    """Closest points between segments ``p0-p1`` (m, 3) and ``q0-q1`` (m, 3), row by row."""
    d1, d2, r = p1 - p0, q1 - q0, p0 - q0
    a = np.einsum("ij,ij->i", d1, d1)
    e = np.einsum("ij,ij->i", d2, d2)
    f = np.einsum("ij,ij->i", d2, r)
    c = np.einsum("ij,ij->i", d1, r)
    b = np.einsum("ij,ij->i", d1, d2)
    denom = a * e - b * b
    with np.errstate(divide="ignore", invalid="ignore"):
        s = np.where(denom > 1e-12, np.clip((b * f - c * e) / denom, 0, 1), 0.0)
        t = np.where(e > 1e-12, (b * s + f) / e, 0.0)
        s = np.where(t < 0, np.where(a > 1e-12, np.clip(-c / a, 0, 1), 0), s)
        s = np.where(t > 1, np.where(a > 1e-12, np.clip((b - c) / a, 0, 1), 0), s)
    t = np.clip(t, 0, 1)
    cp = p0 + d1 * s[:, None]
    cq = q0 + d2 * t[:, None]
    return cp, cq


def _segments(points: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """Segments touching nodes ``lo..hi`` (a one-node path is a zero-length segment)."""
    if len(points) == 1:
        return points[:1], points[:1]
    first, last = max(lo - 1, 0), min(hi, len(points) - 2)
    return points[first:last + 1], points[first + 1:last + 2]


def verify_run(a_points, b_points, a_window, b_window):
    """Segment-level check of a run.

    For each segment of the first path in its window, the closest segment of
    the second path in its window; distances, angles (orientation-free,
    0-90°) and closest-point midpoints are pooled.

    Parameters
    ----------
    a_points, b_points : ndarray (n, 3)
        The two paths' nodes, physical.
    a_window, b_window : tuple of int
        ``(first, last)`` node of the run on each path.

    Returns
    -------
    distance : float
        Median closest distance.
    angle : float
        Median angle, degrees (0 where the segments have no length).
    centre : ndarray (3,)
        Mean of the closest-point midpoints.
    """
    p0, p1 = _segments(a_points, *a_window)
    q0, q1 = _segments(b_points, *b_window)
    m, k = len(p0), len(q0)
    ii, jj = np.repeat(np.arange(m), k), np.tile(np.arange(k), m)
    cp, cq = _segment_closest(p0[ii], p1[ii], q0[jj], q1[jj])
    dist = np.linalg.norm(cp - cq, axis=1).reshape(m, k)
    best = dist.argmin(axis=1)
    rows = np.arange(m) * k + best
    da, db = (p1 - p0), (q1 - q0)[best]
    norms = np.linalg.norm(da, axis=1) * np.linalg.norm(db, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.abs(np.einsum("ij,ij->i", da, db)) / norms
    angles = np.degrees(np.arccos(np.clip(cosine[np.isfinite(cosine)], 0, 1)))
    centre = ((cp[rows] + cq[rows]) / 2).mean(axis=0)
    angle = float(np.median(angles)) if len(angles) else 0.0
    return float(np.median(dist[np.arange(m), best])), angle, centre


def _joined_at(tree: Tree, a: int, b: int, centre: np.ndarray, proximity: float,
               include_direct_children: bool) -> bool:
    """Whether paths ``a`` and ``b`` are joined there: parent and child, or siblings at their shared fork."""
    pa, pb = tree.path(a), tree.path(b)
    if pa.parent_id == b or pb.parent_id == a:
        return not include_direct_children
    if pa.parent_id is not None and pa.parent_id == pb.parent_id:
        starts = np.stack([pa.points[0], pb.points[0]])
        return bool(np.min(np.linalg.norm(starts - centre, axis=1)) <= 2 * proximity)
    return False


def _merge(events: list[CrossoverEvent], proximity: float) -> list[CrossoverEvent]:
    """Merge events whose centres are within ``proximity``: centres averaged, participants joined, least distance."""
    groups: list[dict] = []
    for ev in events:
        centre = np.asarray(ev.location)
        group = next((g for g in groups if np.linalg.norm(g["centre"] - centre) <= proximity), None)
        if group is None:
            groups.append({"centre": centre, "distance": ev.distance, "angles": [ev.angle],
                           "windows": dict(ev.windows)})
            continue
        n = len(group["angles"])
        group["centre"] = (group["centre"] * n + centre) / (n + 1)
        group["distance"] = min(group["distance"], ev.distance)
        group["angles"].append(ev.angle)
        group["windows"].update(ev.windows)
    return [CrossoverEvent(tuple(float(v) for v in g["centre"]), g["distance"], float(np.median(g["angles"])),
                           tuple(sorted(g["windows"])), g["windows"]) for g in groups]


def find_crossovers(tree: Tree, proximity: float = 2.0, min_run: int = 2, *, include_self: bool = False,
                    include_direct_children: bool = False, same_channel_frame: bool = True,
                    min_angle: float = 0.0, max_angle: float = 0.0,
                    witness_radius: float = -1.0, end_exemption: bool = True) -> list[CrossoverEvent]:
    """Places where paths cross or touch without being joined.

    Parameters
    ----------
    tree : Tree
        Physical coordinates.
    proximity : float
        How close (physical units) counts as touching; SNT's default 2.0.
    min_run : int
        Nodes a run needs, unless it touches a path's end; SNT's default 2.
    include_self : bool
        Also a path crossing itself (pairs more than two nodes apart).
    include_direct_children : bool
        Also a path and its direct child (joined by definition; vetoed by default).
    same_channel_frame : bool
        Only paths traced on the same channel and frame.
    min_angle, max_angle : float
        Drop events whose median angle is below / above (degrees); 0 = off.
        The bundle detector keeps only near-parallel runs with ``max_angle``.
    witness_radius : float
        A real node of a participant must lie this close to the centre;
        negative = ``proximity``.
    end_exemption : bool
        Keep a run shorter than ``min_run`` when it touches a path's end.

    Returns
    -------
    list of CrossoverEvent
    """
    if proximity <= 0:
        raise ValueError(f"proximity must be positive, got {proximity}")
    positions, pids, idx = probe_points(tree)
    # Paths on other channels or frames (a timelapse) never meet: pair within each image only.
    ct = {p.id: (p.channel, p.frame) if same_channel_frame else (0, 0) for p in tree.paths}
    image_of = np.array([ct[p] for p in pids.tolist()]).reshape(-1, 2)
    found_i, found_j = [], []
    for key in np.unique(image_of, axis=0):
        members = np.flatnonzero((image_of == key).all(axis=1))
        a, b = candidate_pairs(positions[members], proximity)
        found_i.append(members[a])
        found_j.append(members[b])
    i = np.concatenate(found_i) if found_i else np.empty(0, int)
    j = np.concatenate(found_j) if found_j else np.empty(0, int)
    midpoint_pair = (idx[i] % 2 == 1) & (idx[j] % 2 == 1)
    same = pids[i] == pids[j]
    keep = ~midpoint_pair & (~same | (include_self & (np.abs(idx[i] - idx[j]) > 4)))
    i, j = i[keep], j[keep]
    swap = (pids[i] > pids[j]) | ((pids[i] == pids[j]) & (idx[i] > idx[j]))
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    events = []
    lengths = {p.id: len(p) for p in tree.paths}
    witness = proximity if witness_radius < 0 else witness_radius
    pair_keys = np.c_[pids[i], pids[j]]
    order = np.lexsort((pair_keys[:, 1], pair_keys[:, 0]))
    pair_keys, ia, jb = pair_keys[order], idx[i][order], idx[j][order]
    bounds = np.flatnonzero(np.any(np.diff(pair_keys, axis=0) != 0, axis=1)) + 1
    for group in np.split(np.arange(len(pair_keys)), bounds):
        if not len(group):
            continue
        a, b = (int(v) for v in pair_keys[group[0]])
        for run in monotonic_runs(np.c_[ia[group], jb[group]]):
            a_nodes, b_nodes = np.unique(run[:, 0] // 2), np.unique(run[:, 1] // 2)
            span = max(len(a_nodes), len(b_nodes))
            at_end = np.isin(run[:, 0], (0, 2 * (lengths[a] - 1))).any() or \
                np.isin(run[:, 1], (0, 2 * (lengths[b] - 1))).any()
            if span < min_run and not (end_exemption and at_end):
                continue
            pa, pb = tree.path(a).points, tree.path(b).points
            wa = (int(run[:, 0].min() // 2), int((run[:, 0].max() + 1) // 2))
            wb = (int(run[:, 1].min() // 2), int((run[:, 1].max() + 1) // 2))
            dist, angle, centre = verify_run(pa, pb, wa, wb)
            if dist > proximity or _joined_at(tree, a, b, centre, proximity, include_direct_children):
                continue
            if (min_angle > 0 and angle < min_angle) or (max_angle > 0 and angle > max_angle):
                continue
            events.append(CrossoverEvent(tuple(float(v) for v in centre), dist, angle, (a, b), {a: wa, b: wb}))
    out = []
    for ev in _merge(events, proximity):
        nodes = np.concatenate([tree.path(p).points for p in ev.paths])
        if np.min(np.linalg.norm(nodes - np.asarray(ev.location), axis=1)) <= witness:
            out.append(ev)
    return out


def find_bundles(tree: Tree, proximity: float = 3.0, max_angle: float = 20.0, min_run: int = 10,
                 **kwargs) -> list[CrossoverEvent]:
    """Sustained near-parallel runs of two paths (SNT's ``BundleDetector``).

    The crossover search kept to runs of at least ``min_run`` nodes whose
    median angle is at most ``max_angle``; a short run at a path's end is no
    bundle, so the end exemption is off.

    Parameters
    ----------
    tree : Tree
        Physical coordinates.
    proximity : float
        How close the paths run (physical units); SNT's default 3.0.
    max_angle : float
        Largest median angle between them, degrees (20).
    min_run : int
        Nodes the run needs (10).
    **kwargs
        Other options of :func:`find_crossovers`.

    Returns
    -------
    list of CrossoverEvent
    """
    return find_crossovers(tree, proximity, min_run, max_angle=max_angle, end_exemption=False, **kwargs)
