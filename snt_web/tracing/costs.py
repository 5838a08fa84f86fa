"""SNT's cost functions for the path search: the cost of stepping onto a voxel of a given value.

Each cost is floored at its minimum step cost, so that the A* heuristic
(physical distance x minimum step cost) never overestimates, even on voxels
outside the region the statistics were taken from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

__all__ = ["COSTS", "CostModel", "cost_model", "image_statistics"]

#: Cost names, in the order of their codes in the search kernel.
COSTS = ("reciprocal", "difference", "difference-squared", "probability")
_CODES = {name: code for code, name in enumerate(COSTS)}
_RECIPROCAL, _DIFFERENCE, _DIFFERENCE_SQUARED, _PROBABILITY = range(4)

#: Voxels of padding around the start/goal bounding box for sub-volume statistics (SNT's default).
STATS_PADDING = 10


@dataclass(frozen=True)
class CostModel:
    """A cost function with the image statistics it was set up with.

    Parameters
    ----------
    name : str
        One of :data:`COSTS`.
    minimum, maximum, mean, sd : float
        Statistics of the image values (whole image or the start/goal sub-volume).
    z_fudge : float
        Scale of the z-score in the probability cost (SNT's default 0.8).
    """

    name: str
    minimum: float
    maximum: float
    mean: float
    sd: float
    z_fudge: float = 0.8

    def __post_init__(self):
        if self.name not in _CODES:
            raise ValueError(f"unknown cost {self.name!r}; expected one of {', '.join(COSTS)}")

    @property
    def params(self) -> tuple[int, float, float, float]:
        """``(code, p0, p1, min_step)`` as the search kernel takes them."""
        code = _CODES[self.name]
        if code == _PROBABILITY:
            # erfc(z_fudge (v - mean) / sd) = erfc(p0 v + p1)
            scale = self.z_fudge / self.sd if self.sd > 0 else 0.0
            p0, p1 = scale, -scale * self.mean
        else:
            # v' = 255 (v - min) / (max - min) = p0 v + p1
            span = self.maximum - self.minimum
            p0 = 255.0 / span if span > 0 else 0.0
            p1 = -p0 * self.minimum
        return code, p0, p1, self.min_step

    @property
    def min_step(self) -> float:
        """The least cost of any step, per unit length: the heuristic's factor."""
        if self.name == "reciprocal":
            return 1.0 / 255.0
        if self.name == "probability":
            z = self.z_fudge * (self.maximum - self.mean) / self.sd if self.sd > 0 else 0.0
            return math.erfc(z) + 1e-60
        return 1.0

    def __call__(self, values) -> np.ndarray:
        """Cost of stepping onto voxels with these values (float64, same shape)."""
        values = np.asarray(values, dtype=np.float64)
        return _costs(values.ravel(), *self.params).reshape(values.shape)


def image_statistics(volume, start_zyx=None, goal_zyx=None, *, stats: str = "subvolume") -> dict:
    """Minimum, maximum, mean and standard deviation of the values a search will see.

    Parameters
    ----------
    volume : ndarray (z, y, x)
        Image searched.
    start_zyx, goal_zyx : sequence of 3 int
        Voxel indices of the end points; needed for ``stats="subvolume"``.
    stats : {"subvolume", "image"}
        ``"subvolume"``: the bounding box of start and goal padded by
        :data:`STATS_PADDING` voxels, clipped to the image (SNT's default);
        ``"image"``: the whole image.

    Returns
    -------
    dict with keys ``minimum``, ``maximum``, ``mean``, ``sd``
    """
    if stats == "subvolume":
        ends = np.array([start_zyx, goal_zyx], dtype=int)
        lo = np.maximum(ends.min(axis=0) - STATS_PADDING, 0)
        hi = np.minimum(ends.max(axis=0) + STATS_PADDING + 1, volume.shape)
        region = volume[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]]
    elif stats == "image":
        region = volume
    else:
        raise ValueError(f"stats must be 'subvolume' or 'image', got {stats!r}")
    minimum, maximum, mean, sd = _statistics(np.asarray(region))
    return {"minimum": minimum, "maximum": maximum, "mean": mean, "sd": sd}


def cost_model(volume, start_zyx, goal_zyx, *, cost="reciprocal", stats="subvolume", z_fudge=0.8) -> CostModel:
    """The cost function ``cost`` set up with the statistics of ``volume`` around a search."""
    return CostModel(cost, z_fudge=z_fudge, **image_statistics(volume, start_zyx, goal_zyx, stats=stats))


@numba.njit(cache=True, inline="always")
def step_cost(value, code, p0, p1, min_step):
    """Cost per unit length of stepping onto a voxel of ``value`` (the search kernel's inner call)."""
    if code == _PROBABILITY:
        c = math.erfc(p0 * value + p1)
    else:
        scaled = p0 * value + p1
        if code == _RECIPROCAL:
            if scaled <= 0.0:
                scaled = 1e-6
            elif scaled > 255.0:
                scaled = 255.0
            c = 1.0 / scaled
        else:
            if scaled > 255.0:
                scaled = 255.0
            c = 256.0 - scaled
            if code == _DIFFERENCE_SQUARED:
                c = c * c
    return c if c > min_step else min_step


@numba.njit(cache=True, nogil=True)
def _costs(values, code, p0, p1, min_step):
    out = np.empty(values.shape, dtype=np.float64)
    for i in range(values.size):
        out[i] = step_cost(values[i], code, p0, p1, min_step)
    return out


@numba.njit(cache=True, nogil=True)
def _statistics(region):
    """Minimum, maximum, mean and (population) standard deviation of a 3D array, in one pass.

    A compiled loop over the (possibly strided) region instead of numpy's
    reductions, which would read it four times and allocate a float64 copy of
    it for the deviation: with ``stats="image"``, a whole-volume array per click.
    Moments are taken about the first value, which keeps the difference of
    squares accurate when the values sit far from zero.
    """
    nz, ny, nx = region.shape
    shift = np.float64(region[0, 0, 0])
    lo, hi, total, squares = np.inf, -np.inf, 0.0, 0.0
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                v = np.float64(region[z, y, x])
                lo = min(lo, v)
                hi = max(hi, v)
                d = v - shift
                total += d
                squares += d * d
    mean = total / region.size
    return lo, hi, shift + mean, math.sqrt(max(squares / region.size - mean * mean, 0.0))
