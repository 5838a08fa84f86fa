"""A random forest pixel classifier (Labkit's and Trainable Weka Segmentation's method), trained and applied blockwise.

Training computes features only for the blocks that hold samples; applying
goes block by block, each block's features (all channels, laid out voxel by
voxel, as the forest reads them) and predictions (:mod:`.inference`) sized
to a memory budget, so a volume far larger than memory is classified into a
memory map.
"""

from __future__ import annotations

import importlib.metadata
import math
import os
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from joblib import parallel_config
from sklearn.ensemble import RandomForestClassifier
from sklearn.utils.class_weight import compute_class_weight

from ..imaging.slices import SLICE_AXIS, extract_slice
from .blocks import block_shape_within, iter_blocks
from .coverage import ExpectedCoverage
from .features import FeatureSettings, block_features, feature_bytes, feature_halo, feature_names
from .inference import ForestTables
from .training import TrainingSamples

__all__ = [
    "DEFAULT_MEMORY_BUDGET",
    "ChannelMismatchError",
    "PixelClassifier",
    "parse_class_weights",
    "train",
    "apply",
    "predict_slice",
]

DEFAULT_MEMORY_BUDGET = 1 << 30
# Trees grown between two progress reports (each a chance to cancel).
_TREES_PER_STEP = 10
# Rough relative costs, for a progress bar that moves at an even pace (they
# change no result): filtering costs one unit per feature and voxel; growing
# a tree _GROW_COST per sample, times log2 of the samples and the square root
# of the features (what one split search reads); predicting a voxel
# _PREDICT_COST per tree. Measured on the demo neuron, 2 cores.
_GROW_COST = 1.0
_PREDICT_COST = 0.5
# Voxels predicted at once. Each tree runs over all the rows it is given:
# rows that stay in the caches (64 Ki rows of 40 features, 10 MiB) are read
# from memory once, not once per tree.
_PREDICT_CHUNK = 1 << 16


class ChannelMismatchError(ValueError):
    """An image has another number of channels than the classifier was trained on."""


@dataclass(eq=False)
class PixelClassifier:
    """A trained forest and what it takes to apply it.

    Parameters
    ----------
    forest : RandomForestClassifier
        Fitted on features of all channels, channel after channel, in the
        order of :func:`~.features.feature_names`; classes ``0 .. n - 1``.
    settings : FeatureSettings
    class_names : tuple of str
        Name of each class, in the order of the probabilities.
    spacing : tuple of 3 float
        Voxel size (z, y, x) of the training image; features are physical, so
        images of another spacing are classified alike.
    n_channels : int
        Channels of the images the classifier applies to.
    oob_accuracy : float
        Out-of-bag accuracy of the forest on its training samples.
    class_counts : dict of str to int
        Training samples per class.
    background_counts : dict of str to int
        Background samples by source (:data:`~.training.BACKGROUND_SOURCES`);
        empty when unknown.
    expected : ExpectedCoverage or None
        The share of the traced region the training paths fill, which the
        maps it makes are checked against (:func:`~.coverage.check_coverage`).
    version : str
        snt-web version that trained it.
    """

    forest: RandomForestClassifier
    settings: FeatureSettings
    class_names: tuple[str, ...]
    spacing: tuple[float, float, float]
    n_channels: int
    oob_accuracy: float
    class_counts: dict[str, int]
    background_counts: dict[str, int] = field(default_factory=dict)
    expected: ExpectedCoverage | None = None
    version: str = field(default_factory=lambda: importlib.metadata.version("snt-web"))

    @property
    def n_features(self) -> int:
        return self.n_channels * self.settings.n_features

    @property
    def feature_names(self) -> list[str]:
        """Feature names prefixed by channel: ``"ch1 gaussian 0.3"``…"""
        names = feature_names(self.settings)
        return [f"ch{c} {name}" for c in range(1, self.n_channels + 1) for name in names]


def train(volume, spacing, samples: TrainingSamples, settings: FeatureSettings, *, n_estimators: int = 100,
          max_depth: int | None = None, class_weight: str | None = "balanced", n_jobs: int | None = None,
          progress=None, random_state: int = 0, memory_budget_bytes: float = DEFAULT_MEMORY_BUDGET
          ) -> PixelClassifier:
    """Fit a random forest to the features of the sample voxels.

    Parameters
    ----------
    volume : ndarray, shape (z, y, x) or (c, z, y, x)
        The image: one channel, or all of them (features of every channel
        are learnt from together).
    spacing : sequence of 3 float
        Voxel size, z, y, x, in the unit of the feature scales.
    samples : TrainingSamples
        Voxels and classes (:func:`~.training.samples_from_paths`); every
        class needs at least one.
    settings : FeatureSettings
    n_estimators, max_depth : int
        Trees, and their depth (unlimited by default).
    class_weight : "balanced", None or dict
        ``"balanced"`` weighs each class inversely to its samples, so a thin
        neurite outvoted by the background still counts; None weighs every
        sample alike; a dict gives weights by class name (1 for a class it
        leaves out). :func:`parse_class_weights` reads them from text.
    n_jobs : int, optional
        Threads; all cores by default.
    progress : callable, optional
        ``progress(percent, message)`` after each scale of each block's
        features and each ten trees, the percentages shared out by the
        expected cost of each; an exception it raises cancels training.
    random_state : int
        Seed of the forest.
    memory_budget_bytes : float
        Working memory for the features of one block.

    Returns
    -------
    PixelClassifier
    """
    volume = _channels_first(volume)
    n_jobs = _n_jobs(n_jobs)
    counts = np.bincount(samples.labels, minlength=len(samples.class_names))
    if np.any(counts == 0):
        empty = [n for n, c in zip(samples.class_names, counts) if c == 0]
        raise ValueError(f"no training samples for {', '.join(empty)}")
    if np.any(samples.coords < 0) or np.any(samples.coords >= volume.shape[1:]):
        raise ValueError(f"sample voxels lie outside the image of shape {volume.shape[1:]}")
    blocks, which = _sample_blocks(volume, spacing, samples.coords, settings, memory_budget_bytes, n_jobs)
    n_features, n = volume.shape[0] * settings.n_features, len(samples.labels)
    filter_work = sum(math.prod(b.stop - b.start for b in block) for block in blocks) * n_features
    grow_work = _GROW_COST * n_estimators * n * math.log2(max(n, 2)) * math.sqrt(n_features)
    split = 100 * filter_work / (filter_work + grow_work)
    features = _sample_features(volume, spacing, samples.coords, settings, blocks, which, n_jobs,
                                _stage(progress, 0, split))
    weights = _class_weights(class_weight, samples)
    forest = RandomForestClassifier(n_estimators=0, max_depth=max_depth, class_weight=weights, oob_score=False,
                                    warm_start=True, random_state=random_state)
    with parallel_config(n_jobs=n_jobs), warnings.catch_warnings():
        # Class weights make sklearn draw each tree's bootstrap by weight, so
        # a few heavily weighted (neurite) samples are in every tree's bag and
        # have no out-of-bag vote; its warning about them says nothing more.
        warnings.filterwarnings("ignore", message="Some inputs do not have OOB scores")
        for grown in range(_TREES_PER_STEP, n_estimators + _TREES_PER_STEP, _TREES_PER_STEP):
            grown = min(grown, n_estimators)
            # The out-of-bag score is computed once, with the last trees.
            forest.set_params(n_estimators=grown, oob_score=grown == n_estimators)
            forest.fit(features, samples.labels)
            _report(progress, (split * (n_estimators - grown) + 100 * grown) / n_estimators,
                    f"{grown} of {n_estimators} trees")
    forest.set_params(warm_start=False)
    return PixelClassifier(forest=forest, settings=settings, class_names=samples.class_names,
                           spacing=tuple(float(s) for s in spacing), n_channels=volume.shape[0],
                           oob_accuracy=float(forest.oob_score_), class_counts=samples.counts,
                           background_counts=dict(samples.background_counts), expected=samples.expected)


def parse_class_weights(text: str | None):
    """Class weights as a user writes them: ``"balanced"``, ``"none"``, or ``"name=weight, ..."``.

    Returns
    -------
    "balanced", None or dict
        What :func:`train` takes as ``class_weight``; blank text is ``"balanced"``.

    Examples
    --------
    >>> parse_class_weights("background=0.5, SNT paths ch1=2")
    {'background': 0.5, 'SNT paths ch1': 2.0}
    >>> parse_class_weights("none") is None
    True
    """
    text = (text or "").strip()
    if text.lower() in ("", "balanced"):
        return "balanced"
    if text.lower() == "none":
        return None
    weights = {}
    for item in text.split(","):
        name, equals, value = item.partition("=")
        try:
            weight = float(value)
        except ValueError:
            weight = float("nan")
        if not equals or not name.strip() or not weight > 0 or not np.isfinite(weight):
            raise ValueError(f"class weights are 'balanced', 'none' or 'class=weight, ...' with positive weights; "
                             f"cannot read {item.strip()!r}")
        weights[name.strip()] = weight
    return weights


def _class_weights(class_weight, samples: TrainingSamples) -> dict | None:
    """The forest's ``class_weight`` by label index."""
    present = np.arange(len(samples.class_names))
    if class_weight == "balanced":
        # Explicit weights, equal to sklearn's "balanced" for these labels,
        # because the forest grows in steps (warm_start), where the preset warns.
        balanced = compute_class_weight("balanced", classes=present, y=samples.labels)
        return {int(c): float(w) for c, w in zip(present, balanced)}
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict):
        raise ValueError(f"class_weight must be 'balanced', None or weights by class name, got {class_weight!r}")
    unknown = sorted(set(class_weight) - set(samples.class_names))
    if unknown:
        raise ValueError(f"no class {', '.join(map(repr, unknown))} to weigh; the classes are "
                         f"{', '.join(samples.class_names)}")
    return {int(c): float(class_weight.get(name, 1.0)) for c, name in zip(present, samples.class_names)}


def apply(classifier: PixelClassifier, volume, spacing, *, memory_budget_bytes: float = DEFAULT_MEMORY_BUDGET,
          out=None, progress=None, classes=None, n_jobs: int | None = None) -> np.ndarray:
    """Class probabilities of every voxel, block by block within a memory budget.

    Parameters
    ----------
    classifier : PixelClassifier
    volume : ndarray, shape (z, y, x) or (c, z, y, x)
        An image with the classifier's number of channels; a memory map is
        read block by block.
    spacing : sequence of 3 float
        Its voxel size, z, y, x.
    memory_budget_bytes : float
        Working memory: features and predictions of one block (the block is
        the largest that fits). ``out`` is not counted: pass a memory map to
        classify a volume whose probabilities exceed the budget.
    out : ndarray of float32, shape (n_classes, z, y, x), optional
        Where to write, e.g. a ``numpy.memmap``; any strides.
    progress : callable, optional
        ``progress(percent, message)`` after each scale of each block's
        features and each chunk of its voxels predicted; an exception it
        raises cancels.
    classes : sequence of str or int, optional
        The classes wanted, by name or index; all by default.
    n_jobs : int, optional
        Threads; all cores by default.

    Returns
    -------
    ndarray of float32, shape (n_classes, z, y, x)
        Probabilities, each voxel's summing to 1 over all classes.

    Raises
    ------
    ChannelMismatchError
        The image has another number of channels than the classifier's.
    """
    volume = _channels_first(volume)
    region = tuple(slice(0, n) for n in volume.shape[1:])
    return _predict_region(classifier, volume, spacing, region, classes, out, memory_budget_bytes,
                           _n_jobs(n_jobs), progress)


def predict_slice(classifier: PixelClassifier, volume, spacing, plane: str, index: int, *, classes=None,
                  memory_budget_bytes: float = DEFAULT_MEMORY_BUDGET, n_jobs: int | None = None) -> np.ndarray:
    """Class probabilities on one orthogonal slice, for instant feedback while labelling.

    Only the slab the slice's features reach into is read and filtered.

    Parameters
    ----------
    classifier, volume, spacing, classes, memory_budget_bytes, n_jobs
        As for :func:`apply`.
    plane : {"xy", "xz", "zy"}
    index : int
        Position along the plane's normal, clipped to the volume.

    Returns
    -------
    ndarray of float32, shape (n_classes, rows, columns)
        Each class's slice oriented as :func:`snt_web.imaging.slices.extract_slice` shows it.
    """
    volume = _channels_first(volume)
    axis = SLICE_AXIS[plane]
    index = int(np.clip(index, 0, volume.shape[1 + axis] - 1))
    region = tuple(slice(index, index + 1) if k == axis else slice(0, n) for k, n in enumerate(volume.shape[1:]))
    slab = _predict_region(classifier, volume, spacing, region, classes, None, memory_budget_bytes,
                           _n_jobs(n_jobs), None)
    return np.stack([extract_slice(p, plane, 0) for p in slab])


def _predict_region(classifier: PixelClassifier, volume, spacing, region, classes, out, budget, n_jobs, progress):
    """Probabilities of the classes wanted over ``region``, written into ``out`` (allocated when None)."""
    if volume.shape[0] != classifier.n_channels:
        raise ChannelMismatchError(f"the image has {volume.shape[0]} channel{'s' * (volume.shape[0] != 1)}, the "
                                   f"classifier was trained on {classifier.n_channels}")
    rows = _class_rows(classifier.class_names, classes)
    shape = tuple(r.stop - r.start for r in region)
    if out is None:
        out = np.empty((len(rows),) + shape, dtype=np.float32)
    elif out.shape != (len(rows),) + shape:
        raise ValueError(f"out must have shape {(len(rows),) + shape}, got {out.shape}")
    settings, n_features = classifier.settings, classifier.n_features
    tables = ForestTables(classifier.forest)

    def working_bytes(block):
        # The block's features (voxel-major) and probabilities, and then
        # either one channel's filtering or the prediction of a chunk (the
        # forest's, and the probabilities wanted picked out in float64).
        voxels = math.prod(block)
        filtering = feature_bytes(settings, spacing, block, shape, n_jobs=n_jobs)
        chunk = min(voxels, _PREDICT_CHUNK)
        predicting = tables.working_bytes(chunk, n_jobs) + 8 * chunk * len(rows)
        return 4 * (n_features + len(rows)) * voxels + max(filtering, predicting)

    halo = feature_halo(spacing, settings)
    block_shape = block_shape_within(shape, halo, budget, working_bytes)
    features_buffer = np.empty(math.prod(block_shape) * n_features, dtype=np.float32)
    probabilities_buffer = np.empty(math.prod(block_shape) * len(rows), dtype=np.float32)
    blocks = list(iter_blocks(shape, block_shape))
    # Within a block, filtering and predicting share its part of the bar by their expected costs.
    filtering = n_features / (n_features + _PREDICT_COST * len(tables.trees))
    began = time.perf_counter()
    for done, block in enumerate(blocks):
        in_volume = tuple(slice(r.start + b.start, r.start + b.stop) for r, b in zip(region, block))
        size = tuple(b.stop - b.start for b in block)
        voxels = math.prod(size)

        def step(share, what, done=done):
            elapsed = time.perf_counter() - began
            _report(progress, 100 * (done + share) / len(blocks),
                    f"block {done + 1} of {len(blocks)}: {what}, {elapsed:.0f} s")

        features = features_buffer[: voxels * n_features].reshape(size + (n_features,))
        _features_into(volume, spacing, settings, in_volume, features, n_jobs,
                       lambda k, n: step(filtering * k / n, f"features {k} of {n}"))
        probabilities = probabilities_buffer[: voxels * len(rows)].reshape(len(rows), voxels)
        for start in range(0, voxels, _PREDICT_CHUNK):
            chunk = slice(start, start + _PREDICT_CHUNK)
            probabilities[:, chunk] = tables.probabilities(features.reshape(voxels, n_features)[chunk],
                                                           n_jobs=n_jobs)[:, rows].T
            predicted = min(start + _PREDICT_CHUNK, voxels) / voxels
            step(predicted + filtering * (1 - predicted), f"{100 * predicted:.0f}% of its voxels classified")
        out[(slice(None),) + block] = probabilities.reshape((len(rows),) + size)
    return out


def _sample_blocks(volume, spacing, coords, settings, budget, n_jobs) -> tuple[list, np.ndarray]:
    """The blocks holding samples (within the memory budget), and the block of each sample (an index)."""
    n_features = volume.shape[0] * settings.n_features
    shape = volume.shape[1:]

    def working_bytes(block):
        return 4 * n_features * math.prod(block) + feature_bytes(settings, spacing, block, shape, n_jobs=n_jobs)

    block_shape = np.array(block_shape_within(shape, feature_halo(spacing, settings), budget, working_bytes))
    corners = coords // block_shape * block_shape
    unique, which = np.unique(corners, axis=0, return_inverse=True)
    blocks = [tuple(slice(int(c), int(min(c + b, n))) for c, b, n in zip(corner, block_shape, shape))
              for corner in unique]
    return blocks, which.reshape(-1)


def _sample_features(volume, spacing, coords, settings, blocks, which, n_jobs, progress) -> np.ndarray:
    """Features (n_samples, n_features) of the sample voxels, computed only for the blocks that hold them.

    ``blocks`` and ``which`` are :func:`_sample_blocks`'s answer.
    """
    n_features = volume.shape[0] * settings.n_features
    out = np.empty((len(coords), n_features), dtype=np.float32)
    for i, block in enumerate(blocks):
        size = tuple(b.stop - b.start for b in block)
        features = np.empty(size + (n_features,), dtype=np.float32)

        def scale_done(k, n, i=i):
            _report(progress, 100 * (i + k / n) / len(blocks), f"features of block {i + 1} of {len(blocks)}: "
                                                              f"{k} of {n}")

        _features_into(volume, spacing, settings, block, features, n_jobs, scale_done)
        inside = np.flatnonzero(which == i)
        local = coords[inside] - [b.start for b in block]
        out[inside] = features[local[:, 0], local[:, 1], local[:, 2]]
    return out


def _features_into(volume, spacing, settings, block, features, n_jobs, done=None) -> None:
    """Features of all channels over ``block`` into ``features`` (bz, by, bx, n_channels * n_features).

    ``done(k, n)`` is called as each of the ``n`` scales of all channels is filtered.
    """
    per_channel = settings.n_features
    n = volume.shape[0] * len(settings.scales)
    filtered = 0

    def scale_done():
        nonlocal filtered
        filtered += 1
        if done is not None:
            done(filtered, n)

    for c in range(volume.shape[0]):
        rows = np.moveaxis(features[..., c * per_channel:(c + 1) * per_channel], -1, 0)
        block_features(volume[c], spacing, settings, block, rows, n_jobs=n_jobs, scale_done=scale_done)


def _class_rows(names, classes) -> list[int]:
    """Indices of the classes wanted, given by name or index; all when None."""
    if classes is None:
        return list(range(len(names)))
    rows = []
    for wanted in classes:
        if isinstance(wanted, (int, np.integer)) and 0 <= wanted < len(names):
            rows.append(int(wanted))
        elif wanted in names:
            rows.append(names.index(wanted))
        else:
            raise ValueError(f"no class {wanted!r}; the classes are {', '.join(names)}")
    return rows


def _channels_first(volume) -> np.ndarray:
    """The image as (c, z, y, x), a single channel given as (z, y, x) included; not copied."""
    if volume.ndim == 3:
        return volume[None]
    if volume.ndim != 4:
        raise ValueError(f"the image must be (z, y, x) or (c, z, y, x), got shape {volume.shape}")
    return volume


def _n_jobs(n_jobs: int | None) -> int:
    return (os.cpu_count() or 1) if n_jobs is None else max(int(n_jobs), 1)


def _report(progress, percent: float, message: str) -> None:
    if progress is not None:
        progress(float(percent), message)


def _stage(progress, start: float, stop: float):
    """``progress`` for one stage of the work: its 0-100 mapped to ``start``-``stop`` of the whole; None for None."""
    if progress is None:
        return None
    return lambda percent, message: progress(start + (stop - start) * percent / 100, message)
