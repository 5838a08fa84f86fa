"""The path manager in headless Chromium: edit cells, delete, merge, split; each saved and undoable."""

from __future__ import annotations

import numpy as np
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from snt_web.model import Path, Tree
from snt_web.store import ProjectStore
from snt_web.web.app import create_app

from .browser import choose, click_view, plot_js, start, wait_idle, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture
def two_path_app(tmp_path, demo_files):
    """The demo image with two straight paths that meet end to start, and a branch on the first."""
    store = ProjectStore(tmp_path / "data")
    line = np.c_[np.linspace(6, 15, 10), np.full(10, 9.0), np.full(10, 12.0)]
    paths = [
        Path(0, line, name="first", swc_type=3),
        Path(1, line + [9.9, 0, 0], name="second", swc_type=3),
        Path(2, np.c_[np.full(5, 9.0), np.linspace(10, 14, 5), np.full(5, 12.0)], name="twig", parent_id=0,
             branch_index=3, swc_type=3),
    ]
    store.create("Paths", project_id="demo", image_path=demo_files[0],
                 tree=Tree(paths, spacing_xyz=(0.3, 0.3, 1.0)))
    return store, create_app(store, "demo")


def _cell(dash_duo, row_id, column):
    return dash_duo.find_element(f"#path-table .ag-center-cols-container .ag-row[row-id='{row_id}'] "
                                 f".ag-cell[col-id='{column}']")


def _edit_cell(dash_duo, row_id, column, text):
    ActionChains(dash_duo.driver).double_click(_cell(dash_duo, row_id, column)).perform()
    editor = dash_duo.find_element("#path-table .ag-cell-inline-editing input")
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(text, Keys.ENTER)
    wait_idle(dash_duo)


def _select_rows(dash_duo, *row_ids):
    """Select rows, then wait until the selection reached the server: the XY view draws it in white."""
    api = "dash_ag_grid.getApi('path-table')"
    dash_duo.driver.execute_script(
        f"{api}.forEachNode(n => n.setSelected({list(row_ids)}.includes(n.data.id)));")
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(
        f"var gd = {plot_js('view-xy')}; return gd.data.some(t => t.name === 'paths' && t.line.color === '#ffffff'"
        f" && t.text.filter(x => x).map(x => parseInt(x)).filter((v, i, a) => a.indexOf(v) === i).length"
        f" === {len(row_ids)});"))
    wait_idle(dash_duo)


def _message(dash_duo):
    return dash_duo.find_element("#paths-message").text


def test_edit_cells_delete_merge_split_and_undo(dash_duo, two_path_app):
    store, app = two_path_app
    start(dash_duo, app)
    wait_until(dash_duo, lambda: len(dash_duo.find_elements("#path-table .ag-center-cols-container .ag-row")) == 3)

    # Rename, colour, channel and tags: typed into the cells, saved at once.
    _edit_cell(dash_duo, 0, "name", "main trunk")
    wait_until(dash_duo, lambda: store.reconstruction("demo").path(0).name == "main trunk")
    _edit_cell(dash_duo, 0, "tags", "cur:accept, checked")
    wait_until(dash_duo, lambda: store.reconstruction("demo").path(0).tags == ["cur:accept", "checked"])
    assert store.reconstruction("demo").path(0).name.startswith("main trunk")
    _edit_cell(dash_duo, 1, "color", "#ff00ff")
    wait_until(dash_duo, lambda: store.reconstruction("demo").path(1).color == "#ff00ff")
    _edit_cell(dash_duo, 1, "channel", "2")
    wait_until(dash_duo, lambda: store.reconstruction("demo").path(1).channel == 2)
    # A bad colour is refused with a message, and nothing changes.
    version = store.get("demo").version
    _edit_cell(dash_duo, 1, "color", "pink")
    wait_until(dash_duo, lambda: "colour" in _message(dash_duo).lower() or "color" in _message(dash_duo).lower())
    assert store.get("demo").version == version
    wait_until(dash_duo, lambda: _cell(dash_duo, 1, "color").text == "#ff00ff")

    # SWC type from the cell's list.
    ActionChains(dash_duo.driver).double_click(_cell(dash_duo, 2, "type")).perform()
    dash_duo.find_element("#path-table .ag-cell-editor .ag-picker-field-wrapper").click()
    wait_until(dash_duo, lambda: any(e.text == "axon" for e in dash_duo.find_elements(".ag-list-item")))
    next(e for e in dash_duo.find_elements(".ag-list-item") if e.text == "axon").click()
    wait_until(dash_duo, lambda: store.reconstruction("demo").path(2).swc_type == 2)
    # The grid reloads its rows (and selection) from the new version: select after that.
    wait_until(dash_duo, lambda: _cell(dash_duo, 2, "type").text == "axon")
    wait_idle(dash_duo)

    # Merge the two straight paths: one path of 20 nodes, the branch still on it.
    _select_rows(dash_duo, 0, 1)
    dash_duo.find_element("#paths-merge").click()
    wait_until(dash_duo, lambda: len(store.reconstruction("demo")) == 2)
    merged = store.reconstruction("demo").path(0)
    assert len(merged) == 20 and merged.points[-1][0] == pytest.approx(24.9)
    assert store.reconstruction("demo").path(2).parent_id == 0

    # Split it at a node picked in Edit mode: two paths again, the second a child of the first.
    choose(dash_duo, "trace-mode", "edit")
    _select_rows(dash_duo, 0)
    click_view(dash_duo, "xy", merged.points[12][0], merged.points[12][1])
    wait_until(dash_duo, lambda: "Picked node 12 of path 0" in dash_duo.find_element("#trace-message").text)
    dash_duo.find_element("#paths-split").click()
    wait_until(dash_duo, lambda: len(store.reconstruction("demo")) == 3)
    tree = store.reconstruction("demo")
    new = next(p for p in tree.paths if p.id not in (0, 2))
    assert len(tree.path(0)) == 13 and len(new) == 7
    assert (new.parent_id, new.branch_index) == (0, 12)

    # Delete the selected path; its branch becomes a path of its own. Undo brings both back.
    _select_rows(dash_duo, 0)
    dash_duo.find_element("#paths-delete").click()
    wait_until(dash_duo, lambda: 0 not in [p.id for p in store.reconstruction("demo").paths])
    assert all(p.parent_id is None for p in store.reconstruction("demo").paths)
    dash_duo.find_element("#trace-undo").click()
    wait_until(dash_duo, lambda: len(store.reconstruction("demo")) == 3)
    assert store.reconstruction("demo").path(2).parent_id == 0
    assert [h.action for h in store.history("demo", 9)][:3] == ["undo", "delete paths", "split path"]
    assert dash_duo.get_logs() == []
