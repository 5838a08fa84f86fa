"""Probability maps in headless Chromium: load one, see it over the slices, trace on it; a bad one is refused.

What is drawn is checked on screenshots: at voxels of the true neurites and of
the background, in the three planes, the colour on the screen must be the
image's grey with each shown layer composited over it (its colormap, its own
window, its opacity), or the map's own colours when it is shown instead of
the image.
"""

from __future__ import annotations

import numpy as np
import pytest
import tifffile

from snt_web.imaging.overlay import lookup_table
from snt_web.imaging.slices import auto_contrast, window_to_uint8
from snt_web.web.panels.maps import OVERLAY_PERCENTILES

from .browser import (PLANES, choose, click, cursors_through, goto, plane_samples, sample_colours, start,
                      truth_voxels, wait_drawn, wait_idle, wait_image, wait_until)
from .test_tracing_browser import _message, _trace_click, _two_nodes

pytestmark = pytest.mark.browser

#: Colours are composited in 8 bits, in two or three steps: a few units of rounding.
TOL = 8


def _map_tiff(volume, spacing_zyx, tmp_path, name, classes=1):
    """A calibrated float32 'probability map' (the image, scaled to 0-1), one channel per class."""
    prob = (volume / volume.max()).astype(np.float32)
    data = np.stack([prob] + [1 - prob] * (classes - 1), axis=1) if classes > 1 else prob
    path = tmp_path / name
    axes = "ZCYX" if classes > 1 else "ZYX"
    tifffile.imwrite(path, data, imagej=True, resolution=(1 / spacing_zyx[2], 1 / spacing_zyx[1]),
                     metadata={"axes": axes, "spacing": spacing_zyx[0], "unit": "um"})
    return path, data


def _layer(volume, window, cmap, opacity=0.6, opaque=False):
    """What a shown layer should look like: see-through (alpha from the windowed value) or opaque."""
    return {"volume": volume, "window": window, "cmap": cmap, "opacity": opacity, "opaque": opaque}


def _composite(base, layers, voxels):
    """Colours expected at ``voxels``: ``base`` with each of ``layers`` (:func:`_layer`) over it, in order."""
    out = base.astype(float)
    for layer in layers:
        value = window_to_uint8(layer["volume"][tuple(voxels.T)], *layer["window"])
        alpha = (np.ones(len(value)) if layer["opaque"] else value / 255.0 * layer["opacity"])[:, None]
        out = out * (1 - alpha) + lookup_table(layer["cmap"])[value] * alpha
    return out


def _expect(dash_duo, targets, base, layers):
    """Wait until every sample shows ``base`` with ``layers`` composited over it; the colours drawn."""
    def check(shot):
        for plane, drawn in sample_colours(shot, targets).items():
            for kind, (voxels, _) in targets[plane].items():
                expected = _composite(base[plane][kind], layers, voxels)
                error = np.abs(drawn[kind] - expected).max()
                assert error <= TOL, f"{plane} {kind}: drawn {drawn[kind].tolist()}, expected {expected.round().tolist()}"
    return sample_colours(wait_drawn(dash_duo, check), targets)


def _set(dash_duo, component_type, index, value):
    """A layer row's control set as a user's drag or pick would."""
    dash_duo.driver.execute_script(
        f"window.dash_clientside.set_props({{type: '{component_type}', index: {index}}}, {{value: {value!r}}});")
    wait_idle(dash_duo)


def test_load_overlay_and_trace_on_a_probability_map(dash_duo, unfitted, tmp_path):
    store, app = unfitted  # no radii: no node circles on the slices
    start(dash_duo, app)
    choose(dash_duo, "display-paths")  # paths off: only the image and the map on the slices
    dash_duo.find_element("#map-upload").find_element("xpath", "ancestor::details/summary").click()
    image = store.image("demo")
    version = store.get("demo").version
    dash_duo.find_element("#map-upload input[type=file]").send_keys(
        str(_map_tiff(image.volume()[:, :-1], image.spacing, tmp_path, "wrong.tif")[0]))
    wait_until(dash_duo, lambda: "Could not load" in dash_duo.find_element("#maps-message").text)
    assert "wrong.tif" in dash_duo.find_element("#maps-message").text
    assert store.get("demo").version == version

    # Two slices through each plane, both through the neurites.
    path_tif, prob = _map_tiff(image.volume(), image.spacing, tmp_path, "unet.tif", classes=2)
    neurite, background = prob[:, 0], prob[:, 1]
    windows = [auto_contrast(c, OVERLAY_PERCENTILES) for c in (neurite, background)]
    on = truth_voxels(store)
    bright = on[window_to_uint8(neurite[tuple(on.T)], *windows[0]) >= 153]  # where the overlay shows
    cursors = cursors_through(store, bright)
    targets, base = [], []
    for cursor in cursors:
        goto(dash_duo, cursor)
        targets.append(plane_samples(dash_duo, store, bright, cursor))
        base.append(wait_image(dash_duo, targets[-1]))

    # A two-class map: loaded, drawn over every slice view in magma at 60%, in its own window.
    dash_duo.find_element("#map-upload input[type=file]").send_keys(str(path_tif))
    wait_until(dash_duo, lambda: "Loaded unet: 2 classes" in dash_duo.find_element("#maps-message").text)
    for k in (1, 0):
        goto(dash_duo, cursors[k])
        drawn = _expect(dash_duo, targets[k], base[k], [_layer(neurite, windows[0], "magma")])
        for plane in PLANES:  # changed where the neurites are
            assert np.all(np.abs(drawn[plane]["neurite"] - base[k][plane]["neurite"]).max(axis=1) >= 20)

    # Another colormap: the same map and window, coloured anew.
    _set(dash_duo, "overlay-cmap", 0, "green")
    green = _layer(neurite, windows[0], "green")
    drawn = _expect(dash_duo, targets[0], base[0], [green])
    assert all(np.all(drawn[p]["neurite"][:, 1] > drawn[p]["neurite"][:, 0] + 40) for p in PLANES)

    # A second layer over the first: the map's other class, in the next colormap not in use, its own window.
    dash_duo.select_dcc_dropdown("#overlay-map", value="unet · class 2")
    drawn = _expect(dash_duo, targets[0], base[0], [green, _layer(background, windows[1], "magma")])
    for plane in PLANES:  # each visible where it is high: green on the neurites, magma on the background
        assert np.all(drawn[plane]["neurite"][:, 1] > drawn[plane]["neurite"][:, 0] + 40)
        green_only = _composite(base[0][plane]["background"], [green], targets[0][plane]["background"][0])
        assert np.mean(drawn[plane]["background"][:, 0] - green_only[:, 0]) >= 30

    # Opacity 0: the image as it was, at both slices.
    _set(dash_duo, "overlay-opacity", 0, 0)
    _set(dash_duo, "overlay-opacity", 1, 0)
    _expect(dash_duo, targets[0], base[0], [])
    goto(dash_duo, cursors[1])
    _expect(dash_duo, targets[1], base[1], [])

    # Both removed: the image as it was; a layer shown again has its window and the first colormap free.
    for left in (1, 0):
        click(dash_duo, "#overlay-layers button[id*=overlay-remove]")
        wait_until(dash_duo, lambda n=left: len(dash_duo.driver.find_elements("css selector", ".snt-layer")) == n)
    _expect(dash_duo, targets[1], base[1], [])
    dash_duo.select_dcc_dropdown("#overlay-map", value="unet · class 1")
    _expect(dash_duo, targets[1], base[1], [_layer(neurite, windows[0], "magma")])

    # Instead of the image: the map alone, opaque, in its colormap (not the image's grey), and in another one.
    choose(dash_duo, "overlay-replace")
    for cmap in ("magma", "viridis"):
        _set(dash_duo, "overlay-cmap", 0, cmap)
        black = {p: {k: np.zeros((len(v[0]), 3)) for k, v in kinds.items()} for p, kinds in targets[1].items()}
        drawn = _expect(dash_duo, targets[1], black, [_layer(neurite, windows[0], cmap, opaque=True)])
        for plane in PLANES:
            assert np.all(np.ptp(drawn[plane]["neurite"], axis=1) >= 40), f"{plane}: grey, not {cmap}"
    choose(dash_duo, "overlay-replace")
    _expect(dash_duo, targets[1], base[1], [_layer(neurite, windows[0], "viridis")])

    # Trace on the map's first class.
    dash_duo.select_dcc_dropdown("#trace-layer", value="map: unet · class 1")
    wait_idle(dash_duo)
    _, a, b = _two_nodes(store.reconstruction("demo"))
    _trace_click(dash_duo, a)
    _trace_click(dash_duo, b)
    wait_until(dash_duo, lambda: "on map:unet:0" in _message(dash_duo))
    assert dash_duo.get_logs() == []
