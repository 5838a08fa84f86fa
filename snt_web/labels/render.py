"""Label images drawn from a reconstruction: one-voxel skeletons or solid neurites.

The two modes are SNT's raster labels (``Tree.getSkeleton`` and
``TreeToRaster``), as training data for a pixel classifier: a skeleton marks
where the neurites certainly are, a volume marks their whole cross-section.
"""

from __future__ import annotations

import numpy as np

from ..model import Path, Tree, physical_to_voxel
from ..model.fitted import drawn_nodes
from .classes import path_labels
from .lines import polyline_voxels, thin_chain
from .tubes import around_axes, default_radius, node_radii, paint_polyline_tube
from .voxels import paint_unlabelled

#: Drawing modes :func:`render_labels` knows.
MODES = ("skeleton", "volume")


def render_labels(
    tree: Tree,
    shape_zyx,
    spacing_zyx,
    *,
    mode: str = "skeleton",
    classes: str = "binary",
    paths=None,
) -> np.ndarray:
    """Draw a reconstruction's paths into a label volume.

    Parameters
    ----------
    tree : Tree
        Paths in physical units, those of ``spacing_zyx``.
    shape_zyx : sequence of 3 int
        Shape of the label volume: that of the image the labels are for.
    spacing_zyx : sequence of 3 float
        Voxel size in array order; node ``(x, y, z)`` lies in voxel
        :func:`~snt_web.model.physical_to_voxel` ``((x, y, z))``.
    mode : {"skeleton", "volume"}
        ``"skeleton"``: each path is a one-voxel-thick, 26-connected digital
        line through its nodes' voxels (:mod:`~snt_web.labels.lines`).
        ``"volume"``: every voxel within the path's radius of its axis, the
        radius interpolated linearly between nodes and distances measured in
        physical units (:mod:`~snt_web.labels.tubes`); nodes without a radius
        get half the larger in-plane voxel size. The volume holds the
        skeleton, labelled as in ``"skeleton"`` mode, so that a neurite
        thinner than a voxel never drops out.
    classes : {"binary", "channel", "path"}
        Label of each path (:mod:`~snt_web.labels.classes`): 1, its channel,
        or ``1 +`` its index in tree order (:func:`~snt_web.labels.classes.path_label_ids`).
    paths : iterable of int, optional
        Ids of the paths to draw; all but fitted copies by default.

    Returns
    -------
    ndarray of uint16, shape ``shape_zyx``
        0 where no path is drawn.

    Notes
    -----
    A branch is drawn from its fork node on the parent, so an arbor stays in
    one piece. Where skeletons share voxels, a parent is drawn before its
    children and keeps them, so the fork voxel is the parent's; paths at the
    same depth are drawn in tree order. A voxel off the skeletons but inside
    several tubes goes to the tube whose axis is nearest. Paths, or parts of
    paths, outside the volume are clipped.

    Examples
    --------
    >>> from snt_web.model import Path, Tree
    >>> tree = Tree([Path(0, [[0, 1, 1], [4, 1, 1]])])
    >>> render_labels(tree, (3, 3, 6), (1, 1, 1))[1, 1].tolist()
    [1, 1, 1, 1, 1, 0]
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (expected one of {', '.join(MODES)})")
    shape = tuple(int(n) for n in shape_zyx)
    spacing = np.asarray(spacing_zyx, dtype=float)
    labelled = _parents_first(tree, path_labels(tree, classes, paths))
    labels = np.zeros(shape, dtype=np.uint16)
    for path, label in labelled:
        points, _ = drawn_nodes(tree, path)
        voxels = thin_chain(polyline_voxels(physical_to_voxel(points, spacing), shape))
        paint_unlabelled(labels, voxels, label)
    if mode == "volume":
        # The tubes grow around the skeleton and never relabel it: a path
        # thinner than a voxel, or a soma node inside its branches' tubes,
        # keeps its voxels.
        nearest = around_axes(labels)
        radius = default_radius(spacing)
        for path, label in labelled:
            points, radii = drawn_nodes(tree, path)
            paint_polyline_tube(labels, nearest, points[:, ::-1], node_radii(radii, len(points), radius), spacing,
                                label)
    return labels


def _parents_first(tree: Tree, labelled: list[tuple[Path, int]]) -> list[tuple[Path, int]]:
    """``labelled`` sorted by depth in the tree (roots first), tree order within a depth."""
    parent_of = {p.id: p.parent_id for p in tree.paths}

    def depth(path_id) -> int:
        seen = set()
        while parent_of.get(path_id) is not None and path_id not in seen:  # `seen`: a corrupt cycle
            seen.add(path_id)
            path_id = parent_of[path_id]
        return len(seen)

    return sorted(labelled, key=lambda item: depth(item[0].id))

