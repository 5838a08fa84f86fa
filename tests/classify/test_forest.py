"""The classifier on the demo neuron: accurate probabilities, a map to trace on, blocks within a budget."""

import numpy as np
import pytest

from snt_web.classify import (
    ChannelMismatchError,
    FeatureSettings,
    TrainingSamples,
    apply,
    default_scales,
    parse_class_weights,
    predict_slice,
    samples_from_paths,
    train,
)
from snt_web.labels import render_labels
from snt_web.synth import make_demo, render_tree
from snt_web.tracing import trace_path

SHAPE = (32, 128, 128)


@pytest.fixture(scope="module")
def demo():
    image, truth = make_demo(seed=0, shape_zyx=SHAPE)
    volume, spacing = image.volume(), image.spacing
    samples = samples_from_paths(truth, SHAPE, spacing, mode="volume")
    steps = []
    classifier = train(volume, spacing, samples, FeatureSettings(default_scales(spacing)), n_jobs=2,
                       progress=lambda percent, message: steps.append(percent))
    applied = []
    probabilities = apply(classifier, volume, spacing, n_jobs=2,
                          progress=lambda percent, message: applied.append(percent))
    return volume, spacing, truth, classifier, probabilities, (steps, applied)


def f1(predicted, truth):
    return 2 * np.count_nonzero(predicted & truth) / (np.count_nonzero(predicted) + np.count_nonzero(truth))


def test_neurite_probability_matches_the_truth(demo):
    volume, spacing, truth, classifier, probabilities, _ = demo
    assert classifier.class_names == ("SNT paths ch1", "background")
    assert classifier.oob_accuracy > 0.95 and classifier.class_counts["background"] > 0
    assert probabilities.shape == (2,) + SHAPE and probabilities.dtype == np.float32
    np.testing.assert_allclose(probabilities.sum(axis=0), 1, atol=1e-5)
    neurite = probabilities[0] > 0.5
    assert f1(neurite, render_labels(truth, SHAPE, spacing, mode="volume") > 0) >= 0.9
    # render_tree's occupancy is what the demo image was rendered from; the
    # label image differs from it by a few voxels (it also holds the
    # skeleton, so that a neurite thinner than a voxel is kept) and agrees
    # with the map as well.
    assert f1(neurite, render_tree(truth, SHAPE, spacing) >= 0.5) >= 0.9


def test_progress_moves_steadily_through_features_trees_and_prediction(demo):
    *_, (trained, applied) = demo
    # Training: each scale's features, then each ten trees; applying one
    # block: each scale, then each chunk of voxels classified.
    for steps, least in ((trained, 4 + 10), (applied, 4 + 8)):
        assert steps == sorted(steps) and steps[-1] == 100
        assert len(set(steps)) >= least and steps[0] < 35
        assert max(np.diff([0.0] + steps)) <= 35


def test_trees_grown_in_blocks_are_those_of_one_fit(demo):
    from sklearn.ensemble import RandomForestClassifier

    from snt_web.classify import compute_features

    volume, spacing, truth, *_ = demo
    samples = samples_from_paths(truth, SHAPE, spacing, mode="volume", max_per_class=400)
    settings = FeatureSettings((0.6,), ("gaussian", "hessian"))
    grown = train(volume, spacing, samples, settings, n_estimators=25, class_weight=None, n_jobs=2, random_state=5)
    features = compute_features(volume, spacing, settings)[(slice(None), *samples.coords.T)].T
    once = RandomForestClassifier(25, random_state=5, oob_score=True).fit(features, samples.labels)
    np.testing.assert_array_equal(grown.forest.predict_proba(features), once.predict_proba(features))
    assert grown.oob_accuracy == once.oob_score_


def truth_polyline_distance(points_zyx, path, spacing):
    line = path.points[:, ::-1] / spacing
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.clip(np.einsum("pnk,nk->pn", points_zyx[:, None] - a, ab) / np.maximum((ab ** 2).sum(1), 1e-12), 0, 1)
    return np.linalg.norm(points_zyx[:, None] - (a + t[..., None] * ab), axis=2).min(axis=1)


def test_tracing_on_the_map_follows_the_truth(demo):
    _, spacing, truth, _, probabilities, _ = demo
    spacing = np.asarray(spacing)
    path = max(truth.paths, key=len)
    nodes = np.round(path.points[:, ::-1] / spacing).astype(int)
    start, goal = nodes[3], nodes[min(len(nodes) - 4, 60)]
    result = trace_path(probabilities[0], tuple(start), tuple(goal), spacing=spacing)
    assert np.abs(start - goal).max() >= 30
    off = truth_polyline_distance(result.path_zyx.astype(float), path, spacing)
    assert np.mean(off <= 2.0) >= 0.95


def test_a_small_budget_gives_the_same_map_into_a_memory_map(demo, tmp_path):
    volume, spacing, _, classifier, probabilities, _ = demo
    out = np.lib.format.open_memmap(tmp_path / "map.npy", mode="w+", dtype=np.float32, shape=(1,) + SHAPE)
    steps = []
    apply(classifier, volume, spacing, memory_budget_bytes=8 * 2**20, out=out, classes=["background"],
          progress=lambda percent, message: steps.append(message), n_jobs=2)
    assert len(steps) > 1
    np.testing.assert_allclose(out[0], probabilities[1], atol=1e-6)
    with pytest.raises(ValueError, match="too small"):
        apply(classifier, volume, spacing, memory_budget_bytes=2**16)


@pytest.mark.parametrize("plane, index", [("xy", 12), ("xz", 70), ("zy", 40)])
def test_a_slice_is_predicted_alone_as_in_the_whole_map(demo, plane, index):
    from snt_web.imaging.slices import extract_slice

    volume, spacing, _, classifier, probabilities, _ = demo
    predicted = predict_slice(classifier, volume, spacing, plane, index, classes=[0], n_jobs=2)
    np.testing.assert_allclose(predicted[0], extract_slice(probabilities[0], plane, index), atol=1e-6)


def test_progress_may_cancel(demo):
    volume, spacing, _, classifier, _, _ = demo

    def cancel(percent, message):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply(classifier, volume, spacing, memory_budget_bytes=8 * 2**20, progress=cancel)


def test_classes_and_channels_must_match(demo):
    volume, spacing, _, classifier, _, _ = demo
    with pytest.raises(ValueError, match="no class 'axon'"):
        apply(classifier, volume, spacing, classes=["axon"])
    with pytest.raises(ChannelMismatchError, match="2 channels, the classifier was trained on 1"):
        apply(classifier, np.stack([volume, volume]), spacing)


def test_every_channel_is_learnt_from():
    rng = np.random.default_rng(0)
    first = rng.normal(100, 5, (4, 24, 24)).astype(np.float32)
    second = first.copy()
    second[:, :, 12:] += 60  # the classes differ in the second channel only
    coords = np.array([(z, y, x) for z in range(4) for y in range(0, 24, 3) for x in (2, 5, 18, 21)])
    samples = TrainingSamples(coords, (coords[:, 2] >= 12).astype(int), ("left", "right"))
    classifier = train(np.stack([first, second]), (1, 1, 1), samples, FeatureSettings((1.0,), ("gaussian",)),
                       n_estimators=10, n_jobs=1)
    assert classifier.n_channels == 2 and classifier.feature_names == ["ch1 gaussian 1", "ch2 gaussian 1"]
    right = apply(classifier, np.stack([first, second]), (1, 1, 1), classes=["right"], n_jobs=1)[0]
    assert right[:, :, :9].max() < 0.5 < right[:, :, 15:].min()
    with pytest.raises(ValueError, match="no training samples for right"):
        train(first, (1, 1, 1), TrainingSamples(coords, np.zeros(len(coords)), ("left", "right")),
              FeatureSettings((1.0,)), n_estimators=2)


def test_class_weights_tip_the_vote_where_the_features_cannot_tell():
    rng = np.random.default_rng(1)
    noise = rng.normal(100, 5, (6, 32, 32)).astype(np.float32)
    coords = np.stack(np.unravel_index(rng.choice(noise.size, 600, replace=False), noise.shape), axis=1)
    labels = np.arange(600) % 4 != 0  # label 0, "neurite", for one sample in four; the features pure noise
    samples = TrainingSamples(coords, labels.astype(int), ("neurite", "background"))
    settings = FeatureSettings((1.0,), ("gaussian",))

    def mean_neurite(class_weight):
        classifier = train(noise, (1, 1, 1), samples, settings, n_estimators=30, max_depth=2,
                           class_weight=class_weight, n_jobs=1)
        return float(apply(classifier, noise, (1, 1, 1), classes=["neurite"], n_jobs=1).mean())

    unweighted, balanced = mean_neurite(None), mean_neurite("balanced")
    heavy = mean_neurite(parse_class_weights("neurite=20"))
    assert unweighted < 0.35 and 0.35 < balanced < 0.65 and heavy > 0.8
    with pytest.raises(ValueError, match="no class 'axon' to weigh"):
        train(noise, (1, 1, 1), samples, settings, n_estimators=2, class_weight={"axon": 2.0})


@pytest.mark.parametrize("text", ["neurite", "neurite=0", "neurite=x", "=2", "a=1,b"])
def test_unreadable_class_weights_are_refused(text):
    with pytest.raises(ValueError, match="cannot read"):
        parse_class_weights(text)


def test_forest_tables_predict_as_scikit_learn(demo):
    from snt_web.classify.inference import ForestTables

    _, _, _, classifier, _, _ = demo
    features = np.random.default_rng(3).normal(0, 50, (5000, classifier.n_features)).astype(np.float32)
    for n_jobs in (1, 3):
        np.testing.assert_allclose(ForestTables(classifier.forest).probabilities(features, n_jobs=n_jobs),
                                   classifier.forest.predict_proba(features), atol=1e-12)
