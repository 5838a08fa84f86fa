"""The seeds panel in headless Chromium: import, filter, go to, draw, edit, mark, delete, bulk edit, add by click."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import tifffile
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from snt_web.io import read_reconstruction
from snt_web.seeds import Seeds, write_seeds_csv
from snt_web.store.curation import list_warnings
from snt_web.store.seeds import load_seeds
from snt_web.web.views.seed_marks import seed_colors

from .browser import (assert_share, choose, click, click_view, near_colour, plot_js, readout_index, start, traces_3d, view_pixels,
                      wait_drawn, wait_idle, wait_until)
from .test_jobs_browser import worked_app  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def _demo_seeds(store, n=30) -> Seeds:
    """Seeds on nodes of the demo's true reconstruction, confidences 0.05 ... 1 in file order."""
    nodes = np.vstack([p.points for p in store.reconstruction("demo").paths])
    pick = np.linspace(0, len(nodes) - 1, n).astype(int)
    types = np.array(["tip", "soma", "branchpoint"])[np.arange(n) % 3]
    return Seeds.from_columns(nodes[pick], confidence=np.linspace(0.05, 1.0, n), radius=np.full(n, 1.5),
                              type=types.tolist(), source="dl-detected")


def _open_panel(dash_duo):
    dash_duo.find_element("#seeds-upload").find_element("xpath", "ancestor::details/summary").click()


def _message(dash_duo):
    return dash_duo.find_element("#seeds-message").text


def _summary(dash_duo):
    return dash_duo.find_element("#seeds-summary").text


def _table_ids(dash_duo, n=12):
    """Seed ids of the grid's first ``n`` rows, in display order (None for a row not loaded yet)."""
    return dash_duo.driver.execute_script(
        "var api = dash_ag_grid.getApi('seeds-table'), out = [];"
        f" for (var i = 0; i < Math.min({n}, api.getDisplayedRowCount()); i++) {{"
        "   var node = api.getDisplayedRowAtIndex(i); out.push(node && node.data ? node.data.id : null); }"
        " return out;")


def _select(dash_duo, *seed_ids):
    """Tick exactly these rows, as clicking their boxes would.

    Set again until it holds: rows the grid is reloading (after a new
    version) are placeholders that a tick cannot reach yet.
    """
    script = ("var api = dash_ag_grid.getApi('seeds-table'); api.deselectAll();"
              f" {list(seed_ids)}.forEach(function (i) {{ var n = api.getRowNode(String(i)); if (n) n.setSelected(true); }});")

    def ticked():
        dash_duo.driver.execute_script(script)
        time.sleep(0.2)
        return sorted(_selected(dash_duo)) == sorted(seed_ids)

    wait_until(dash_duo, ticked)
    wait_idle(dash_duo)


def _selected(dash_duo):
    return dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi('seeds-table').getSelectedRows().map(r => r.id);")


def _cell_selector(seed_id, column):
    return f"#seeds-table .ag-row[row-id='{seed_id}'] [col-id='{column}']"


def _cell_text(dash_duo, seed_id, column):
    """The text of a grid cell, or None while its row is not drawn (the grid redraws rows it reloads)."""
    return dash_duo.driver.execute_script(
        "var c = document.querySelector(arguments[0]); return c ? c.textContent : null;",
        _cell_selector(seed_id, column))


def _seed_trace(dash_duo, graph):
    """Points of the 'seeds' trace of a view, or 0."""
    return dash_duo.driver.execute_script(
        f"var gd = {plot_js(graph)}; var t = gd && gd.data ? gd.data.filter(t => t.name === 'seeds') : [];"
        " return t.length ? t[0].x.length : 0;")


def _set(dash_duo, component, value):
    """Set a control the way a user's drag would (RangeSlider handles are fiddly to drag in a test)."""
    dash_duo.driver.execute_script(f"window.dash_clientside.set_props('{component}', {{value: {value}}});")
    wait_idle(dash_duo)


def test_import_filter_navigate_and_curate_seeds(dash_duo, app, store, tmp_path):
    seeds = _demo_seeds(store)
    csv = tmp_path / "detections.csv"
    write_seeds_csv(seeds, csv)
    with csv.open("a") as fh:
        fh.write("1,2\n")  # a bad row: reported by line, not silently dropped
    start(dash_duo, app)
    _open_panel(dash_duo)
    dash_duo.find_element("#seeds-upload input[type=file]").send_keys(str(csv))
    wait_until(dash_duo, lambda: "30 seeds read" in _message(dash_duo))
    assert "1 rows skipped (line 32" in _message(dash_duo)
    wait_until(dash_duo, lambda: _summary(dash_duo) == "30 of 30 shown")
    assert len(load_seeds(store, "demo")) == 30
    # The grid holds all 30 rows (fetched in blocks); sorting happens on the server, over all of them.
    wait_until(dash_duo, lambda: len(_table_ids(dash_duo, 100)) == 30 and None not in _table_ids(dash_duo, 100))
    sort = "#seeds-table .ag-header-cell[col-id='confidence'] .ag-header-cell-label"
    dash_duo.find_element(sort).click()  # ascending
    wait_until(dash_duo, lambda: _table_ids(dash_duo) == list(range(12)))
    dash_duo.find_element(sort).click()  # descending: the most confident first
    wait_until(dash_duo, lambda: _table_ids(dash_duo) == list(range(29, 17, -1)))
    # The seeds are drawn in 3D, and on the XY slice those within 8 slices of it.
    wait_until(dash_duo, lambda: any(t["name"] == "seeds" and t["n"] == 30 for t in traces_3d(dash_duo)))
    z_index = readout_index(dash_duo, "xy")
    spacing_z = store.image("demo").spacing[0]
    near = int(np.sum(np.abs(seeds.xyz[:, 2] / spacing_z - z_index) <= 8))
    wait_until(dash_duo, lambda: _seed_trace(dash_duo, "view-xy") == near)

    # Filter: confidence 0.5-1 and type soma.
    _set(dash_duo, "seeds-confidence", "[0.5, 1]")
    keep = seeds.filter_mask((0.5, 1.0))
    wait_until(dash_duo, lambda: _summary(dash_duo) == f"{keep.sum()} of 30 shown")
    dash_duo.select_dcc_dropdown("#seeds-types", value="soma")
    keep &= seeds.type == "soma"
    wait_until(dash_duo, lambda: _summary(dash_duo) == f"{keep.sum()} of 30 shown")
    wait_until(dash_duo, lambda: sorted(_table_ids(dash_duo, 100)) == sorted(seeds.id[keep].tolist()))
    wait_until(dash_duo, lambda: any(t["name"] == "seeds" and t["n"] == keep.sum() for t in traces_3d(dash_duo)))

    # Click a row: the cursor goes to its seed.
    target = int(seeds.id[keep][-1])
    click(dash_duo, _cell_selector(target, "x"))
    expected = np.round(seeds.xyz[target] / store.image("demo").spacing[::-1]).astype(int)
    wait_until(dash_duo, lambda: readout_index(dash_duo, "xy") == expected[2])
    assert readout_index(dash_duo, "xz") == expected[1] and readout_index(dash_duo, "zy") == expected[0]

    # Edit a cell: the seed's source, saved and in the history.
    click(dash_duo, _cell_selector(target, "source"))
    ActionChains(dash_duo.driver).send_keys("curated", Keys.ENTER).perform()
    wait_until(dash_duo, lambda: load_seeds(store, "demo").source[target] == "curated")
    assert store.history("demo", 1)[0].action == "edit seeds"
    wait_until(dash_duo, lambda: _cell_text(dash_duo, target, "source") == "curated")

    # Tick two rows, reject them, then delete one.
    wait_until(dash_duo, lambda: len(_table_ids(dash_duo)) == keep.sum() and None not in _table_ids(dash_duo))
    chosen = _table_ids(dash_duo)[:2]
    _select(dash_duo, *chosen)
    dash_duo.find_element("#seeds-reject").click()
    wait_until(dash_duo, lambda: sorted(load_seeds(store, "demo").id[load_seeds(store, "demo").mark == -1].tolist())
               == sorted(chosen))
    assert "Marked 2 seeds rejected" in _message(dash_duo)
    wait_until(dash_duo, lambda: _cell_text(dash_duo, chosen[0], "mark") == "reject")

    # Bulk edit of the filtered rows: every visible soma gets radius 4.
    dash_duo.select_dcc_dropdown("#seeds-bulk-column", value="radius")
    bulk = dash_duo.find_element("#seeds-bulk-value")
    bulk.send_keys("4", Keys.ENTER)
    dash_duo.find_element("#seeds-bulk").click()
    wait_until(dash_duo, lambda: f"on {keep.sum()} seeds" in _message(dash_duo))
    stored = load_seeds(store, "demo")
    assert np.all(stored.radius[keep] == 4.0) and np.all(stored.radius[~keep] == 1.5)

    _select(dash_duo, chosen[0])
    dash_duo.find_element("#seeds-delete").click()
    wait_until(dash_duo, lambda: len(load_seeds(store, "demo")) == 29)
    wait_until(dash_duo, lambda: _summary(dash_duo) == f"{keep.sum() - 1} of 29 shown")
    # The deleted seed's row is gone from the grid and from its selection.
    wait_until(dash_duo, lambda: chosen[0] not in _table_ids(dash_duo, 100) and chosen[0] not in _selected(dash_duo))
    _select(dash_duo)

    # Send the filtered seeds to curation, as warnings: "Seed Review" rows, tagged to the paths they lie on.
    dash_duo.select_dcc_dropdown("#seeds-review-severity", value="as warnings")
    dash_duo.find_element("#seeds-send-curation").click()
    wait_until(dash_duo, lambda: f"Sent {keep.sum() - 1} seeds to the Curation Assistant" in _message(dash_duo))
    reviews = [w for w in list_warnings(store, "demo", check_role=False) if w["check"] == "Seed Review"]
    assert len(reviews) == keep.sum() - 1 and {w["severity"] for w in reviews} == {"WARNING"}
    assert all(w["paths"] for w in reviews)  # every seed sits on a node of the truth
    dash_duo.find_element("#warnings-table").find_element("xpath", "ancestor::details/summary").click()
    wait_until(dash_duo, lambda: len(dash_duo.driver.find_elements(
        "css selector", "#warnings-table .ag-row [col-id='check']")) >= len(reviews))
    assert dash_duo.get_logs() == []


def _ring(dash_duo, xyz, radius):
    """Viewport pixels on the XY view's circle marker of a seed at ``xyz`` (physical) of ``radius`` (µm): the
    marker is ``2 * radius`` wide at the current zoom, at least 6 px (assets/snt_web.js, seedTraces). Off the
    crosshair's lines through it."""
    (x0, y0), (x1, _) = view_pixels(dash_duo, "xy", [xyz[:2], xyz[:2] + [1.0, 0]])
    r = max(6, 2 * radius * (x1 - x0)) / 2
    return [(round(x0 + r * np.cos(a)), round(y0 + r * np.sin(a))) for a in np.radians(np.arange(22.5, 360, 45))]


def test_click_adds_a_seed_and_a_labels_image_loads(dash_duo, unfitted, tmp_path):
    store, app = unfitted  # no node circles, and no paths shown (below): the seed over the image
    start(dash_duo, app)
    choose(dash_duo, "display-paths")
    _open_panel(dash_duo)
    choose(dash_duo, "seeds-add-mode")
    image = store.image("demo")
    z = readout_index(dash_duo, "xy")
    click_view(dash_duo, "xy", 10.0, 8.0)
    wait_until(dash_duo, lambda: len(load_seeds(store, "demo")) == 1)
    added = load_seeds(store, "demo")
    np.testing.assert_allclose(added.xyz[0], [10.0, 8.0, z * image.spacing[0]], atol=2 * image.spacing[2])
    assert added.source[0] == "user-added" and "Added a seed" in _message(dash_duo)
    wait_until(dash_duo, lambda: _seed_trace(dash_duo, "view-xy") == 1)
    # Drawn: a circle of the seed's radius and colour around it.
    ring, colour = _ring(dash_duo, added.xyz[0], added.radius[0]), seed_colors(added, "confidence")[0]
    wait_drawn(dash_duo, lambda shot: assert_share(near_colour(shot, ring, colour), 0.75, what="on the seed's circle"))
    choose(dash_duo, "seeds-add-mode")

    # A labels image on the image's grid: one seed per label, replacing the clicked one.
    labels = np.zeros(image.shape_zyx, dtype=np.uint16)
    labels[2:6, 10:20, 10:20] = 4
    labels[10:14, 40:50, 60:70] = 9
    path = tmp_path / "cellpose_masks.tif"
    tifffile.imwrite(path, labels, imagej=True, metadata={"axes": "ZYX"})
    choose(dash_duo, "seeds-replace")
    dash_duo.find_element("#seeds-upload input[type=file]").send_keys(str(path))
    wait_until(dash_duo, lambda: "2 seeds from the labels" in _message(dash_duo))
    seeds = load_seeds(store, "demo")
    assert len(seeds) == 2 and set(seeds.source) == {"labels-image:cellpose_masks.tif"}
    np.testing.assert_allclose(seeds.xyz[0], np.array([14.5, 14.5, 3.5]) * image.spacing[::-1])
    wait_until(dash_duo, lambda: _summary(dash_duo) == "2 of 2 shown")
    wait_drawn(dash_duo, lambda shot: assert_share(near_colour(shot, ring, colour), 0, 0.25, "the clicked seed"))

    # A labels image of another shape is refused by name; nothing changes.
    tifffile.imwrite(tmp_path / "wrong.tif", labels[:, :-1], imagej=True, metadata={"axes": "ZYX"})
    version = store.get("demo").version
    dash_duo.find_element("#seeds-upload input[type=file]").send_keys(str(tmp_path / "wrong.tif"))
    wait_until(dash_duo, lambda: "Could not load seeds: wrong.tif" in _message(dash_duo))
    assert store.get("demo").version == version
    assert dash_duo.get_logs() == []


def test_import_filter_and_autotrace_from_the_visible_seeds(dash_duo, worked_app, tmp_path):
    """The issue's acceptance: import a seeds CSV, filter by confidence, autotrace from the visible seeds, see trees."""
    store, app = worked_app  # a demo image without paths, and a worker running its jobs
    soma = read_reconstruction(Path(store.get("demo").image_path).with_name("truth.swc")).roots()[0].points[0]
    # The soma, confidently detected, and two low-confidence false detections in the background corners.
    csv = tmp_path / "detections.csv"
    write_seeds_csv(Seeds.from_columns([soma, [2.0, 2.0, 1.0], [45.0, 45.0, 30.0]], confidence=[0.95, 0.2, 0.3],
                                       type="soma", source="dl-detected"), csv)
    start(dash_duo, app)
    _open_panel(dash_duo)
    dash_duo.find_element("#seeds-upload input[type=file]").send_keys(str(csv))
    wait_until(dash_duo, lambda: _summary(dash_duo) == "3 of 3 shown")
    _set(dash_duo, "seeds-confidence", "[0.5, 1]")
    wait_until(dash_duo, lambda: _summary(dash_duo) == "1 of 3 shown")
    wait_until(dash_duo, lambda: _table_ids(dash_duo) == [0])

    # On a Gaussian-smoothed layer at the Tracing panel's scale, 26-connected.
    choose(dash_duo, "seeds-connected-26")
    dash_duo.select_dcc_dropdown("#seeds-layer", value="gaussian")
    _set(dash_duo, "trace-scales", "'0.3'")
    dash_duo.find_element("#seeds-autotrace").click()
    wait_until(dash_duo, lambda: "Autotracing from 1 seeds as roots as a job (threshold: estimated from the image)"
               in _message(dash_duo))
    (job,) = app.server.config["SNT_WEB_JOBS"].list("demo", 5)
    assert job.kind == "autotrace" and job.params["seeds"] == [[*np.round(soma, 6).tolist(), 0.95]]
    assert job.params["connectivity"] == 26 and job.params["layer"] == "gaussian" and job.params["scales"] == [0.3]
    # The job adds one tree rooted at the seed; the page learns of the new version and lists its paths.
    wait_until(dash_duo, lambda: len(store.reconstruction("demo").paths) > 0, timeout=60)
    tree = store.reconstruction("demo")
    assert len(tree.roots()) == 1
    assert np.linalg.norm(tree.roots()[0].points[0] - soma) < 3.0
    # The panel says what was added, at which threshold and why.
    wait_until(dash_duo, lambda: f"Autotraced 1 tree: {len(tree.paths)} paths" in _message(dash_duo), timeout=20)
    assert "(estimated from the image)" in _message(dash_duo)
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(
        "return document.querySelectorAll('#path-table .ag-center-cols-container .ag-row').length") > 0, timeout=20)
    wait_until(dash_duo, lambda: any(t["name"] == "paths" and t["n"] > 0 for t in traces_3d(dash_duo)))
    assert dash_duo.get_logs() == []
