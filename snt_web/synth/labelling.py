"""How brightly each stretch of a neurite shows: brightness along neurites, faint branches, varicosities, gaps.

A fluorescent label fills a neuron unevenly: brightness drifts along a
neurite, some branches take up little of it, thin axons swell into beads and
stretches a few voxels long go dark. :func:`label_neurites` draws these for
a reconstruction as a brightness per node (what
:func:`~snt_web.synth.render.render_tree` paints) and swells the truth's
radii at the beads, which are part of the neuron's shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Tree, arc_lengths
from .conditions import Conditions
from .neuron import SOMA

__all__ = ["Labelling", "label_neurites"]

# Wavelengths (µm) of the brightness drift along a neurite: slower than beads,
# faster than a neurite's length.
_DRIFT_WAVELENGTH_UM = (8.0, 30.0)
# A bead: Gaussian along the path (standard deviation, µm), peak radius and
# brightness factors.
_BEAD_WIDTH_UM = (0.35, 0.6)
_BEAD_RADIUS = (1.6, 2.2)
_BEAD_BRIGHTNESS = (1.3, 1.8)
# Where a bead's profile has fallen below this, the neurite is at its nominal width.
_BEAD_TAIL = 0.05
# Gaps keep this far (µm) from path ends, forks and each other.
_GAP_CLEARANCE_UM = 3.0
_GAP_TRIES = 20


@dataclass(frozen=True, eq=False)
class Labelling:
    """A neuron as its label shows it.

    Attributes
    ----------
    tree : Tree
        The reconstruction, radii swollen at the beads (the truth).
    brightness : dict of int to ndarray, or None
        Per path id, each node's brightness (1 nominal, 0 dark), as
        :func:`~snt_web.synth.render.render_tree` takes it; None when every
        neurite is uniformly bright.
    nominal : dict of int to ndarray of bool
        Per path id, the nodes at nominal brightness: neurite nodes outside
        the soma, faint branches, beads and gaps (where the core signal of
        :attr:`Conditions.snr` is measured).
    gaps : ndarray, shape (n, 5)
        Each gap's centre (physical x, y, z), length along the path and path id.
    beads : ndarray, shape (n, 3)
        Each bead's centre, physical x, y, z.
    faint : dict of int to float
        Id of each faint branch (the first of its lineage) and its
        brightness relative to its parent's.
    """

    tree: Tree
    brightness: dict | None
    nominal: dict
    gaps: np.ndarray
    beads: np.ndarray
    faint: dict


def label_neurites(tree: Tree, conditions: Conditions, rng: np.random.Generator) -> Labelling:
    """Draw the labelling of ``tree``'s neurites under ``conditions`` (see :class:`Conditions`).

    Parameters
    ----------
    tree : Tree
        One neuron (:func:`~snt_web.synth.neuron.random_neuron`): a soma
        path, then neurites, each after the path it grows from.
    conditions : Conditions
        ``modulation``, ``faint_share``, ``faint_level``, ``bead_spacing_um``,
        ``thin_voxels``, ``gaps_per_100um``, ``gap_voxels`` and the spacing.
    rng : numpy.random.Generator

    Returns
    -------
    Labelling
    """
    voxel = float(min(conditions.spacing_zyx))
    somata = [p for p in tree.paths if p.swc_type == SOMA]
    varies = conditions.labelling_varies
    level, faint_line, faint = {}, {}, {}
    paths, brightness, nominal, gaps, beads = [], {}, {}, [], []
    for path in tree.paths:
        if path.swc_type == SOMA or len(path) == 1:
            paths.append(path)
            brightness[path.id] = np.ones(len(path))
            nominal[path.id] = np.zeros(len(path), dtype=bool)
            continue
        parent = tree.path(path.parent_id) if path.parent_id is not None else None
        is_branch = parent is not None and parent.swc_type != SOMA
        inherited = level.get(parent.id, 1.0) if parent is not None else 1.0
        lineage = faint_line.get(parent.id, False) if parent is not None else False
        dim = varies and is_branch and not lineage and rng.random() < conditions.faint_share
        if dim:
            faint[path.id] = float(rng.uniform(*conditions.faint_level))
        level[path.id] = inherited * faint.get(path.id, 1.0)
        faint_line[path.id] = lineage or dim
        s = arc_lengths(path.points)
        radii = np.array(path.radii, dtype=float)
        values = np.full(len(path), level[path.id])
        plain = np.full(len(path), not faint_line[path.id])
        if varies:
            values *= 1.0 + conditions.modulation * _drift(rng, s)
            swelling = _beads(rng, s, radii, conditions, voxel)
            for centre, width, radius_factor, brightness_factor in swelling:
                profile = np.exp(-0.5 * ((s - centre) / width) ** 2)
                radii *= 1.0 + (radius_factor - 1.0) * profile
                values *= 1.0 + (brightness_factor - 1.0) * profile
                plain &= profile < _BEAD_TAIL
                beads.append(_at(path.points, s, centre))
            forks = [s[c.branch_index] for c in tree.children(path.id) if c.branch_index is not None]
            for centre, length in _gaps(rng, s, forks, conditions, voxel):
                reach = 0.5 * length + float(np.interp(centre, s, radii))
                # The dark nodes reach past the gap by the radius: a bright
                # node's tube ends in a cap of its radius.
                values[np.abs(s - centre) <= reach] = 0.0
                plain &= np.abs(s - centre) > reach + 2 * voxel
                gaps.append([*_at(path.points, s, centre), length, path.id])
        for soma in somata:
            inside = np.linalg.norm(path.points - soma.points[0], axis=1) <= soma.radii[0] + 2 * voxel
            plain &= ~inside
        paths.append(path.copy(radii=radii))
        brightness[path.id] = values
        nominal[path.id] = plain
    out = Tree(paths, spacing_xyz=tree.spacing_xyz, units=tree.units)
    return Labelling(out, brightness if varies else None, nominal, np.array(gaps, dtype=float).reshape(-1, 5),
                     np.array(beads, dtype=float).reshape(-1, 3), faint)


def _drift(rng, s: np.ndarray) -> np.ndarray:
    """A smooth function of arc length in [-1, 1]: the mean of two sinusoids of random wavelength and phase."""
    wavelengths = rng.uniform(*_DRIFT_WAVELENGTH_UM, 2)
    phases = rng.uniform(0, 2 * np.pi, 2)
    return 0.5 * sum(np.sin(2 * np.pi * s / w + p) for w, p in zip(wavelengths, phases))


def _beads(rng, s: np.ndarray, radii: np.ndarray, conditions: Conditions, voxel: float) -> list[tuple]:
    """(centre, width, radius factor, brightness factor) of the beads along one path, on its thin stretches."""
    if not conditions.bead_spacing_um:
        return []
    out = []
    thin = radii <= conditions.thin_voxels * voxel + 1e-9
    centre = rng.uniform(0.5, 1.5) * conditions.bead_spacing_um
    while centre < s[-1] - 1.0:
        if thin[min(np.searchsorted(s, centre), len(s) - 1)]:
            out.append((centre, rng.uniform(*_BEAD_WIDTH_UM), rng.uniform(*_BEAD_RADIUS),
                        rng.uniform(*_BEAD_BRIGHTNESS)))
        centre += rng.uniform(0.5, 1.5) * conditions.bead_spacing_um
    return out


def _gaps(rng, s: np.ndarray, forks: list[float], conditions: Conditions, voxel: float) -> list[tuple]:
    """(centre, length) of the gaps along one path: clear of its ends, its forks and each other."""
    if not conditions.gaps_per_100um:
        return []
    out = []
    low, high = _GAP_CLEARANCE_UM, s[-1] - _GAP_CLEARANCE_UM
    for _ in range(rng.poisson(conditions.gaps_per_100um * s[-1] / 100.0)):
        for _ in range(_GAP_TRIES):
            centre = rng.uniform(low, high) if high > low else None
            taken = forks + [c for c, _ in out]
            if centre is not None and all(abs(centre - t) > _GAP_CLEARANCE_UM for t in taken):
                low_n, high_n = conditions.gap_voxels
                out.append((centre, int(rng.integers(low_n, high_n + 1)) * voxel))
                break
    return out


def _at(points: np.ndarray, s: np.ndarray, where: float) -> list[float]:
    """The point at arc length ``where`` along a polyline."""
    return [float(np.interp(where, s, points[:, k])) for k in range(3)]
