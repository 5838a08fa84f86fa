"""Refine/Fit: centre paths on their neurites and measure radii from cross-sections.

For each node: the tangent over ±4 nodes, a cross-section perpendicular to it
averaged over a short slab along the path (:mod:`.cross_section`), with the
parts nearer other traced neurites left out, a bright-disk fit
(:mod:`.disk`), SNT's validity rules (:mod:`.validity`), then a smooth
centreline through the accepted centres (:mod:`.centreline`). All
coordinates, radii and the search radius are physical (the image's units, µm
usually); the image is a ``(z, y, x)`` array with its voxel size in that
order. The constants in voxels were chosen on the synthetic corpus
(``benchmarks/bench_accuracy.py --only fit``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scipy.spatial import cKDTree

from ..model import Path, Tree, arc_lengths
from ..model.fitted import path_in_use
from .centreline import carried_shifts, smooth_centres
from .cross_section import nearer_elsewhere, plane_bases, sample_cross_sections, section_grid, slab_centres, tangents
from .disk import fit_disks
from .validity import FALLBACKS, MIN_ANGLE, folded, mode_radii, overlapping

#: What a fit changes: the radii, the node positions, or both.
SCOPES = ("radii", "positions", "both")
#: Default search radius, in voxels of the finest axis (SNT's default cross-section of 10 pixels).
SEARCH_VOXELS = 10
#: The largest cross-section, in samples on each side of the node (SNT clamps its side to 100).
MAX_HALF_WIDTH = 50
#: A node may move this many voxels even where the neurite is thinner: traced nodes of a thin neurite
#: (a click, a search through noisy voxels) are often 2-3 voxels off its centre, which SNT's rule,
#: shift below the radius, would never correct.
SHIFT_FLOOR_VOXELS = 3.0
#: Each cross-section averages the planes this many voxels either side of the node along the path: at a
#: signal-to-noise ratio of 2-3 one plane's fit wanders. On the corpus (seed 201: noisy, anisotropic, hard,
#: dense) 2 and 4 fit alike; 4 widens the radii of neurites whose radius changes within a few voxels.
SLAB_VOXELS = 2
#: The centreline through the fitted centres: standard deviation of its Gaussian weight along the path,
#: and the distance from it at which a centre's weight halves (voxels).
SMOOTHING_VOXELS = 6.0
ROBUST_VOXELS = 0.7
#: A rejected node moves as the accepted nodes within this many voxels along the path moved.
CARRY_VOXELS = 6.0
#: Samples of cross-sections taken at once (bounds the memory of one batch).
BATCH_SAMPLES = 2_000_000


@dataclass(frozen=True)
class NodeFits:
    """Per-node results of fitting one path (physical x, y, z and units).

    Attributes
    ----------
    centres : ndarray, shape (n, 3)
        Fitted centres (the traced node where a node was rejected).
    radii : ndarray, shape (n,)
        Fitted radii, the fallback radius where rejected, at least one voxel.
    tangents : ndarray, shape (n, 3)
        Unit tangents the cross-sections were taken across.
    valid : ndarray of bool, shape (n,)
        Nodes whose fit was kept.
    """

    centres: np.ndarray
    radii: np.ndarray
    tangents: np.ndarray
    valid: np.ndarray


def default_max_radius(spacing_zyx) -> float:
    """The default search radius: 10 voxels of the finest axis, physical."""
    return SEARCH_VOXELS * float(min(spacing_zyx))


def fit_nodes(volume: np.ndarray, spacing_zyx, points, *, max_radius: float | None = None,
              min_angle: float = MIN_ANGLE, fallback: str = "mode", neighbours=None) -> NodeFits:
    """Fit a centre and a radius at every node of a polyline.

    Parameters
    ----------
    volume : ndarray, shape (z, y, x)
        The image (or a probability map): neurites bright on a dark background.
    spacing_zyx : sequence of 3 float
        Voxel size in array order, physical.
    points : array_like, shape (n, 3)
        Physical x, y, z of the nodes.
    max_radius : float, optional
        Search radius, physical: the cross-section reaches this far from the
        node, and no larger radius is accepted. :func:`default_max_radius` by default.
    min_angle : float
        Smallest angle (degrees) at a node between the neighbouring fitted
        centres; a sharper fold rejects the node.
    fallback : {'mode', 'voxel'}
        Radius of a rejected node: the median of valid radii within 4 nodes
        (SNT's default), or one voxel.
    neighbours : array_like, shape (k, 3), optional
        Physical x, y, z of points along other neurites' centrelines, at
        most a voxel apart (:func:`neighbour_points`): the part of each
        cross-section nearer to them than to the node is left out of the fit.

    Returns
    -------
    NodeFits

    Notes
    -----
    Steps: a cross-section at each node, the mean of the planes within
    :data:`SLAB_VOXELS` along the path; a disk fitted to it
    (:func:`~.disk.fit_disks`); SNT's validity rules (shift below the local
    radius or :data:`SHIFT_FLOOR_VOXELS`, no fold sharper than
    ``min_angle``, no overlapping circles); then the accepted centres are
    smoothed along the path (:func:`~.centreline.smooth_centres`) and the
    rejected nodes move as their accepted neighbours did
    (:func:`~.centreline.carried_shifts`).

    SNT drops a rejected node unless that leaves a gap of two nodes; here
    every node is kept, so a fit has its path's node count and branch
    indices stay valid.
    """
    if fallback not in FALLBACKS:
        raise ValueError(f"fallback must be one of {', '.join(FALLBACKS)}, got {fallback!r}")
    spacing = np.asarray(spacing_zyx, dtype=float)
    if spacing.shape != (3,) or not np.all(spacing > 0):
        raise ValueError(f"spacing must be 3 positive numbers (z, y, x), got {spacing_zyx}")
    points = np.asarray(points, dtype=float)
    voxel = float(spacing.min())
    max_radius = default_max_radius(spacing) if max_radius is None else float(max_radius)
    if not 0 < max_radius < np.inf:
        raise ValueError(f"the search radius must be a positive number, got {max_radius}")
    half_width = int(min(max(np.ceil(max_radius / voxel), 2), MAX_HALF_WIDTH))
    step = max_radius / half_width

    if not len(points):
        return NodeFits(centres=np.empty((0, 3)), radii=np.empty(0), tangents=np.empty((0, 3)),
                        valid=np.empty(0, dtype=bool))
    others = None if neighbours is None or not len(neighbours) else cKDTree(np.asarray(neighbours, dtype=float))
    depth = int(round(SLAB_VOXELS * voxel / step))
    arc = arc_lengths(points)
    last = (np.asarray(volume.shape) - 1)[::-1] * spacing[::-1]
    tangent = tangents(points)
    centres, radii, ok = _section_fits(volume, spacing, points, tangent, half_width, step, depth, others)
    valid = _valid(points, centres, radii, ok, tangent, last, voxel, min_angle)
    centres = _along(points, arc, centres, valid, voxel, last)
    if fallback == "mode":
        replacement = mode_radii(radii, valid, voxel)
    else:
        replacement = np.full(len(points), voxel)
    radii = np.where(valid, radii, replacement)
    return NodeFits(centres=centres, radii=np.maximum(radii, voxel), tangents=tangent, valid=valid)


def _valid(points, centres, radii, ok, tangent, last, voxel, min_angle) -> np.ndarray:
    """SNT's validity rules on the disks' fitted ``centres`` and ``radii`` of the nodes ``points`` (physical)."""
    typical = mode_radii(radii, ok, voxel)
    shift = np.linalg.norm(centres - points, axis=1)
    # A centre beyond the image's last voxel centre is a fit to the border's padding.
    inside = np.all((centres >= 0) & (centres <= last), axis=1)
    valid = ok & inside & (shift < np.maximum(typical, SHIFT_FLOOR_VOXELS * voxel))
    valid &= ~folded(centres, valid, min_angle)
    valid &= ~overlapping(centres, tangent, radii, valid)
    return valid


def _along(points, arc, centres, valid, voxel, last) -> np.ndarray:
    """The nodes' new places: the smooth centreline through the valid ``centres``; rejected nodes move as the
    valid ones around them did, unless they lie off the neurite those describe (then they stay, as in SNT)."""
    centres = smooth_centres(arc, centres, valid, SMOOTHING_VOXELS * voxel, ROBUST_VOXELS * voxel)
    moved = points + carried_shifts(arc, centres - points, valid, CARRY_VOXELS * voxel)
    if valid.any() and not valid.all():
        # Where the neurite is at a rejected node, by the valid centres on either side along the path.
        kept = np.flatnonzero(valid)
        expected = np.column_stack([np.interp(arc, arc[kept], centres[kept, k]) for k in range(3)])
        off = np.linalg.norm(points - expected, axis=1) > SHIFT_FLOOR_VOXELS * voxel
        moved[off & ~valid] = points[off & ~valid]
    return np.clip(moved, 0, last)


def _section_fits(volume, spacing, points, tangent, half_width: int, step: float, depth: int, others):
    """Disks fitted to each node's cross-section (slabs ``depth`` planes either side, other neurites' parts left
    out): physical centres and radii, and which fits converged."""
    a, b = plane_bases(tangent)
    slabs = slab_centres(points, depth, step)
    centres, radii, ok = np.empty_like(points), np.empty(len(points)), np.zeros(len(points), dtype=bool)
    batch = max(BATCH_SAMPLES // ((2 * half_width + 1) ** 2 * (2 * depth + 1)), 1)
    for start in range(0, len(points), batch):
        part = slice(start, start + batch)
        sections = sample_cross_sections(volume, spacing, slabs[part], a[part], b[part], half_width, step)
        grid = section_grid(points[part], a[part], b[part], half_width, step) if others is not None else None
        ignore = nearer_elsewhere(grid, points[part], others)
        disks = fit_disks(sections, max_radius=half_width, ignore=ignore)
        ok[part] = disks.ok
        centres[part] = points[part] + step * (disks.centre[:, :1] * a[part] + disks.centre[:, 1:] * b[part])
        radii[part] = _radius_across(disks.semi_axes, a[part], b[part], spacing) * step
    return centres, radii, ok


def _radius_across(semi_axes: np.ndarray, a: np.ndarray, b: np.ndarray, spacing_zyx: np.ndarray) -> np.ndarray:
    """The radius of each fitted section along its better-resolved axis.

    Blur is widest along z, so where one section axis has markedly smaller
    voxels along it than the other (more than 10%), its semi-axis is the
    neurite's radius and the other is stretched by the blur; otherwise the
    neurite is measured as round, with the radius of the ellipse's area.
    """
    spacing_xyz = spacing_zyx[::-1]
    extent_a = np.linalg.norm(a * spacing_xyz, axis=1)
    extent_b = np.linalg.norm(b * spacing_xyz, axis=1)
    area = np.sqrt(semi_axes.prod(axis=1))
    return np.where(extent_a < 0.9 * extent_b, semi_axes[:, 0],
                    np.where(extent_b < 0.9 * extent_a, semi_axes[:, 1], area))


def fit_path(volume: np.ndarray, spacing_zyx, path: Path, *, scope: str = "both", max_radius: float | None = None,
             min_angle: float = MIN_ANGLE, fallback: str = "mode") -> Path:
    """The fitted version of a path: a copy with centred nodes, fitted radii, or both.

    Parameters
    ----------
    volume, spacing_zyx, max_radius, min_angle, fallback
        As :func:`fit_nodes`.
    path : Path
        Physical x, y, z.
    scope : {'radii', 'positions', 'both'}
        ``radii``: the nodes stay where they are and get fitted radii;
        ``positions``: the nodes move to the fitted centres and keep their
        radii; ``both``.

    Returns
    -------
    Path
        A copy of ``path`` (same id and attributes) with new points, radii
        and tangents; the node count is unchanged, so branches keep their
        fork nodes.

    Examples
    --------
    >>> from snt_web.synth import render_tree
    >>> truth = Path(0, [[x, 10.0, 10.0] for x in range(4, 28)], radii=[3.0] * 24)
    >>> volume = render_tree(Tree([truth]), (21, 21, 32), (1, 1, 1))
    >>> traced = truth.copy(points=truth.points + [0, 1.5, 0], radii=None)
    >>> fitted = fit_path(volume, (1, 1, 1), traced)
    >>> bool(np.median(np.abs(fitted.radii - 3)) < 0.5), bool(np.median(np.abs(fitted.points[:, 1] - 10)) < 0.5)
    (True, True)
    """
    return _fitted(volume, spacing_zyx, path, scope, None, max_radius=max_radius, min_angle=min_angle,
                   fallback=fallback)


def _fitted(volume: np.ndarray, spacing_zyx, path: Path, scope: str, neighbours, **options) -> Path:
    """:func:`fit_path`, with other neurites' points (:func:`fit_nodes`' ``neighbours``)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    fits = fit_nodes(volume, spacing_zyx, path.points, neighbours=neighbours, **options)
    points = path.points if scope == "radii" else fits.centres
    radii = path.radii if scope == "positions" else fits.radii
    return path.copy(points=points.copy(), radii=None if radii is None else np.array(radii, dtype=float),
                     tangents=tangents(points))


def fit_tree(volume: np.ndarray, spacing_zyx, tree: Tree, path_ids=None, *, scope: str = "both",
             max_radius: float | None = None, min_angle: float = MIN_ANGLE, fallback: str = "mode",
             progress=None) -> list[Path]:
    """Fit the paths of a reconstruction, one after the other.

    Each path is fitted as by :func:`fit_path`, but for the cross-sections'
    parts nearer to the reconstruction's other paths (all of them, fitted or
    not, as they are drawn: :func:`neighbour_points`), which are left out of
    its fits: where neurites fork or pass close by, each is fitted alone.

    Parameters
    ----------
    volume, spacing_zyx, scope, max_radius, min_angle, fallback
        As :func:`fit_path`.
    tree : Tree
    path_ids : iterable of int, optional
        The paths to fit; every path but fitted copies by default. A fitted
        copy named here stands for its original.
    progress : callable, optional
        ``progress(percent, message)`` after each path (a job's report).

    Returns
    -------
    list of Path
        The fitted versions, in tree order.

    Raises
    ------
    KeyError
        A path id is not in the tree.
    """
    wanted = fittable_ids(tree, path_ids)
    paths = [p for p in tree.paths if p.id in wanted]
    total = max(sum(len(p) for p in paths), 1)
    step = float(min(spacing_zyx))
    done, out = 0, []
    for path in paths:
        out.append(_fitted(volume, spacing_zyx, path, scope, neighbour_points(tree, path, step),
                           max_radius=max_radius, min_angle=min_angle, fallback=fallback))
        done += len(path)
        if progress is not None:
            progress(100.0 * done / total, f"fitted path {path.id} ({len(out)} of {len(paths)})")
    return out


def neighbour_points(tree: Tree, path: Path, step: float) -> np.ndarray:
    """Points along every other path of ``tree``, at most ``step`` apart (physical x, y, z).

    Each other path counts once, by the nodes it is drawn with (its fitted
    version's where it uses one, :func:`~snt_web.model.fitted.path_in_use`);
    ``path``'s own fitted version or original is not another neurite, nor
    are its siblings, the paths that leave the same node of the same parent
    (primaries from the soma's centre, say): they run together at first,
    where a section cannot be split between them.

    Returns
    -------
    ndarray, shape (k, 3)
    """
    own = {path.id, path.fitted_id, path.fitted_of}
    pieces = [np.empty((0, 3))]
    for other in tree.paths:
        sibling = path.parent_id is not None and (other.parent_id, other.branch_index) == (path.parent_id,
                                                                                           path.branch_index)
        if other.id in own or other.fitted_of is not None or not len(other) or sibling:
            continue
        nodes = path_in_use(tree, other).points
        arc = arc_lengths(nodes)
        at = np.linspace(0.0, arc[-1], int(np.ceil(arc[-1] / step)) + 1)
        pieces.append(np.column_stack([np.interp(at, arc, nodes[:, k]) for k in range(3)]))
    return np.concatenate(pieces)


def fittable_ids(tree: Tree, path_ids=None) -> set[int]:
    """Ids of the original paths to fit: ``path_ids`` (fitted copies mapped to their path) or all.

    Raises
    ------
    KeyError
        An id is not in the tree.
    """
    if path_ids is None:
        return {p.id for p in tree.paths if p.fitted_of is None}
    wanted = set()
    for path_id in path_ids:
        path = tree.path(int(path_id))
        wanted.add(path.id if path.fitted_of is None else path.fitted_of)
    return wanted
