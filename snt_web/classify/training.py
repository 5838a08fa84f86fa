"""Training samples from traced paths, as SNT hands its paths to Labkit and TWS.

Each image channel the paths were traced on is a class ("SNT paths ch1"…):
its voxels are those :func:`snt_web.labels.render_labels` draws for the
paths, either their centrelines (``"skeleton"``) or their whole
cross-section from the node radii (``"volume"``). The last class is the
background: voxels drawn at random clear of every labelled voxel by a margin
(:func:`default_margin`; a centreline says nothing about the neurite's
width, a drawn cross-section says it all), and the voxels the user painted,
if any.

Where a neurite ends is what the forest must learn, and voxels drawn
uniformly almost never fall there (neurites fill a small part of a stack),
so half the automatic background is drawn from a shell one voxel of the
coarsest axis thick just beyond the margin, the rest anywhere beyond it.
Painted background is added to that, never instead of it: a user paints
where the background is plain to see, far from the neurites, and a forest
that has seen only such background calls everything near a neurite neurite
(a map tens of micrometres wide, with an out-of-bag accuracy near 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from ..labels import render_labels
from ..model import Tree, physical_to_voxel
from .coverage import ExpectedCoverage, expected_coverage

__all__ = ["BACKGROUND", "BACKGROUND_SOURCES", "TrainingSamples", "channel_class_name", "default_margin",
           "samples_from_paths"]

BACKGROUND = "background"
#: Where background samples come from: the automatic shell just beyond the
#: margin, the automatic draw anywhere beyond it, and the user's marks.
BACKGROUND_SOURCES = ("near paths", "far", "painted")


def channel_class_name(channel: int) -> str:
    """The class of the paths traced on a (1-based) channel, as SNT names it.

    Examples
    --------
    >>> channel_class_name(2)
    'SNT paths ch2'
    """
    return f"SNT paths ch{channel}"


@dataclass(frozen=True, eq=False)
class TrainingSamples:
    """Voxels to learn from and their classes.

    Parameters
    ----------
    coords : ndarray of int64, shape (n, 3)
        Voxel indices (z, y, x).
    labels : ndarray of int64, shape (n,)
        Index of each voxel's class in ``class_names``.
    class_names : tuple of str
        Names of the classes, the background last.
    background_counts : dict of str to int, optional
        Background samples by where they come from (:data:`BACKGROUND_SOURCES`).
    expected : ExpectedCoverage, optional
        How much of the traced region the paths' volumes fill
        (:func:`~.coverage.expected_coverage`).
    """

    coords: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    background_counts: dict[str, int] = field(default_factory=dict)
    expected: ExpectedCoverage | None = None

    def __post_init__(self):
        coords = np.asarray(self.coords, dtype=np.int64).reshape(-1, 3)
        labels = np.asarray(self.labels, dtype=np.int64).reshape(-1)
        if len(coords) != len(labels):
            raise ValueError(f"{len(coords)} voxels but {len(labels)} labels")
        if len(labels) and not 0 <= labels.min() <= labels.max() < len(self.class_names):
            raise ValueError(f"labels must index the {len(self.class_names)} class names")
        object.__setattr__(self, "coords", coords)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "class_names", tuple(self.class_names))

    @property
    def counts(self) -> dict[str, int]:
        """Samples per class, by name, every class included: what the UI shows."""
        counts = np.bincount(self.labels, minlength=len(self.class_names))
        return {name: int(n) for name, n in zip(self.class_names, counts)}


def default_margin(tree: Tree, spacing_zyx, mode: str = "skeleton") -> float:
    """Physical clearance between the labelled voxels and the automatic background.

    Centrelines (``"skeleton"``) are kept clear by twice the largest node
    radius (a soma's included, drawn as one voxel), at least four lateral
    voxels: the whole neurite and the blur around it. Drawn cross-sections
    (``"volume"``) already are the neurites: the background starts right
    outside them (0).

    Examples
    --------
    >>> from snt_web.model import Path
    >>> default_margin(Tree([Path(0, [[0, 0, 0], [5, 0, 0]], radii=[3.0, 3.0])]), (1.0, 0.5, 0.5))
    6.0
    """
    if mode == "volume":
        return 0.0
    radius = max((float(np.max(p.radii)) for p in tree.paths if p.radii is not None and len(p)), default=0.0)
    return 2.0 * max(radius, 2.0 * float(min(spacing_zyx[1:])))


def samples_from_paths(
    tree: Tree,
    shape_zyx,
    spacing_zyx,
    *,
    mode: str = "skeleton",
    background=None,
    n_background: int | None = None,
    margin: float | None = None,
    near_fraction: float = 0.5,
    max_per_class: int = 50_000,
    seed: int = 0,
    progress=None,
) -> TrainingSamples:
    """Labelled voxels for a pixel classifier: one class per traced channel, and the background.

    Parameters
    ----------
    tree : Tree
        Paths in the image's physical coordinates.
    shape_zyx : sequence of 3 int
        Shape of the image.
    spacing_zyx : sequence of 3 float
        Voxel size, z, y, x.
    mode : {"skeleton", "volume"}
        Draw the paths' centrelines or their volumes (node radii).
    background : ndarray, shape ``shape_zyx``, optional
        Voxels the user marked as background (non-zero), added to the
        automatic background; any on a path are ignored.
    n_background : int, optional
        Automatic background samples, drawn farther than ``margin`` from every
        labelled voxel; five times the path samples by default.
    margin : float, optional
        Physical clearance of the automatic background; :func:`default_margin`
        by default.
    near_fraction : float
        Share of the automatic background drawn just beyond the margin.
    max_per_class : int
        Cap on the samples of each class, drawn at random among its voxels;
        the automatic and the marked background are capped apart.
    seed : int
        Seed of the random draws.
    progress : callable, optional
        ``progress(percent, message)`` after each step (drawing the paths,
        their volumes, each kind of background); an exception it raises stops.

    Returns
    -------
    TrainingSamples
        Classes ``"SNT paths ch<c>"`` for each channel with paths, in channel
        order, then ``"background"``; the background's sources counted; the
        paths' share of the traced region (their volumes, whatever ``mode``).

    Raises
    ------
    ValueError
        No path voxel in the image, or no background voxel to sample.

    Examples
    --------
    >>> from snt_web.model import Path
    >>> tree = Tree([Path(0, [[4, 8, 2], [28, 8, 2]], channel=2)])
    >>> samples = samples_from_paths(tree, (5, 16, 32), (1, 1, 1), n_background=10)
    >>> samples.counts, samples.background_counts
    ({'SNT paths ch2': 25, 'background': 10}, {'near paths': 5, 'far': 5, 'painted': 0})
    """
    shape = tuple(int(n) for n in shape_zyx)
    report = progress or (lambda percent, message: None)
    rng = np.random.default_rng(seed)
    labels = render_labels(tree, shape, spacing_zyx, mode=mode, classes="channel")
    channels = [int(c) for c in np.unique(labels) if c]
    if not channels:
        raise ValueError("no path passes through the image")
    report(25, f"paths drawn ({mode})")
    volumes = labels if mode == "volume" else render_labels(tree, shape, spacing_zyx, mode="volume")
    expected = expected_coverage(volumes)
    del volumes
    report(50, "paths' volumes drawn")
    names = [channel_class_name(c) for c in channels] + [BACKGROUND]
    coords, classes = [], []
    for index, channel in enumerate(channels):
        voxels = _draw(rng, np.flatnonzero(labels == channel), max_per_class)
        coords.append(voxels)
        classes.append(np.full(len(voxels), index))
    painted = np.empty(0, dtype=np.int64) if background is None else _marked_background(rng, background, labels,
                                                                                        max_per_class)
    n_paths = sum(len(c) for c in coords)
    wanted = min(5 * n_paths if n_background is None else int(n_background), max_per_class)
    clearance = default_margin(tree, spacing_zyx, mode) if margin is None else float(margin)
    near, far = _automatic_background(rng, labels, spacing_zyx, clearance, wanted, near_fraction, painted)
    report(100, "background drawn")
    voxels = np.sort(np.concatenate([near, far, painted]))
    coords.append(voxels)
    classes.append(np.full(len(voxels), len(channels)))
    flat = np.concatenate(coords)
    return TrainingSamples(np.stack(np.unravel_index(flat, shape), axis=1), np.concatenate(classes), tuple(names),
                           dict(zip(BACKGROUND_SOURCES, (len(near), len(far), len(painted)))), expected)


def _marked_background(rng, background, labels, most: int) -> np.ndarray:
    """Flat indices of up to ``most`` of the voxels marked as background, those on paths left out."""
    marked = np.asarray(background)
    if marked.shape != labels.shape:
        raise ValueError(f"background labels have shape {marked.shape}, the image {labels.shape}")
    candidates = np.flatnonzero((marked != 0) & (labels == 0))
    if not len(candidates):
        raise ValueError("no voxel is marked as background off the paths")
    return _draw(rng, candidates, most)


def _automatic_background(rng, labels, spacing, margin: float, wanted: int, near_fraction: float,
                          taken) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of ``wanted`` voxels farther than ``margin`` from every label: those just beyond it, the others.

    None of ``taken`` (voxels already sampled) is drawn again.

    Candidates are drawn and kept if the nearest labelled voxel (a k-d tree of
    them) is far enough: memory follows the labelled voxels and the samples,
    where a distance transform would take eight bytes for every voxel of the
    image. The far ones are drawn uniformly; the near ones at a random
    distance in the shell from random labelled voxels.
    """
    spacing = np.asarray(spacing, dtype=float)
    labelled = np.stack(np.unravel_index(np.flatnonzero(labels), labels.shape), axis=1) * spacing
    nearest = cKDTree(labelled)
    shell = margin + float(spacing.max())
    n_near = int(round(near_fraction * wanted))

    def clear(points_zyx, upper=np.inf):
        """Flat voxels of ``points_zyx`` farther than the margin from every label, and their distances.

        Distances beyond ``upper`` come back as infinity (a cheaper query).
        """
        voxels = points_zyx[np.all((points_zyx >= 0) & (points_zyx < labels.shape), axis=1)]
        distance = nearest.query(voxels * spacing, distance_upper_bound=upper)[0] if len(voxels) else np.empty(0)
        keep = distance > margin
        return np.ravel_multi_index(tuple(voxels[keep].T), labels.shape), distance[keep]

    def near(n):
        # Directions uniform on the sphere, distances uniform in the shell.
        direction = rng.normal(size=(n, 3))
        direction /= np.linalg.norm(direction, axis=1, keepdims=True)
        start = labelled[rng.integers(len(labelled), size=n)]
        points_zyx = start + direction * rng.uniform(margin, shell, size=(n, 1))  # physical, array order
        points = physical_to_voxel(points_zyx[:, ::-1], spacing)
        flat, distance = clear(points)
        return flat[distance <= shell]

    def anywhere(n):
        points = np.stack(np.unravel_index(rng.integers(labels.size, size=n), labels.shape), axis=1)
        return clear(points, np.nextafter(margin, np.inf) if margin else np.inf)[0]

    near_voxels = _draw_until(rng, near, n_near, taken)
    rest = _draw_until(rng, anywhere, wanted - len(near_voxels), np.concatenate([taken, near_voxels]))
    if not len(near_voxels) + len(rest) + len(taken):
        raise ValueError(f"no voxel lies {margin:g} away from the paths: mark the background, or lower the margin")
    return near_voxels, rest


def _draw_until(rng, draw, wanted: int, taken, attempts: int = 8) -> np.ndarray:
    """Up to ``wanted`` distinct voxels from repeated ``draw(n)`` calls, none of ``taken``.

    Each call draws a few times what is still missing; after ``attempts``
    calls that find nothing new, fewer than ``wanted`` come back: the
    eligible voxels are then (nearly) all found.
    """
    found = np.asarray(taken, dtype=np.int64)
    chosen = np.empty(0, dtype=np.int64)
    misses = 0
    while len(chosen) < wanted and misses < attempts:
        fresh = np.setdiff1d(draw(4 * (wanted - len(chosen)) + 64), np.concatenate([found, chosen]))
        misses = misses + 1 if not len(fresh) else 0
        chosen = np.concatenate([chosen, rng.permutation(fresh)[: wanted - len(chosen)]])
    return chosen


def _draw(rng: np.random.Generator, flat_indices: np.ndarray, most: int) -> np.ndarray:
    """At most ``most`` of ``flat_indices``, drawn without replacement, in increasing order."""
    if len(flat_indices) <= most:
        return flat_indices
    return np.sort(rng.choice(flat_indices, size=most, replace=False))
