"""A decimated isosurface of a volume, for the 3D view.

The surface is built on a small grid of block means (at most ``max_size``
samples per axis), and that grid is computed a few planes at a time from a
bounded number of voxels, so the memory and time it takes do not grow with
the volume: a viewer switching the isosurface on over a 100 GB memory-mapped
stack costs the server what it costs over the demo.
"""

from __future__ import annotations

import math

import numpy as np
from skimage.filters import threshold_yen
from skimage.measure import marching_cubes


def isosurface(
    volume: np.ndarray, spacing_zyx, *, level: float | None = None, max_size: int = 96
) -> tuple[np.ndarray, np.ndarray]:
    """Triangle mesh of the surface ``volume == level`` on a decimated grid.

    Parameters
    ----------
    volume : ndarray, shape (z, y, x)
    spacing_zyx : sequence of float
        Physical voxel size in array order.
    level : float, optional
        Iso-value; by default Yen's threshold of the decimated volume. Neurites
        fill well under 1% of a stack, where Otsu's threshold falls into the
        background noise; Yen's (maximum correlation) holds up on such skewed
        histograms.
    max_size : int
        Largest number of samples along any axis after decimation. Block means
        (not plain striding) keep thin neurites from vanishing; see
        :func:`block_means` for how many voxels they read.

    Returns
    -------
    vertices : ndarray, shape (n, 3)
        Physical x, y, z (the model's order, ready for a Plotly ``Mesh3d``).
    faces : ndarray, shape (m, 3)
        Vertex indices of each triangle.
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    factors = [max(1, int(np.ceil(n / max_size))) for n in volume.shape]
    small = block_means(volume, factors)
    if small.min() == small.max():
        return np.empty((0, 3)), np.empty((0, 3), dtype=int)
    level = float(threshold_yen(small)) if level is None else float(level)
    # A volume only a block thick has no inside: pad so marching cubes closes it.
    padded = np.pad(small, 1, mode="constant", constant_values=small.min())
    verts, faces, _, _ = marching_cubes(padded, level=level)
    # Sample k of the decimated grid is the centre of block k.
    verts = ((verts - 1) * factors + (np.asarray(factors) - 1) / 2) * spacing
    return verts[:, ::-1], faces


#: Voxels :func:`block_means` reads at most; past that, each block is averaged over a sparser grid.
MAX_READ_VOXELS = 32 * 2**20
#: Voxels converted to float32 at a time.
CHUNK_VOXELS = 2**22


def block_means(volume, factors, *, max_read: int = MAX_READ_VOXELS, chunk: int = CHUNK_VOXELS) -> np.ndarray:
    """Means of the ``factors``-sized blocks of a 3D volume, as float32, a few planes at a time.

    Trailing voxels that do not fill a block are left out. Where averaging
    every voxel would read more than ``max_read`` voxels, each block is
    averaged over evenly spaced voxels inside it (fewer along the axes where
    blocks are longest), so a huge memory-mapped volume is read in part.
    The volume is never copied whole: ``chunk`` voxels at most are held as
    float32 at once.

    Parameters
    ----------
    volume : ndarray (z, y, x)
        Any real dtype; a memory map is read, not loaded.
    factors : sequence of 3 int
        Block size along each axis, each at most the axis' length.

    Returns
    -------
    ndarray of float32, shape ``volume.shape // factors``

    Examples
    --------
    >>> block_means(np.arange(16.0).reshape(1, 4, 4), (1, 2, 2)).tolist()
    [[[2.5, 4.5], [10.5, 12.5]]]
    """
    blocks = [n // f for n, f in zip(volume.shape, factors)]
    samples = list(factors)
    while math.prod(b * m for b, m in zip(blocks, samples)) > max_read and max(samples) > 1:
        axis = int(np.argmax(samples))
        samples[axis] = (samples[axis] + 1) // 2
    # Sample positions along each axis: block k's m evenly spaced voxels, all of them when m == f.
    index = [(np.arange(b)[:, None] * f + np.round(np.linspace(0, f - 1, m)).astype(np.int64)).ravel()
             for b, f, m in zip(blocks, factors, samples)]
    out = np.empty(blocks, dtype=np.float32)
    mz, my, mx = samples
    plane_voxels = mz * my * len(index[2])
    rows = max(1, chunk // plane_voxels)  # blocks along y converted at once
    for kz in range(blocks[0]):
        zs = index[0][kz * mz:(kz + 1) * mz]
        for ky in range(0, blocks[1], rows):
            ys = index[1][ky * my:min(ky + rows, blocks[1]) * my]
            part = np.asarray(volume[np.ix_(zs, ys, index[2])], dtype=np.float32)
            out[kz, ky:ky + len(ys) // my] = part.reshape(mz, -1, my, blocks[2], mx).mean(axis=(0, 2, 4))
    return out
