"""Score maps for branch filtering: Tubeness, Frangi or a given map, read at the nodes only.

SNT filters the whole image at scales taken from the node radii; the nodes of
a trace cover a small part of a stack, so here only the 64-voxel blocks that
hold nodes are filtered (with a halo wide enough for the largest scale), and
no volume-sized float map is ever allocated.
"""

from __future__ import annotations

import numpy as np

from ..filters import frangi, tubeness

__all__ = ["SCORE_FILTERS", "score_scales", "node_scores", "adaptive_threshold"]

SCORE_FILTERS = ("tubeness", "frangi")
_BLOCK = 64
# Gaussian support in standard deviations, for the block halo.
_HALO_SIGMAS = 4.0


def score_scales(radii) -> tuple[float, ...]:
    """SNT's scales: the 25th, 50th and 75th percentiles of the node radii, dropping any within 10% of the last kept.

    Examples
    --------
    >>> score_scales([1.0, 1.0, 1.05, 2.0, 3.0])
    (1.0, 2.0)
    """
    kept: list[float] = []
    for value in np.percentile(np.asarray(radii, dtype=float), [25, 50, 75]):
        if value > 0 and (not kept or value > 1.1 * kept[-1]):
            kept.append(float(value))
    return tuple(kept) or (1.0,)


def node_scores(volume, nodes_zyx, spacing_zyx, score_map, scales) -> np.ndarray:
    """The score of each node: the map's value at its voxel.

    Parameters
    ----------
    volume : ndarray (z, y, x)
        The traced image (filtered when ``score_map`` names a filter).
    nodes_zyx : ndarray of int, shape (n, 3)
    spacing_zyx : sequence of 3 float
    score_map : {'tubeness', 'frangi'} or ndarray (z, y, x)
        A filter of ``volume``, or a map of the same shape (a probability map).
    scales : sequence of float
        Physical filter scales (:func:`score_scales`).

    Returns
    -------
    ndarray of float64, shape (n,)
    """
    nodes = np.asarray(nodes_zyx, dtype=np.int64).reshape(-1, 3)
    if not isinstance(score_map, str):
        data = np.asarray(score_map)
        if data.shape != np.asarray(volume).shape:
            raise ValueError(f"score map shape {data.shape} differs from the image's {np.asarray(volume).shape}")
        return data[nodes[:, 0], nodes[:, 1], nodes[:, 2]].astype(np.float64)
    if score_map not in SCORE_FILTERS:
        raise ValueError(f"score map must be one of {SCORE_FILTERS} or an array, got {score_map!r}")
    spacing = np.asarray(spacing_zyx, dtype=float)
    shape = np.asarray(np.shape(volume))
    halo = np.ceil(_HALO_SIGMAS * max(scales) / spacing).astype(int)
    # Frangi's structure constant from the whole image, so that blocks agree.
    c = max(float(np.max(volume)) / 4, np.finfo(np.float32).tiny)
    blocks = nodes // _BLOCK
    keys, inverse = np.unique(blocks, axis=0, return_inverse=True)
    out = np.empty(len(nodes))
    for k, block in enumerate(keys):
        lo = np.maximum(block * _BLOCK - halo, 0)
        hi = np.minimum((block + 1) * _BLOCK + halo, shape)
        sub = np.asarray(volume[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]], dtype=np.float32)
        response = (tubeness(sub, scales, spacing) if score_map == "tubeness"
                    else frangi(sub, scales, spacing, c=c))
        mine = np.flatnonzero(inverse.reshape(-1) == k)
        local = nodes[mine] - lo
        out[mine] = response[local[:, 0], local[:, 1], local[:, 2]]
    return out


def adaptive_threshold(threshold: float, radius_voxels) -> np.ndarray:
    """neuTube's radius-adaptive score threshold: ``t / (1 + 1 / (2 + exp(4 - r)))``, ``r`` in voxels.

    Thick nodes get a lower bar than thin ones: about ``0.96 t`` for a node
    one voxel thick, falling to ``2 t / 3`` from about eight voxels on
    (neuTube's ``Local_Neuroseg_Good_Score``, as SNT uses it).

    Parameters
    ----------
    threshold : float
        ``t``, SNT's ``scoreMapPruneThreshold`` (0 by default).
    radius_voxels : array_like
        Node radii in voxels.

    Returns
    -------
    ndarray of float
        The threshold per node; a node scoring at or below it is low.

    Examples
    --------
    >>> adaptive_threshold(1.0, [1.0, 10.0]).round(3).tolist()
    [0.957, 0.667]
    """
    r = np.asarray(radius_voxels, dtype=float)
    return threshold / (1.0 + 1.0 / (2.0 + np.exp(4.0 - r)))

