"""SNT's two ways of handing traced paths to a pixel classifier, as label images.

SNT sends paths to Labkit (Path Manager, "Load Labkit With Selected
Path(s)…") and to Trainable Weka Segmentation (TWS) as training labels, one
class per image channel. These functions make the same labels as a
``(z, y, x)`` label image, value ``c`` for the class of channel ``c`` and 0
for the rest, with the class names each tool shows, indexed by label value.

Where we differ from SNT:

* SNT fills a Labkit labelling or TWS traces inside Fiji; we write a label
  image (and its class names), which any tool, Fiji included, can read.
* The background class is named, as SNT names it, at index 0, but SNT leaves
  it for the user to paint and so do we: 0 means "not labelled", not
  "background".
* TWS strokes: SNT uses twice the mean radius as a width in pixels, though the
  radius is physical; we measure the width in physical units, so the stroke
  covers the neurite whatever the calibration (the two agree at 1 unit per
  pixel). Pixels are covered where their centre is, node ``(x, y)`` at pixel
  ``round((x/sx, y/sy))``, not by ImageJ's pixel-corner geometry.
* SNT labels the paths selected in the Path Manager; ``paths`` selects them
  here. Fitted copies are not labelled as paths of their own, as everywhere
  in :mod:`~snt_web.labels`; a path that uses its fitted version is labelled
  with that version's nodes and radii.
"""

from __future__ import annotations

import numpy as np

from ..model import Tree, physical_to_voxel
from ..model.fitted import path_in_use
from .classes import channel_count, path_labels
from .lines import polyline_voxels
from .tubes import around_axes, node_radii, paint_polyline_tube
from .voxels import inside, paint_unlabelled


def labkit_labels(
    tree: Tree, shape_zyx, spacing_zyx, *, n_channels: int | None = None, paths=None
) -> tuple[np.ndarray, list[str]]:
    """Labels as SNT loads them into Labkit: the voxel of every node, per channel.

    Only the voxels that hold a node are labelled: nothing is drawn between
    nodes, and radii are ignored. Paths traced by A* have a node in every
    voxel they cross, so their labels are continuous; fitted or resampled
    paths give sparse dots. Labkit's images have no channel axis: each
    channel's paths become that channel's class in one volume.

    Parameters
    ----------
    tree : Tree
    shape_zyx : sequence of 3 int
    spacing_zyx : sequence of 3 float
    n_channels : int, optional
        The image's channel count; one class per channel (at least as many as
        the paths use).
    paths : iterable of int, optional
        Ids of the paths to label; all by default.

    Returns
    -------
    labels : ndarray of uint8, shape ``shape_zyx``
        ``c`` at the nodes of the paths on channel ``c``; where paths of two
        channels share a voxel, the later path in tree order wins, as in SNT.
    class_names : list of str
        ``["background", "SNT paths ch1", …]``, indexed by label value.
    """
    labels = np.zeros(tuple(int(n) for n in shape_zyx), dtype=np.uint8)
    for path, channel in path_labels(tree, "channel", paths, dtype=np.uint8):
        voxels = physical_to_voxel(path_in_use(tree, path).points, spacing_zyx)
        voxels = voxels[inside(voxels, labels.shape)]
        labels[tuple(voxels.T)] = channel
    names = ["background"] + [f"SNT paths ch{c}" for c in range(1, channel_count(tree, n_channels) + 1)]
    return labels, names


def tws_labels(
    tree: Tree, shape_zyx, spacing_zyx, *, n_channels: int | None = None, paths=None
) -> tuple[np.ndarray, list[str]]:
    """Labels as SNT gives them to Trainable Weka Segmentation: per-plane strokes.

    SNT turns each path into polyline ROIs, one per run of consecutive nodes
    on the same z plane (a path that changes plane starts a new polyline, and
    the step between planes is not drawn), and adds them as traces of the
    path's channel's class, with a stroke twice the path's mean radius wide.
    Each polyline here is the one-pixel line through its nodes' pixels (as
    ImageJ draws a line one pixel wide; a one-node run is its pixel),
    widened to the pixels of its plane within the mean radius of it. Paths
    without radii (SNT writes 0 for unfitted ones) stay one pixel wide.

    Parameters
    ----------
    tree, shape_zyx, spacing_zyx, n_channels, paths
        As for :func:`labkit_labels`.

    Returns
    -------
    labels : ndarray of uint8, shape ``shape_zyx``
        ``c`` under the strokes of paths on channel ``c``. Where paths of two
        channels meet, the one-pixel lines keep their pixels (the first path
        in tree order where lines cross) and the rest of a stroke goes to the
        nearest line.
    class_names : list of str
        ``["Bckgrnd", "SNTch1", …, "SNTchN"]``, indexed by label value (TWS
        lists ``Bckgrnd`` last).
    """
    labels = np.zeros(tuple(int(n) for n in shape_zyx), dtype=np.uint8)
    spacing = np.asarray(spacing_zyx, dtype=float)
    runs = list(_plane_runs(tree, spacing, labels.shape[0], paths))
    for channel, voxels, _, _ in runs:
        paint_unlabelled(labels, polyline_voxels(voxels, labels.shape), channel)
    nearest = around_axes(labels)
    for channel, voxels, points_yx, half_width in runs:
        if half_width > 0:
            plane = voxels[0, 0]
            paint_polyline_tube(labels[plane], nearest[plane], points_yx, np.full(len(points_yx), half_width),
                                spacing[1:], channel)
    names = ["Bckgrnd"] + [f"SNTch{c}" for c in range(1, channel_count(tree, n_channels) + 1)]
    return labels, names


def _plane_runs(tree: Tree, spacing: np.ndarray, n_planes: int, paths):
    """Each path's runs of nodes on one z plane inside the volume.

    Yields
    ------
    channel : int
    voxels : ndarray of int, shape (n, 3)
        The run's node voxels, all on one plane.
    points_yx : ndarray, shape (n, 2)
        The run's physical in-plane positions, y and x.
    half_width : float
        The path's mean radius (0 without radii).
    """
    for labelled, channel in path_labels(tree, "channel", paths, dtype=np.uint8):
        path = path_in_use(tree, labelled)
        voxels = physical_to_voxel(path.points, spacing)
        half_width = float(node_radii(path.radii, len(path), 0.0).mean())
        for run in np.split(np.arange(len(path)), np.flatnonzero(np.diff(voxels[:, 0])) + 1):
            if 0 <= voxels[run[0], 0] < n_planes:
                yield channel, voxels[run], path.points[run][:, 1::-1], half_width
