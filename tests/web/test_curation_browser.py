"""The Curation Assistant in headless Chromium: scan, filter, fly to a warning, reject it, reload, import DL-QC."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.io.reconstruction import read_reconstruction
from snt_web.jobs import open_queue, start_workers, stop_workers
from snt_web.model import edit
from snt_web.store import LOCAL_USER, ProjectStore, SetReconstruction, apply
from snt_web.store.curation import list_warnings, project_settings
from snt_web.web.app import create_app
from snt_web.web.panels import curation as curation_panel

from .browser import choose, readout_index, start, wait_idle, wait_until

pytestmark = pytest.mark.browser


def _open_panel(dash_duo):
    dash_duo.find_element("#curation-scan").find_element("xpath", "ancestor::details/summary").click()


def _rows(dash_duo):
    return dash_duo.find_elements("#warnings-table .ag-center-cols-container .ag-row")


def _cell(dash_duo, key, column):
    return dash_duo.find_element(f"#warnings-table .ag-center-cols-container .ag-row[row-id='{key}'] "
                                 f".ag-cell[col-id='{column}']")


def _value(dash_duo, key, column):
    """A row's value as the grid holds it (cells of columns scrolled out of view are not rendered)."""
    return dash_duo.driver.execute_script(
        f"var n = dash_ag_grid.getApi('warnings-table').getRowNode('{key}'); return n ? n.data['{column}'] : null;")


def _message(dash_duo):
    return dash_duo.find_element("#curation-message").text


def _ticked(dash_duo):
    return dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi('warnings-table').getSelectedRows().map(r => r.key);")


def _shown_keys(dash_duo):
    return dash_duo.driver.execute_script(
        "var k = []; dash_ag_grid.getApi('warnings-table').forEachNodeAfterFilterAndSort(n => k.push(n.data.key));"
        " return k;")


def test_scan_filter_fly_reject_reload_and_import(dash_duo, app, store, tmp_path):
    start(dash_duo, app)
    _open_panel(dash_duo)
    dash_duo.find_element("#curation-scan").click()
    wait_until(dash_duo, lambda: "Full scan:" in _message(dash_duo))
    stored = list_warnings(store, "demo", "local")
    warnings = [w for w in stored if w["severity"] == "WARNING"]
    assert warnings and len(stored) > len(warnings)  # the demo has advisory notes too
    wait_until(dash_duo, lambda: len(_rows(dash_duo)) == len(stored))

    # Filter to WARNING.
    for other in ("INFO", "ERROR"):
        choose(dash_duo, "curation-severity", other)
    wait_until(dash_duo, lambda: len(_rows(dash_duo)) == len(warnings))
    assert {e.text for e in dash_duo.find_elements("#warnings-table .ag-cell[col-id='severity']")} == {"WARNING"}

    # "," walks back from the top to the last row: it is ticked.
    target = warnings[0]
    last = _shown_keys(dash_duo)[-1]
    assert last != target["key"]
    dash_duo.find_element("body").send_keys(",")
    wait_until(dash_duo, lambda: _ticked(dash_duo) == [last])

    # Click a row: every view moves to the warning, its paths are selected in the path manager, and it
    # alone is ticked (the row walked to before is not what the next decision acts on).
    spacing = store.image("demo").spacing
    expected = {plane: round(target[axis] / spacing[k]) for plane, axis, k in (("xy", "z", 0), ("xz", "y", 1),
                                                                                ("zy", "x", 2))}
    assert any(readout_index(dash_duo, p) != v for p, v in expected.items())  # not there already
    _cell(dash_duo, target["key"], "message").click()
    for plane, index in expected.items():
        wait_until(dash_duo, lambda p=plane, i=index: readout_index(dash_duo, p) == i)
    selected = dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi('path-table').getSelectedRows().map(r => r.id);")
    assert sorted(selected) == sorted(target["paths"])
    wait_until(dash_duo, lambda: _ticked(dash_duo) == [target["key"]])

    # Reject it: the decision is stored with the reviewer, the paths are tagged.
    dash_duo.find_element("#curation-reject").click()
    wait_until(dash_duo, lambda: "1 warning reject" in _message(dash_duo))
    tree = store.reconstruction("demo")
    assert all(tree.path(pid).tags == ["cur:reject"] for pid in target["paths"])
    assert [r["key"] for r in list_warnings(store, "demo", "local") if r["decision"]] == [target["key"]]

    # Reload: the decision is still there.
    dash_duo.driver.refresh()
    dash_duo.wait_for_element("#warnings-table", timeout=20)
    wait_idle(dash_duo)
    _open_panel(dash_duo)
    wait_until(dash_duo, lambda: len(_rows(dash_duo)) == len(stored))
    wait_until(dash_duo, lambda: _cell(dash_duo, target["key"], "decision").text == "reject")
    assert _value(dash_duo, target["key"], "reviewer") == "local"

    # After a reload nothing is current: "." goes to the first row shown.
    dash_duo.find_element("body").send_keys(".")
    wait_until(dash_duo, lambda: _ticked(dash_duo) == _shown_keys(dash_duo)[:1])

    # DL-QC: the good rows join the table, the malformed one is named.
    qc = tmp_path / "qc.csv"
    node = tree.paths[3].points[10]
    qc.write_text(f"x,y,z,score\n{node[0]},{node[1]},{node[2]},0.97\nnot,a,point,1\n1,1,1,0.2\n")
    dash_duo.find_element("#curation-dlqc-upload input[type=file]").send_keys(str(qc))
    wait_until(dash_duo, lambda: "Imported 2 DL-QC points" in _message(dash_duo))
    assert "row 3" in _message(dash_duo)
    wait_until(dash_duo, lambda: len(_rows(dash_duo)) == len(stored) + 2)
    dlqc = [r for r in list_warnings(store, "demo", "local") if r["source"] == "dlqc"]
    assert sorted(r["value"] for r in dlqc) == [0.2, 0.97]
    assert _value(dash_duo, max(dlqc, key=lambda r: r["value"])["key"], "check") == "DL-QC"
    assert tree.paths[3].id in max(dlqc, key=lambda r: r["value"])["paths"]


def test_preset_and_live_monitoring(dash_duo, app, store, shared_data):
    start(dash_duo, app)
    _open_panel(dash_duo)
    # SNT's shared preset becomes the project's thresholds.
    preset = shared_data / "snt" / "CA1 Dendrites (Mouse, DeFelipe).curation"
    dash_duo.find_element("#curation-preset-upload input[type=file]").send_keys(str(preset))
    wait_until(dash_duo, lambda: "Thresholds from CA1 Dendrites" in _message(dash_duo))
    assert project_settings(store, "demo").terminal_min_length == pytest.approx(10.4467016297461)

    choose(dash_duo, "curation-live")
    wait_until(dash_duo, lambda: "shown" in dash_duo.find_element("#curation-summary").text)
    before = len(list_warnings(store, "demo", "local"))

    # Somebody adds a branch leaving path 1 at 3° (an acute fork): the page picks up the new version,
    # the live checks run again and the table shows it, without a scan.
    tree = store.reconstruction("demo")
    parent = tree.paths[1]
    at = len(parent) // 2
    direction = parent.points[at + 1] - parent.points[at]
    direction /= np.linalg.norm(direction)
    side = np.cross(direction, (0, 0, 1.0))
    side /= np.linalg.norm(side)
    step = np.cos(np.radians(3)) * direction + np.sin(np.radians(3)) * side
    points = parent.points[at] + np.outer(np.arange(8) * 0.5, step)
    apply(store, "demo", LOCAL_USER, SetReconstruction(edit.add_path(tree, points, parent_id=parent.id,
                                                                     branch_index=at)[0]), store.get("demo").version)
    wait_until(dash_duo, lambda: any(r["check"] == "Branch angle" for r in list_warnings(store, "demo", "local")),
               timeout=20)
    assert len(list_warnings(store, "demo", "local")) > before
    wait_until(dash_duo, lambda: "Branch angle" in dash_duo.driver.execute_script(
        "var c = []; dash_ag_grid.getApi('warnings-table').forEachNode(n => c.push(n.data.check)); return c;"))


@pytest.fixture
def worked_app(tmp_path, demo_files):
    """The demo project served with one worker process running its jobs."""
    image_path, truth_path = demo_files
    store = ProjectStore(tmp_path / "data")
    store.create("Demo", project_id="demo", image_path=image_path, tree=read_reconstruction(truth_path))
    workers = start_workers(1, store.data_dir, store.database_url)
    yield store, create_app(store, "demo", jobs_queue=open_queue(store.data_dir, store.database_url))
    stop_workers(workers)


def test_a_large_reconstruction_is_scanned_by_a_job(dash_duo, worked_app, monkeypatch):
    store, app = worked_app
    monkeypatch.setattr(curation_panel, "INLINE_NODES", 10)  # the demo counts as large
    start(dash_duo, app)
    _open_panel(dash_duo)
    dash_duo.find_element("#curation-scan").click()
    wait_until(dash_duo, lambda: "as a job: see Jobs" in _message(dash_duo))
    # When the job is done, the table shows what it stored.
    wait_until(dash_duo, lambda: list_warnings(store, "demo", "local"), timeout=60)
    expected = len(list_warnings(store, "demo", "local"))
    wait_until(dash_duo, lambda: len(_rows(dash_duo)) == expected, timeout=20)
