"""Which fitted nodes to trust, and radii for the others (SNT's ``PathFitter`` rules, in physical units).

A fit is rejected where its centre moved further than the neurite is thick,
where the fitted centres fold back sharply, or where its circle cuts through
other circles of the same path (the cross-section then caught a bend or a
neighbour). A rejected node keeps its traced position and gets the local
typical radius.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

#: Nodes on each side over which the local typical ("mode") radius is taken.
MODE_REACH = 4
#: Default smallest angle (degrees) at a node between its neighbouring fitted centres.
MIN_ANGLE = 90.0
#: Fallbacks for rejected nodes: the local typical radius, or one voxel.
FALLBACKS = ("mode", "voxel")


def mode_radii(radii: np.ndarray, valid: np.ndarray, floor: float, reach: int = MODE_REACH) -> np.ndarray:
    """Median of the valid radii within ``reach`` nodes of each node, at least ``floor``.

    Where a node has no valid neighbour in reach, the median of the path's
    valid radii; ``floor`` when no node is valid.
    """
    if not valid.any():
        return np.full(len(radii), float(floor))
    kept = np.pad(np.where(valid, radii, np.nan), reach, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(kept, 2 * reach + 1)
    empty = np.isnan(windows).all(axis=1)
    local = np.full(len(radii), np.median(radii[valid]))
    local[~empty] = np.nanmedian(windows[~empty], axis=1)
    return np.maximum(local, floor)


def folded(centres: np.ndarray, valid: np.ndarray, min_angle: float) -> np.ndarray:
    """Valid nodes where the angle between the previous and next valid centres is below ``min_angle``."""
    out = np.zeros(len(centres), dtype=bool)
    kept = np.flatnonzero(valid)
    if len(kept) < 3:
        return out
    p = centres[kept]
    back, ahead = p[:-2] - p[1:-1], p[2:] - p[1:-1]
    norms = np.linalg.norm(back, axis=1) * np.linalg.norm(ahead, axis=1)
    cos = np.einsum("ij,ij->i", back, ahead) / np.where(norms > 0, norms, 1)
    angle = np.degrees(np.arccos(cos.clip(-1, 1)))
    out[kept[1:-1]] = (angle < min_angle) & (norms > 0)
    return out


def disks_overlap(c1, n1, r1, c2, n2, r2) -> np.ndarray:
    """Whether pairs of disks in 3D (centres, unit normals, radii; arrays of pairs) share a point.

    Two disks in non-parallel planes share a point when each cuts the line
    where their planes meet and the two chords overlap; disks in parallel
    planes only when the planes coincide and the centres are closer than the
    radii's sum.
    """
    line = np.cross(n1, n2)
    sin = np.linalg.norm(line, axis=1)
    parallel = sin < 1e-6
    d = line / np.where(parallel, 1.0, sin)[:, None]
    # A point on both planes: p0 = (h1 (n2 × d) + h2 (d × n1)) / sin, with h = n · c.
    h1, h2 = np.einsum("ij,ij->i", n1, c1), np.einsum("ij,ij->i", n2, c2)
    p0 = (h1[:, None] * np.cross(n2, d) + h2[:, None] * np.cross(d, n1)) / np.where(parallel, 1.0, sin)[:, None]
    chords = []
    for c, r in ((c1, r1), (c2, r2)):
        along = np.einsum("ij,ij->i", c - p0, d)
        off2 = np.einsum("ij,ij->i", c - p0, c - p0) - along ** 2
        half = np.sqrt(np.maximum(r ** 2 - off2, 0.0))
        chords.append((along - half, along + half, off2 < r ** 2))
    (a0, a1, hit1), (b0, b1, hit2) = chords
    crossing = hit1 & hit2 & (a0 <= b1) & (b0 <= a1)
    coplanar = np.abs(np.einsum("ij,ij->i", n1, c2 - c1)) < 1e-9
    touching = np.linalg.norm(c1 - c2, axis=1) < r1 + r2
    return np.where(parallel, coplanar & touching, crossing)


def overlapping(centres: np.ndarray, normals: np.ndarray, radii: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Valid nodes to reject until no two valid circles overlap: the one overlapping most others first."""
    out = np.zeros(len(centres), dtype=bool)
    kept = np.flatnonzero(valid)
    if len(kept) < 2:
        return out
    pairs = cKDTree(centres[kept]).query_pairs(2 * float(radii[kept].max()), output_type="ndarray")
    if not len(pairs):
        return out
    i, j = kept[pairs[:, 0]], kept[pairs[:, 1]]
    hit = disks_overlap(centres[i], normals[i], radii[i], centres[j], normals[j], radii[j])
    i, j = i[hit], j[hit]
    counts = np.bincount(np.concatenate([i, j]), minlength=len(centres))
    alive = np.ones(len(i), dtype=bool)
    while counts.max() > 0:
        worst = int(np.argmax(counts))
        out[worst] = True
        gone = alive & ((i == worst) | (j == worst))
        np.subtract.at(counts, i[gone], 1)
        np.subtract.at(counts, j[gone], 1)
        alive &= ~gone
        counts[worst] = 0
    return out
