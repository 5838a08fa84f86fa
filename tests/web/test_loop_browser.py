"""The whole loop as a user walks it on the served demo, every step a click in headless Chromium.

Trace two paths, paint background, train (the panel's defaults), apply, see
the probability map over the slices, autotrace from one seed on it (the
defaults), and score the traced tree against the demo's truth.
"""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.autotrace import node_f1
from snt_web.io import read_reconstruction
from snt_web.jobs import start_workers, stop_workers
from snt_web.labels import render_labels
from snt_web.model import Tree
from snt_web.store import ProjectStore, open_startup_project
from snt_web.store.seeds import load_seeds
from snt_web.web.app import create_app

from .browser import (PLANES, choose, click, click_view, cursors_through, drag_view, goto, plane_samples, readout_index,
                      sample_colours, start, truth_voxels, wait_drawn, wait_idle, wait_image, wait_until)
from .test_classifier_browser import _has_option, _open, _wait_job
from .test_tracing_browser import _goto_z, _trace_along

pytestmark = pytest.mark.browser

#: Node F1 of the autotraced tree against the truth, at least (2 voxels, resampled: benchmarks/corpus.py's score).
MIN_F1 = 0.85
#: A colour unchanged on the screen: the overlay composited in 8 bits, off, leaves a few units of rounding.
TOL = 8
#: A colour changed on the screen: the map's magma, see-through, over the image's grey.
SEEN = 12


@pytest.fixture
def served(tmp_path):
    """The app as ``make serve`` builds it (the built-in demo and its truth), and one job worker."""
    store = ProjectStore(tmp_path / "data")
    project_id = open_startup_project(store)
    workers = start_workers(1, store.data_dir, store.database_url)
    yield store, project_id, create_app(store, project_id)
    stop_workers(workers)


def test_trace_paint_train_apply_overlay_autotrace_and_score(dash_duo, served):
    store, project, app = served
    truth = read_reconstruction(store.data_dir / "demo" / "truth.swc")
    image = store.image(project)
    spacing = np.asarray(image.spacing)
    start(dash_duo, app)

    # The demo opens with its truth: the user clears it (every row ticked, Delete) to trace from scratch.
    click(dash_duo, "#path-table .ag-header-select-all")
    click(dash_duo, "#paths-delete")
    wait_until(dash_duo, lambda: len(store.reconstruction(project)) == 0)

    # Two paths along the two longest neurites, each kept.
    _trace_along(dash_duo, sorted((p for p in truth.paths if len(p) > 1), key=len)[-2:])
    assert len(store.reconstruction(project)) == 2

    # Background painted on the XY slice shown, along a row clear of the neurites.
    _open(dash_duo, "classifier-train")
    choose(dash_duo, "classifier-paint")
    z = readout_index(dash_duo, "xy")
    neurites = render_labels(truth, image.shape_zyx, spacing, mode="volume")
    row = next(y for y in range(10, image.shape_zyx[1] - 10) if not neurites[z, y - 4:y + 5, 10:-10].any())
    width = image.shape_zyx[2] * spacing[2]
    drag_view(dash_duo, "xy", [(f * width, row * spacing[1]) for f in (0.1, 0.3, 0.5, 0.7, 0.9)])
    wait_until(dash_duo, lambda: len(store.reconstruction(project)) == 3)
    choose(dash_duo, "classifier-paint")
    wait_idle(dash_duo)

    # Train with the panel's defaults, then apply: two jobs.
    click(dash_duo, "#classifier-train")
    assert _wait_job(dash_duo, "train-classifier")[-1] == ("done", 100.0)
    wait_until(dash_duo, lambda: "out-of-bag accuracy" in dash_duo.find_element("#classifier-info").text)
    click(dash_duo, "#classifier-apply")
    assert _wait_job(dash_duo, "apply-classifier")[-1] == ("done", 100.0)

    # What the screen shows at the truth's neurites and in the background, paths off: the image alone ...
    choose(dash_duo, "display-paths")
    on = truth_voxels(store, truth=truth)
    cursor = cursors_through(store, on)[0]
    goto(dash_duo, cursor)
    samples = plane_samples(dash_duo, store, on, cursor, truth=truth)
    base = wait_image(dash_duo, samples)

    # ... then with the map shown over it: the neurites change colour, the background barely.
    _open(dash_duo, "map-upload")
    label = "classifier · SNT paths ch1"
    wait_until(dash_duo, lambda: _has_option(dash_duo, label), timeout=15)
    dash_duo.select_dcc_dropdown("#overlay-map", value=label)

    def overlaid(shot):
        drawn = sample_colours(shot, samples)
        change = {kind: np.concatenate([np.abs(drawn[p][kind] - base[p][kind]).max(axis=1) for p in PLANES])
                  for kind in ("neurite", "background")}
        assert np.mean(change["neurite"] >= SEEN) >= 2 / 3, f"the neurites look as before: {change}"
        assert np.mean(change["background"] <= TOL) >= 0.8, f"the background changed: {change}"

    wait_drawn(dash_duo, overlaid)
    # Off (the layer removed): the image as it was, everywhere sampled.
    click(dash_duo, "#overlay-layers button[id*=overlay-remove]")
    wait_until(dash_duo, lambda: not dash_duo.driver.find_elements("css selector", ".snt-layer"))
    wait_idle(dash_duo)

    def unchanged(shot):
        drawn = sample_colours(shot, samples)
        for plane in PLANES:
            for kind in drawn[plane]:
                error = np.abs(drawn[plane][kind] - base[plane][kind]).max()
                assert error <= TOL, f"{plane} {kind}: {drawn[plane][kind].tolist()} not {base[plane][kind].tolist()}"

    wait_drawn(dash_duo, unchanged)

    # One seed, clicked on the soma, then autotrace on the map with the defaults.
    soma = truth.roots()[0].points[0]
    _goto_z(dash_duo, soma)
    _open(dash_duo, "seeds-upload")
    choose(dash_duo, "seeds-add-mode")
    click_view(dash_duo, "xy", soma[0], soma[1])
    wait_until(dash_duo, lambda: len(load_seeds(store, project)) == 1)
    choose(dash_duo, "seeds-add-mode")
    dash_duo.select_dcc_dropdown("#seeds-layer", value=f"map: {label}")
    wait_idle(dash_duo)
    before = {p.id for p in store.reconstruction(project).paths}
    click(dash_duo, "#seeds-autotrace")
    assert _wait_job(dash_duo, "autotrace")[-1] == ("done", 100.0)
    wait_until(dash_duo, lambda: "Autotraced 1 tree" in dash_duo.find_element("#seeds-message").text, timeout=20)
    assert "(probability map)" in dash_duo.find_element("#seeds-message").text

    tree = store.reconstruction(project)
    traced = Tree([p for p in tree.paths if p.id not in before], spacing_xyz=tree.spacing_xyz)
    score = node_f1(traced, truth, image.spacing[::-1])
    assert score["f1"] >= MIN_F1, score
    assert dash_duo.get_logs() == []
