"""Reconnecting a traced cell across gaps: from each tip, a straight bridge to foreground no march reached.

Fast marching reaches the foreground connected to the root, jumping at most
a few dark voxels straight ahead of the last step. A neurite broken by a
longer gap (an unlabelled stretch, a dim run between varicosities), or by a
short one at an angle to the voxel grid, leaves the rest of it unreached:
the trace stops at the gap. SNT's ``ComponentReconnector`` bridges such
orphan pieces to the tips they continue (at most 20 voxels away, within 60
degrees of the tip's direction). Here, from each tip of the pruned tree, the
voxels within that cone are searched for foreground that no march reached;
the nearest (its distance weighted by its angle) is joined to the tip by a
straight line of bridge nodes, and the march resumes from it, tracing the
piece. Pieces of noise bridged this way are pruned as any other branch.
"""

from __future__ import annotations

import numba
import numpy as np
from scipy.spatial import cKDTree

from .marching import closed, march

__all__ = ["TIP_DIRECTION_VOXELS", "bridge_gaps", "tip_directions", "bridge_targets", "bridge_voxels",
           "piece_extent", "piece_ends"]

#: A tip's direction is taken over this many finest voxels back along the tree.
TIP_DIRECTION_VOXELS = 8.0
_ALIVE = 2


def bridge_gaps(image, gwdt, max_gwdt, root_zyx, nodes_zyx, parent, keep, settled, arrays, spacing_zyx, *,
                threshold: float, territory, reach: float, max_voxels: float, max_angle: float,
                piece_voxels: float, piece_mean: float, orphans: bool, **march_options):
    """Bridge the gaps at a traced cell's tips, and those of pieces pointing at it, and trace what lies beyond.

    From each tip of the kept tree, the target of :func:`bridge_targets`;
    with ``orphans``, also every piece of foreground within ``max_voxels``
    of the cell that no march reached, from whichever of its two ends
    (:func:`piece_ends`) points at a node of the cell within ``max_angle``
    and ``max_voxels`` (a neurite leaving the soma across a gap: the soma
    has no tip there). A straight line of bridge voxels joins the two, and
    fast marching traces the piece from its end. A piece that reaches on
    less than ``piece_voxels`` past its end (:func:`piece_extent`; a speck
    of noise) is left out of the tree, but stays settled, so that no other
    tip bridges to it. So is a piece whose mean grey level is below
    ``piece_mean`` times the threshold: at a signal-to-noise ratio of 2-3,
    smoothed noise makes specks several voxels long that only just clear the
    threshold, and haze makes wide ones; pieces of neurite are brighter.

    Parameters
    ----------
    image : ndarray (z, y, x)
        The traced image (its grey levels judge the pieces).
    gwdt, max_gwdt, root_zyx, spacing_zyx, threshold, territory, reach, march_options
        As for :func:`~.marching.march`; ``arrays`` hold the cell's march.
    nodes_zyx, parent, keep : ndarray
        The cell's nodes (voxels), parents and the pruned tree.
    settled : ndarray of int64
        The nodes' flat indices.
    max_voxels, max_angle, piece_voxels, piece_mean : float
    orphans : bool

    Returns
    -------
    tuple of three ndarrays of int64, or None
        The voxels added to the cell (bridges, then each piece in the order
        settled), the voxels touched, and the bridges' voxels; None when
        nothing was bridged.
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    shape = gwdt.shape
    tips, directions = tip_directions(nodes_zyx, parent, keep, spacing, TIP_DIRECTION_VOXELS * spacing.min())
    ends = bridge_targets(gwdt, arrays.state, nodes_zyx[tips], directions, spacing, max_voxels=max_voxels,
                          max_angle=max_angle, territory=territory, root_zyx=root_zyx, reach=reach)
    links = [(settled[tip], np.array(np.unravel_index(end, shape)), direction)
             for tip, direction, end in zip(tips[ends >= 0], directions[ends >= 0], ends[ends >= 0])]
    if orphans:
        links += _orphan_links(gwdt, max_gwdt, nodes_zyx, settled, arrays, spacing, territory, reach, root_zyx,
                               max_voxels, max_angle, piece_voxels, threshold, march_options)
    grown: list[list[np.ndarray]] = [[], [], []]
    for start, end_zyx, direction in links:
        end = int(np.ravel_multi_index(tuple(end_zyx), shape))
        if arrays.state[end] == _ALIVE:  # traced from an earlier link
            continue
        line = np.ravel_multi_index(tuple(bridge_voxels(np.unravel_index(start, shape), end_zyx).T), shape)
        if np.any(arrays.state[line] == _ALIVE):  # would cross the tree
            continue
        chain = np.concatenate([[start], line])
        arrays.state[line] = _ALIVE
        arrays.parent[line] = chain[:-1]
        piece, touched = march(gwdt, max_gwdt, end_zyx, spacing, arrays, threshold=threshold, territory=territory,
                               reach=reach, **march_options)
        arrays.parent[end] = chain[-1]
        grown[1].append(np.concatenate([line, touched]))
        grey = image.reshape(-1)[piece]
        if (piece_extent(piece, end_zyx, direction, shape, spacing) >= piece_voxels and len(grey)
                and grey.mean() >= piece_mean * threshold):
            grown[0].append(np.concatenate([line, piece]))
            grown[2].append(line)
    if not grown[0]:
        return None
    return tuple(np.concatenate(parts).astype(np.int64) for parts in grown)


def _orphan_links(gwdt, max_gwdt, nodes_zyx, settled, arrays, spacing, territory, reach, root_zyx, max_voxels,
                  max_angle, piece_voxels, threshold, march_options) -> list:
    """(cell node, piece end, direction into the piece) for each unreached piece near the cell that points at it.

    The pieces are found by marching from their brightest voxels, then
    forgotten again (the bridges march them anew from their ends).
    """
    radius = max_voxels * spacing.min()
    cell = cKDTree(nodes_zyx * spacing)
    unreached = np.flatnonzero((gwdt.reshape(-1) > 0) & (arrays.state != _ALIVE))
    near = unreached[np.isfinite(cell.query(np.stack(np.unravel_index(unreached, gwdt.shape), axis=1) * spacing,
                                            distance_upper_bound=radius)[0])]
    near = near[np.argsort(-gwdt.reshape(-1)[near], kind="stable")]
    links, touched_all = [], []
    min_cos = np.cos(np.radians(max_angle))
    for seed in near:
        if arrays.state[seed] == _ALIVE:
            continue
        seed_zyx = np.array(np.unravel_index(seed, gwdt.shape))
        piece, touched = march(gwdt, max_gwdt, seed_zyx, spacing, arrays, threshold=threshold, territory=territory,
                               reach=reach, **march_options)
        touched_all.append(touched)
        voxels = np.stack(np.unravel_index(piece, gwdt.shape), axis=1)
        best = None
        for end, outward in piece_ends(voxels, spacing, piece_voxels):
            found = cell.query_ball_point(end * spacing, radius)
            if not found:
                continue
            steps = nodes_zyx[found] * spacing - end * spacing
            lengths = np.linalg.norm(steps, axis=1)
            cos = steps @ outward / np.maximum(lengths, 1e-12)
            score = np.where(cos >= min_cos, lengths * (2.0 - cos), np.inf)
            k = int(np.argmin(score))
            if np.isfinite(score[k]) and (best is None or score[k] < best[0]):
                best = (score[k], settled[found[k]], end, -outward)
        if best is not None:
            links.append(best[1:])
    for touched in touched_all:
        arrays.reset(touched)
    return links


def piece_ends(voxels_zyx, spacing_zyx, min_length: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two ends of an elongated piece and the directions out of it there; none if it is shorter.

    The ends are the piece's extreme voxels along its principal axis (the
    physical covariance's first eigenvector); a piece is elongated when they
    are at least ``min_length`` finest voxels apart along it.

    Returns
    -------
    list of (ndarray of int (3,), ndarray (3,))
        Each end's voxel and the unit vector (physical z, y, x) pointing out of the piece.

    Examples
    --------
    >>> voxels = np.array([[0, 2, x] for x in range(10)] + [[0, 3, 4]])
    >>> [(e.tolist(), (np.round(d, 1) + 0.0).tolist()) for e, d in piece_ends(voxels, (1, 1, 1), 6.0)]
    [([0, 2, 0], [0.0, 0.0, -1.0]), ([0, 2, 9], [0.0, 0.0, 1.0])]
    >>> piece_ends(voxels[:4], (1, 1, 1), 6.0)
    []
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    points = np.asarray(voxels_zyx, dtype=float) * spacing
    if len(points) < 2:
        return []
    centred = points - points.mean(0)
    axis = np.linalg.eigh(centred.T @ centred)[1][:, -1]
    axis *= np.sign(axis[np.argmax(np.abs(axis))])  # the same ends in the same order, whatever eigh's sign
    along = centred @ axis
    if along.max() - along.min() < min_length * spacing.min():
        return []
    low, high = int(np.argmin(along)), int(np.argmax(along))
    return [(np.asarray(voxels_zyx)[low], -axis), (np.asarray(voxels_zyx)[high], axis)]


def tip_directions(nodes_zyx, parent, keep, spacing_zyx, length: float) -> tuple[np.ndarray, np.ndarray]:
    """The kept tree's tips and the direction each points in.

    Parameters
    ----------
    nodes_zyx : ndarray of int (n, 3)
    parent : ndarray of int (n,)
        Parent node, -1 for the root.
    keep : ndarray of bool (n,)
        The nodes of the tree (a parent of a kept node is kept).
    spacing_zyx : sequence of 3 float
    length : float
        Physical distance back along the tree over which the direction is taken.

    Returns
    -------
    tips : ndarray of int (k,)
        Kept nodes without kept children, the root left out.
    directions : ndarray (k, 3)
        Unit vectors (physical z, y, x) from the node ``length`` back (or
        the root) to the tip.

    Examples
    --------
    >>> nodes = np.array([[0, 0, 0], [0, 0, 1], [0, 0, 2], [0, 1, 2]])
    >>> tips, directions = tip_directions(nodes, np.array([-1, 0, 1, 1]), np.ones(4, bool), (1, 1, 1), 5.0)
    >>> tips.tolist(), np.round(directions, 2).tolist()
    ([2, 3], [[0.0, 0.0, 1.0], [0.0, 0.45, 0.89]])
    """
    nodes = np.asarray(nodes_zyx, dtype=float) * np.asarray(spacing_zyx, dtype=float)
    parent = np.asarray(parent)
    keep = np.asarray(keep, dtype=bool)
    has_child = np.zeros(len(parent), dtype=bool)
    has_child[parent[keep & (parent >= 0)]] = True
    tips = np.flatnonzero(keep & ~has_child & (parent >= 0))
    directions = np.zeros((len(tips), 3))
    for k, tip in enumerate(tips):
        node = tip
        while parent[node] >= 0 and np.linalg.norm(nodes[tip] - nodes[node]) < length:
            node = parent[node]
        step = nodes[tip] - nodes[node]
        directions[k] = step / max(np.linalg.norm(step), 1e-12)
    return tips, directions


def bridge_targets(gwdt, state, tips_zyx, directions, spacing_zyx, *, max_voxels: float, max_angle: float,
                   territory=None, root_zyx=None, reach: float = np.inf) -> np.ndarray:
    """For each tip, the foreground voxel not reached by the march to bridge to, or -1.

    The voxel must be foreground (``gwdt > 0``), not reached (``state`` not
    settled), not another cell's (``territory``), within ``reach`` of the
    root, at most ``max_voxels`` finest voxels from the tip (physically) and
    within ``max_angle`` degrees of its direction; of those, the one of
    least ``distance * (2 - cos(angle))``.

    Parameters
    ----------
    gwdt : ndarray of float32 (z, y, x)
    state : ndarray of uint8, flat
        Fast marching's state (2: settled).
    tips_zyx : ndarray of int (k, 3)
    directions : ndarray (k, 3)
        Unit vectors, physical z, y, x.
    spacing_zyx : sequence of 3 float
    max_voxels, max_angle : float
    territory : ndarray of int16 (z, y, x), optional
    root_zyx : sequence of 3 int, optional
        With ``reach``: the cell's root.
    reach : float
        Physical distance from the root.

    Returns
    -------
    ndarray of int64 (k,)
        Flat indices.
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    radius = max_voxels * spacing.min()
    span = np.floor(radius / spacing).astype(int)
    grid = np.stack(np.meshgrid(*[np.arange(-s, s + 1) for s in span], indexing="ij"), -1).reshape(-1, 3)
    lengths = np.sqrt(((grid * spacing) ** 2).sum(1))
    inside = (lengths > 0) & (lengths <= radius)
    grid, lengths = grid[inside], lengths[inside]
    order = np.argsort(lengths, kind="stable")
    grid, lengths = grid[order].astype(np.int64), lengths[order]
    units = grid * spacing / lengths[:, None]
    limited = territory is not None
    owners = territory if limited else np.zeros((1, 1, 1), dtype=np.int16)
    root = np.zeros(3, dtype=np.int64) if root_zyx is None else np.asarray(root_zyx, dtype=np.int64)
    return _targets(gwdt, state, np.asarray(tips_zyx, dtype=np.int64).reshape(-1, 3),
                    np.asarray(directions, dtype=np.float64).reshape(-1, 3), grid, lengths, units,
                    float(np.cos(np.radians(max_angle))), owners, limited, root, float(reach), spacing)


@numba.njit(cache=True)
def _targets(gwdt, state, tips, directions, offsets, lengths, units, min_cos, owners, limited, root, reach,
             spacing):
    nz, ny, nx = gwdt.shape
    out = np.full(tips.shape[0], -1, dtype=np.int64)
    for t in range(tips.shape[0]):
        best = np.inf
        for k in range(offsets.shape[0]):
            if lengths[k] >= best:
                break  # a score is never below its distance
            cos = (units[k, 0] * directions[t, 0] + units[k, 1] * directions[t, 1]
                   + units[k, 2] * directions[t, 2])
            if cos < min_cos:
                continue
            z, y, x = tips[t, 0] + offsets[k, 0], tips[t, 1] + offsets[k, 1], tips[t, 2] + offsets[k, 2]
            if z < 0 or z >= nz or y < 0 or y >= ny or x < 0 or x >= nx or gwdt[z, y, x] <= 0.0:
                continue
            flat = (z * ny + y) * nx + x
            if state[flat] == _ALIVE:
                continue
            if limited and closed(owners, z, y, x, root, reach, spacing):
                continue
            score = lengths[k] * (2.0 - cos)
            if score < best:
                best = score
                out[t] = flat
    return out


def bridge_voxels(start_zyx, end_zyx) -> np.ndarray:
    """The voxels of the straight line from ``start_zyx`` to ``end_zyx``, both left out, in order.

    Examples
    --------
    >>> bridge_voxels((0, 0, 0), (0, 2, 4)).tolist()
    [[0, 0, 1], [0, 1, 2], [0, 2, 3]]
    """
    start, end = np.asarray(start_zyx, dtype=float), np.asarray(end_zyx, dtype=float)
    steps = int(np.abs(end - start).max())
    if steps < 2:
        return np.empty((0, 3), dtype=np.int64)
    points = np.rint(start + np.outer(np.arange(1, steps) / steps, end - start)).astype(np.int64)
    return points


def piece_extent(piece, start_zyx, direction, shape, spacing_zyx) -> float:
    """How far a bridged piece reaches on along ``direction`` from where it was entered, in finest voxels.

    A piece of neurite beyond a gap goes on in about the tip's direction for
    several voxels; a speck of noise that made it above the threshold is a
    voxel or two across. So a piece is kept when it reaches far enough on.

    Parameters
    ----------
    piece : ndarray of int
        Flat indices of the piece's voxels.
    start_zyx : sequence of 3 int
        The voxel it was entered at.
    direction : ndarray (3,)
        Unit vector, physical z, y, x.
    shape : tuple of 3 int
    spacing_zyx : sequence of 3 float

    Returns
    -------
    float

    Examples
    --------
    >>> piece = np.ravel_multi_index(([0, 0, 0], [1, 1, 1], [2, 3, 4]), (1, 3, 9))
    >>> piece_extent(piece, (0, 1, 2), np.array([0.0, 0.0, 1.0]), (1, 3, 9), (1, 1, 1))
    2.0
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    voxels = np.stack(np.unravel_index(np.asarray(piece), shape), axis=1)
    along = ((voxels - np.asarray(start_zyx)) * spacing) @ np.asarray(direction, dtype=float)
    return float(along.max(initial=0.0) / spacing.min())
