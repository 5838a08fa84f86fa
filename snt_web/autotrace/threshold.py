"""The background threshold: SNT's estimate, kept from falling into an offset background."""

from __future__ import annotations

import numpy as np

# Statistics are taken on at most this many voxels (an even stride through
# the volume): percentiles of a few million voxels are as good as of all,
# and a copy of that size stays far below the tracer's memory budget.
_SAMPLE_VOXELS = 1 << 22
# Gaussian-equivalent standard deviations of background noise above the
# median that still count as background.
_NOISE_SIGMAS = 3.0


def auto_threshold(volume) -> float:
    """The grey level at or below which a voxel is background.

    SNT's estimate is ``((min + 0.05 (max - min)) + p90) / 2``: right for a
    dark background, where the minimum is the background. On a stack with an
    offset background (camera offset, autofluorescence, a ramp) it falls
    into the background itself and turns half of it into foreground, so the
    threshold is never below ``median + 3 sigma`` of the background noise,
    ``sigma`` from the median absolute deviation (zero, so inactive, on a
    dark, mostly empty background).

    Parameters
    ----------
    volume : ndarray
        The image, bright neurites.

    Returns
    -------
    float

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> volume = rng.normal(25, 8, (8, 64, 64)); volume[4, 32, :] = 120
    >>> bool(45 < auto_threshold(volume) < 60)
    True
    """
    values = np.asarray(volume).reshape(-1)
    stride = max(1, values.size // _SAMPLE_VOXELS)
    sample = values[::stride].astype(np.float64)
    lo, hi = float(values.min()), float(values.max())
    snt = 0.5 * ((lo + 0.05 * (hi - lo)) + float(np.percentile(sample, 90)))
    median = float(np.median(sample))
    sigma = 1.4826 * float(np.median(np.abs(sample - median)))
    return max(snt, median + _NOISE_SIGMAS * sigma)
