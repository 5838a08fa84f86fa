"""Refine/Fit from the path manager in headless Chromium: fit a path, see its radii on the slices and in 3D."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.jobs import open_queue
from snt_web.web.views.path_lines import line_groups

from .browser import assert_share, near_colour, plot_js, start, traces_3d, view_pixels, wait_drawn, wait_idle, wait_until

pytestmark = pytest.mark.browser


def _circles(dash_duo, plane="xy") -> int:
    """How many node circles the slice view draws."""
    return dash_duo.driver.execute_script(
        f"var gd = {plot_js('view-' + plane)}; if (!gd || !gd.data) return 0;"
        " return gd.data.filter(t => t.name === 'radii').reduce((n, t) => n + t.x.filter(v => v === null).length, 0);"
    )


def _select(dash_duo, *row_ids):
    dash_duo.driver.execute_script(
        f"dash_ag_grid.getApi('path-table').forEachNode(n => n.setSelected({list(row_ids)}.includes(n.data.id)));")
    wait_until(dash_duo, lambda: dash_duo.driver.execute_script(
        "return dash_ag_grid.getApi('path-table').getSelectedRows().length;") == len(row_ids))
    wait_idle(dash_duo)


def test_fit_a_selected_path_and_see_its_radii(dash_duo, unfitted):
    store, app = unfitted
    start(dash_duo, app)
    wait_until(dash_duo, lambda: any(t["name"] == "paths" for t in traces_3d(dash_duo)))
    assert _circles(dash_duo) == 0 and not any(t["name"] == "tubes" for t in traces_3d(dash_duo))
    tree = store.reconstruction("demo")
    path = max((p for p in tree.paths if p.swc_type != 1), key=len)
    version = store.get("demo").version

    _select(dash_duo, path.id)
    dash_duo.select_dcc_dropdown("#paths-fit-scope", value="both")
    dash_duo.find_element("#paths-fit").click()
    dash_duo.wait_for_contains_text("#paths-message", f"Fitted 1 path ({len(path)} nodes, both)", timeout=20)
    fitted = store.reconstruction("demo")
    assert store.get("demo").version == version + 1
    assert fitted.path(path.id).use_fitted
    radii = fitted.path(fitted.path(path.id).fitted_id).radii
    assert np.all(np.isfinite(radii)) and np.all(radii >= 0.3)

    # Node circles on the slice through the path's middle node, drawn where the fitted nodes are.
    image = store.image("demo")
    middle = fitted.path(fitted.path(path.id).fitted_id).points[len(path) // 2]
    z = int(round(middle[2] / image.spacing[0]))
    dash_duo.driver.execute_script(f"window.dash_clientside.set_props('view-xy-slider', {{value: {z}}});")
    wait_until(dash_duo, lambda: _circles(dash_duo) > 0)
    centre = dash_duo.driver.execute_script(
        f"var t = {plot_js('view-xy')}.data.find(t => t.name === 'radii');"
        " var xs = t.x.slice(0, t.x.indexOf(null)), ys = t.y.slice(0, t.y.indexOf(null));"
        " return [xs.reduce((a, b) => a + b, 0) / xs.length, ys.reduce((a, b) => a + b, 0) / ys.length,"
        " (Math.max(...xs) - Math.min(...xs)) / 2];")
    nodes = fitted.path(fitted.path(path.id).fitted_id)
    distance = np.linalg.norm(nodes.points[:, :2] - centre[:2], axis=1)
    assert distance.min() < 0.05 and abs(centre[2] - nodes.radii[np.argmin(distance)]) < 0.05
    # One circle per radius along the path, not one per node (those pile into a band).
    circles, last = [], None
    for point, radius in zip(nodes.points, nodes.radii):
        if abs(point[2] - z * image.spacing[0]) > max(radius, image.spacing[0] / 2):
            last = None
        elif last is None or np.linalg.norm(point[:2] - last) >= radius:
            circles, last = circles + [(point[:2], radius)], point[:2]
    depth = np.abs(nodes.points[:, 2] - z * image.spacing[0])
    in_slab = np.sum(depth <= np.maximum(nodes.radii, image.spacing[0] / 2))
    assert _circles(dash_duo) == len(circles) < in_slab
    # Drawn there, in the path's colour (once it is not selected, drawn white): sampled on each circle, off the
    # path's own line through its centre.
    _select(dash_duo)
    colour = next(g["color"] for g in line_groups(fitted) if "r" in g)
    along = nodes.points[-1, :2] - nodes.points[0, :2]
    across = np.arctan2(along[0], -along[1])  # perpendicular to the path's overall direction
    ring = [at + radius * np.array([np.cos(a), np.sin(a)])
            for at, radius in circles for a in across + np.radians([-30, 0, 30, 150, 180, 210])]
    pixels = view_pixels(dash_duo, "xy", ring)
    wait_drawn(dash_duo, lambda shot: assert_share(near_colour(shot, pixels, colour), 0.75, what="on the circles"))
    # Tube width in 3D: a mesh around the fitted path.
    wait_until(dash_duo, lambda: any(t["name"] == "tubes" and t["type"] == "mesh3d" for t in traces_3d(dash_duo)))

    # A search radius that is not positive is refused in words; nothing is fitted.
    version = store.get("demo").version
    radius_box = dash_duo.find_element("#paths-fit-radius")
    radius_box.send_keys("-1")
    dash_duo.find_element("#paths-fit").click()
    dash_duo.wait_for_contains_text("#paths-message", "search radius must be positive", timeout=10)
    assert store.get("demo").version == version

    # Nothing selected: the whole reconstruction goes to a job, with the search radius typed in.
    radius_box.clear()
    radius_box.send_keys("2.5")
    _select(dash_duo)
    dash_duo.find_element("#paths-fit").click()
    dash_duo.wait_for_contains_text("#paths-message", "Fitting all paths as a job", timeout=10)
    (job,) = open_queue(store.data_dir, store.database_url).list("demo", 5)
    assert job.kind == "fit-paths" and job.params["path_ids"] is None and job.params["scope"] == "both"
    assert job.params["max_radius"] == 2.5
    assert dash_duo.get_logs() == []
