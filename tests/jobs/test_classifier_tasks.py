"""The classifier loop as jobs, by a real worker of each backend: train from the truth's paths, apply, trace."""

from __future__ import annotations

import numpy as np

from snt_web.labels.render import render_labels
from snt_web.store import LOCAL_USER
from snt_web.store.maps import list_maps, map_volume
from snt_web.store.models import list_models, load_model


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
    assert load_model(store, "demo", "classifier").n_channels == image.n_channels

    record = jobs.wait(jobs.queue.submit("apply-classifier", "demo", LOCAL_USER, {}).id, timeout=120.0)
    assert record.state == "done", record.error
    (pmap,) = list_maps(store, "demo")
    assert pmap["classes"] == model["classes"] and pmap["source"] == "classifier classifier"
    neurite = np.asarray(map_volume(store, "demo", "classifier", 0))
    truth_mask = render_labels(truth, image.shape_zyx, image.spacing, mode="volume") > 0
    predicted = neurite > 0.5
    f1 = 2 * (predicted & truth_mask).sum() / (predicted.sum() + truth_mask.sum())
    assert f1 > 0.8, f1
    # No scratch file is left beside the map.
    assert not list((store.projects_dir / "demo" / "maps").glob(".*"))


def test_background_marks_replace_the_automatic_background(jobs):
    from snt_web.model import Path, Tree

    store = jobs.store
    truth = store.reconstruction("demo")
    z, y, x = store.image("demo").shape_zyx
    sz, sy, sx = store.image("demo").spacing
    corner = Path(truth.next_id(), [[1 * sx, 1 * sy, 1 * sz], [10 * sx, 1 * sy, 1 * sz]], name="bg{background}")
    store.set_reconstruction("demo", Tree(truth.paths + [corner], truth.spacing_xyz, truth.units), base_version=None)
    record = jobs.wait(jobs.queue.submit("train-classifier", "demo", LOCAL_USER, {"n_estimators": 10}).id,
                       timeout=120.0)
    assert record.state == "done", record.error
    # Ten voxels marked: exactly those are the background samples.
    assert record.result["class_counts"]["background"] == 10
