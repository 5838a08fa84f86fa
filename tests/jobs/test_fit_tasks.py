"""Refine/Fit as a job, by a real worker of each backend: progress, one undoable version, layers."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.io.image import Image
from snt_web.io.tiff import write_image
from snt_web.jobs.fit_tasks import fit_project_paths
from snt_web.labels.render import render_labels
from snt_web.model import Tree
from snt_web.model.fitted import path_in_use
from snt_web.store import LOCAL_USER, ProjectStore
from snt_web.store.commands import Undo, apply
from snt_web.store.maps import save_map
from snt_web.synth import render_tree
from snt_web.synth.phantom import tube_phantom


def test_fitting_the_whole_reconstruction_is_one_version_with_radii_near_the_truth(jobs):
    store = jobs.store
    truth = store.reconstruction("demo")
    image = store.image("demo")
    before = store.get("demo").version
    job = jobs.queue.submit("fit-paths", "demo", LOCAL_USER, {"scope": "radii"})
    record = jobs.wait(job.id, timeout=120.0)
    assert record.state == "done", record.error
    assert record.progress == 100 and record.result["paths"] == len(truth.paths)
    assert record.result["nodes"] == truth.n_nodes and record.result["version"] == before + 1
    tree = store.reconstruction("demo")
    entry = store.history("demo")[0]
    assert entry.action == "apply fits" and f"fitted {len(truth.paths)} paths" in entry.summary
    # Radii only: the traced nodes stay, and the fitted radii are near the rendered ones (soma aside):
    # within a lateral voxel, since the demo's z blur (0.6 µm) widens its thin neurites' cross-sections.
    errors = []
    for path in truth.paths:
        used = path_in_use(tree, tree.path(path.id))
        assert used.fitted_of == path.id and np.array_equal(used.points, path.points)
        if path.swc_type != 1:
            errors.append(np.abs(used.radii - path.radii))
    assert np.median(np.concatenate(errors)) < min(image.spacing)

    apply(store, "demo", LOCAL_USER, Undo(), store.get("demo").version)
    assert [p.id for p in store.reconstruction("demo").paths] == [p.id for p in truth.paths]


def test_some_paths_fitted_on_a_probability_map_layer(jobs):
    store = jobs.store
    truth = store.reconstruction("demo")
    image = store.image("demo")
    occupancy = render_tree(truth, image.shape_zyx, image.spacing)
    save_map(store, "demo", LOCAL_USER, "neurites", np.stack([occupancy, 1 - occupancy]), ["neurite", "background"],
             "test", None)
    wanted = [p.id for p in truth.paths if p.swc_type != 1][:2]
    job = jobs.queue.submit("fit-paths", "demo", LOCAL_USER,
                            {"path_ids": wanted, "scope": "both", "layer": "map:neurites:0", "replace": True})
    record = jobs.wait(job.id, timeout=120.0)
    assert record.state == "done", record.error
    tree = store.reconstruction("demo")
    assert len(tree.paths) == len(truth.paths)  # replaced: no fitted copies
    for path in truth.paths:
        fitted = tree.path(path.id)
        if path.id in wanted:
            assert fitted.radii is not None and np.all(np.isfinite(fitted.radii))
            # On the clean map the fit lands on the rendered tube's axis and radius.
            assert np.median(np.linalg.norm(fitted.points - path.points, axis=1)) < 0.5 * min(image.spacing)
            assert np.median(np.abs(fitted.radii - path.radii)) < 0.5 * min(image.spacing)
        else:
            assert np.array_equal(fitted.points, path.points)
    assert render_labels(tree, image.shape_zyx, image.spacing, mode="volume").any()


def test_a_path_that_is_not_there_fails_the_job_and_changes_nothing(jobs):
    store = jobs.store
    version = store.get("demo").version
    record = jobs.wait(jobs.queue.submit("fit-paths", "demo", LOCAL_USER, {"path_ids": [999]}).id, timeout=60.0)
    assert record.state == "failed" and "no path 999" in record.error
    assert store.get("demo").version == version


def test_each_path_is_fitted_on_the_channel_it_was_traced_on(tmp_path):
    image, truth = tube_phantom(9, shape_zyx=(30, 60, 60), n_tubes=2)
    dark = np.full_like(image.data, 25)
    two = Image(data=np.concatenate([dark, image.data]), spacing=image.spacing, units=image.units,
                name="two.tif", source_axes="CZYX")
    write_image(tmp_path / "two.tif", two)
    first, second = truth.paths
    tree = Tree([first.copy(radii=None, channel=2), second.copy(radii=None, channel=1)],
                spacing_xyz=truth.spacing_xyz, units=truth.units)
    store = ProjectStore(tmp_path / "data")
    try:
        store.create("two", project_id="two", image_path=tmp_path / "two.tif", tree=tree, user=LOCAL_USER)
        seen = []
        fitted = fit_project_paths(store, "two", tree, scope="radii", progress=lambda p, m: seen.append(p))
    finally:
        store.engine.dispose()
    voxel = min(image.spacing)
    # The path on channel 2 (the tubes) gets their radii; the one on the dark channel 1 only fallbacks.
    assert np.median(np.abs(fitted[0].radii - first.radii)) < 0.5 * voxel
    assert np.allclose(fitted[1].radii, voxel)
    assert seen == sorted(seen) and seen[-1] == pytest.approx(100)


def test_each_path_is_fitted_on_the_frame_it_was_traced_on(tmp_path):
    # Frame 2 holds the tubes, frame 1 is dark: a path traced on frame 2 must be fitted there, not on frame 1.
    phantom, truth = tube_phantom(7, shape_zyx=(24, 48, 48), n_tubes=1)
    pixels = phantom.data[0, 0]
    data = np.stack([np.zeros_like(pixels), pixels])[None]
    path_on_frame = truth.paths[0].copy(frame=2, radii=None)
    store = ProjectStore(tmp_path / "data")
    try:
        image_path = tmp_path / "timelapse.tif"
        write_image(image_path, Image(data, spacing=phantom.spacing, units="µm", name="timelapse.tif"))
        store.create("t", project_id="t", image_path=image_path, tree=Tree([path_on_frame]))
        (own,) = fit_project_paths(store, "t", store.reconstruction("t"), scope="radii")
        (dark,) = fit_project_paths(store, "t", store.reconstruction("t"), scope="radii", frame=0)
    finally:
        store.engine.dispose()
    voxel = min(phantom.spacing)
    assert np.median(np.abs(own.radii - truth.paths[0].radii)) < 0.5 * voxel
    # On the dark frame nothing fits: every node falls back to one voxel.
    assert np.allclose(dark.radii, voxel) and not np.allclose(own.radii, voxel)
