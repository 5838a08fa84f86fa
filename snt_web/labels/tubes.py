"""Solid tubes around polylines, painted segment by segment into a label array.

A segment from node ``a`` (radius ``ra``) to node ``b`` (radius ``rb``) covers
the voxels whose centre lies within ``ra + t (rb - ra)`` of the nearest point
``a + t (b - a)`` of the segment: a cone with spherical caps, the shape
``snt_web.synth.render_tree`` renders. Distances are physical, so anisotropic
voxels are handled, and each segment touches only the voxels of its own
bounding box. The functions work in any number of dimensions: 3D volumes,
and single planes for per-plane strokes.

Where tubes overlap, a voxel goes to the tube whose axis is nearest; a
``nearest`` array of the labels' shape (:func:`around_axes`) holds the
distance each voxel was labelled at.
"""

from __future__ import annotations

import numpy as np


def around_axes(labels: np.ndarray) -> np.ndarray:
    """The ``nearest`` array for tubes grown around the axes drawn in ``labels``.

    0 on the voxels already labelled, which no tube then relabels, and
    ``inf`` elsewhere.
    """
    nearest = np.full(labels.shape, np.inf, dtype=np.float32)
    nearest[labels > 0] = 0.0
    return nearest


def paint_polyline_tube(labels, nearest, points, radii, spacing, label: int) -> None:
    """Paint the tube along a polyline with ``label``, in place.

    Parameters
    ----------
    labels : ndarray of int
        Label array, modified in place.
    nearest : ndarray of float32, shape of ``labels``
        Distance from each labelled voxel to the axis it was labelled for;
        ``inf`` where unlabelled. Updated in place.
    points : ndarray, shape (n, ndim)
        Physical node positions in array axis order (z, y, x for a volume).
    radii : ndarray, shape (n,)
        Physical node radii.
    spacing : sequence of float, length ndim
        Voxel size in array axis order.
    label : int
        Value painted.

    Notes
    -----
    A one-node polyline is a sphere (a disc in 2D).
    """
    spacing = np.asarray(spacing, dtype=float)
    if len(points) == 1:
        _paint_segment_tube(labels, nearest, points[0], points[0], radii[0], radii[0], spacing, label)
    for i in range(len(points) - 1):
        _paint_segment_tube(labels, nearest, points[i], points[i + 1], radii[i], radii[i + 1], spacing, label)


def _paint_segment_tube(labels, nearest, a, b, ra, rb, spacing, label: int) -> None:
    """Paint the tube of one segment with ``label``, in place; see :func:`paint_polyline_tube`."""
    reach = max(ra, rb)
    first = np.maximum(np.ceil((np.minimum(a, b) - reach) / spacing), 0).astype(int)
    last = np.minimum(np.floor((np.maximum(a, b) + reach) / spacing).astype(int) + 1, labels.shape)
    if np.any(last <= first):
        return
    ndim = labels.ndim
    # Offsets of the box's voxel centres from a, one broadcastable array per axis.
    offsets = [
        (np.arange(first[k], last[k]) * spacing[k] - a[k]).reshape([-1 if j == k else 1 for j in range(ndim)])
        for k in range(ndim)
    ]
    axis = b - a
    length2 = float(axis @ axis)
    along = sum(o * axis[k] for k, o in enumerate(offsets))
    t = np.clip(along / length2, 0.0, 1.0) if length2 > 0 else np.zeros_like(along)
    # In the precision ``nearest`` keeps, so that ties compare as ties.
    distance = np.sqrt(sum((o - t * axis[k]) ** 2 for k, o in enumerate(offsets))).astype(np.float32)
    box = tuple(slice(f, l) for f, l in zip(first, last))
    # Strictly nearer: where two axes tie (at a fork node), the tube painted first keeps the voxel.
    hit = (distance <= ra + t * (rb - ra)) & (distance < nearest[box])
    labels[box][hit] = label
    nearest[box][hit] = distance[hit]


def default_radius(spacing_zyx) -> float:
    """Radius given to nodes without one: half the larger in-plane voxel size.

    SNT writes radius 0 for paths that were never fitted, and its volumetric
    rasteriser (``TreeToRaster``) uses the same default. A tube this thin
    still covers a voxel in every row or column it crosses in the plane; along
    a coarse z axis it may not, which is why volume labels also include the
    skeleton.
    """
    return 0.5 * max(float(spacing_zyx[-2]), float(spacing_zyx[-1]))


def node_radii(radii, n: int, default: float) -> np.ndarray:
    """Node radii with ``default`` wherever a radius is missing, zero, negative or NaN."""
    if radii is None:
        return np.full(n, default)
    radii = np.asarray(radii, dtype=float)
    return np.where(np.isfinite(radii) & (radii > 0), radii, default)
