"""Refine/Fit: centre paths on their neurites and measure radii from cross-sections.

For each node: the tangent over ±4 nodes, a cross-section perpendicular to it
(:mod:`.cross_section`), a bright-disk fit (:mod:`.disk`), then SNT's
validity rules (:mod:`.validity`). All coordinates, radii and the search
radius are physical (the image's units, µm usually); the image is a
``(z, y, x)`` array with its voxel size in that order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model import Path, Tree
from .cross_section import plane_bases, sample_cross_sections, tangents
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
#: Nodes whose cross-sections are sampled together (bounds the memory of one batch).
BATCH = 512


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
              min_angle: float = MIN_ANGLE, fallback: str = "mode") -> NodeFits:
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

    Returns
    -------
    NodeFits

    Notes
    -----
    SNT drops a rejected node unless that leaves a gap of two nodes; here
    every node is kept (at its traced position, with the fallback radius), so
    a fit has its path's node count and branch indices stay valid.
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
    tangent = tangents(points)
    a, b = plane_bases(tangent)
    centres, radii, ok = np.empty_like(points), np.empty(len(points)), np.zeros(len(points), dtype=bool)
    for start in range(0, len(points), BATCH):
        part = slice(start, start + BATCH)
        sections = sample_cross_sections(volume, spacing, points[part], a[part], b[part], half_width, step)
        disks = fit_disks(sections, max_radius=half_width)
        centres[part] = points[part] + step * (disks.centre[:, :1] * a[part] + disks.centre[:, 1:] * b[part])
        radii[part] = _radius_across(disks.semi_axes, a[part], b[part], spacing) * step
        ok[part] = disks.ok

    typical = mode_radii(radii, ok, voxel)
    shift = np.linalg.norm(centres - points, axis=1)
    # A centre beyond the image's last voxel centre is a fit to the border's padding.
    inside = np.all((centres >= 0) & (centres <= (np.asarray(volume.shape) - 1)[::-1] * spacing[::-1]), axis=1)
    valid = ok & inside & (shift < np.maximum(typical, SHIFT_FLOOR_VOXELS * voxel))
    valid &= ~folded(centres, valid, min_angle)
    valid &= ~overlapping(centres, tangent, radii, valid)

    if fallback == "mode":
        replacement = mode_radii(radii, valid, voxel)
    else:
        replacement = np.full(len(points), voxel)
    radii = np.where(valid, radii, replacement)
    centres = np.where(valid[:, None], centres, points)
    return NodeFits(centres=centres, radii=np.maximum(radii, voxel), tangents=tangent, valid=valid)


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
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    fits = fit_nodes(volume, spacing_zyx, path.points, max_radius=max_radius, min_angle=min_angle,
                     fallback=fallback)
    points = path.points if scope == "radii" else fits.centres
    radii = path.radii if scope == "positions" else fits.radii
    return path.copy(points=points.copy(), radii=None if radii is None else np.array(radii, dtype=float),
                     tangents=tangents(points))


def fit_tree(volume: np.ndarray, spacing_zyx, tree: Tree, path_ids=None, *, scope: str = "both",
             max_radius: float | None = None, min_angle: float = MIN_ANGLE, fallback: str = "mode",
             progress=None) -> list[Path]:
    """Fit the paths of a reconstruction, one after the other.

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
    done, out = 0, []
    for path in paths:
        out.append(fit_path(volume, spacing_zyx, path, scope=scope, max_radius=max_radius, min_angle=min_angle,
                            fallback=fallback))
        done += len(path)
        if progress is not None:
            progress(100.0 * done / total, f"fitted path {path.id} ({len(out)} of {len(paths)})")
    return out


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
