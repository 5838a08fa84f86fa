"""A random but plausible neuron: soma, dendrites and an axon that branch and taper.

Lengths are chosen in units of the finest voxel size, so that a tree grown for
an image has nodes about one voxel apart and neurites a few voxels thick.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..model import Path, Tree, arc_lengths

SOMA, AXON, DENDRITE = 1, 2, 3

# Radii and lengths in voxels (of the finest spacing).
_SOMA_RADIUS = (8.0, 11.0)
_PRIMARY_RADIUS = {DENDRITE: (3.0, 4.0), AXON: (2.0, 2.5)}
_TIP_RADIUS = 1.0
_MIN_BRANCH_NODES = 15
# Path lengths as fractions of the box's smaller lateral side.
_PRIMARY_LENGTH = {DENDRITE: (0.5, 0.8), AXON: (0.9, 1.2)}
# Turning: the heading follows a slowly varying turn vector (damped random
# walk), which bends neurites smoothly instead of making them jitter. Turns
# out of the xy plane are rarer, so that the arbor is flattish, as neurons in
# cultures and slices are.
_TURN_DAMPING = 0.8
_TURN_NOISE = np.array([0.012, 0.012, 0.005])
# Fraction of the box, per side, in which a growing neurite is turned back
# (gently: some still reach the face, and end there).
_WALL_ZONE = 0.15
_WALL_PUSH = 0.04


def random_neuron(
    rng: np.random.Generator,
    extent_xyz,
    *,
    n_primary: int = 4,
    spacing_xyz=(1.0, 1.0, 1.0),
    max_order: int = 3,
    units: str = "µm",
    soma_xyz=None,
) -> Tree:
    """Grow a branching neuron inside a box.

    The soma is a one-node type-1 path (radius 8-11 voxels) placed near the
    centre; ``n_primary`` neurites leave it in directions spread around it,
    mostly in the xy plane: one axon (type 2) and dendrites (type 3). Each
    neurite is a random walk with smoothly changing heading, one voxel per
    step, turned back from the box faces or ending where it reaches one
    (stubs shorter than 15 nodes are dropped); paths up to ``max_order`` sprout
    1-2 (primaries) or 0-1 (higher orders) branches at random interior nodes.
    Radii taper linearly along each path from 3-4 voxels (axon 2-2.5) at the
    soma to 1 voxel at the tips; a branch starts at 80% of its parent's radius
    there. A branch's first node is its parent's node at ``branch_index``.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness; the same seed gives the same neuron.
    extent_xyz : sequence of 3 float
        Physical size of the box, x, y, z; nodes lie in ``[0, extent]``
        less a margin of 6 voxels (at least 2 voxels of each axis).
    n_primary : int
        Number of neurites leaving the soma, the first of them the axon
        (fewer only in a box too small to grow them).
    spacing_xyz : sequence of 3 float
        Voxel size of the image the neuron is meant for; its smallest value
        is the unit of node spacing and radii.
    max_order : int
        Highest branch order that still sprouts branches (primaries are 1).
    units : str
        Physical unit, for the returned tree.
    soma_xyz : sequence of 3 float, optional
        Where the soma is (physical, inside the box less its margin); near
        the box's centre at random by default. Neighbouring cells of one
        stack are grown in the same box from somata placed apart.

    Returns
    -------
    Tree
        Soma path (id 0), then neurites in breadth-first order, coordinates
        and radii physical.

    Examples
    --------
    >>> tree = random_neuron(np.random.default_rng(0), (76.5, 76.5, 47.0),
    ...                      spacing_xyz=(0.3, 0.3, 1.0))
    >>> len(tree.roots())
    1
    """
    spacing = np.asarray(spacing_xyz, dtype=float)
    extent = np.asarray(extent_xyz, dtype=float)
    voxel = float(spacing.min())
    margin = np.maximum(6 * voxel, 2 * spacing)
    lo, hi = margin, extent - margin
    if np.any(hi - lo <= 2 * _SOMA_RADIUS[1] * voxel):
        raise ValueError(f"extent {tuple(extent)} is too small for a neuron at spacing {tuple(spacing)}")
    walk = _Walker(rng, lo, hi, step=voxel)
    side = float(min(hi[0] - lo[0], hi[1] - lo[1]))

    if soma_xyz is None:
        # Near the middle, and in z nearer still, so that the middle slice cuts the arbor.
        centre = lo + (hi - lo) * rng.uniform([0.35, 0.35, 0.45], [0.65, 0.65, 0.55])
    else:
        centre = np.clip(np.asarray(soma_xyz, dtype=float), lo, hi)
    soma = Path(0, [centre], radii=[rng.uniform(*_SOMA_RADIUS) * voxel], swc_type=SOMA, name="Soma")
    paths = [soma]

    # (parent, node index, heading, start radius, length, type, order)
    pending = deque()
    angles = 2 * np.pi * (np.arange(n_primary) / n_primary + rng.uniform(0, 1)) + rng.uniform(
        -0.4, 0.4, n_primary
    )
    for k, theta in enumerate(angles):
        kind = AXON if k == 0 else DENDRITE
        phi = rng.normal(0.0, 0.15)
        heading = np.array([np.cos(phi) * np.cos(theta), np.cos(phi) * np.sin(theta), np.sin(phi)])
        radius = rng.uniform(*_PRIMARY_RADIUS[kind]) * voxel
        length = rng.uniform(*_PRIMARY_LENGTH[kind]) * side
        pending.append((soma, 0, heading, radius, length, kind, 1))

    while pending:
        parent, index, heading, radius, length, kind, order = pending.popleft()
        points = walk.grow(parent.points[index], heading, n_steps=max(int(length / voxel), 2))
        if len(points) < _MIN_BRANCH_NODES:
            continue  # a stub against the box face
        path = Path(
            id=len(paths),
            points=points,
            radii=_taper(points, radius, _TIP_RADIUS * voxel),
            swc_type=kind,
            name=f"{'Axon' if kind == AXON else 'Dendrite'} {len(paths)}",
            parent_id=parent.id,
            branch_index=index,
        )
        paths.append(path)
        if order < max_order:
            pending.extend(_branches(rng, path, kind, order, voxel))
    return Tree(paths, spacing_xyz=tuple(float(s) for s in spacing), units=units)


def _branches(rng, path: Path, kind: int, order: int, voxel: float) -> list[tuple]:
    """Branches sprouting from ``path``, as ``pending`` entries of :func:`random_neuron`."""
    n = len(path)
    if n < 3 * _MIN_BRANCH_NODES:
        return []
    count = int(rng.integers(1, 3) if order == 1 else rng.integers(0, 2))
    # Distinct nodes in the middle of the path, a few voxels apart.
    candidates = np.arange(int(0.2 * n), int(0.8 * n), _MIN_BRANCH_NODES // 2)
    indices = np.sort(rng.choice(candidates, size=min(count, len(candidates)), replace=False))
    lengths = arc_lengths(path.points)
    out = []
    for index in indices:
        tangent = path.points[min(index + 2, n - 1)] - path.points[max(index - 2, 0)]
        heading = _turn(rng, tangent / np.linalg.norm(tangent), np.deg2rad(rng.uniform(30, 70)))
        remaining = lengths[-1] - lengths[index]
        length = max(rng.uniform(0.5, 0.9) * remaining, _MIN_BRANCH_NODES * voxel)
        radius = max(0.8 * path.radii[index], _TIP_RADIUS * voxel)
        out.append((path, int(index), heading, radius, length, kind, order + 1))
    return out


def _turn(rng, direction: np.ndarray, angle: float) -> np.ndarray:
    """``direction`` rotated by ``angle`` about a random axis perpendicular to it."""
    normal = np.cross(direction, rng.normal(size=3))
    normal /= np.linalg.norm(normal)
    return np.cos(angle) * direction + np.sin(angle) * normal


def _taper(points: np.ndarray, start: float, end: float) -> np.ndarray:
    """Radii falling linearly with path length from ``start`` to ``end``."""
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    fraction = np.concatenate([[0.0], np.cumsum(steps)]) / max(steps.sum(), 1e-12)
    return start + (end - start) * fraction


class _Walker:
    """Random walks of fixed step inside a box ``[lo, hi]``."""

    def __init__(self, rng, lo: np.ndarray, hi: np.ndarray, step: float):
        self.rng, self.lo, self.hi, self.step = rng, lo, hi, step
        self.zone = _WALL_ZONE * (hi - lo)

    def grow(self, start, heading, n_steps: int) -> np.ndarray:
        """Up to ``n_steps + 1`` points from ``start`` (the first point).

        The walk ends early where it would leave the box, as a neurite
        leaving the field of view would.
        """
        points = [np.asarray(start, dtype=float)]
        heading = heading / np.linalg.norm(heading)
        turn = np.zeros(3)
        for _ in range(n_steps):
            turn = _TURN_DAMPING * turn + self.rng.normal(0.0, _TURN_NOISE)
            heading = heading + turn + self._push(points[-1])
            heading /= np.linalg.norm(heading)
            position = points[-1] + self.step * heading
            if np.any(position < self.lo) or np.any(position > self.hi):
                break
            points.append(position)
        return np.array(points)

    def _push(self, position: np.ndarray) -> np.ndarray:
        """A nudge away from nearby faces, growing as the faces get closer."""
        near_lo = np.clip((self.lo + self.zone - position) / self.zone, 0.0, 1.0)
        near_hi = np.clip((position - (self.hi - self.zone)) / self.zone, 0.0, 1.0)
        return _WALL_PUSH * (near_lo - near_hi)
