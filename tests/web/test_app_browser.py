"""The app in headless Chromium: views, linked cursor, upload, errors."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.store import LOCAL_USER, SetReconstruction, apply
from snt_web.web.views.ortho import CROSSHAIR_COLOR
from snt_web.web.views.path_lines import line_groups

from .browser import (PLANE_AXES, PLANES, assert_share, choose, click_view, cursors_through, goto, near_colour,
                      plane_samples, plot_js, readout_index, start, truth_voxels, view_pixels, wait_drawn, wait_image,
                      wait_until)

pytestmark = pytest.mark.browser


def _path_pixels(dash_duo, store):
    """Per plane, the path colours that are not greyish and the viewport pixels of every other node drawn in each."""
    out = {plane: [] for plane in PLANES}
    for group in line_groups(store.reconstruction("demo")):
        colour = np.array([int(group["color"][i:i + 2], 16) for i in (1, 3, 5)])
        if np.ptp(colour) < 100:  # a grey would match the image
            continue
        xyz = np.array([p for p in zip(group["x"], group["y"], group["z"]) if p[0] is not None])[::2]
        for plane in PLANES:
            h, v, _ = PLANE_AXES[plane]
            out[plane].append((colour, view_pixels(dash_duo, plane, xyz[:, [2 - h, 2 - v]])))
    return out


def _on_paths(shot, pixels) -> np.ndarray:
    """Whether each sampled node has its path's colour drawn within 2 px."""
    return np.concatenate([near_colour(shot, px, colour) for groups in pixels.values() for colour, px in groups])


def test_app_starts_on_the_demo_and_all_four_views_render(dash_duo, unfitted):
    store, app = unfitted  # no radii: the slices show the image and the paths only
    start(dash_duo, app)
    nz, ny, nx = store.image("demo").shape_zyx
    # The cursor starts in the middle of the volume.
    assert readout_index(dash_duo, "xy") == nz // 2
    assert readout_index(dash_duo, "xz") == ny // 2
    assert readout_index(dash_duo, "zy") == nx // 2
    # The 3D view draws the reconstruction and the slice planes.
    wait_until(dash_duo, 
        lambda: dash_duo.driver.execute_script(
            f"var gd = {plot_js('view-3d')}; return gd && gd.data && gd.data.length >= 2 &&"
            " gd.data.some(t => t.name === 'slice planes') && gd.data.some(t => t.name === 'paths');"
        ),
        timeout=20,
    )
    assert dash_duo.find_element("#view-3d .gl-container canvas")
    # XZ is not squashed: its physical aspect ratio is kept (z spacing > xy spacing).
    sz, sy, sx = store.image("demo").spacing
    aspect = dash_duo.driver.execute_script(
        f"var fl = {plot_js('view-xz')}._fullLayout;"
        " return (fl.yaxis._length / Math.abs(fl.yaxis.range[0] - fl.yaxis.range[1])) /"
        "        (fl.xaxis._length / Math.abs(fl.xaxis.range[1] - fl.xaxis.range[0]));"
    )
    assert aspect == pytest.approx(1.0, rel=0.02)
    assert sz > sx  # the demo is anisotropic, so this checks something
    # Each view shows its plane: XY (x across, y down), ZY (z across, y down), XZ (x across, z down).
    for graph, across, down in (("view-xy", "x", "y"), ("view-zy", "z", "y"), ("view-xz", "x", "z")):
        titles = dash_duo.driver.execute_script(
            f"var fl = {plot_js(graph)}._fullLayout; return [fl.xaxis.title.text, fl.yaxis.title.text];"
        )
        assert titles == [f"{across} (µm)", f"{down} (µm)"]
    # The path list shows the truth.
    dash_duo.wait_for_contains_text("#path-summary", "nodes", timeout=10)

    # What is drawn: the paths in their colours over the image; without them, the image, its neurites bright.
    on = truth_voxels(store)
    cursor = cursors_through(store, on)[0]
    goto(dash_duo, cursor)
    paths = _path_pixels(dash_duo, store)
    wait_drawn(dash_duo, lambda shot: assert_share(_on_paths(shot, paths), 0.8, what="path colours at their nodes"))
    choose(dash_duo, "display-paths")
    wait_drawn(dash_duo, lambda shot: assert_share(_on_paths(shot, paths), 0, 0.05, "path colours at their nodes"))
    wait_image(dash_duo, plane_samples(dash_duo, store, on, cursor))
    assert dash_duo.get_logs() == []


def _on_crosshair(shot, pixels) -> np.ndarray:
    """Whether each of ``pixels`` has the crosshair's yellow within 2 px: the image is grey, and the dotted line
    1 px wide and antialiased, so a pixel it covers is as much yellower than grey as it covers it."""
    r, g, b = (float(c) for c in CROSSHAIR_COLOR[5:-1].split(",")[:3])
    assert r - b >= 200 and g - b >= 150  # yellow: what is sampled below
    found = []
    for x, y in pixels:
        patch = shot[y - 2:y + 3, x - 2:x + 3].astype(int)
        found.append(np.any((patch[..., 0] - patch[..., 2] >= 60) & (patch[..., 1] - patch[..., 2] >= 40)))
    return np.array(found)


def test_click_in_xy_moves_the_xz_and_zy_slices(dash_duo, unfitted):
    store, app = unfitted  # no radii: no node circles on the slices
    start(dash_duo, app)
    choose(dash_duo, "display-paths")  # and no paths: the crosshair over the image
    nz, ny, nx = store.image("demo").shape_zyx
    sz, sy, sx = store.image("demo").spacing
    target_x, target_y = 30, 20  # voxel indices, away from the centre the views start at

    # The crosshair's vertical line on XY: at the cursor's x, along the height of the slice (off its other line).
    def vertical(x, y):
        return view_pixels(dash_duo, "xy", [(x * sx, v * sy) for v in np.linspace(2, ny - 3, 16) if abs(v - y) > 3])

    def crosshair_at(x, y, away):
        def check(shot):
            assert_share(_on_crosshair(shot, vertical(x, y)), 0.8, what=f"crosshair at x = {x}")
            assert_share(_on_crosshair(shot, vertical(*away)), 0, 0.2, f"crosshair at x = {away[0]}")
        return check

    wait_drawn(dash_duo, crosshair_at(nx // 2, ny // 2, (target_x, target_y)))
    click_view(dash_duo, "xy", target_x * sx, target_y * sy)
    wait_drawn(dash_duo, crosshair_at(target_x, target_y, (nx // 2, ny // 2)))
    wait_until(dash_duo, lambda: readout_index(dash_duo, "xz") == target_y, timeout=10)
    wait_until(dash_duo, lambda: readout_index(dash_duo, "zy") == target_x, timeout=10)
    # The XZ view now shows plane y = 20, and the XY slice did not move.
    wait_until(dash_duo, 
        lambda: "/xz/20.png" in dash_duo.driver.execute_script(f"return {plot_js('view-xz')}.layout.images[0].source"),
        timeout=10,
    )
    assert readout_index(dash_duo, "xy") == store.image("demo").shape_zyx[0] // 2
    # Each slider sits where its view's readout says.
    for plane in ("xy", "xz", "zy"):
        box = dash_duo.find_element(f"#view-{plane}-slider input")
        wait_until(dash_duo, lambda b=box, p=plane: int(b.get_attribute("value")) == readout_index(dash_duo, p))
    assert dash_duo.get_logs() == []


def test_uploaded_traces_appear_in_path_list_and_3d(dash_duo, app, shared_data):
    start(dash_duo, app)
    traces = shared_data / "snt" / "CIL_Dataset_#701.traces"
    dash_duo.find_element("#upload input[type=file]").send_keys(str(traces))
    dash_duo.wait_for_contains_text("#files-message", "83 paths", timeout=20)
    dash_duo.wait_for_contains_text("#path-summary", "7 trees, 5308 nodes", timeout=10)
    def grid_column(field):
        return dash_duo.driver.execute_script(
            f"var values = []; dash_ag_grid.getApi('path-table').forEachNode(n => values.push(n.data.{field}));"
            " return values;"
        )

    wait_until(dash_duo, lambda: len(grid_column("name")) == 83)
    # SNT's tags kept, in their own column; roots are somata.
    assert sum(t.startswith("neurite#") for t in grid_column("tags")) == 83 - 7
    assert not any("{" in name for name in grid_column("name"))
    def n_points():
        return dash_duo.driver.execute_script(
            f"var gd = {plot_js('view-3d')};"
            " return gd.data.filter(t => t.name === 'paths').reduce((n, t) => n + t.x.filter(v => v !== null).length,"
            " 0);"
        )

    # Every node, plus each child path's branch node drawn again to connect it (the 3D view is redrawn after the
    # path list: wait for it).
    wait_until(dash_duo, lambda: 5308 <= n_points() <= 5308 + 83)
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("corrupt.traces", b"\x1f\x8b\x08\x00\x00\x00\x00\x00truncated", "Could not open"),
        # Refused in the browser, before any transfer: the test app's limit is 4 MB.
        ("huge-stack.tif", b"\0" * (5 * 2**20), "larger than the upload limit"),
    ],
)
def test_bad_upload_shows_an_error_and_keeps_the_reconstruction(dash_duo, app, tmp_path, name, content, expected):
    start(dash_duo, app)
    dash_duo.wait_for_contains_text("#path-summary", "nodes", timeout=10)
    before = dash_duo.find_element("#path-summary").text
    bad = tmp_path / name
    bad.write_bytes(content)
    dash_duo.find_element("#upload input[type=file]").send_keys(str(bad))
    dash_duo.wait_for_contains_text("#files-message", expected, timeout=20)
    message = dash_duo.find_element("#files-message").text
    assert name in message and "Nothing was changed" in message
    assert dash_duo.find_element("#path-summary").text == before
    assert dash_duo.get_logs() == []


def test_share_link_opens_position_zoom_and_path(dash_duo, app, store):
    sz, sy, sx = store.image("demo").spacing
    path_id = store.reconstruction("demo").paths[2].id
    dash_duo.start_server(app)
    dash_duo.driver.get(f"{dash_duo.server_url}/?project=demo&x={40 * sx}&y={30 * sy}&z={5 * sz}&zoom=4&path={path_id}")
    dash_duo.wait_for_element("#view-xy .main-svg", timeout=20)
    wait_until(dash_duo, lambda: readout_index(dash_duo, "xy") == 5)
    assert readout_index(dash_duo, "zy") == 40 and readout_index(dash_duo, "xz") == 30
    width = dash_duo.driver.execute_script(
        f"var r = {plot_js('view-xy')}._fullLayout.xaxis.range; return Math.abs(r[1] - r[0]);"
    )
    nx = store.image("demo").shape_zyx[2]
    assert width == pytest.approx(nx * sx / 4, rel=0.05)
    select_js = "return dash_ag_grid.getApi('path-table').getSelectedRows().map(r => r.id);"
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(select_js) == [path_id])
    # The Share button gives the link back for the same place.
    dash_duo.find_element("#share-button").click()
    wait_until(dash_duo, lambda: "project=demo" in (dash_duo.find_element("#share-link").get_attribute("value") or ""))
    link = dash_duo.find_element("#share-link").get_attribute("value")
    assert f"path={path_id}" in link and "zoom=4" in link and f"z={5 * sz:g}" in link
    assert dash_duo.get_logs() == []


def test_changes_by_someone_else_appear_within_seconds(dash_duo, app, store, shared_data):
    from snt_web.io.reconstruction import read_reconstruction

    start(dash_duo, app)
    dash_duo.wait_for_contains_text("#path-summary", "nodes", timeout=10)
    other = read_reconstruction(shared_data / "snt" / "21dpi_contra_infra_01.swc")
    apply(store, "demo", LOCAL_USER, SetReconstruction(other), store.get("demo").version)  # another user's save
    dash_duo.wait_for_contains_text("#path-summary", f"{other.n_nodes} nodes", timeout=6)
    assert dash_duo.get_logs() == []
