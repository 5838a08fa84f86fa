"""Each side panel and the 3D view, clicked through in headless Chromium."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from selenium.webdriver.common.keys import Keys

from snt_web.io.reconstruction import read_reconstruction
from snt_web.store import LOCAL_USER, SetReconstruction, apply

from .browser import choose, plot_js, slice_source, start, traces_3d, wait_until

pytestmark = pytest.mark.browser


def _set_input(dash_duo, selector, value):
    box = dash_duo.find_element(selector)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(str(value), Keys.ENTER)


def test_display_window_and_auto_change_the_slice_urls(dash_duo, app):
    start(dash_duo, app)
    auto_hi = float(dash_duo.find_element("#display-hi").get_attribute("value"))
    assert "&hi=" in slice_source(dash_duo, "view-xy")
    _set_input(dash_duo, "#display-lo", 11)
    _set_input(dash_duo, "#display-hi", 77)
    for graph in ("view-xy", "view-xz", "view-zy"):
        wait_until(dash_duo, lambda g=graph: "lo=11&hi=77" in slice_source(dash_duo, g))
    dash_duo.find_element("#display-auto").click()
    wait_until(dash_duo, lambda: float(dash_duo.find_element("#display-hi").get_attribute("value")) == auto_hi)
    wait_until(dash_duo, lambda: f"hi={auto_hi:g}" in slice_source(dash_duo, "view-xy"))
    # A single-channel, single-frame image offers one channel and hides the frame slider.
    assert not dash_duo.find_element("#display-frame-row").is_displayed()
    # The paths can be hidden from the slices (to see what lies under them) and shown again.
    drawn = "return {}.data.filter(t => t.name === 'paths').length;".format(plot_js("view-xy"))
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(drawn) > 0)
    choose(dash_duo, "display-paths")
    for graph in ("view-xy", "view-xz", "view-zy"):
        wait_until(dash_duo, lambda g=graph: dash_duo.driver.execute_script(
            f"return {plot_js(g)}.data.filter(t => t.name === 'paths').length;") == 0)
    assert any(t["name"] == "paths" for t in traces_3d(dash_duo))  # the 3D view keeps them
    choose(dash_duo, "display-paths")
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(drawn) > 0)
    assert dash_duo.get_logs() == []


def test_selecting_paths_highlights_them_in_3d(dash_duo, app, store):
    start(dash_duo, app)
    n_paths = len(store.reconstruction("demo"))
    wait_until(dash_duo, lambda: len(dash_duo.find_elements("#path-table .ag-row")) > 3, timeout=15)
    wait_until(dash_duo, lambda: any(t["name"] == "paths" for t in traces_3d(dash_duo)))
    assert not any(t["width"] == 6 for t in traces_3d(dash_duo))
    # Tick the first two rows' checkboxes.
    boxes = dash_duo.find_elements("#path-table .ag-row .ag-checkbox-input")
    boxes[0].click()
    boxes[1].click()
    select_js = "return dash_ag_grid.getApi('path-table').getSelectedRows().map(r => r.id);"
    wait_until(dash_duo, lambda: len(dash_duo.driver.execute_script(select_js)) == 2)
    tree = store.reconstruction("demo")
    chosen = [tree.path(i) for i in dash_duo.driver.execute_script(select_js)]
    # The selected paths' nodes, plus one branch node per child path drawn to connect it.
    expected = sum(len(p) for p in chosen)

    def highlighted():
        return [t for t in traces_3d(dash_duo) if t["width"] == 6]

    wait_until(dash_duo, lambda: highlighted() and expected <= highlighted()[0]["n"] <= expected + len(chosen))
    assert len(highlighted()) == 1 and highlighted()[0]["color"] == "#ffffff"
    assert n_paths > 2
    assert dash_duo.get_logs() == []


def test_3d_view_colours_by_type_and_shows_an_isosurface(dash_duo, app, store):
    start(dash_duo, app)
    wait_until(dash_duo, lambda: any(t["name"] == "paths" for t in traces_3d(dash_duo)))
    n_types = len({p.swc_type for p in store.reconstruction("demo").paths})
    choose(dash_duo, "view-3d-color", "type")
    wait_until(dash_duo, lambda: len([t for t in traces_3d(dash_duo) if t["name"] == "paths"]) == n_types)
    choose(dash_duo, "view-3d-surface")
    # The isosurface by name: the paths' radii are drawn as tubes, meshes too.
    wait_until(dash_duo, lambda: any(t["type"] == "mesh3d" and t["name"] == "isosurface" and t["n"] > 100
                                     for t in traces_3d(dash_duo)), timeout=20)
    # The slice planes follow the cursor: moving the XY slider moves the z plane.
    names = [t["name"] for t in traces_3d(dash_duo)]
    assert "slice planes" in names and "isosurface" in names
    assert dash_duo.get_logs() == []


def test_save_downloads_the_reconstruction_and_data_dir_files_open(dash_duo, app, store, shared_data):
    start(dash_duo, app)
    dash_duo.find_element("#save-swc").click()
    target = Path(dash_duo.download_path)
    wait_until(dash_duo, lambda: any(p.suffix == ".swc" for p in target.iterdir()), timeout=15)
    saved = read_reconstruction(next(p for p in target.iterdir() if p.suffix == ".swc"))
    truth = store.reconstruction("demo")
    assert saved.n_nodes == truth.n_nodes
    assert saved.total_length == pytest.approx(truth.total_length, rel=1e-5)
    dash_duo.find_element("#save-traces").click()
    wait_until(dash_duo, lambda: any(p.suffix == ".traces" for p in target.iterdir()), timeout=15)
    saved = read_reconstruction(next(p for p in target.iterdir() if p.suffix == ".traces"))
    assert [p.name for p in saved.paths] == [p.name for p in truth.paths]

    # A file placed in <data_dir>/files is offered and opens into the project.
    shutil.copy(shared_data / "snt" / "21dpi_contra_infra_01.swc", store.files_dir / "granule.swc")
    version = store.get("demo").version
    dash_duo.driver.refresh()  # the list is read when the page loads
    dash_duo.wait_for_element("#data-files", timeout=20)
    dash_duo.select_dcc_dropdown("#data-files", value="granule.swc")
    dash_duo.find_element("#data-open").click()
    dash_duo.wait_for_contains_text("#files-message", "Opened granule.swc", timeout=20)
    assert store.get("demo").version == version + 1
    wait_until(dash_duo, lambda: "2195 nodes" in dash_duo.find_element("#path-summary").text)
    assert dash_duo.get_logs() == []


@pytest.fixture
def hyperstack_app(tmp_path):
    """An app on a 2-channel, 3-frame stack whose voxels encode channel and frame."""
    import numpy as np

    from snt_web.io.image import Image
    from snt_web.io.tiff import write_image
    from snt_web.store import ProjectStore
    from snt_web.web.app import create_app

    c, t = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    data = np.broadcast_to((10 * c + t + 1)[:, :, None, None, None] * 20, (2, 3, 4, 32, 40)).astype(np.uint16)
    write_image(tmp_path / "hyper.tif", Image(data.copy(), spacing=(2.0, 0.5, 0.5), units="µm"))
    store = ProjectStore(tmp_path / "data")
    store.create("Hyperstack", project_id="hyper", image_path=tmp_path / "hyper.tif")
    return create_app(store, "hyper")


def test_channel_and_frame_pick_the_volume_shown(dash_duo, hyperstack_app):
    start(dash_duo, hyperstack_app)
    assert "c=0&t=0" in slice_source(dash_duo, "view-xy")
    assert dash_duo.find_element("#display-frame-row").is_displayed()
    dash_duo.select_dcc_dropdown("#display-channel", value="channel 2")
    wait_until(dash_duo, lambda: "c=1&t=0" in slice_source(dash_duo, "view-xy"))
    # Move the frame slider to its end with the keyboard.
    handle = dash_duo.find_element("#display-frame [role=slider]")
    handle.send_keys(Keys.END)
    for graph in ("view-xy", "view-xz", "view-zy"):
        wait_until(dash_duo, lambda g=graph: "c=1&t=2" in slice_source(dash_duo, g))
    assert dash_duo.get_logs() == []


def test_history_lists_changes_and_restores_and_undoes(dash_duo, app, store, shared_data):
    from snt_web.io.reconstruction import read_reconstruction

    start(dash_duo, app)
    truth_nodes = store.reconstruction("demo").n_nodes
    other = read_reconstruction(shared_data / "snt" / "TreeV.swc")
    apply(store, "demo", LOCAL_USER, SetReconstruction(other, summary="opened TreeV.swc"), store.get("demo").version)
    dash_duo.wait_for_contains_text("#path-summary", f"{other.n_nodes} nodes", timeout=8)
    dash_duo.find_element("#history-table").find_element("xpath", "./ancestor::details/summary").click()
    rows_js = "var r = []; dash_ag_grid.getApi('history-table').forEachNode(n => r.push(n.data)); return r;"
    wait_until(dash_duo, lambda: len(dash_duo.driver.execute_script(rows_js)) == 2)
    newest = dash_duo.driver.execute_script(rows_js)[0]
    assert newest["summary"] == "opened TreeV.swc" and newest["user"] == "local"

    # Undo my last change: back to the truth, as a new version.
    dash_duo.find_element("#history-undo").click()
    dash_duo.wait_for_contains_text("#history-message", "Undid", timeout=10)
    dash_duo.wait_for_contains_text("#path-summary", f"{truth_nodes} nodes", timeout=10)
    # Restore the TreeV version by selecting its row.
    dash_duo.driver.execute_script(
        "var api = dash_ag_grid.getApi('history-table'); api.forEachNode(n => { if (n.data.version === 2) n.setSelected(true); });"
    )
    dash_duo.find_element("#history-restore").click()
    dash_duo.wait_for_contains_text("#history-message", "Restored version 2", timeout=10)
    dash_duo.wait_for_contains_text("#path-summary", f"{other.n_nodes} nodes", timeout=10)
    assert [h.action for h in store.history("demo")][:3] == ["restore", "undo", "set reconstruction"]
    assert dash_duo.get_logs() == []
