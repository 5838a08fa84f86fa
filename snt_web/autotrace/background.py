"""The background's slow changes (uneven illumination, haze), estimated and subtracted, so that one threshold fits.

A threshold a few noise deviations above the background is only one grey
level where the background is flat. Real stacks have a ramp of illumination
across the field, out-of-focus haze and autofluorescent patches that rise
well above the noise of a smoothed image, so a threshold above the noise at
the dim side turns the bright side into foreground (and one above the
bright side loses the faint neurites everywhere else). The background here
is the median of blocks about 10 µm wide, with peaks a block or two across
(a soma filling a block) opened away, interpolated linearly between block
centres and subtracted: what is left is signal over a background of 0.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["BLOCK_UM", "background_grid", "subtract_background"]

#: Physical width of a background block, per axis (at least 4 voxels, at most the stack).
BLOCK_UM = 10.0
_MIN_BLOCK_VOXELS = 4
# Voxels of a block sampled for its median (an even stride), at most.
_BLOCK_SAMPLE = 4096


def _block_counts(shape, spacing) -> np.ndarray:
    """Blocks per axis: about :data:`BLOCK_UM` wide, at least 4 voxels, at least one."""
    voxels = np.maximum(BLOCK_UM / np.asarray(spacing, dtype=float), _MIN_BLOCK_VOXELS)
    return np.maximum(np.rint(np.asarray(shape) / voxels), 1).astype(int)


def background_grid(volume, spacing_zyx) -> np.ndarray:
    """The background level at the centres of blocks that tile the stack evenly.

    Each block's median, then a grey-level opening of the grid of medians
    (3 x 3 x 3 blocks): a soma can fill a block, and its median is then the
    soma's; a ramp or a haze wider than a block passes the opening unchanged
    (the grid is extended linearly at its ends first, so that a ramp is not
    cut at the stack's edges).

    Parameters
    ----------
    volume : ndarray (z, y, x)
    spacing_zyx : sequence of 3 float

    Returns
    -------
    ndarray of float32 (bz, by, bx)
        Background at each block's centre; block ``k`` of an axis of ``n``
        voxels spans ``[k n / b, (k + 1) n / b)``.

    Examples
    --------
    >>> volume = np.broadcast_to(np.arange(64.0), (4, 64, 64))  # a ramp along x: the blocks' centres
    >>> background_grid(volume, (1.0, 1.0, 1.0))[0, 0].tolist()
    [5.0, 15.5, 26.0, 37.0, 47.5, 58.0]
    """
    volume = np.asarray(volume)
    counts = _block_counts(volume.shape, spacing_zyx)
    edges = [np.linspace(0, n, b + 1).round().astype(int) for n, b in zip(volume.shape, counts)]
    grid = np.empty(tuple(counts), dtype=np.float32)
    for index in np.ndindex(*grid.shape):
        box = tuple(slice(e[k], e[k + 1]) for e, k in zip(edges, index))
        values = volume[box].reshape(-1)
        grid[index] = np.median(values[:: max(1, values.size // _BLOCK_SAMPLE)])
    for axis in range(3):
        grid = _extended(grid, axis)
    return ndimage.grey_opening(grid, size=(3, 3, 3), mode="nearest")[1:-1, 1:-1, 1:-1]


def subtract_background(volume, spacing_zyx) -> np.ndarray:
    """``volume`` (float32, modified in place) less its background (:func:`background_grid`), linear between blocks.

    Parameters
    ----------
    volume : ndarray of float32 (z, y, x)
        Overwritten.
    spacing_zyx : sequence of 3 float

    Returns
    -------
    ndarray of float32
        ``volume`` itself: signal over a background of about 0.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> volume = (rng.normal(100, 2, (8, 96, 96)) + np.linspace(0, 40, 96)).astype(np.float32)
    >>> volume[4, 48, 10:90] += 50  # a neurite
    >>> out = subtract_background(volume, (1.0, 0.3, 0.3))
    >>> bool(abs(np.median(out)) < 0.5 and abs(out[:, :, :8].mean()) < 1 and abs(out[:, :, -8:].mean()) < 1)
    True
    >>> bool(abs(out[4, 48, 50] - 50) < 5)
    True
    """
    if volume.dtype != np.float32:
        raise ValueError(f"the volume is modified in place and must be float32, got {volume.dtype}")
    grid = background_grid(volume, spacing_zyx)
    counts = grid.shape
    # Extended by a block on every side, linearly, so that a ramp goes on to
    # the stack's edges rather than level off at the outer block centres.
    for axis in range(3):
        grid = _extended(grid, axis)
    # Voxel coordinates in units of blocks, the first block's centre at 1
    # (after the extension), blocks n / b voxels wide.
    axes = [0.5 + (np.arange(n) + 0.5) * b / n for n, b in zip(volume.shape, counts)]
    yy, xx = np.meshgrid(axes[1], axes[2], indexing="ij")
    for z in range(volume.shape[0]):
        where = np.stack([np.full(yy.shape, axes[0][z]), yy, xx])
        volume[z] -= ndimage.map_coordinates(grid, where, order=1, mode="nearest")
    return volume


def _extended(grid, axis: int) -> np.ndarray:
    """``grid`` with one more value at each end of ``axis``, linearly extrapolated (repeated for a single one)."""
    grid = np.moveaxis(grid, axis, 0)
    if len(grid) > 1:
        first, last = 2 * grid[0] - grid[1], 2 * grid[-1] - grid[-2]
    else:
        first = last = grid[0]
    return np.moveaxis(np.concatenate([first[None], grid, last[None]]), 0, axis)
