"""Secondary layers to trace on: the raw image, or a filtered copy of it."""

from __future__ import annotations

import numpy as np

from ..filters import frangi, gaussian, tubeness

LAYERS = ("raw", "tubeness", "frangi", "gaussian")
#: The layers that are computed from the image (and worth caching).
FILTERED_LAYERS = LAYERS[1:]


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
