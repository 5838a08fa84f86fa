"""Seeds from a labels image (cellpose, StarDist, Labkit...) or a binary mask.

One seed per non-zero label, as SNT's ``LabelsToSeeds``: the centroid (mean
voxel index × spacing, no origin offset), the equivalent-sphere radius
``cbrt(3V / 4π)`` of the label's physical volume (a single-plane image counts
a unit-depth slab, V = count × sx × sy), a confidence mapped linearly from the
label's volume (``min_confidence`` for the smallest label, 1.0 for the
largest; 1.0 for all when they are equal), type ``"soma"`` and source
``"labels-image:<name>"``, in ascending label order. A binary mask (one
distinct non-zero value) is first split into 26-connected components
(8-connected in a single plane), numbered in scan order.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .table import UNSET, Seeds

DEFAULT_MIN_CONFIDENCE = 0.1
#: Appended to the source of seeds from a mask split into components (SNT's wording).
CCA_SUFFIX = " (CCA from binary mask)"
#: Largest label id counted with a dense table; sparser ids are renumbered first.
_DENSE_LIMIT = 1 << 24


def is_binary_mask(volume: np.ndarray) -> bool:
    """Whether ``volume`` holds exactly one distinct non-zero value."""
    nonzero = volume[volume != 0]
    return nonzero.size > 0 and bool((nonzero == nonzero.flat[0]).all())


def seeds_from_labels(labels: np.ndarray, spacing_zyx, *, name: str, min_confidence: float = DEFAULT_MIN_CONFIDENCE,
                      channel: int = UNSET, frame: int = UNSET, seed_type: str = "soma",
                      source: str | None = None) -> Seeds:
    """One seed per non-zero label of a ``(z, y, x)`` labels volume.

    Parameters
    ----------
    labels : ndarray, shape (z, y, x)
        Integer label ids (floats holding integers are accepted); 0 is background.
    spacing_zyx : (float, float, float)
        Voxel size in array order.
    name : str
        The image's name, for the source ``"labels-image:<name>"``.
    min_confidence : float
        Confidence of the smallest label, in [0, 1].
    channel, frame : int
        1-based channel and frame the seeds belong to (-1 unset).
    seed_type : str
        The seeds' type.
    source : str, optional
        Overrides the source.

    Returns
    -------
    Seeds
        Ordered by label id; empty when there is no label.

    Raises
    ------
    ValueError
        Labels that are not integers, or ``min_confidence`` outside [0, 1].

    Examples
    --------
    >>> labels = np.zeros((1, 5, 5), int); labels[0, 1:4, 1:4] = 7
    >>> seeds_from_labels(labels, (1, 1, 1), name="cells").xyz
    array([[2., 2., 0.]])
    """
    if not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must be in [0, 1], got {min_confidence}")
    labels = _integer_labels(np.asarray(labels))
    if labels.ndim != 3:
        raise ValueError(f"labels must be (z, y, x), got shape {labels.shape}")
    ids, counts, sums = _label_moments(labels)
    spacing = np.asarray(spacing_zyx, dtype=np.float64)
    centroid_zyx = sums / counts[:, None] * spacing
    voxel_volume = spacing[1] * spacing[2] * (spacing[0] if labels.shape[0] > 1 else 1.0)
    radius = np.cbrt(3.0 * counts * voxel_volume / (4.0 * np.pi))
    low, high = (counts.min(), counts.max()) if len(counts) else (0, 0)
    if high > low:
        confidence = min_confidence + (counts - low) / (high - low) * (1.0 - min_confidence)
    else:
        confidence = np.ones(len(counts))
    return Seeds.from_columns(
        centroid_zyx[:, ::-1], confidence=confidence, radius=radius, channel=np.full(len(ids), channel),
        frame=np.full(len(ids), frame), type=seed_type, source=source or f"labels-image:{name}",
    )


def seeds_from_mask(mask: np.ndarray, spacing_zyx, *, name: str, **kwargs) -> Seeds:
    """One seed per 26-connected component of a binary ``(z, y, x)`` mask.

    Parameters are those of :func:`seeds_from_labels`; the source gets
    :data:`CCA_SUFFIX`.
    """
    components, _ = ndimage.label(np.asarray(mask) != 0, structure=np.ones((3, 3, 3), dtype=bool))
    kwargs.setdefault("source", f"labels-image:{name}{CCA_SUFFIX}")
    return seeds_from_labels(components, spacing_zyx, name=name, **kwargs)


def seeds_from_label_image(volume: np.ndarray, spacing_zyx, *, name: str, binary: str = "components",
                           **kwargs) -> Seeds:
    """Seeds from a labels image, splitting a binary mask as ``binary`` says.

    Parameters
    ----------
    binary : {'components', 'single'}
        For a binary mask: one seed per 26-connected component (default), or
        one seed for the whole mask (SNT's "import as one seed").
    **kwargs
        As :func:`seeds_from_labels`.
    """
    if binary not in ("components", "single"):
        raise ValueError(f"binary must be 'components' or 'single', got {binary!r}")
    if binary == "components" and is_binary_mask(volume):
        return seeds_from_mask(volume, spacing_zyx, name=name, **kwargs)
    return seeds_from_labels(volume, spacing_zyx, name=name, **kwargs)


def _integer_labels(labels: np.ndarray) -> np.ndarray:
    if labels.dtype == bool:
        return labels.astype(np.uint8)
    if np.issubdtype(labels.dtype, np.integer):
        return labels
    if not np.issubdtype(labels.dtype, np.floating) or not np.array_equal(labels, np.round(labels)):
        raise ValueError(f"labels must be integer ids, got {labels.dtype} values that are not whole numbers")
    return labels.astype(np.int64)


def _label_moments(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ids of the non-zero labels, their voxel counts and sums of (z, y, x) indices.

    Counted plane by plane, so the extra memory is a few planes, not a
    copy of the volume per axis.
    """
    lo, hi = (int(labels.min()), int(labels.max())) if labels.size else (0, 0)
    if lo < 0 or hi >= _DENSE_LIMIT:
        # Sparse or negative ids: counted under dense ids 1..n (sorted, so order is kept).
        values, inverse = np.unique(labels, return_inverse=True)
        dense = inverse.reshape(labels.shape) + 1
        dense[labels == 0] = 0
        counts, sums = _dense_moments(dense, len(values) + 1)
        keep = values != 0
        return values[keep], counts[1:][keep], sums[1:][keep]
    counts, sums = _dense_moments(labels, hi + 1)
    present = np.flatnonzero(counts)
    present = present[present != 0]
    return present, counts[present], sums[present]


def _dense_moments(labels: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.zeros(n, dtype=np.float64)
    sums = np.zeros((n, 3), dtype=np.float64)
    ny, nx = labels.shape[1:]
    yy = np.broadcast_to(np.arange(ny, dtype=np.float64)[:, None], (ny, nx)).ravel()
    xx = np.broadcast_to(np.arange(nx, dtype=np.float64)[None, :], (ny, nx)).ravel()
    for z, plane in enumerate(labels):
        flat = plane.ravel().astype(np.intp, copy=False)
        plane_counts = np.bincount(flat, minlength=n)
        counts += plane_counts
        sums[:, 0] += z * plane_counts
        sums[:, 1] += np.bincount(flat, weights=yy, minlength=n)
        sums[:, 2] += np.bincount(flat, weights=xx, minlength=n)
    return counts, sums
