"""A smooth centreline through the fitted centres of a path's nodes.

One cross-section's fit is noisy at a low signal-to-noise ratio, and a
neurite is smooth along its length over a few voxels: each node's centre is
taken as a local quadratic fit (in arc length, Gaussian-weighted) to the
fitted centres of the nodes around it, robustly, so that a fit gone astray
(noise, a neighbouring neurite) counts for little. A quadratic rather than
a straight line follows a bending neurite without cutting the bend. Nodes
whose fit was rejected move as the accepted nodes on either side moved.
Positions and lengths are physical.
"""

from __future__ import annotations

import numpy as np

#: Rounds of robust reweighting of the fitted centres.
ROBUST_ROUNDS = 3


def smooth_centres(arc: np.ndarray, centres: np.ndarray, valid: np.ndarray, sigma: float, scale: float) -> np.ndarray:
    """Robust local quadratic fits to the valid centres along a path.

    Parameters
    ----------
    arc : ndarray, shape (n,)
        Arc length of each node along the path, non-decreasing.
    centres : ndarray, shape (n, 3)
        Fitted centres.
    valid : ndarray of bool, shape (n,)
        The centres to fit; the others carry no weight.
    sigma : float
        Standard deviation of the Gaussian weight along the path (nodes
        further than 3 sigma carry none).
    scale : float
        Distance from the local fit at which a centre's weight halves (a
        Cauchy weight, :data:`ROBUST_ROUNDS` rounds).

    Returns
    -------
    ndarray, shape (n, 3)
        The smoothed centre at every valid node; other rows are the
        ``centres`` given.

    Examples
    --------
    >>> arc = np.arange(21.0)
    >>> line = np.column_stack([arc, 0.02 * (arc - 10) ** 2, np.zeros(21)])  # a bend
    >>> noisy = line.copy()
    >>> noisy[10, 1] += 3.0  # one fit thrown off
    >>> smoothed = smooth_centres(arc, noisy, np.ones(21, dtype=bool), sigma=3.0, scale=0.5)
    >>> bool(np.abs(smoothed - line).max() < 0.1)
    True
    """
    n = len(arc)
    out = np.array(centres, dtype=float)
    if not valid.any():
        return out
    low = np.searchsorted(arc, arc - 3 * sigma, side="left")
    high = np.searchsorted(arc, arc + 3 * sigma, side="right")
    node = np.arange(n)
    reach = int(max((high - node).max(), (node - low).max(), 1))
    window = node[:, None] + np.arange(-reach, reach + 1)[None, :]
    inside = (window >= 0) & (window < n)
    window = window.clip(0, n - 1)
    offset = (arc[window] - arc[:, None]) / sigma
    kernel = np.exp(-0.5 * offset ** 2) * inside * valid[window]
    values = out[window]
    robust = np.ones(n)
    for _ in range(ROBUST_ROUNDS + 1):
        fitted = _local_quadratic(kernel * robust[window], offset, values)
        robust = 1.0 / (1.0 + (np.linalg.norm(out - fitted, axis=1) / scale) ** 2)
    out[valid] = fitted[valid]
    return out


def carried_shifts(arc: np.ndarray, shifts: np.ndarray, valid: np.ndarray, reach: float) -> np.ndarray:
    """Shifts for the rejected nodes, interpolated along the path from the valid nodes' shifts.

    Parameters
    ----------
    arc : ndarray, shape (n,)
        Arc length of each node, non-decreasing.
    shifts : ndarray, shape (n, 3)
        How far each node moved; only the valid rows are read.
    valid : ndarray of bool, shape (n,)
    reach : float
        A rejected node further than this from every valid node stays
        (a long dark stretch, a trace off any neurite).

    Returns
    -------
    ndarray, shape (n, 3)
        ``shifts`` at valid nodes; at rejected ones between two valid nodes,
        linear interpolation between them, or zero beyond ``reach``; zero
        before the first valid node and past the last (nothing says how
        the neurite runs there: a path's end in the soma, say).

    Examples
    --------
    >>> arc = np.arange(6.0)
    >>> shifts = np.zeros((6, 3))
    >>> shifts[:, 0] = [1, 0, 0, 0, 3, 0]
    >>> valid = np.array([True, False, False, False, True, False])
    >>> carried_shifts(arc, shifts, valid, reach=1.5)[:, 0].tolist()
    [1.0, 1.5, 0.0, 2.5, 3.0, 0.0]
    """
    out = np.where(valid[:, None], shifts, 0.0)
    kept, rejected = np.flatnonzero(valid), np.flatnonzero(~valid)
    if not len(kept) or not len(rejected):
        return out
    at = np.searchsorted(arc[kept], arc[rejected])
    before = arc[kept][np.maximum(at - 1, 0)]
    after = arc[kept][np.minimum(at, len(kept) - 1)]
    gap = np.minimum(np.abs(arc[rejected] - before), np.abs(after - arc[rejected]))
    near = (gap <= reach) & (rejected > kept[0]) & (rejected < kept[-1])
    out[rejected[near]] = np.column_stack([np.interp(arc[rejected[near]], arc[kept], shifts[kept, k])
                                           for k in range(3)])
    return out


def _local_quadratic(weights: np.ndarray, offset: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Each row's weighted least-squares quadratic in ``offset`` through ``values``, at offset 0.

    Rows whose weights cannot pin a quadratic (the nodes on one side only,
    or too few) take a straight line, then the weighted mean; rows with no
    weight, zero.
    """
    out = np.zeros((len(weights), values.shape[-1]))
    todo = weights.sum(axis=1) > 0
    for order in (2, 1, 0):
        if not todo.any():
            break
        w, u, v = weights[todo], offset[todo], values[todo]
        powers = np.stack([u ** p for p in range(order + 1)], axis=-1)
        normal = np.einsum("nk,nkp,nkq->npq", w, powers, powers)
        right = np.einsum("nk,nkp,nkc->npc", w, powers, v)
        # Solvable: the normal matrix is well conditioned relative to its diagonal.
        diagonal = np.sqrt(np.einsum("npp->np", normal))
        scaled = normal / (diagonal[:, :, None] * diagonal[:, None, :] + 1e-300)
        fine = np.linalg.det(scaled) > 1e-6
        if fine.any():
            rows = np.flatnonzero(todo)[fine]
            out[rows] = np.linalg.solve(normal[fine], right[fine])[:, 0, :]
            todo[rows] = False
    return out
