"""The autotracer as a job, by a real worker of each backend: new tagged paths, one undoable edit."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.autotrace import AutotraceSettings, autotrace, node_f1
from snt_web.jobs.params import ParameterError
from snt_web.model import Tree
from snt_web.store import LOCAL_USER
from snt_web.store.commands import Undo, apply


def _added(store, before: Tree) -> Tree:
    ids = {p.id for p in before.paths}
    after = store.reconstruction("demo")
    return Tree([p for p in after.paths if p.id not in ids], after.spacing_xyz, after.units)


def test_autotrace_adds_the_cell_as_new_paths_and_undo_removes_them(jobs):
    store = jobs.store
    truth = store.reconstruction("demo")
    version = store.get("demo").version
    job = jobs.queue.submit("autotrace", "demo", LOCAL_USER, {"seeds": None, "role": "root", "layer": "raw",
                                                              "score_map": "tubeness", "multi_cell": False})
    record = jobs.wait(job.id, timeout=300.0)
    assert record.state == "done", record.error
    result = record.result
    added = _added(store, truth)
    assert result["n_trees"] == 1 == len(added.roots())
    assert sorted(result["path_ids"]) == sorted(p.id for p in added.paths) and result["n_nodes"] == added.n_nodes
    assert all("autotrace:root" in p.tags for p in added.paths)
    assert node_f1(added, truth, truth.spacing_xyz)["f1"] >= 0.85
    # One edit, in the history, undone in one step.
    assert store.get("demo").version == version + 1
    assert store.history("demo")[0].action == "add trees"
    apply(store, "demo", LOCAL_USER, Undo(), store.get("demo").version)
    assert [p.id for p in store.reconstruction("demo").paths] == [p.id for p in truth.paths]


def test_autotrace_from_a_seed_on_a_filtered_layer(jobs):
    store = jobs.store
    truth = store.reconstruction("demo")
    x, y, z = truth.paths[0].points[0]
    job = jobs.queue.submit("autotrace", "demo", LOCAL_USER, {"seeds": [[x, y, z, 0.8], [1e6, 0, 0, 1.0]],
                                                              "layer": "gaussian", "scales": [0.3],
                                                              "score_map": None})
    record = jobs.wait(job.id, timeout=300.0)
    assert record.state == "done", record.error
    assert record.result["n_trees"] == 1 and "outside the image" in record.result["warnings"][0]
    # The smoothed layer loses some thin tips of this small stack.
    assert node_f1(_added(store, truth), truth, truth.spacing_xyz)["recall"] >= 0.7


def test_connectivity_centring_and_gap_penalty_reach_the_tracer(jobs):
    store = jobs.store
    truth = store.reconstruction("demo")
    job = jobs.queue.submit("autotrace", "demo", LOCAL_USER, {"connectivity": 26, "centre": False, "gap_penalty": 0})
    record = jobs.wait(job.id, timeout=300.0)
    assert record.state == "done", record.error
    image = store.image("demo")
    direct = autotrace(image.volume(0, 0), image.spacing,
                       settings=AutotraceSettings(connectivity=26, centre=False, gap_penalty=0.0))
    added = _added(store, truth)
    assert [len(p) for p in added.paths] == [len(p) for p in direct.tree.paths]
    assert all(np.allclose(a.points, b.points) for a, b in zip(added.paths, direct.tree.paths))


def test_bad_parameters_are_refused_or_fail_the_job_and_leave_the_project(jobs):
    store = jobs.store
    version = store.get("demo").version
    # What the declarations can tell is refused when the job is submitted, naming the parameter.
    for params, name in (({"role": "sideways"}, "role"), ({"seeds": [[1, 2]]}, "seeds"),
                         ({"connectivity": 10}, "connectivity"), ({"gap_penalty": -1}, "gap_penalty")):
        with pytest.raises(ParameterError, match=f"^parameter {name}: "):
            jobs.queue.submit("autotrace", "demo", LOCAL_USER, params)
    # What only the task can tell fails the job.
    record = jobs.wait(jobs.queue.submit("autotrace", "demo", LOCAL_USER, {"role": "tip"}).id, timeout=60.0)
    assert record.state == "failed" and "needs seeds" in record.error, record.error
    assert store.get("demo").version == version


def test_a_probability_map_layer_is_traced_at_a_probability_and_the_result_says_why(jobs):
    from scipy import ndimage

    from snt_web.autotrace.threshold import map_threshold
    from snt_web.classify import check_coverage
    from snt_web.store.maps import save_map
    from snt_web.synth import render_tree

    store = jobs.store
    truth = store.reconstruction("demo")
    image = store.image("demo")
    occupancy = ndimage.gaussian_filter(render_tree(truth, image.shape_zyx, image.spacing), 0.7)
    save_map(store, "demo", LOCAL_USER, "net", occupancy[None].astype(np.float32), ["neurite"], "test", None)
    save_map(store, "demo", LOCAL_USER, "scores", 40 * occupancy[None].astype(np.float32), ["neurite"], "test", None)
    # A map its classifier's check called too wide (check_coverage's warning) is traced at 0.5.
    wide = check_coverage(occupancy, 0.1 * np.mean(occupancy >= 0.5)).to_json()
    save_map(store, "demo", LOCAL_USER, "wide", occupancy[None].astype(np.float32), ["neurite"], "test", None,
             coverage=wide)
    x, y, z = truth.paths[0].points[0]
    outcomes = {}
    for name in ("net", "scores", "wide"):
        params = {"seeds": [[x, y, z, 1.0]], "layer": f"map:{name}:0"}
        record = jobs.wait(jobs.queue.submit("autotrace", "demo", LOCAL_USER, params).id, timeout=300.0)
        assert record.state == "done", record.error
        outcomes[name] = record.result
    assert outcomes["net"]["threshold_reason"] == "probability map"
    assert outcomes["net"]["threshold"] == map_threshold(occupancy.astype(np.float32))
    # Scores beyond [0, 1] are no probabilities: thresholded as an image, as before.
    assert outcomes["scores"]["threshold_reason"] == "estimated from the image"
    assert wide["warning"] and (outcomes["wide"]["threshold"], outcomes["wide"]["threshold_reason"]) == (
        0.5, "probability map called too wide")
    assert outcomes["net"]["n_trees"] == 1 and outcomes["net"]["n_paths"] >= 3
