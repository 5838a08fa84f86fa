"""Digital lines: the voxels of a polyline through voxel nodes, one voxel thick.

Each segment is drawn by stepping once per voxel along its longest axis and
rounding the other coordinates (a 3D DDA, the line SNT's ``getSkeleton``
draws with Bresenham's algorithm), so consecutive voxels are 26-neighbours
and a straight segment is one voxel thick. Where a polyline bends, the
segments' ends can form staircase corners; :func:`thin_chain` removes them.
"""

from __future__ import annotations

import numpy as np

from .voxels import inside


def polyline_voxels(nodes, shape) -> np.ndarray:
    """The voxels of the digital polyline through ``nodes``, in order, inside ``shape``.

    Parameters
    ----------
    nodes : array_like of int, shape (n, 3)
        Voxel indices z, y, x; any of them may lie outside the volume.
    shape : sequence of 3 int
        Volume shape. Each segment is clipped to it before it is drawn, so a
        reconstruction far outside the volume costs nothing; the voxels kept
        are exactly those the unclipped line has inside.

    Returns
    -------
    ndarray of int64, shape (m, 3)
        Voxel indices along the polyline, the first node first. Consecutive
        rows are 26-neighbours except where the line leaves the volume and
        comes back.

    Examples
    --------
    >>> polyline_voxels([[0, 0, 0], [1, 2, 4]], (5, 5, 5)).tolist()
    [[0, 0, 0], [0, 1, 1], [1, 1, 2], [1, 2, 3], [1, 2, 4]]
    """
    nodes = np.asarray(nodes, dtype=np.int64).reshape(-1, 3)
    shape = np.asarray(shape, dtype=np.int64)
    start, delta = nodes[:-1], np.diff(nodes, axis=0)
    steps = np.abs(delta).max(axis=1) if len(delta) else np.zeros(0, np.int64)
    first, last = _steps_inside(start, delta, steps, shape)
    counts = np.maximum(last - first + 1, 0)
    segment = np.repeat(np.arange(len(counts)), counts)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + first[segment]
    # Voxel k of a segment: start + round(delta * k / steps), rounded half up
    # in exact integer arithmetic (floor((2 * delta * k + steps) / (2 * steps))).
    n = steps[segment][:, None]
    voxels = start[segment] + (2 * delta[segment] * step[:, None] + n) // (2 * n)
    # Each segment stops one step short of its end, the next one's start; the
    # polyline's own end closes it.
    voxels = np.vstack([voxels, nodes[-1:]])
    return voxels[inside(voxels, shape)]


def _steps_inside(start, delta, steps, shape):
    """Per segment, a range of steps ``[first, last]`` that covers all its voxels inside ``shape``.

    Solved per axis for the step at which the rounded coordinate enters and
    leaves ``[0, size - 1]``, widened by one step against floating-point
    error: :func:`polyline_voxels` drops the few extra voxels afterwards.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = steps[:, None] / delta
        edges = np.stack([(-0.5 - start) * scale, (shape - 0.5 - start) * scale])
    entry, leave = edges.min(axis=0), edges.max(axis=0)
    # An axis the segment does not move along: all or nothing.
    flat = delta == 0
    within = (start >= 0) & (start < shape)
    entry[flat] = np.where(within[flat], -np.inf, np.inf)
    leave[flat] = np.where(within[flat], np.inf, -np.inf)
    # Clipped to the segment's steps, which also makes a segment that misses
    # the volume (infinite bounds) an empty range.
    first = np.clip(np.floor(entry.max(axis=1)) - 1, 0, steps)
    last = np.clip(np.ceil(leave.min(axis=1)) + 1, -1, steps - 1)
    return first.astype(np.int64), last.astype(np.int64)


def thin_chain(chain: np.ndarray) -> np.ndarray:
    """Drop the voxels of a chain that its neighbours already connect.

    Walking the chain, a voxel is skipped when the last voxel kept touches
    (26-connectivity) the one after it. What remains connects wherever the
    chain did, has the same ends, and in a smooth curve each voxel touches only
    the voxels before and after it: staircase corners where segments meet, and
    clusters of nodes closer than a voxel, become single steps.

    Parameters
    ----------
    chain : ndarray of int, shape (m, 3)
        Voxels in order, as from :func:`polyline_voxels`.

    Returns
    -------
    ndarray of int, shape (k, 3)
        The voxels kept, in order (k <= m).

    Examples
    --------
    >>> thin_chain(np.array([[0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 2]])).tolist()
    [[0, 0, 0], [0, 1, 1], [0, 1, 2]]
    """
    if len(chain) < 3:
        return chain
    rows = chain.tolist()  # a plain-Python walk: far faster than numpy per voxel
    keep = [0]
    for i in range(1, len(rows) - 1):
        kept, after = rows[keep[-1]], rows[i + 1]
        if max(abs(kept[0] - after[0]), abs(kept[1] - after[1]), abs(kept[2] - after[2])) > 1:
            keep.append(i)
    keep.append(len(rows) - 1)
    return chain[keep]
