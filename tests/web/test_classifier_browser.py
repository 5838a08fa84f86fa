"""The machine-learning loop in headless Chromium: trace two paths, train, preview, apply, overlay, trace on it."""

from __future__ import annotations

import time

import numpy as np
import pytest
from selenium.webdriver.common.keys import Keys

from snt_web.io.reconstruction import read_reconstruction
from snt_web.labels import render_labels
from snt_web.model import Tree
from snt_web.jobs.classifier_tasks import split_background
from snt_web.jobs import open_queue, start_workers, stop_workers
from snt_web.store import LOCAL_USER, ProjectStore, SetReconstruction, apply
from snt_web.web.app import create_app

from .browser import choose, drag_view, plot_js, readout_index, start, wait_idle, wait_until
from .test_jobs_browser import _job_rows
from .test_tracing_browser import _message, _trace_along, _trace_click

pytestmark = pytest.mark.browser


@pytest.fixture
def empty_app(tmp_path, demo_files):
    """The demo image with no reconstruction yet, its truth aside, and one job worker."""
    image_path, truth_path = demo_files
    store = ProjectStore(tmp_path / "data")
    store.create("Demo", project_id="demo", image_path=image_path)
    workers = start_workers(1, store.data_dir, store.database_url)
    yield store, read_reconstruction(truth_path), create_app(store, "demo")
    stop_workers(workers)


def _open(dash_duo, element_id):
    dash_duo.find_element(f"#{element_id}").find_element("xpath", "ancestor::details/summary").click()


def _retype(dash_duo, selector, text):
    """Replace an input's text (a modifier sent with the text would stay held for it)."""
    box = dash_duo.find_element(selector)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(text, Keys.TAB)


def _wait_job(dash_duo, kind, timeout=90):
    """Until the newest job is ``kind`` and finished; the progress values seen while it ran."""
    seen, deadline = [], time.time() + timeout
    while time.time() < deadline:
        rows = _job_rows(dash_duo)
        if rows and kind in rows[0]["text"]:
            seen.append((rows[0]["state"], rows[0]["progress"]))
            if rows[0]["state"] in ("done", "failed", "cancelled"):
                return seen
        time.sleep(0.2)
    raise AssertionError(f"{kind} did not finish: {seen}")


def test_trace_train_apply_and_trace_on_the_probability_map(dash_duo, empty_app):
    store, truth, app = empty_app
    start(dash_duo, app)
    # Two paths along the two longest neurites of the truth.
    _trace_along(dash_duo, sorted((p for p in truth.paths if len(p) > 1), key=len)[-2:])
    assert len(store.reconstruction("demo")) == 2

    _open(dash_duo, "classifier-train")
    # Enough trees and scales that training runs for seconds: long enough to watch its progress bar.
    _retype(dash_duo, "#classifier-trees", "300")
    dash_duo.find_element("#classifier-scales").send_keys("0.3,0.45,0.6,0.9,1.2,1.8,2.4,3.6", Keys.TAB)
    dash_duo.find_element("#classifier-train").click()
    wait_until(dash_duo, lambda: "Training" in dash_duo.find_element("#classifier-message").text)
    seen = _wait_job(dash_duo, "train-classifier")
    assert seen[-1] == ("done", 100.0), seen
    assert any(state == "running" and 0 < p < 100 for state, p in seen), seen
    wait_until(dash_duo, lambda: "out-of-bag accuracy" in dash_duo.find_element("#classifier-info").text)
    bars = dash_duo.driver.execute_script(
        "return document.querySelector('#classifier-counts .js-plotly-plot').data[0].y;")
    assert bars == ["SNT paths ch1", "background: near paths", "background: far", "background: painted"]

    dash_duo.find_element("#classifier-preview").click()
    wait_until(dash_duo, lambda: (dash_duo.find_element("#classifier-preview-img").get_attribute("src") or "")
               .startswith("data:image/png;base64,"))

    dash_duo.find_element("#classifier-apply").click()
    assert _wait_job(dash_duo, "apply-classifier")[-1] == ("done", 100.0)
    # The map is checked against the traced paths' share of the region they span.
    wait_until(dash_duo, lambda: "Map 'classifier': at probability 0.5 it covers"
               in dash_duo.find_element("#classifier-check").text, timeout=15)
    # The map arrives with the next version poll; show it over the slices.
    _open(dash_duo, "map-upload")
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(
        "return document.querySelector('#overlay-map') !== null;"), timeout=10)
    label = "classifier · SNT paths ch1"
    wait_until(dash_duo, lambda: _has_option(dash_duo, label), timeout=15)
    dash_duo.select_dcc_dropdown("#overlay-map", value=label)
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(
        "var i = document.querySelector('#view-xy .js-plotly-plot').layout.images;"
        " return i.length === 2 && i[1].source.indexOf('/map/demo/classifier-') === 0;"), timeout=10)

    # Trace on the classifier's neurite probability, with SNT's probability cost once the map is picked.
    assert dash_duo.find_element("#trace-cost").text == "reciprocal"
    dash_duo.select_dcc_dropdown("#trace-layer", value=f"map: {label}")
    wait_until(dash_duo, lambda: dash_duo.find_element("#trace-cost").text == "probability")
    wait_idle(dash_duo)
    third = sorted((p for p in truth.paths if len(p) > 1), key=len)[-3]
    _trace_click(dash_duo, third.points[1])
    _trace_click(dash_duo, third.points[-2])
    wait_until(dash_duo, lambda: "on map:classifier:0" in _message(dash_duo))
    assert dash_duo.get_logs() == []


def _dragmodes(dash_duo):
    return [dash_duo.driver.execute_script(f"return {plot_js('view-' + p)}._fullLayout.dragmode;")
            for p in ("xy", "xz", "zy")]


def test_painted_background_strokes_are_marks_that_training_learns_from(dash_duo, empty_app):
    store, truth, app = empty_app
    longest = sorted((p for p in truth.paths if len(p) > 1), key=len)[-2:]
    kept = Tree([p.copy() for p in longest], spacing_xyz=truth.spacing_xyz)
    apply(store, "demo", LOCAL_USER, SetReconstruction(kept), None)
    image = store.image("demo")
    spacing = image.spacing
    start(dash_duo, app)
    _open(dash_duo, "classifier-train")
    choose(dash_duo, "classifier-paint")
    _retype(dash_duo, "#classifier-brush", "0.6")
    wait_until(dash_duo, lambda: _dragmodes(dash_duo) == ["drawopenpath"] * 3)
    assert "brush radius 0.6" in dash_duo.find_element("#classifier-paint-hint").text

    # A stroke across the XY slice shown, along a row clear of the neurites.
    z = readout_index(dash_duo, "xy")
    neurites = render_labels(store.reconstruction("demo"), image.shape_zyx, spacing, mode="volume")
    row = next(y for y in range(10, image.shape_zyx[1] - 10) if not neurites[z, y - 4:y + 5, 10:-10].any())
    width = image.shape_zyx[2] * spacing[2]
    stroke = [(f * width, row * spacing[1]) for f in (0.15, 0.3, 0.45, 0.6, 0.75)]
    drag_view(dash_duo, "xy", stroke)
    wait_until(dash_duo, lambda: len(store.reconstruction("demo")) == 3)
    tree = store.reconstruction("demo")
    neurite_paths, marks = split_background(tree)
    assert len(marks) == 1 and len(neurite_paths) == 2
    mark = marks.paths[0]
    assert np.allclose(mark.radii, 0.6)
    assert np.allclose(mark.points[:, 2], z * spacing[0])
    pixel = width / dash_duo.driver.execute_script(f"return {plot_js('view-xy')}._fullLayout.xaxis._length;")
    assert np.allclose(mark.points[[0, -1], :2], [stroke[0], stroke[-1]], atol=2 * pixel)
    assert np.allclose(mark.points[:, 1], row * spacing[1], atol=2 * pixel)
    # Drawn like a path, and the views keep painting once redrawn with it.
    wait_until(dash_duo, lambda: "Background stroke" in dash_duo.find_element("#classifier-message").text)
    wait_idle(dash_duo)
    assert _dragmodes(dash_duo) == ["drawopenpath"] * 3

    # Training learns the background from the marks: every painted voxel off the neurites.
    _retype(dash_duo, "#classifier-trees", "10")
    dash_duo.find_element("#classifier-weights").send_keys("heavy", Keys.TAB)
    dash_duo.find_element("#classifier-train").click()
    wait_until(dash_duo, lambda: "cannot read 'heavy'" in dash_duo.find_element("#classifier-message").text)
    _retype(dash_duo, "#classifier-weights", "background=2")
    dash_duo.find_element("#classifier-train").click()
    assert _wait_job(dash_duo, "train-classifier")[-1] == ("done", 100.0)
    painted = render_labels(marks, image.shape_zyx, spacing, mode="volume") > 0
    expected = int(np.count_nonzero(painted & (render_labels(neurite_paths, image.shape_zyx, spacing,
                                                                mode="volume") == 0)))
    assert expected > 100
    wait_until(dash_duo, lambda: "out-of-bag accuracy" in dash_duo.find_element("#classifier-info").text)
    counts = dash_duo.driver.execute_script(
        "var d = document.querySelector('#classifier-counts .js-plotly-plot').data[0];"
        " return Object.fromEntries(d.y.map((name, i) => [name, d.x[i]]));")
    assert counts["background: painted"] == expected and counts["background: near paths"] > 0

    choose(dash_duo, "classifier-paint")
    wait_until(dash_duo, lambda: _dragmodes(dash_duo) == ["pan"] * 3)
    assert dash_duo.get_logs() == []


def _has_option(dash_duo, label):
    dash_duo.find_element("#overlay-map").click()
    found = any(e.text == label for e in dash_duo.find_elements("[role=option]"))
    dash_duo.find_element("body").send_keys(Keys.ESCAPE)
    return found
