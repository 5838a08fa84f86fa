"""Tracing in headless Chromium: click, keep, fork, edit, undo, reload: all on the demo volume."""

from __future__ import annotations

import numpy as np
import pytest
from selenium.webdriver.common.keys import Keys

from .browser import (assert_share, choose, click_view, near_colour, plot_js, start, traces_3d, view_box, view_pixels, wait_drawn,
                      wait_idle, wait_until)

pytestmark = pytest.mark.browser

#: The candidate path's colour (assets/snt_web.js, TRACING_STYLE).
CANDIDATE = "#00e5ff"


def _mode(dash_duo, mode):
    choose(dash_duo, "trace-mode", mode)


def _goto_z(dash_duo, xyz):
    """Show the XY slice through ``xyz`` as a user would: a navigation click in the XZ view."""
    _mode(dash_duo, "navigate")
    click_view(dash_duo, "xz", xyz[0], xyz[2])
    wait_idle(dash_duo)


def _trace_click(dash_duo, xyz, alt=False):
    """A click on the XY slice through ``xyz``, in Trace mode."""
    _goto_z(dash_duo, xyz)
    _mode(dash_duo, "trace")
    click_view(dash_duo, "xy", xyz[0], xyz[1], alt=alt)
    wait_idle(dash_duo)


def _trace_along(dash_duo, paths):
    """Trace each of ``paths`` (of a truth) as a user does: click near its start and its end, keep it (y), finish (f)."""
    for path in paths:
        _trace_click(dash_duo, path.points[2])
        _trace_click(dash_duo, path.points[-3])
        wait_until(dash_duo, lambda: "Candidate" in _message(dash_duo))
        _press(dash_duo, "y")
        wait_until(dash_duo, lambda: "Kept" in _message(dash_duo))
        _press(dash_duo, "f")


def _press(dash_duo, *keys):
    dash_duo.find_element("body").send_keys(*keys)
    wait_idle(dash_duo)


def _message(dash_duo):
    return dash_duo.find_element("#trace-message").text


def _view_trace_names(dash_duo, graph):
    return dash_duo.driver.execute_script(f"var gd = {plot_js(graph)}; return gd ? gd.data.map(t => t.name) : [];")


def _colour_in(pixels, colour):
    """Some of ``pixels`` (an RGB array) are ``colour`` (``#rrggbb``)."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    assert np.sum(np.abs(pixels.astype(int) - rgb).max(axis=-1) <= 40) >= 10, f"no {colour} drawn"


def _two_nodes(tree):
    """Two nodes on the longest non-soma path of the truth, a fifth and three quarters along it."""
    path = max((p for p in tree.paths if len(p) > 1), key=len)
    return path, path.points[len(path) // 5], path.points[3 * len(path) // 4]


def test_trace_keep_fork_move_undo_and_reload(dash_duo, app, store):
    start(dash_duo, app)
    truth = store.reconstruction("demo")
    n_before = len(truth)
    truth_path, a, b = _two_nodes(truth)
    spacing_xyz = np.asarray(store.image("demo").spacing[::-1])

    # Start, end: a candidate shows in all three slice views and in 3D.
    _trace_click(dash_duo, a)
    wait_until(dash_duo, lambda: "Start at" in _message(dash_duo))
    _trace_click(dash_duo, b)
    wait_until(dash_duo, lambda: "Candidate" in _message(dash_duo))
    for graph in ("view-xy", "view-xz", "view-zy"):
        wait_until(dash_duo, lambda g=graph: "candidate" in _view_trace_names(dash_duo, g))
    wait_until(dash_duo, lambda: any(t["name"] == "candidate" for t in traces_3d(dash_duo)))
    xy = view_box(dash_duo, "xy")
    # Sampled below, where the kept path's nodes are.
    with_candidate = wait_drawn(dash_duo, lambda shot: _colour_in(shot[xy], CANDIDATE))

    # Keep (Y): saved at once as a new path that follows the neurite.
    _press(dash_duo, "y")
    wait_until(dash_duo, lambda: len(store.reconstruction("demo")) == n_before + 1)
    tree = store.reconstruction("demo")
    traced = tree.paths[-1]
    # The candidate was drawn in cyan over the XY slice where it was kept; once kept, it is gone.
    on_candidate = view_pixels(dash_duo, "xy", traced.points[:, :2])
    assert_share(near_colour(with_candidate, on_candidate, CANDIDATE), 0.9, what="the candidate")
    wait_drawn(dash_duo, lambda shot: assert_share(near_colour(shot, on_candidate, CANDIDATE), 0, 0.1, "kept"))
    assert np.linalg.norm((traced.points[0] - a) / spacing_xyz) <= 5
    assert np.linalg.norm((traced.points[-1] - b) / spacing_xyz) <= 5
    off = [np.min(np.linalg.norm((truth_path.points - p) / spacing_xyz, axis=1)) for p in traced.points]
    assert np.mean(np.asarray(off) <= 3) >= 0.9
    wait_until(dash_duo, lambda: not any("candidate" in _view_trace_names(dash_duo, g) for g in ("view-xy", "view-xz")))
    _press(dash_duo, "f")
    wait_until(dash_duo, lambda: "Finished path" in _message(dash_duo))

    # Fork: Alt-click on the middle node of the new path, click an end, keep.
    mid = len(traced) // 2
    _trace_click(dash_duo, traced.points[mid], alt=True)
    wait_until(dash_duo, lambda: f"Branching from path {traced.id}" in _message(dash_duo))
    branch_end = traced.points[mid] + np.array([12, 6, 0]) * spacing_xyz
    _trace_click(dash_duo, branch_end)
    wait_until(dash_duo, lambda: "Candidate" in _message(dash_duo))
    _press(dash_duo, "y")
    wait_until(dash_duo, lambda: len(store.reconstruction("demo")) == n_before + 2)
    branch = store.reconstruction("demo").paths[-1]
    assert branch.parent_id == traced.id
    assert abs(branch.branch_index - mid) <= 1
    _press(dash_duo, "f")

    # Edit mode: move a node of the traced path, then undo the move.
    node = traced.points[3]
    _goto_z(dash_duo, node)
    _mode(dash_duo, "edit")
    choose(dash_duo, "edit-tool", "move")
    click_view(dash_duo, "xy", node[0], node[1])
    wait_idle(dash_duo)
    wait_until(dash_duo, lambda: "Click where it goes" in _message(dash_duo))
    target = node + np.array([0, 8, 0]) * spacing_xyz
    click_view(dash_duo, "xy", target[0], target[1])
    wait_idle(dash_duo)
    wait_until(dash_duo, lambda: "Moved node" in _message(dash_duo))
    moved = store.reconstruction("demo").path(traced.id)
    index = int(_message(dash_duo).split("Moved node ")[1].split()[0])
    assert np.linalg.norm((moved.points[index] - target)[:2] / spacing_xyz[:2]) <= 1.5
    _press(dash_duo, Keys.CONTROL, "z")
    wait_until(dash_duo, lambda: "Undid" in _message(dash_duo))
    restored = store.reconstruction("demo").path(traced.id)
    np.testing.assert_allclose(restored.points, traced.points)
    assert len(store.reconstruction("demo")) == n_before + 2

    # Redo brings the move back; a second undo takes it away again.
    _press(dash_duo, Keys.CONTROL, Keys.SHIFT, "z")
    wait_until(dash_duo, lambda: "Redid" in _message(dash_duo))
    np.testing.assert_allclose(store.reconstruction("demo").path(traced.id).points, moved.points)
    _press(dash_duo, Keys.CONTROL, "z")
    wait_until(dash_duo, lambda: "Undid" in _message(dash_duo))

    # Insert a node beside the selected path, then delete it again: one node more, then as before.
    dash_duo.driver.execute_script(
        f"dash_ag_grid.getApi('path-table').forEachNode(n => n.setSelected(n.data.id === {traced.id}));")
    wait_idle(dash_duo)
    choose(dash_duo, "edit-tool", "insert")
    n_nodes = len(traced)
    beside = (traced.points[6] + traced.points[7]) / 2 + np.array([0, 2, 0]) * spacing_xyz
    click_view(dash_duo, "xy", beside[0], beside[1])
    wait_until(dash_duo, lambda: "Inserted node" in _message(dash_duo))
    inserted = store.reconstruction("demo").path(traced.id)
    index = int(_message(dash_duo).split("Inserted node ")[1].split()[0])
    assert len(inserted) == n_nodes + 1 and 4 <= index <= 9  # on a segment near nodes 6-7
    assert np.linalg.norm((inserted.points[index] - beside)[:2] / spacing_xyz[:2]) <= 1.5
    choose(dash_duo, "edit-tool", "delete")
    click_view(dash_duo, "xy", beside[0], beside[1])
    wait_until(dash_duo, lambda: f"Deleted node {index} " in _message(dash_duo))
    np.testing.assert_allclose(store.reconstruction("demo").path(traced.id).points, traced.points)

    # Fork button: from a node picked with the select tool; the panel switches to Trace mode.
    choose(dash_duo, "edit-tool", "select")
    click_view(dash_duo, "xy", traced.points[5][0], traced.points[5][1])
    wait_until(dash_duo, lambda: "Picked node" in _message(dash_duo))
    dash_duo.find_element("#trace-fork").click()
    wait_until(dash_duo, lambda: f"Branching from path {traced.id}" in _message(dash_duo))
    assert dash_duo.find_element("#trace-mode input[value=trace]").is_selected()
    _press(dash_duo, "n")  # junk the fork's start point
    wait_until(dash_duo, lambda: "Cleared" in _message(dash_duo))

    # A reload shows the traced paths, from the store.
    dash_duo.driver.refresh()
    dash_duo.wait_for_element("#view-xy .main-svg", timeout=20)
    rows_js = "var n = 0; dash_ag_grid.getApi('path-table').forEachNode(() => n++); return n;"
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(rows_js) == n_before + 2, timeout=20)
    n_drawn = dash_duo.driver.execute_script(
        f"return {plot_js('view-xy')}.data.filter(t => t.name === 'paths')"
        ".reduce((n, t) => n + t.x.filter(v => v !== null).length, 0);"
    )
    assert n_drawn >= store.reconstruction("demo").n_nodes
    assert dash_duo.get_logs() == []


def test_a_viewer_may_trace_but_not_keep(dash_duo, store):
    """In demo-readonly mode anyone may look, and search; saving is refused on the server."""
    from snt_web.web.app import create_app
    from snt_web.web.auth import AuthConfig

    start(dash_duo, create_app(store, "demo", auth=AuthConfig(mode="demo-readonly")))
    _, a, b = _two_nodes(store.reconstruction("demo"))
    version = store.get("demo").version
    _trace_click(dash_duo, a)
    _trace_click(dash_duo, b)
    wait_until(dash_duo, lambda: "Candidate" in _message(dash_duo))
    dash_duo.find_element("#trace-keep").click()
    wait_until(dash_duo, lambda: "Not allowed" in _message(dash_duo))
    wait_until(dash_duo, lambda: "may not edit" in _message(dash_duo))
    assert store.get("demo").version == version
    dash_duo.find_element("#trace-undo").click()
    wait_idle(dash_duo)
    wait_until(dash_duo, lambda: "Not allowed" in _message(dash_duo))
    assert store.get("demo").version == version
