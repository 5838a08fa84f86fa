"""The gray-weighted distance transform and fast marching from a root (APP2), as compiled Dijkstra searches.

GWDT: a Dijkstra search seeded from every background voxel (at or below the
threshold, distance 0) in which entering a foreground voxel costs its grey
level; the background is never entered. Thick, bright neurite cores get the
largest values.

Fast marching (SNT's name; it is a Dijkstra search too) from the root voxel:
a step costs its physical length plus ``(max_gwdt - gwdt) / max_gwdt`` of the
voxel it enters, so routes follow neurite cores. Background voxels are not
expanded, but up to ``max_gap`` dark voxels straight ahead (in the direction
a voxel was reached from) are jumped over as if each were a voxel just above
the threshold, plus a penalty (ours; SNT has none). Each settled voxel
keeps its parent (flat index), so the result is a tree over every voxel
reached.

The dense arrays (GWDT 4, distance 4, parent 4, state 1 bytes a voxel) are
allocated by the caller, so several searches share them and the memory of a
run is known up front; only the heap and the list of settled voxels grow with
the region reached.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..tracing.search import heap_pop, heap_push

__all__ = ["gray_weighted_distance", "neighbour_offsets", "MarchArrays", "march", "closed", "CONNECTIVITIES"]

#: Neighbourhoods by SNT's ``cnnType``: 1 -> 6, 2 -> 18 (default), 3 -> 26.
CONNECTIVITIES = (6, 18, 26)

_FAR, _TRIAL, _ALIVE = 0, 1, 2


def neighbour_offsets(connectivity: int, spacing_zyx) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour offsets ``(k, 3)`` (z, y, x) and their physical lengths ``(k,)``.

    Examples
    --------
    >>> offsets, lengths = neighbour_offsets(18, (1.0, 0.5, 0.5))
    >>> len(offsets), float(lengths.min())
    (18, 0.5)
    """
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be one of {CONNECTIVITIES}, got {connectivity}")
    grid = np.stack(np.meshgrid(*[np.arange(-1, 2)] * 3, indexing="ij"), -1).reshape(-1, 3)
    order = np.abs(grid).sum(1)
    limit = {6: 1, 18: 2, 26: 3}[connectivity]
    offsets = grid[(order > 0) & (order <= limit)].astype(np.int64)
    lengths = np.sqrt(((offsets * np.asarray(spacing_zyx, dtype=float)) ** 2).sum(1))
    return offsets, lengths


def gray_weighted_distance(volume, threshold: float, connectivity: int = 18) -> np.ndarray:
    """The gray-weighted distance transform of the foreground (voxels above ``threshold``).

    Parameters
    ----------
    volume : ndarray (z, y, x)
        The image; read, never copied.
    threshold : float
        Background level: voxels at or below it get 0.
    connectivity : {6, 18, 26}

    Returns
    -------
    ndarray of float32, the shape of ``volume``
        Least sum of grey levels (each at least 1e-6) entered on the way from
        the background; foreground out of reach of any background voxel gets
        the largest finite value.

    Examples
    --------
    >>> volume = np.zeros((1, 5, 7)); volume[0, 1:4, 1:6] = 10
    >>> gray_weighted_distance(volume, 0.0)[0, 2].tolist()
    [0.0, 10.0, 20.0, 20.0, 20.0, 10.0, 0.0]
    """
    volume = np.asarray(volume)
    if volume.ndim != 3:
        raise ValueError(f"volume must be 3D (z, y, x), got shape {volume.shape}")
    offsets, _ = neighbour_offsets(connectivity, (1.0, 1.0, 1.0))
    out = np.empty(volume.shape, dtype=np.float32)
    _gwdt(volume, float(threshold), offsets, out)
    finite = np.isfinite(out)
    if not finite.all():
        out[~finite] = out[finite].max() if finite.any() else 0.0
    return out


class MarchArrays:
    """The dense working arrays of fast marching, reusable across searches (one per cell).

    Attributes
    ----------
    dist : ndarray of float32 (flat)
    parent : ndarray of int32 or int64 (flat), -1 where none
    state : ndarray of uint8 (flat)
    """

    def __init__(self, shape_zyx):
        n = int(np.prod(shape_zyx))
        self.shape = tuple(int(s) for s in shape_zyx)
        self.dist = np.full(n, np.inf, dtype=np.float32)
        self.parent = np.full(n, -1, dtype=np.int32 if n < 2**31 else np.int64)
        self.state = np.zeros(n, dtype=np.uint8)

    @property
    def nbytes(self) -> int:
        return self.dist.nbytes + self.parent.nbytes + self.state.nbytes

    def reset(self, touched: np.ndarray) -> None:
        """Forget a search that touched the flat indices ``touched``."""
        self.dist[touched] = np.inf
        self.parent[touched] = -1
        self.state[touched] = _FAR


def march(gwdt, max_gwdt: float, root_zyx, spacing_zyx, arrays: MarchArrays, *, threshold: float,
          connectivity: int = 18, max_gap: int = 3, gap_penalty: float = 0.0, territory=None,
          reach: float = math.inf) -> tuple[np.ndarray, np.ndarray]:
    """Fast marching from ``root_zyx`` over the foreground (``gwdt > 0``).

    Parameters
    ----------
    gwdt : ndarray of float32 (z, y, x)
        From :func:`gray_weighted_distance` (waypoint bias applied, if any).
    max_gwdt : float
        Its largest value before any bias: the scale of the intensity term.
    root_zyx : sequence of 3 int
        Voxel index of the root.
    spacing_zyx : sequence of 3 float
        Voxel size; step lengths are physical.
    arrays : MarchArrays
        Working arrays, fresh or :meth:`MarchArrays.reset`.
    threshold : float
        Background level; a jumped dark voxel costs as a voxel at ``threshold + 1``.
    connectivity : {6, 18, 26}
    max_gap : int
        Most dark voxels jumped straight ahead (0: none).
    gap_penalty : float
        Added to the cost of each jumped voxel, in units of the intensity
        term (whose range is 0 to 1); SNT's is 0.
    territory : ndarray of int16 (z, y, x), optional
        Voxels that are not 0 belong to other cells and are not entered.
    reach : float
        Physical distance from the root beyond which nothing is entered
        (SNT's territory limit; only with ``territory``).

    Returns
    -------
    settled : ndarray of int64
        Flat indices of the voxels reached, in the order they were settled
        (a parent always before its children); their parents are in
        ``arrays.parent``.
    touched : ndarray of int64
        Flat indices of every voxel whose working state changed (for
        :meth:`MarchArrays.reset`).
    """
    shape = np.asarray(gwdt.shape, dtype=np.int64)
    root = np.asarray(root_zyx, dtype=np.int64)
    if root.shape != (3,) or np.any(root < 0) or np.any(root >= shape):
        raise ValueError(f"root {tuple(root.tolist())} is outside the volume {tuple(shape.tolist())}")
    offsets, lengths = neighbour_offsets(connectivity, spacing_zyx)
    gap_term = max(0.0, (max_gwdt - (threshold + 1.0)) / max_gwdt) if max_gwdt > 0 else 1.0
    if not 0 <= gap_penalty < math.inf:
        raise ValueError(f"gap penalty must be at least 0 and finite, got {gap_penalty}")
    gap_term += gap_penalty
    limited = territory is not None
    owners = territory if limited else np.zeros((1, 1, 1), dtype=np.int16)
    return _march(gwdt, np.float64(max(max_gwdt, 1e-12)), root, shape, offsets, lengths, int(max_gap),
                  float(gap_term), owners, limited, float(reach), np.asarray(spacing_zyx, dtype=np.float64),
                  arrays.dist, arrays.parent, arrays.state)


@numba.njit(cache=True, inline="always")
def closed(owners, z, y, x, root, reach, spacing):
    """Whether voxel (z, y, x) is closed to a cell: another's territory, or beyond ``reach`` (physical) of its root."""
    if owners[z, y, x] != 0:
        return True
    d2 = (((z - root[0]) * spacing[0]) ** 2 + ((y - root[1]) * spacing[1]) ** 2
          + ((x - root[2]) * spacing[2]) ** 2)
    return d2 > reach * reach


@numba.njit(cache=True, inline="always")
def _room(keys, items, n):
    """The heap arrays, doubled when full."""
    if n < keys.shape[0]:
        return keys, items
    keys2 = np.empty(2 * keys.shape[0], dtype=keys.dtype)
    keys2[:n] = keys[:n]
    items2 = np.empty(2 * items.shape[0], dtype=items.dtype)
    items2[:n] = items[:n]
    return keys2, items2


@numba.njit(cache=True, inline="always")
def _appended(values, n, value):
    """``values`` with ``value`` at position ``n``, doubled when full."""
    if n == values.shape[0]:
        grown = np.empty(2 * n, dtype=values.dtype)
        grown[:n] = values
        values = grown
    values[n] = value
    return values


@numba.njit(cache=True)
def _gwdt(volume, threshold, offsets, out):
    nz, ny, nx = volume.shape
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                out[z, y, x] = 0.0 if volume[z, y, x] <= threshold else np.inf
    keys = np.empty(1024, dtype=np.float64)
    items = np.empty(1024, dtype=np.int64)
    n = 0
    # Every background voxel is a source at distance 0; only the foreground
    # voxels next to one can be reached from them, so only those are queued.
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                if out[z, y, x] == 0.0:
                    continue
                edge = False
                for k in range(offsets.shape[0]):
                    vz, vy, vx = z + offsets[k, 0], y + offsets[k, 1], x + offsets[k, 2]
                    if 0 <= vz < nz and 0 <= vy < ny and 0 <= vx < nx and out[vz, vy, vx] == 0.0:
                        edge = True
                        break
                if edge:
                    d = np.float32(max(float(volume[z, y, x]), 1e-6))
                    out[z, y, x] = d
                    keys, items = _room(keys, items, n)
                    heap_push(keys, items, n, np.float64(d), (z * ny + y) * nx + x)
                    n += 1
    while n > 0:
        key = keys[0]
        here = heap_pop(keys, items, n)
        n -= 1
        z, y, x = here // (ny * nx), (here // nx) % ny, here % nx
        if key > out[z, y, x]:
            continue  # superseded
        for k in range(offsets.shape[0]):
            vz, vy, vx = z + offsets[k, 0], y + offsets[k, 1], x + offsets[k, 2]
            if vz < 0 or vz >= nz or vy < 0 or vy >= ny or vx < 0 or vx >= nx:
                continue
            new = np.float32(key + max(float(volume[vz, vy, vx]), 1e-6))
            if new < out[vz, vy, vx]:
                out[vz, vy, vx] = new
                keys, items = _room(keys, items, n)
                heap_push(keys, items, n, np.float64(new), (vz * ny + vy) * nx + vx)
                n += 1


@numba.njit(cache=True)
def _march(gwdt, max_g, root, shape, offsets, lengths, max_gap, gap_term, owners, limited, reach,
           spacing, dist, parent, state):
    nz, ny, nx = shape[0], shape[1], shape[2]
    flat = gwdt.reshape(-1)
    keys = np.empty(1024, dtype=np.float64)
    items = np.empty(1024, dtype=np.int64)
    settled = np.empty(1024, dtype=np.int64)
    touched = np.empty(1024, dtype=np.int64)
    n_settled = 0
    start = (root[0] * ny + root[1]) * nx + root[2]
    dist[start] = 0.0
    state[start] = _TRIAL
    touched[0] = start
    n_touched = 1
    heap_push(keys, items, 0, 0.0, start)
    n = 1
    while n > 0:
        key = keys[0]
        here = heap_pop(keys, items, n)
        n -= 1
        if state[here] == _ALIVE or key > dist[here]:
            continue
        state[here] = _ALIVE
        settled = _appended(settled, n_settled, here)
        n_settled += 1
        z, y, x = here // (ny * nx), (here // nx) % ny, here % nx
        if here != start and flat[here] <= 0.0:
            continue  # background is reached, never expanded
        # Gaps are bridged only straight on, in the direction this voxel was
        # reached from: probing every direction would link up the bright
        # noise voxels of the background into a web.
        az, ay, ax = 0, 0, 0
        if here != start:
            p = parent[here]
            az, ay, ax = z - p // (ny * nx), y - (p // nx) % ny, x - p % nx
            span = max(abs(az), abs(ay), abs(ax))
            az, ay, ax = az // span, ay // span, ax // span
        for k in range(offsets.shape[0]):
            straight = offsets[k, 0] == az and offsets[k, 1] == ay and offsets[k, 2] == ax
            for jump in range(1, (max_gap + 2) if straight else 2):
                vz, vy, vx = z + jump * offsets[k, 0], y + jump * offsets[k, 1], x + jump * offsets[k, 2]
                if vz < 0 or vz >= nz or vy < 0 or vy >= ny or vx < 0 or vx >= nx:
                    break
                there = (vz * ny + vy) * nx + vx
                g = flat[there]
                if g <= 0.0:
                    continue  # dark: probe further along this direction
                if state[there] == _ALIVE:
                    break
                if limited and closed(owners, vz, vy, vx, root, reach, spacing):
                    break
                new = key + jump * lengths[k] + (jump - 1) * gap_term + (max_g - g) / max_g
                if new < dist[there]:
                    if state[there] == _FAR:
                        state[there] = _TRIAL
                        touched = _appended(touched, n_touched, there)
                        n_touched += 1
                    dist[there] = new
                    parent[there] = here
                    keys, items = _room(keys, items, n)
                    heap_push(keys, items, n, np.float64(dist[there]), there)
                    n += 1
                break
    return settled[:n_settled].copy(), touched[:n_touched].copy()
