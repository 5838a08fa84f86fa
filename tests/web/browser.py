"""Helpers for the dash_duo tests: waiting, reading Plotly state, clicking, sampling what is drawn."""

from __future__ import annotations

import io
import re
import time

import numpy as np
from PIL import Image as PILImage
from scipy.spatial import cKDTree
from selenium.common.exceptions import ElementClickInterceptedException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait


def wait_until(dash_duo, condition, timeout=10):
    WebDriverWait(dash_duo.driver, timeout, poll_frequency=0.1).until(lambda _: condition())


def plot_js(graph_id: str) -> str:
    """A JS expression for the Plotly div inside a dcc.Graph."""
    return f"document.getElementById('{graph_id}').querySelector('.js-plotly-plot')"


def slice_source(dash_duo, graph_id: str) -> str:
    return dash_duo.driver.execute_script(
        f"var gd = {plot_js(graph_id)}; return gd && gd.layout.images ? gd.layout.images[0].source : '';"
    )


def slice_loaded(dash_duo, graph_id) -> bool:
    """The view's layout image points at a slice URL and the browser decoded it."""
    return dash_duo.driver.execute_script(
        f"""
        var gd = {plot_js(graph_id)};
        if (!gd || !gd.layout || !gd.layout.images || !gd.layout.images[0].source) return false;
        var src = gd.layout.images[0].source;
        var img = new Image(); img.src = src;
        return src.indexOf('/slice/') === 0 && img.complete && img.naturalWidth > 0;
        """
    )


def readout_index(dash_duo, plane) -> int:
    text = dash_duo.find_element(f"#view-{plane}-readout").text
    return int(re.match(r"\w = (\d+)", text).group(1))


def start(dash_duo, app):
    """Start the app and wait until the three slice views show their slices."""
    dash_duo.start_server(app)
    dash_duo.wait_for_element("#view-xy .main-svg", timeout=20)
    for graph in ("view-xy", "view-xz", "view-zy"):
        wait_until(dash_duo, lambda g=graph: slice_loaded(dash_duo, g), timeout=20)
    wait_idle(dash_duo)


def wait_idle(dash_duo, timeout=20):
    """Until no callback is in flight (Dash marks the outputs it is waiting for)."""
    wait_until(
        dash_duo,
        lambda: not dash_duo.driver.execute_script("return document.querySelector('[data-dash-is-loading=true]');"),
        timeout=timeout,
    )


def traces_3d(dash_duo) -> list[dict]:
    """Name, type, colour, width and point count of each trace of the 3D view."""
    return dash_duo.driver.execute_script(
        f"var gd = {plot_js('view-3d')}; if (!gd || !gd.data) return [];"
        " return gd.data.map(t => ({name: t.name, type: t.type, color: t.line ? t.line.color : t.color,"
        " width: t.line ? t.line.width : null, n: t.x ? t.x.filter(v => v !== null).length : 0}));"
    )


def view_pixels(dash_duo, plane: str, points) -> list[tuple[int, int]]:
    """Viewport pixels of physical plane coordinates ``[(h, v), ...]`` on a slice view.

    Computed in the page itself (element rectangles are fractional;
    Selenium's element-centre origin is rounded), so a pointer sent there
    lands within half a pixel of the point.
    """
    points = [[float(h), float(v)] for h, v in points]
    target_js = (
        f"var gd = {plot_js('view-' + plane)}, fl = gd._fullLayout;"
        " var r = gd.querySelector('.nsewdrag').getBoundingClientRect();"
        " return arguments[0].map(p => [Math.round(r.left + fl.xaxis.l2p(p[0])),"
        " Math.round(r.top + fl.yaxis.l2p(p[1]))]);"
    )
    # Plotly may still shift the plot area by a few pixels after the first
    # draw (margins settle once tick labels are measured): aim once it is still.
    previous, target = None, dash_duo.driver.execute_script(target_js, points)
    deadline = time.time() + 5
    while target != previous and time.time() < deadline:
        time.sleep(0.2)
        previous, target = target, dash_duo.driver.execute_script(target_js, points)
    return [tuple(t) for t in target]


def view_pixel(dash_duo, plane: str, h: float, v: float) -> tuple[int, int]:
    """Viewport pixel of physical plane coordinates ``(h, v)`` on a slice view (see :func:`view_pixels`)."""
    return view_pixels(dash_duo, plane, [(h, v)])[0]


def view_box(dash_duo, plane: str) -> tuple[slice, slice]:
    """The plot area of a slice view in a :func:`screenshot`: ``shot[view_box(...)]`` is what the view draws."""
    left, top, right, bottom = dash_duo.driver.execute_script(
        f"var r = {plot_js('view-' + plane)}.querySelector('.nsewdrag').getBoundingClientRect();"
        " return [r.left, r.top, r.right, r.bottom].map(Math.round);")
    return slice(top, bottom), slice(left, right)


#: Hover labels and the mode bar are drawn over the slices where the pointer
#: was last: hidden while the tests sample what is drawn.
_HIDE_OVERLAYS_JS = """
if (!document.getElementById('test-hide-hover')) {
  var style = document.createElement('style');
  style.id = 'test-hide-hover';
  style.textContent = '.hoverlayer, .modebar-container { display: none !important; }';
  document.head.appendChild(style);
}
"""


def screenshot(dash_duo) -> np.ndarray:
    """What the browser shows now: the viewport as an ``(height, width, 3)`` uint8 RGB array in CSS pixels."""
    dash_duo.driver.execute_script(_HIDE_OVERLAYS_JS)
    image = PILImage.open(io.BytesIO(dash_duo.driver.get_screenshot_as_png())).convert("RGB")
    width = dash_duo.driver.execute_script("return window.innerWidth;")
    if image.width != width:  # a high-density display: back to CSS pixels
        image = image.resize((width, round(image.height * width / image.width)), PILImage.NEAREST)
    return np.asarray(image)


def colours_at(shot: np.ndarray, pixels) -> np.ndarray:
    """``(n, 3)`` int RGB of ``shot`` at viewport ``pixels`` ``[(x, y), ...]``."""
    return np.array([shot[y, x] for x, y in pixels], dtype=int)


def near_colour(shot: np.ndarray, pixels, colour, radius: int = 2, tol: int = 40) -> np.ndarray:
    """For each viewport pixel, whether one within ``radius`` px has ``colour`` (``#rrggbb`` or RGB) within ``tol``.

    Lines are 1-2 px wide and antialiased, and a point's pixel is rounded:
    sample a small square around where a line or marker should be.
    """
    if isinstance(colour, str):
        colour = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    colour = np.asarray(colour, dtype=int)
    found = []
    for x, y in pixels:
        patch = shot[max(y - radius, 0):y + radius + 1, max(x - radius, 0):x + radius + 1].astype(int)
        found.append(bool(np.any(np.abs(patch - colour).max(axis=-1) <= tol)))
    return np.array(found)


def assert_share(found, low: float = 0.0, high: float = 1.0, what: str = "the samples"):
    """Between ``low`` and ``high`` of ``found`` (booleans, e.g. :func:`near_colour`'s) are true."""
    share = float(np.mean(found))
    assert low <= share <= high, f"{what}: {share:.0%}, not {low:.0%}-{high:.0%}"


def wait_drawn(dash_duo, check, timeout: float = 10):
    """Screenshots until ``check(shot)`` passes (it asserts on what is drawn); the shot it passed on.

    Slices and layers are images the browser fetches after the figure
    changes, so what is drawn settles a moment later; the last failure is
    raised if it never passes.
    """
    deadline = time.time() + timeout
    while True:
        shot = screenshot(dash_duo)
        try:
            check(shot)
            return shot
        except AssertionError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def click_view(dash_duo, plane: str, h: float, v: float, alt: bool = False):
    """A mouse click on a slice view at physical plane coordinates ``(h, v)`` (Alt held if ``alt``)."""
    chain = ActionChains(dash_duo.driver)
    chain.w3c_actions.pointer_action.move_to_location(*view_pixel(dash_duo, plane, h, v))
    if alt:
        chain.key_down(Keys.ALT).click().key_up(Keys.ALT)
    else:
        chain.click()
    chain.perform()


def drag_view(dash_duo, plane: str, points):
    """A mouse drag on a slice view through physical plane coordinates ``[(h, v), ...]``."""
    pixels = [view_pixel(dash_duo, plane, h, v) for h, v in points]
    chain = ActionChains(dash_duo.driver, duration=50)
    pointer = chain.w3c_actions.pointer_action
    pointer.move_to_location(*pixels[0])
    pointer.pointer_down()
    for x, y in pixels[1:]:
        pointer.move_to_location(x, y)
    pointer.pointer_up()
    chain.perform()


def click(dash_duo, selector: str, timeout: float = 10):
    """Click the element ``selector`` once it can be clicked.

    It is scrolled into view first (no further than needed), and the click is
    retried while something else is on top of it or the page redrew it: a
    panel above may still be growing (a figure drawing, a table filling) when
    the test gets here.
    """
    deadline = time.time() + timeout
    while True:
        try:
            element = dash_duo.find_element(selector)
            dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'nearest'});", element)
            element.click()
            return
        except (ElementClickInterceptedException, StaleElementReferenceException):
            if time.time() > deadline:
                raise
            time.sleep(0.2)


def choose(dash_duo, component_id: str, value: str | None = None, timeout: float = 10):
    """Click option ``value`` of the RadioItems/Checklist ``component_id`` (its first if None)."""
    click(dash_duo, f"#{component_id} input" + ("" if value is None else f"[value='{value}']"), timeout)


# Where to sample what is drawn: voxels on the demo's true neurites and in its background.

PLANES = ("xy", "xz", "zy")
#: Array axes (z, y, x = 0, 1, 2) across, down and along each plane's slider (as in views/ortho.py's AXES).
PLANE_AXES = {"xy": (2, 1, 0), "xz": (2, 0, 1), "zy": (0, 1, 2)}


def truth_nodes(store, truth=None) -> np.ndarray:
    """Physical ``(z, y, x)`` of every node of ``truth`` (a Tree; None: the project's reconstruction)."""
    return np.vstack([p.points for p in (truth or store.reconstruction("demo")).paths])[:, ::-1]


def truth_voxels(store, within: float = 0.6, truth=None) -> np.ndarray:
    """Voxels ``(z, y, x)`` of the image within ``within`` µm of a node of ``truth`` (:func:`truth_nodes`):
    on its neurites."""
    image = store.image("demo")
    spacing = np.asarray(image.spacing)
    near = set()
    for point in truth_nodes(store, truth):
        for offset in np.ndindex(3, 3, 3):
            voxel = np.round(point / spacing).astype(int) + offset - 1
            if np.linalg.norm(voxel * spacing - point) <= within and np.all((voxel >= 0) & (voxel < image.shape_zyx)):
                near.add(tuple(voxel))
    return np.array(sorted(near))


def in_plane(voxels: np.ndarray, cursor, plane: str, shape) -> np.ndarray:
    """Which ``voxels`` lie in ``plane`` through voxel ``cursor``, off the crosshair's lines and the edges."""
    h, v, n = PLANE_AXES[plane]
    return ((voxels[:, n] == cursor[n]) & (voxels[:, h] != cursor[h]) & (voxels[:, v] != cursor[v])
            & np.all(voxels[:, [h, v]] >= 1, axis=1) & (voxels[:, h] < shape[h] - 1) & (voxels[:, v] < shape[v] - 1))


def background_voxels(store, cursor, plane: str, n: int = 6, distance: float = 3.0, truth=None) -> np.ndarray:
    """``n`` voxels (a fixed random pick) in ``plane`` through ``cursor`` at least ``distance`` µm from every node
    of ``truth`` (:func:`truth_nodes`)."""
    image = store.image("demo")
    spacing = np.asarray(image.spacing)
    grid = np.stack(np.meshgrid(*[np.arange(s) for s in image.shape_zyx], indexing="ij"), -1).reshape(-1, 3)
    grid = grid[in_plane(grid, cursor, plane, image.shape_zyx)]
    far = cKDTree(truth_nodes(store, truth)).query(grid * spacing)[0] >= distance
    return np.random.default_rng(0).permutation(grid[far])[:n]


def cursors_through(store, voxels: np.ndarray) -> list[np.ndarray]:
    """Two cursors among ``voxels``, different along every axis, whose three planes cross the most of them."""
    shape = store.image("demo").shape_zyx
    score = [min(np.sum(in_plane(voxels, c, p, shape)) for p in PLANES) for c in voxels]
    ranked = voxels[np.argsort(score, kind="stable")[::-1]]
    return [ranked[0], next(c for c in ranked if np.all(c != ranked[0]))]


def plane_points(store, plane: str, voxels: np.ndarray) -> np.ndarray:
    """Physical plane coordinates ``(h, v)`` of ``voxels`` on a ``plane`` view."""
    h, v, _ = PLANE_AXES[plane]
    return (np.asarray(voxels) * np.asarray(store.image("demo").spacing))[:, [h, v]]


def goto(dash_duo, voxel):
    """The cursor to voxel ``(z, y, x)``: each view's slider set as a user's drag would."""
    for plane in PLANES:
        index = int(voxel[PLANE_AXES[plane][2]])
        dash_duo.driver.execute_script(f"window.dash_clientside.set_props('view-{plane}-slider', {{value: {index}}});")
        wait_until(dash_duo, lambda p=plane, i=index: readout_index(dash_duo, p) == i)
    wait_idle(dash_duo)


def plane_samples(dash_duo, store, neurite: np.ndarray, cursor, n: int = 6, truth=None) -> dict:
    """Where to sample each view through ``cursor``: up to ``n`` of the ``neurite`` voxels in its plane and
    ``n`` background voxels (:func:`background_voxels` of ``truth``), as ``{plane: {kind: (voxels, viewport
    pixels)}}``."""
    shape = store.image("demo").shape_zyx
    out = {}
    for plane in PLANES:
        on = neurite[in_plane(neurite, cursor, plane, shape)][:n]
        assert len(on) >= 3, f"too few neurite voxels in {plane} through {cursor}"
        off = background_voxels(store, cursor, plane, n, truth=truth)
        out[plane] = {kind: (vox, view_pixels(dash_duo, plane, plane_points(store, plane, vox)))
                      for kind, vox in (("neurite", on), ("background", off))}
    return out


def sample_colours(shot: np.ndarray, samples: dict) -> dict:
    """The colours of ``shot`` at :func:`plane_samples`: ``{plane: {kind: (n, 3) RGB}}``."""
    return {plane: {kind: colours_at(shot, px) for kind, (_, px) in kinds.items()} for plane, kinds in samples.items()}


def wait_image(dash_duo, samples: dict) -> dict:
    """Wait until the three slices show the image (grey, the neurites brighter than the background at
    :func:`plane_samples`); the colours drawn there."""
    def check(shot):
        for plane, drawn in sample_colours(shot, samples).items():
            assert np.all(np.ptp(drawn["neurite"], axis=1) <= 2), f"{plane}: the neurites are not grey"
            assert drawn["neurite"].mean() > drawn["background"].mean() + 40, f"{plane}: no neurite on the screen"
    return sample_colours(wait_drawn(dash_duo, check), samples)
