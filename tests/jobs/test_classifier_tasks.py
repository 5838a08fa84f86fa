"""The classifier loop as jobs, by a real worker of each backend: train from the truth's paths, apply, trace."""

from __future__ import annotations

import numpy as np

from snt_web.labels.render import render_labels
from snt_web.store import LOCAL_USER, SetReconstruction, apply
from snt_web.store.maps import list_maps, map_volume
from snt_web.store.classifiers import list_models, load_model


def test_train_then_apply_gives_a_probability_map_of_the_neurites(jobs):
    store = jobs.store
    image = store.image("demo")
    truth = store.reconstruction("demo")
    job = jobs.queue.submit("train-classifier", "demo", LOCAL_USER, {"mode": "volume", "n_estimators": 30})
    record = jobs.wait(job.id, timeout=120.0)
    assert record.state == "done", record.error
    (model,) = list_models(store, "demo")
    assert model["classes"] == ["SNT paths ch1", "background"] and model["oob_accuracy"] > 0.9
    assert record.result["class_counts"] == model["class_counts"] and min(model["class_counts"].values()) > 100
    assert model["background_counts"] == record.result["background_counts"]
    assert sum(model["background_counts"].values()) == model["class_counts"]["background"]
    assert model["background_counts"]["near paths"] > 0 and model["background_counts"]["painted"] == 0
    assert load_model(store, "demo", "classifier").n_channels == image.n_channels
    assert 0 < record.result["expected_fraction"] == model["expected"]["fraction"] < 0.2

    record = jobs.wait(jobs.queue.submit("apply-classifier", "demo", LOCAL_USER, {}).id, timeout=120.0)
    assert record.state == "done", record.error
    (pmap,) = list_maps(store, "demo")
    assert pmap["classes"] == model["classes"] and pmap["source"] == "classifier classifier"
    assert pmap["values"] == "probability" and 0 <= pmap["range"][0] <= pmap["range"][1] <= 1
    # The map is checked against the share of the traced region the paths fill: as wide, no warning.
    coverage = record.result["coverage"]
    assert coverage == pmap["coverage"] and 0.7 < coverage["ratio"] < 1.5 and coverage["warning"] is None
    neurite = np.asarray(map_volume(store, "demo", "classifier", 0))
    truth_mask = render_labels(truth, image.shape_zyx, image.spacing, mode="volume") > 0
    predicted = neurite > 0.5
    f1 = 2 * (predicted & truth_mask).sum() / (predicted.sum() + truth_mask.sum())
    assert f1 > 0.8, f1
    # No scratch file is left beside the map.
    assert not list((store.projects_dir / "demo" / "maps").glob(".*"))


def test_background_marks_add_to_the_automatic_background(jobs):
    from snt_web.model import Path, Tree

    store = jobs.store
    truth = store.reconstruction("demo")
    z, y, x = store.image("demo").shape_zyx
    sz, sy, sx = store.image("demo").spacing
    corner = Path(truth.next_id(), [[1 * sx, 1 * sy, 1 * sz], [10 * sx, 1 * sy, 1 * sz]], name="bg{background}")
    with_corner = Tree(truth.paths + [corner], truth.spacing_xyz, truth.units)
    apply(store, "demo", LOCAL_USER, SetReconstruction(with_corner), None)
    record = jobs.wait(jobs.queue.submit("train-classifier", "demo", LOCAL_USER, {"n_estimators": 10}).id,
                       timeout=120.0)
    assert record.state == "done", record.error
    # Ten voxels marked, and the background sampled beside the paths and away from them.
    sources = record.result["background_counts"]
    assert sources["painted"] == 10 and sources["near paths"] > 0 and sources["far"] > 0
    assert record.result["class_counts"]["background"] == sum(sources.values())
