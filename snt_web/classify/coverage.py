"""Whether a probability map is as wide as the traced neurites: the check a high out-of-bag accuracy cannot make.

The out-of-bag accuracy is measured on the training samples only. When the
background samples all lie far from the neurites, the forest never learns
where a neurite ends: every sample is classified right (accuracy near 1) and
yet the map is a blob around the neurites, tens of micrometres wide. The
traced paths say how wide it should be: the share of the traced region that
their volumes (drawn with their radii) fill. A map whose confident region
(probability at or above one half) fills several times that share is too
wide, and the user is told so in plain words (:func:`check_coverage`).

Untraced neurites inside the traced region rightly widen the map's share,
hence the allowance of :data:`WIDE_FACTOR` before warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["COVERAGE_LEVEL", "WIDE_FACTOR", "ExpectedCoverage", "MapCoverage", "expected_coverage",
           "check_coverage", "map_coverage"]

#: Probability at or above which a voxel counts as covered by the map.
COVERAGE_LEVEL = 0.5
#: A map covering this many times the share the traced paths fill is too wide.
WIDE_FACTOR = 3.0
# Voxels compared at once in a (memory-mapped) map: a boolean copy of this
# many, not of the whole map.
_VOXELS = 1 << 22


@dataclass(frozen=True)
class ExpectedCoverage:
    """How much of the traced region the traced paths fill.

    Parameters
    ----------
    fraction : float
        Share of the region's voxels inside the paths' volumes.
    region : tuple of 3 (start, stop)
        The traced region: the box (voxel indices z, y, x, stops excluded)
        around the paths' volumes.

    Examples
    --------
    >>> expected = ExpectedCoverage(0.02, ((0, 4), (2, 10), (3, 9)))
    >>> ExpectedCoverage.from_json(expected.to_json()) == expected
    True
    >>> expected.slices
    (slice(0, 4, None), slice(2, 10, None), slice(3, 9, None))
    """

    fraction: float
    region: tuple[tuple[int, int], ...]

    def __post_init__(self):
        object.__setattr__(self, "fraction", float(self.fraction))
        object.__setattr__(self, "region", tuple((int(a), int(b)) for a, b in self.region))

    @property
    def slices(self) -> tuple[slice, ...]:
        """The region as slices of the image (z, y, x)."""
        return tuple(slice(a, b) for a, b in self.region)

    def to_json(self) -> dict:
        return {"fraction": self.fraction, "region_zyx": [list(r) for r in self.region]}

    @classmethod
    def from_json(cls, data: dict) -> "ExpectedCoverage":
        return cls(data["fraction"], tuple(tuple(r) for r in data["region_zyx"]))


@dataclass(frozen=True)
class MapCoverage:
    """A map's covered share against the share the traced paths predict.

    Attributes
    ----------
    fraction : float
        Share of the map's voxels at or above :data:`COVERAGE_LEVEL`.
    expected : float
        Share the traced paths fill (:attr:`ExpectedCoverage.fraction`).
    ratio : float
        ``fraction / expected``.
    warning : str or None
        Plain words for the user when the map is too wide; None when it is not.
    """

    fraction: float
    expected: float
    ratio: float
    warning: str | None

    def to_json(self) -> dict:
        return {"fraction": self.fraction, "expected": self.expected, "ratio": self.ratio, "warning": self.warning}


def expected_coverage(volumes) -> ExpectedCoverage:
    """The traced region and the share of it that the paths' volumes fill.

    Parameters
    ----------
    volumes : ndarray, shape (z, y, x)
        The paths drawn with their radii (non-zero inside), e.g.
        ``render_labels(tree, shape, spacing, mode="volume")``.

    Returns
    -------
    ExpectedCoverage

    Raises
    ------
    ValueError
        Nothing is drawn.

    Examples
    --------
    >>> volumes = np.zeros((4, 10, 10), np.uint8); volumes[1, 2:8, 5] = 1
    >>> expected = expected_coverage(volumes)
    >>> expected.region, round(expected.fraction, 3)
    (((1, 2), (2, 8), (5, 6)), 1.0)
    """
    drawn = np.asarray(volumes) != 0
    where = [np.flatnonzero(drawn.any(axis=tuple(a for a in range(3) if a != axis))) for axis in range(3)]
    if not all(len(w) for w in where):
        raise ValueError("no path volume is drawn in the image")
    region = tuple((int(w[0]), int(w[-1]) + 1) for w in where)
    inside = drawn[tuple(slice(a, b) for a, b in region)]
    return ExpectedCoverage(np.count_nonzero(inside) / inside.size, region)


def check_coverage(probability, expected_fraction: float, *, level: float = COVERAGE_LEVEL,
                   factor: float = WIDE_FACTOR, background: bool = False) -> MapCoverage:
    """Compare the share of a map at or above ``level`` with the share the traced paths fill.

    A pure function: the caller crops the map (a volume, a slice) to the
    traced region, or passes what it has.

    Parameters
    ----------
    probability : ndarray
        The neurites' probability (one class of a map, any shape: a volume,
        a slice), or with ``background`` the background's; a memory map is
        read in pieces.
    expected_fraction : float
        Share of the traced region inside the paths' volumes
        (:func:`expected_coverage`).
    level : float
        Probability at or above which a voxel is covered.
    factor : float
        Covered share, in multiples of ``expected_fraction``, from which the
        map is too wide.
    background : bool
        ``probability`` is the background's: a voxel is covered where it is
        at most ``1 - level`` (the neurites of every class together).

    Returns
    -------
    MapCoverage
        With a warning in plain words when ``fraction >= factor * expected_fraction``.

    Examples
    --------
    >>> probability = np.zeros(100); probability[:12] = 0.9
    >>> check_coverage(probability, 0.1).warning is None
    True
    >>> print(check_coverage(probability, 0.03).warning)  # doctest: +NORMALIZE_WHITESPACE
    The map is too wide: 12% of the voxels have a neurite probability of 0.5 or more, 4x the 3% that the
    traced paths fill. A high out-of-bag accuracy does not show this. Look at the preview, paint background
    where the map spills over it, and train again.
    """
    if not expected_fraction > 0:
        raise ValueError(f"the expected share must be positive, got {expected_fraction!r}")
    probability = np.atleast_1d(probability)
    if not probability.size:
        raise ValueError("an empty map has no coverage")

    def covered_in(part) -> int:
        return int(np.count_nonzero(part <= 1 - level if background else part >= level))

    # Counted a few planes at a time: a cropped memory map is neither read
    # whole nor copied.
    step = max(1, _VOXELS // probability[0].size)
    covered = sum(covered_in(probability[i:i + step]) for i in range(0, len(probability), step))
    fraction = covered / probability.size
    ratio = fraction / expected_fraction
    warning = None
    if ratio >= factor * (1 - 1e-9):  # "3 times" whatever the rounding of the shares
        warning = (f"The map is too wide: {_percent(fraction)} of the voxels have a neurite probability of "
                   f"{level:g} or more, {ratio:.0f}x the {_percent(expected_fraction)} that the traced paths fill. "
                   "A high out-of-bag accuracy does not show this. Look at the preview, paint background where the "
                   "map spills over it, and train again.")
    return MapCoverage(fraction, float(expected_fraction), ratio, warning)


def map_coverage(expected: ExpectedCoverage | None, probabilities) -> MapCoverage | None:
    """:func:`check_coverage` of a classifier's map, or of an XY slice of it, within the traced region.

    Parameters
    ----------
    expected : ExpectedCoverage or None
        The classifier's (:attr:`~.forest.PixelClassifier.expected`).
    probabilities : ndarray, shape (classes, z, y, x) or (classes, y, x)
        The map, or an XY slice of it, the background last: the neurites of
        every class together are checked.

    Returns
    -------
    MapCoverage or None
        None when ``expected`` is (a model trained before it was recorded).
    """
    if expected is None:
        return None
    region = expected.slices[-(probabilities.ndim - 1):]
    return check_coverage(probabilities[(-1, *region)], expected.fraction, background=True)


def _percent(share: float) -> str:
    """A share as a percentage, two significant digits below 10 (``3.1%``, ``0.42%``), whole above (``12%``)."""
    value = 100 * share
    return f"{value:.0f}%" if value >= 10 else f"{value:.2g}%"
