"""Cutting a volume into blocks, and growing a block by the halo its filters reach into."""

from __future__ import annotations

import itertools
import math

__all__ = ["iter_blocks", "with_halo", "block_shape_within"]


def iter_blocks(shape, block_shape):
    """The blocks tiling a volume, in C order.

    Parameters
    ----------
    shape : sequence of int
        Shape of the volume.
    block_shape : sequence of int
        Largest block; blocks at the far edges are cut short.

    Yields
    ------
    tuple of slice
        One block, one slice per axis.

    Examples
    --------
    >>> [b[1] for b in iter_blocks((1, 5), (1, 2))]
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    if len(block_shape) != len(shape) or min(block_shape) < 1:
        raise ValueError(f"block_shape must be {len(shape)} positive integers, got {tuple(block_shape)}")
    starts = [range(0, n, b) for n, b in zip(shape, block_shape)]
    for corner in itertools.product(*starts):
        yield tuple(slice(c, min(c + b, n)) for c, b, n in zip(corner, block_shape, shape))


def with_halo(block, halo, shape) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """The block grown by ``halo`` voxels per axis, clipped to the volume, and the block within it.

    Parameters
    ----------
    block : tuple of slice
        Slices with explicit start and stop and step 1.
    halo : sequence of int
    shape : sequence of int
        Shape of the volume.

    Returns
    -------
    slab : tuple of slice
        The grown block, in the volume.
    core : tuple of slice
        The block, in the slab.

    Examples
    --------
    >>> with_halo((slice(2, 4),), (3,), (10,))
    ((slice(0, 7, None),), (slice(2, 4, None),))
    """
    slab = tuple(slice(max(b.start - h, 0), min(b.stop + h, n)) for b, h, n in zip(block, halo, shape))
    core = tuple(slice(b.start - s.start, b.stop - s.start) for b, s in zip(block, slab))
    return slab, core


def block_shape_within(shape, halo, budget_bytes: float, bytes_for) -> tuple[int, ...]:
    """The block whose working memory fits a budget with the least filtering, halos included.

    Each side is the volume's halved zero or more times; of the blocks that
    fit, the one whose slabs (blocks grown by their halo) add up to the
    fewest voxels wins, the larger block on a tie. Small blocks pay for
    their halo many times over, long thin ones too.

    Parameters
    ----------
    shape : sequence of int
        Shape of the volume.
    halo : sequence of int
        Voxels each block is grown by, per axis.
    budget_bytes : float
    bytes_for : callable
        ``bytes_for(block_shape)``: the memory needed for a block of that shape.

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        Not even a block of one voxel fits.

    Examples
    --------
    >>> block_shape_within((8, 64, 64), (1, 4, 4), 4 * 8 * 32 * 32, lambda block: 4 * math.prod(block))
    (8, 16, 64)
    """
    sides = [sorted({-(-int(n) // 2**k) for k in range(int(n).bit_length())}) for n in shape]
    best, best_key = None, None
    for block in itertools.product(*sides):
        if bytes_for(block) > budget_bytes:
            continue
        slab = [min(b + 2 * h, n) for b, h, n in zip(block, halo, shape)]
        n_blocks = math.prod(-(-n // b) for n, b in zip(shape, block))
        key = (n_blocks * math.prod(slab), -math.prod(block))
        if best_key is None or key < best_key:
            best, best_key = block, key
    if best is None:
        one = (1,) * len(shape)
        raise ValueError(f"a memory budget of {budget_bytes / 2**20:.1f} MiB is too small: one voxel and its halo "
                         f"need {bytes_for(one) / 2**20:.1f} MiB")
    return tuple(int(b) for b in best)
