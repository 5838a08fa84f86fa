"""Probability maps in headless Chromium: load one, see it over the slices, trace on it; a bad one is refused."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile

from .browser import choose, plot_js, start, wait_idle, wait_until
from .test_tracing_browser import _message, _trace_click, _two_nodes

pytestmark = pytest.mark.browser


def _map_tiff(volume, spacing_zyx, tmp_path, name, classes=1):
    """A calibrated float32 'probability map' (the image, scaled to 0-1), one channel per class."""
    prob = (volume / volume.max()).astype(np.float32)
    data = np.stack([prob] + [1 - prob] * (classes - 1), axis=1) if classes > 1 else prob
    path = tmp_path / name
    axes = "ZCYX" if classes > 1 else "ZYX"
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / spacing_zyx[2], 1 / spacing_zyx[1]),
                     metadata={"axes": axes, "spacing": spacing_zyx[0], "unit": "um"})
    return path


def _images(dash_duo, graph="view-xy"):
    return dash_duo.driver.execute_script(
        f"return {plot_js(graph)}.layout.images.map(i => ({{source: i.source, opacity: i.opacity}}));")


def test_load_overlay_and_trace_on_a_probability_map(dash_duo, app, store, tmp_path):
    start(dash_duo, app)
    dash_duo.find_element("#map-upload").find_element("xpath", "ancestor::details/summary").click()
    image = store.image("demo")
    version = store.get("demo").version
    dash_duo.find_element("#map-upload input[type=file]").send_keys(
        str(_map_tiff(image.volume()[:, :-1], image.spacing, tmp_path, "wrong.tif")))
    wait_until(dash_duo, lambda: "Could not load" in dash_duo.find_element("#maps-message").text)
    assert "wrong.tif" in dash_duo.find_element("#maps-message").text
    assert store.get("demo").version == version

    # A two-class map: loaded, shown over every slice view, offered per class to the tracer.
    dash_duo.find_element("#map-upload input[type=file]").send_keys(
        str(_map_tiff(image.volume(), image.spacing, tmp_path, "unet.tif", classes=2)))
    wait_until(dash_duo, lambda: "Loaded unet: 2 classes" in dash_duo.find_element("#maps-message").text)
    for graph in ("view-xy", "view-xz", "view-zy"):
        wait_until(dash_duo, lambda g=graph: len(_images(dash_duo, g)) == 2)
    overlay = _images(dash_duo)[1]
    assert "/map/demo/unet-" in overlay["source"] and "cmap=magma" in overlay["source"]
    assert overlay["opacity"] == pytest.approx(0.6)
    # The overlay slice is a see-through RGBA PNG, served from the map's voxels.
    status = dash_duo.driver.execute_script(
        f"var r = new XMLHttpRequest(); r.open('GET', '{overlay['source']}', false); r.send();"
        " return [r.status, r.getResponseHeader('Content-Type')];")
    assert status == [200, "image/png"]

    # Instead of the image: one opaque grey slice of the map.
    choose(dash_duo, "overlay-replace")
    wait_until(dash_duo, lambda: len(_images(dash_duo)) == 1 and "opaque=1" in _images(dash_duo)[0]["source"])
    choose(dash_duo, "overlay-replace")
    wait_until(dash_duo, lambda: len(_images(dash_duo)) == 2)
    # Another colormap: the same map and contrast window, coloured anew.
    dash_duo.select_dcc_dropdown("#overlay-cmap", value="viridis")
    wait_until(dash_duo, lambda: "cmap=viridis" in _images(dash_duo)[1]["source"])
    assert _images(dash_duo)[1]["source"] == overlay["source"].replace("cmap=magma", "cmap=viridis")

    # Trace on the map's first class.
    dash_duo.select_dcc_dropdown("#trace-layer", value="map: unet · class 1")
    wait_idle(dash_duo)
    _, a, b = _two_nodes(store.reconstruction("demo"))
    _trace_click(dash_duo, a)
    _trace_click(dash_duo, b)
    wait_until(dash_duo, lambda: "on map:unet:0" in _message(dash_duo))
    assert dash_duo.get_logs() == []
