"""Secondary layers to trace on: the raw image, a filtered copy of it, or a map loaded beside it.

What a layer's values are decides how it is traced by default
(:func:`value_kind`, :func:`default_cost`): a probability map is searched
with SNT's probability cost, and autotraced at a probability threshold
(:func:`snt_web.autotrace.threshold.map_threshold`), where an image, a
filtered layer, a label image or a map of arbitrary scores keeps the
reciprocal cost and an estimated grey-level threshold.
"""

from __future__ import annotations

import numpy as np

from ..filters import frangi, gaussian, tubeness

LAYERS = ("raw", "tubeness", "frangi", "gaussian")
#: The layers that are computed from the image (and worth caching).
FILTERED_LAYERS = LAYERS[1:]
#: What a layer's values are: grey levels (the image, a filtered layer),
#: probabilities, label ids, or scores of any other range.
VALUE_KINDS = ("image", "probability", "labels", "scores")
# Voxels read at once when a (memory-mapped) map's range is taken.
_VOXELS = 1 << 22


def default_scales(spacing_zyx) -> tuple[float, ...]:
    """Two lateral voxels: the radius of a thin neurite in a typical confocal stack."""
    return (2.0 * float(min(spacing_zyx[1:])),)


def parse_scales(text: str | None) -> tuple[float, ...] | None:
    """Filter scales typed as ``"0.6, 1.2"`` (physical units); None for blank (the default scales).

    Raises
    ------
    ValueError
        Not comma-separated positive numbers.

    Examples
    --------
    >>> parse_scales("0.6,1.2")
    (0.6, 1.2)
    """
    if text is None or not text.strip():
        return None
    try:
        scales = tuple(float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise ValueError(f"scales must be comma-separated numbers, got {text!r}") from None
    if not all(s > 0 and np.isfinite(s) for s in scales):
        raise ValueError(f"scales must be positive, got {text!r}")
    return scales


def filtered_layer(volume: np.ndarray, layer: str, spacing_zyx, scales=None) -> np.ndarray:
    """``volume`` as the tracer should see it.

    Parameters
    ----------
    volume : ndarray, shape (z, y, x)
    layer : {'raw', 'tubeness', 'frangi', 'gaussian'}
    spacing_zyx : sequence of float
        Physical voxel size in array order.
    scales : sequence of float, optional
        Physical scales (the radii of the structures to enhance); by default
        :func:`default_scales`.
    """
    if layer not in LAYERS:
        raise ValueError(f"layer must be one of {', '.join(LAYERS)}, got {layer!r}")
    if layer == "raw":
        return volume
    scales = tuple(scales or default_scales(spacing_zyx))
    if layer == "gaussian":
        return gaussian(volume, scales[0], spacing_zyx)
    return (tubeness if layer == "tubeness" else frangi)(volume, scales, spacing_zyx)


def value_range(volume) -> tuple[float, float]:
    """Smallest and largest value of an array of any shape, a few planes at a time (a memory map is not copied).

    NaN anywhere makes both NaN.

    Examples
    --------
    >>> value_range(np.array([[0.25, 1.0], [0.5, 0.0]]))
    (0.0, 1.0)
    """
    volume = np.atleast_1d(volume)
    if not volume.size:
        raise ValueError("an empty layer has no values")
    step = max(1, _VOXELS // volume[0].size)
    parts = [volume[i:i + step] for i in range(0, len(volume), step)]
    return float(min(np.min(p) for p in parts)), float(max(np.max(p) for p in parts))


def value_kind(volume, value_range_=None) -> str:
    """Whether a loaded map holds probabilities, label ids or other scores, from its values alone.

    A map is a probability map when its values are floating point and all
    lie in [0, 1] (a classifier's output, a network's softmax or sigmoid, a
    binary mask saved as 0.0/1.0). Integer values are label ids (a
    segmentation, an 8- or 16-bit export), even 0 and 1 only; floating-point
    values beyond [0, 1] (or NaN) are scores of unknown range (a filter's
    response, logits). Labels and scores are traced as an image is.

    Parameters
    ----------
    volume : ndarray
        The map as loaded, in its own dtype.
    value_range_ : (float, float), optional
        Its :func:`value_range`, when already known.

    Returns
    -------
    {'probability', 'labels', 'scores'}

    Examples
    --------
    >>> value_kind(np.array([0.0, 0.3, 1.0], np.float32)), value_kind(np.array([0, 1], np.uint8))
    ('probability', 'labels')
    >>> value_kind(np.array([-2.5, 7.0]))
    'scores'
    """
    if np.asarray(volume).dtype.kind in "biu":
        return "labels"
    lo, hi = value_range(volume) if value_range_ is None else value_range_
    return "probability" if 0.0 <= lo and hi <= 1.0 else "scores"


def default_cost(kind: str) -> str:
    """The search cost for a layer whose values are ``kind`` (:data:`VALUE_KINDS`).

    SNT's probability cost (``erfc`` of the value's z-score against the
    searched region's statistics) on a probability map; the reciprocal,
    SNT's default, on everything else.

    Examples
    --------
    >>> default_cost("probability"), default_cost("image")
    ('probability', 'reciprocal')
    """
    if kind not in VALUE_KINDS:
        raise ValueError(f"unknown kind of values {kind!r}; expected one of {', '.join(VALUE_KINDS)}")
    return "probability" if kind == "probability" else "reciprocal"
