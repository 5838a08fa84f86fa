"""The accuracy corpus: volumes of each kind of data with their truth, and how a result is scored against it.

For tuning scripts and :mod:`benchmarks.bench_accuracy` alike: a :class:`Case`
is one volume (z, y, x), its spacing, its truth and what else is known of it
(soma seeds, the volumetric truth); :func:`synthetic_case` makes one of a kind
of :mod:`snt_web.synth.kinds`, :func:`real_cases` reads the real stacks of
``../shared/data`` that have a reconstruction. Every score here calls the
product's public functions with their defaults, so it follows their changes.

Seeds: constants are chosen on :data:`SEEDS` (and the classifier trained on
:data:`TRAIN_SEED`); other seeds of the same kinds, unseen, judge them. The
demo's seeds (0-7) are not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from snt_web.autotrace import node_f1, resampled_nodes
from snt_web.classify import FeatureSettings, PixelClassifier, apply, default_scales, samples_from_paths, train
from snt_web.fitting import fit_tree
from snt_web.io import read_image, read_reconstruction
from snt_web.model import Tree
from snt_web.synth import SyntheticVolume, make_volume
from snt_web.synth.neuron import SOMA
from snt_web.synth.phantom import displaced, distance_to_polyline
from snt_web.tracing import trace_path

#: The kinds of the corpus (``demo`` is left out: ``bright`` is its conditions with other neurons).
KINDS = ("bright", "faint", "beaded", "noisy", "dense", "anisotropic", "hard")
#: Volumes each kind is measured on.
SEEDS = (101, 102, 103)
#: The volume of each kind the classifier learns from (never one it is measured on).
TRAIN_SEED = 100
#: The real test data, beside the repository.
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
#: The Classifier panel's default training labels (its radio's value): the paths' volumes.
PANEL_MODE = "volume"
#: Tolerances, voxels: a node or a traced voxel is right within 2 of the truth (per axis' voxel size).
TOLERANCE_VOXELS = 2.0
#: A traced path follows the truth when this share of its voxels is within the tolerance.
FOLLOWS_SHARE = 0.95
#: Semi-automatic tracing: node pairs this many voxel steps apart along a truth path.
PAIR_STEPS = (30, 60)
PAIRS_PER_CASE = 12
#: Refine/Fit: the truth pushed off its centreline by up to this many lateral voxels.
FIT_SHIFT_VOXELS = 1.5


@dataclass(frozen=True, eq=False)
class Case:
    """One volume of the corpus and what is known about it.

    Attributes
    ----------
    name : str
        ``<kind>-<seed>`` or the real stack's name.
    kind : str
        The kind, or ``real``.
    volume : ndarray (z, y, x)
    spacing : tuple of 3 float
        Voxel size, z, y, x, in the truth's units.
    truth : Tree
        Physical coordinates.
    seeds_xyz : ndarray (n, 3) or None
        Roots to autotrace from: soma centres, or a reconstruction's root.
    mask : ndarray of bool or None
        The volumetric truth.
    complete : bool
        Whether the truth holds every neurite of the image (node F1 is
        meaningful); a partial tracing only scores paths between its nodes.
    synthetic : SyntheticVolume or None
    """

    name: str
    kind: str
    volume: np.ndarray
    spacing: tuple
    truth: Tree
    seeds_xyz: np.ndarray | None = None
    mask: np.ndarray | None = None
    complete: bool = True
    synthetic: SyntheticVolume | None = None

    @property
    def spacing_xyz(self) -> tuple:
        return tuple(self.spacing[::-1])

    @cached_property
    def truth_index(self) -> cKDTree:
        """The truth's centrelines every quarter voxel, in voxel units (z, y, x), for distance queries."""
        return cKDTree(resampled_nodes(self.truth, self.spacing_xyz, step_voxels=0.25)[:, ::-1])


def synthetic_case(kind: str, seed: int, shape_zyx=None) -> Case:
    """A volume of ``kind`` (:func:`snt_web.synth.make_volume`) as a case: soma seeds, volumetric truth."""
    volume = make_volume(kind, seed, shape_zyx)
    return Case(f"{kind}-{seed}", kind, volume.image.volume(), tuple(volume.image.spacing), volume.truth,
                volume.seeds_xyz, volume.mask, True, volume)


def real_cases(data: Path = DATA) -> list[Case]:
    """The real stacks with a reconstruction, where present (``data/real/SOURCES.md``).

    - ``SpotSpine``: a 3D confocal stack of a spiny dendrite (41 x 157 x 116,
      0.21 x 0.06 x 0.06 µm) and its NeuronStudio reconstruction (no spines);
    - ``snake``: a synthetic 65³ single branch from another generator, with
      its segmentation as the volumetric truth;
    - ``TreeV``: SNT's 2D toy neuron (170 x 140) and its tracing;
    - ``810``: a real 2D widefield image of cultured neurons (channel 1,
      1024 x 1280, 0.113 µm) in which one neurite is traced: a partial
      truth, for tracing between its nodes only.

    The reconstruction's root is the autotracer's seed.
    """
    specs = [("SpotSpine", "snt/SpotSpine_ImageStack_Test.tif", "snt/SpotSpine_ImageStack_Test.swc", None, True),
             ("snake", "real/snake-for-neuron-tracing_SYNTHETIC/single_branch_noise_0.tif",
              "real/snake-for-neuron-tracing_SYNTHETIC/single_branch_noise_0.swc",
              "real/snake-for-neuron-tracing_SYNTHETIC/single_branch_noise_0.seg.tif", True),
             ("TreeV (2D)", "snt/TreeV.tif", "snt/TreeV.swc", None, True),
             ("810 (2D)", "real/i2k2020/810.tif", "real/i2k2020/810.traces", None, False)]
    cases = []
    for name, image_file, truth_file, mask_file, complete in specs:
        if not all((data / f).is_file() for f in (image_file, truth_file, mask_file) if f):
            continue
        image = read_image(data / image_file)
        truth = read_reconstruction(data / truth_file)
        root = truth.roots()[0].points[:1]
        mask = read_image(data / mask_file).volume() > 0 if mask_file else None
        cases.append(Case(name, "real", np.asarray(image.volume(0, 0)), tuple(image.spacing), truth, root, mask,
                          complete))
    return cases


def node_score(tree: Tree, case: Case) -> dict:
    """Node precision, recall and F1 at :data:`TOLERANCE_VOXELS`, resampled (:func:`snt_web.autotrace.node_f1`)."""
    return node_f1(tree, case.truth, case.spacing_xyz, TOLERANCE_VOXELS)


def voxel_score(predicted: np.ndarray, truth: np.ndarray) -> dict:
    """Voxel precision, recall and F1 of a mask against the volumetric truth, and its coverage.

    ``coverage`` is the predicted voxels over the truth's: 1 when the mask is
    as large as the truth, above when it is fatter.
    """
    predicted, truth = np.asarray(predicted, bool), np.asarray(truth, bool)
    hits = int(np.count_nonzero(predicted & truth))
    found, real = int(np.count_nonzero(predicted)), int(np.count_nonzero(truth))
    precision = hits / found if found else 0.0
    recall = hits / real if real else 0.0
    f1 = 2 * hits / (found + real) if found + real else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "coverage": found / real if real else 0.0}


def train_classifier(case: Case) -> PixelClassifier:
    """A pixel classifier trained on ``case`` and its truth as the Classifier panel trains with its defaults.

    The truth's paths drawn as :data:`PANEL_MODE` labels with the automatic
    background (:func:`snt_web.classify.samples_from_paths`' defaults), the
    default scales, and :func:`snt_web.classify.train`'s defaults (100 trees,
    balanced classes).
    """
    samples = samples_from_paths(case.truth, case.volume.shape, case.spacing, mode=PANEL_MODE)
    return train(case.volume, case.spacing, samples, FeatureSettings(scales=default_scales(case.spacing)))


def neurite_probability(classifier: PixelClassifier, case: Case) -> np.ndarray:
    """The classifier's probability of the (first) neurite class at every voxel of ``case``."""
    return apply(classifier, case.volume, case.spacing, classes=[classifier.class_names[0]])[0]


def fit_score(case: Case, seed: int = 0) -> dict:
    """How well Refine/Fit recovers the truth from a trace pushed off it (:func:`snt_web.fitting.fit_tree`, defaults).

    The truth's neurites are displaced by up to :data:`FIT_SHIFT_VOXELS`
    lateral voxels, radii dropped (:func:`snt_web.synth.phantom.displaced`),
    then fitted (position and radius).

    Returns
    -------
    dict
        ``within_1_voxel``: share of fitted nodes within one lateral voxel of
        their path's true centreline; ``median_radius_error``: median
        absolute radius error, lateral voxels; ``displaced_median``: median
        distance of the displaced nodes from the centreline, lateral voxels.
    """
    voxel = float(min(case.spacing[1:]))
    neurites = Tree([p for p in case.truth.paths if p.swc_type != SOMA and len(p) > 1], case.truth.spacing_xyz,
                    case.truth.units)
    traced = displaced(neurites, np.random.default_rng(seed), FIT_SHIFT_VOXELS * voxel)
    fitted = fit_tree(case.volume, case.spacing, traced)
    off = np.concatenate([distance_to_polyline(f.points, t.points) for f, t in zip(fitted, neurites.paths)])
    before = np.concatenate([distance_to_polyline(d.points, t.points) for d, t in zip(traced.paths, neurites.paths)])
    error = np.concatenate([np.abs(f.radii - t.radii) for f, t in zip(fitted, neurites.paths)])
    return {"within_1_voxel": float(np.mean(off <= voxel)), "median_radius_error": float(np.median(error) / voxel),
            "displaced_median": float(np.median(before) / voxel), "nodes": int(len(off))}


def node_pairs(case: Case, seed: int = 0) -> list[tuple[tuple, tuple]]:
    """Start and goal voxels (z, y, x) for semi-automatic tracing: truth points :data:`PAIR_STEPS` voxel steps apart.

    Each truth path is resampled to one voxel between points (reconstructions
    with sparse nodes too); along the longest paths first, from 10 voxels
    past each path's start (clear of the fork it leaves) and outside every
    soma (3 lateral voxels clear: where a user clicks on a neurite), each
    pair's length is drawn in the range and the next pair starts after the
    last (or ends with the path, if that is still in the range); at most
    :data:`PAIRS_PER_CASE`. A voxel step is the largest index
    change of a step along the path.
    """
    rng = np.random.default_rng(seed)
    shape = np.asarray(case.volume.shape)
    clear = 3 * float(min(case.spacing[1:]))
    somata = [p for p in case.truth.paths if p.swc_type == SOMA and p.radii is not None]
    pairs = []
    for path in sorted((p for p in case.truth.paths if len(p) > 1), key=lambda p: p.length, reverse=True):
        xyz = resampled_nodes(Tree([path]), case.spacing_xyz)  # voxel units
        zyx = np.clip(np.rint(xyz[:, ::-1]).astype(int), 0, shape - 1)
        steps = np.concatenate([[0], np.cumsum(np.abs(np.diff(zyx, axis=0)).max(axis=1))])
        outside = np.ones(len(zyx), dtype=bool)
        for soma in somata:
            outside &= np.linalg.norm(xyz * case.spacing_xyz - soma.points[0], axis=1) > soma.radii[0] + clear
        start = 10
        while len(pairs) < PAIRS_PER_CASE and start < len(zyx):
            if not outside[start]:
                start += 1
                continue
            # As long as drawn, or as the rest of the path where that is shorter but in the range.
            length = min(int(rng.integers(PAIR_STEPS[0], PAIR_STEPS[1] + 1)), steps[-1] - steps[start])
            if length < PAIR_STEPS[0]:
                break
            goal = int(np.searchsorted(steps, steps[start] + length))
            if outside[goal]:
                pairs.append((tuple(zyx[start].tolist()), tuple(zyx[goal].tolist())))
            start = goal + 5
    return pairs


def follows_truth(path_zyx: np.ndarray, case: Case) -> float:
    """Share of a traced path's voxels within :data:`TOLERANCE_VOXELS` (voxel units per axis) of the truth."""
    distance, _ = case.truth_index.query(np.asarray(path_zyx, dtype=float))
    return float(np.mean(distance <= TOLERANCE_VOXELS))


def semiauto_score(layer: np.ndarray, case: Case, pairs, cost: str = "reciprocal") -> dict:
    """Share of the ``pairs`` whose least-cost path (:func:`snt_web.tracing.trace_path`) follows the truth.

    ``cost`` is the search's cost function: the one the app picks for the
    layer (:func:`snt_web.tracing.layers.default_cost`), so SNT's probability
    cost on a probability map.

    Returns
    -------
    dict
        ``followed``: share of paths with at least :data:`FOLLOWS_SHARE` of
        their voxels on the truth; ``mean_on_truth``: mean share of voxels
        on the truth; ``pairs``.
    """
    shares = [follows_truth(trace_path(layer, start, goal, spacing=case.spacing, cost=cost).path_zyx, case)
              for start, goal in pairs]
    return {"followed": float(np.mean([s >= FOLLOWS_SHARE for s in shares])) if shares else float("nan"),
            "mean_on_truth": float(np.mean(shares)) if shares else float("nan"), "pairs": len(shares)}
