"""The background threshold: SNT's estimate, kept from falling into an offset background, or a probability level."""

from __future__ import annotations

import numpy as np

# Statistics are taken on at most this many voxels (an even stride through
# the volume): percentiles of a few million voxels are as good as of all,
# and a copy of that size stays far below the tracer's memory budget.
_SAMPLE_VOXELS = 1 << 22
# Gaussian-equivalent standard deviations of background noise above the
# median that still count as background.
_NOISE_SIGMAS = 3.0
#: The probability a map's voxel must exceed to be neurite when nothing else is known.
PROBABILITY_THRESHOLD = 0.5
#: Probability levels :func:`map_threshold` may lower the threshold to, highest first.
MAP_LEVELS = (0.5, 0.4, 0.3, 0.2, 0.1)
#: How many times the region at or above 0.5 the region at a lower level may be.
MAP_GROWTH = 4.0


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
    sample = _sample(values)
    lo, hi = float(values.min()), float(values.max())
    snt = 0.5 * ((lo + 0.05 * (hi - lo)) + float(np.percentile(sample, 90)))
    median = float(np.median(sample))
    sigma = 1.4826 * float(np.median(np.abs(sample - median)))
    return max(snt, median + _NOISE_SIGMAS * sigma)


def map_threshold(probability) -> float:
    """The probability at or below which a voxel of a probability map is background.

    A sharp map (neurites near 1, the background near 0, a narrow rim
    between) is best traced well below 0.5: thin, faint and beaded neurites,
    whose probability dips under one half here and there, stay in one
    piece. A soft or hazy map (a wide rim, a haze of low probability
    everywhere) is best traced higher: low levels join the haze to the
    neurites (hundreds of paths). The map tells which it is: the threshold
    is the lowest of :data:`MAP_LEVELS` at which the voxels at or above it are
    at most :data:`MAP_GROWTH` times those at or above 0.5.

    Measured on random-forest maps of the synthetic corpus's kinds (the
    Classifier panel's defaults on seed 100 of a kind, applied to seeds
    101-103, autotraced from the somas), node F1 at 0.5 was 0.62-1.00 and at
    this threshold 0.91-1.00 (the dense kind, several crossing cells, 0.23-0.67
    at every threshold). The growth allowed, 4x, passes what faint branches
    and haze add to those maps at 0.1 (1.2x-3.7x; 4.6x and 6.5x on two
    volumes of low signal to noise, traced at 0.2). On maps whose classifier
    saw only background far from the neurites (blobs 7x-50x as wide as the
    neurites): 0.92-0.95 on the bright, demo and anisotropic kinds, where
    SNT's grey-level estimate gave 0.75-0.96; 0.58 on the noisy kind's (90
    paths; at 0.2, 712 paths; at 0.5, 0.96), which is why the autotrace job
    traces a map its classifier called too wide at 0.5.

    Parameters
    ----------
    probability : ndarray
        Values in [0, 1], neurites high.

    Returns
    -------
    float
        One of :data:`MAP_LEVELS`; 0.5 when nothing reaches it.

    Examples
    --------
    >>> sharp = np.zeros((8, 64, 64)); sharp[4, 30:34, :] = 0.9; sharp[4, 29, :] = sharp[4, 34, :] = 0.3
    >>> map_threshold(sharp)
    0.1
    >>> hazy = sharp.copy(); hazy[:, :40] += 0.15  # a haze of 0.15 over half the field
    >>> map_threshold(hazy)
    0.2
    """
    sample = _sample(probability)
    counts = [np.count_nonzero(sample >= level) for level in MAP_LEVELS]
    if not counts[0]:
        return PROBABILITY_THRESHOLD
    return min(level for level, n in zip(MAP_LEVELS, counts) if n <= MAP_GROWTH * counts[0])


def _sample(volume) -> np.ndarray:
    """At most :data:`_SAMPLE_VOXELS` voxels of ``volume``, an even stride through it, as float64."""
    values = np.asarray(volume).reshape(-1)
    return values[::max(1, values.size // _SAMPLE_VOXELS)].astype(np.float64)
