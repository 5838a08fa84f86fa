"""Pruning the fast-marching tree: dark and low-score leaves, terminal segments, and APP2's hierarchical pruning.

Nodes are numbered in the order fast marching settled them, so a parent
always comes before its children; ``parent[i]`` is the parent's number (-1
for the root) and ``alive`` says which nodes are still in the tree. Nodes
marked ``protected`` (routes to waypoints) are never removed.
"""

from __future__ import annotations

import numba
import numpy as np

from .spheres import paint_sphere

__all__ = ["prune_leaves", "prune_terminal_segments", "hierarchical_prune"]

# A terminal segment with at least this fraction of dark nodes is removed.
_DARK_SEGMENT_FRACTION = 0.2


def prune_leaves(parent, alive, bad, protected) -> np.ndarray:
    """Remove ``bad`` leaves, repeatedly, until every leaf is good (or protected, or the root).

    Returns
    -------
    ndarray of bool
        The new ``alive``.

    Examples
    --------
    >>> parent = np.array([-1, 0, 1, 1])
    >>> prune_leaves(parent, np.ones(4, bool), np.array([0, 1, 1, 0], bool), np.zeros(4, bool)).tolist()
    [True, True, False, True]
    """
    alive = np.asarray(alive, dtype=np.bool_).copy()
    _prune_leaves(np.asarray(parent, dtype=np.int64), alive, np.asarray(bad, dtype=np.bool_),
                  np.asarray(protected, dtype=np.bool_))
    return alive


def prune_terminal_segments(parent, alive, intensity, threshold: float, low, protected) -> np.ndarray:
    """Remove terminal segments (leaf up to the next fork) that are dark or have a low-score node.

    A segment goes, as in SNT, when its mean grey level is at or below
    ``threshold``, or at least 20% of its nodes are (dark), or any node is
    ``low`` (score at or below the radius-adaptive threshold), unless one of
    its nodes is protected. One pass, as SNT.

    Parameters
    ----------
    parent, alive, protected : ndarray, shape (n,)
        As in the module docstring.
    intensity : ndarray of float, shape (n,)
        Grey level of each node.
    threshold : float
        The background threshold of the trace.
    low : ndarray of bool, shape (n,)

    Returns
    -------
    ndarray of bool
        ``alive`` less the removed segments.

    Examples
    --------
    >>> parent = np.array([-1, 0, 1, 2, 1, 4])  # a fork at node 1: branches 2-3 and 4-5
    >>> intensity = np.array([100, 100, 100, 100, 100, 5.0])
    >>> alive = prune_terminal_segments(parent, np.ones(6, bool), intensity, 10.0, np.zeros(6, bool),
    ...                                 np.zeros(6, bool))
    >>> alive.tolist()
    [True, True, True, True, False, False]
    """
    alive = np.asarray(alive, dtype=np.bool_).copy()
    _prune_segments(np.asarray(parent, dtype=np.int64), alive, np.asarray(intensity, dtype=np.float64),
                    float(threshold), np.asarray(low, dtype=np.bool_), np.asarray(protected, dtype=np.bool_),
                    _DARK_SEGMENT_FRACTION)
    return alive


def hierarchical_prune(parent, alive, intensity, nodes_zyx, radii_zyx, protected, covered, *, imax: float,
                       min_length: float = 5.0, overlap: float = 0.1, sr_ratio: float = 0.3) -> np.ndarray:
    """APP2's hierarchical pruning.

    The tree is cut into segments by following, from each node, the child
    with the greatest intensity length downstream (sum of ``I / imax``); the
    segments are visited longest first, so a segment's parent is decided
    before it. A segment is kept when the segment it hangs from is kept and
    either it holds a protected node, or it is the root's, or its intensity
    length is at least ``min_length`` and it is not redundant: its nodes
    whose centre or more than ``overlap`` of whose sphere lies in the
    spheres of kept nodes are redundant, and the segment is kept if none
    is, or if the grey levels of the others sum to at least ``imax`` and to at
    least ``sr_ratio`` times those of the redundant ones. A kept segment's
    spheres are painted into ``covered``.

    Parameters
    ----------
    parent, alive, protected : ndarray, shape (n,)
    intensity : ndarray of float, shape (n,)
        Grey level of each node.
    nodes_zyx : ndarray of int, shape (n, 3)
    radii_zyx : ndarray of float, shape (n, 3)
        Node radius in voxels of each axis (anisotropic stacks).
    covered : ndarray of uint8 (z, y, x)
        Zero on entry; the kept spheres on return.
    imax : float
        The image's largest grey level.
    min_length, overlap, sr_ratio : float
        SNT's ``minBranchIntensityLength`` (5.0), ``sphereOverlapThreshold``
        (0.1) and ``srRatio`` (0.3, "branch sensitivity").

    Returns
    -------
    ndarray of bool
        The nodes kept.
    """
    keep = np.zeros(len(parent), dtype=np.bool_)
    _hierarchical(np.asarray(parent, dtype=np.int64), np.asarray(alive, dtype=np.bool_),
                  np.asarray(intensity, dtype=np.float64), np.asarray(nodes_zyx, dtype=np.int64),
                  np.asarray(radii_zyx, dtype=np.float64), np.asarray(protected, dtype=np.bool_), covered,
                  float(imax), float(min_length), float(overlap), float(sr_ratio), keep)
    return keep


@numba.njit(cache=True)
def _children(parent, alive):
    counts = np.zeros(parent.shape[0], dtype=np.int64)
    for i in range(parent.shape[0]):
        if alive[i] and parent[i] >= 0:
            counts[parent[i]] += 1
    return counts


@numba.njit(cache=True)
def _prune_leaves(parent, alive, bad, protected):
    counts = _children(parent, alive)
    stack = np.empty(parent.shape[0], dtype=np.int64)
    n = 0
    for i in range(parent.shape[0]):
        if alive[i] and counts[i] == 0:
            stack[n] = i
            n += 1
    while n > 0:
        n -= 1
        i = stack[n]
        if parent[i] < 0 or protected[i] or not bad[i]:
            continue
        alive[i] = False
        p = parent[i]
        counts[p] -= 1
        if counts[p] == 0:
            stack[n] = p
            n += 1


@numba.njit(cache=True)
def _prune_segments(parent, alive, intensity, threshold, low, protected, dark_fraction):
    counts = _children(parent, alive)
    segment = np.empty(parent.shape[0], dtype=np.int64)
    for leaf in range(parent.shape[0]):
        if not alive[leaf] or counts[leaf] != 0:
            continue
        n, n_dark, total, any_low, guarded = 0, 0, 0.0, False, False
        i = leaf
        while i >= 0 and parent[i] >= 0 and counts[i] <= 1:
            segment[n] = i
            n += 1
            n_dark += intensity[i] <= threshold
            total += intensity[i]
            any_low = any_low or low[i]
            guarded = guarded or protected[i]
            i = parent[i]
        if n == 0 or guarded:
            continue
        if total <= threshold * n or n_dark >= dark_fraction * n or any_low:
            for j in range(n):
                alive[segment[j]] = False


@numba.njit(cache=True)
def _covered_fraction(covered, z, y, x, rz, ry, rx):
    """Fraction of samples of the ellipsoid (radii in voxels) around a node that are covered."""
    nz, ny, nx = covered.shape
    hits, total = 0, 0
    for dz in (-1.0, -0.5, 0.0, 0.5, 1.0):
        for dy in (-1.0, -0.5, 0.0, 0.5, 1.0):
            for dx in (-1.0, -0.5, 0.0, 0.5, 1.0):
                if dz * dz + dy * dy + dx * dx > 1.0:
                    continue
                vz, vy, vx = z + int(round(dz * rz)), y + int(round(dy * ry)), x + int(round(dx * rx))
                if vz < 0 or vz >= nz or vy < 0 or vy >= ny or vx < 0 or vx >= nx:
                    continue
                total += 1
                hits += covered[vz, vy, vx] != 0
    return hits / max(total, 1)


@numba.njit(cache=True)
def _hierarchical(parent, alive, intensity, nodes, radii, protected, covered, imax, min_length, overlap, sr_ratio,
                  keep):
    n = parent.shape[0]
    weight = intensity / imax
    downstream = np.zeros(n)  # intensity length below a node, itself excluded
    best = np.full(n, -1, dtype=np.int64)
    for i in range(n - 1, -1, -1):
        p = parent[i]
        if alive[i] and p >= 0 and downstream[i] + weight[i] >= downstream[p]:
            downstream[p] = downstream[i] + weight[i]
            best[p] = i
    heads = np.empty(n, dtype=np.int64)
    lengths = np.empty(n)
    n_segments = 0
    for i in range(n):
        if alive[i] and (parent[i] < 0 or best[parent[i]] != i):
            heads[n_segments] = i
            lengths[n_segments] = downstream[i] + weight[i]
            n_segments += 1
    order = np.argsort(-lengths[:n_segments], kind="mergesort")
    for s in order:
        head = heads[s]
        attach = parent[head]
        if attach >= 0 and not keep[attach]:
            continue
        guarded = False
        i = head
        while i >= 0:
            guarded = guarded or protected[i]
            i = best[i]
        wanted = attach < 0 or guarded
        if not wanted and lengths[s] >= min_length:
            signal, redundant = 0.0, 0.0
            i = head
            while i >= 0:
                z, y, x = nodes[i, 0], nodes[i, 1], nodes[i, 2]
                if covered[z, y, x] != 0 or _covered_fraction(covered, z, y, x, radii[i, 0], radii[i, 1],
                                                              radii[i, 2]) > overlap:
                    redundant += intensity[i]
                else:
                    signal += intensity[i]
                i = best[i]
            wanted = redundant == 0.0 or (signal >= sr_ratio * redundant and signal >= imax)
        if not wanted:
            continue
        i = head
        while i >= 0:
            keep[i] = True
            paint_sphere(covered, nodes[i, 0], nodes[i, 1], nodes[i, 2], radii[i, 0], radii[i, 1], radii[i, 2], 1)
            i = best[i]
