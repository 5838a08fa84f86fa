"""The maps panel's layer list: what the slice views are told to draw as maps are shown, removed and replaced."""

from __future__ import annotations

import numpy as np

from snt_web.imaging.slices import auto_contrast
from snt_web.store import LOCAL_USER, maps
from snt_web.web.panels.maps import OVERLAY_PERCENTILES, shown_layers


def _save(store, scale):
    """The demo image scaled to 0-``scale`` as the two-class map 'unet' (neurite, its complement)."""
    volume = store.image("demo").volume(0, 0).astype(np.float32)
    prob = volume / volume.max() * scale
    maps.save_map(store, "demo", LOCAL_USER, "unet", np.stack([prob, scale - prob]), ["neurite", "background"],
                  "test", store.get("demo").version)
    return prob


def _layers(store, shown, add=(), remove=(), replace=False):
    return shown_layers(store, "demo", maps.list_maps(store, "demo"), shown, list(add), set(remove), replace)


def test_layers_are_added_in_order_each_with_its_own_window_and_a_free_colormap(store):
    prob = _save(store, 1.0)
    layers = _layers(store, [], add=["unet:0", "unet:1", "unet:0", "other:0"])  # a repeat and an unknown: ignored
    assert [(layer["key"], layer["label"], layer["cmap"]) for layer in layers] == [
        ("unet:0", "unet · neurite", "magma"), ("unet:1", "unet · background", "green")]
    for layer, volume in zip(layers, (prob, 1.0 - prob)):
        assert (layer["lo"], layer["hi"]) == tuple(round(w, 6) for w in auto_contrast(volume, OVERLAY_PERCENTILES))
        assert layer["opacity"] == 0.6 and layer["opaque"] is False
    file_id = maps.map_file_id(maps.list_maps(store, "demo")[0])
    assert [layer["url"] for layer in layers] == [f"/map/demo/{file_id}/0", f"/map/demo/{file_id}/1"]

    # The first drawn instead of the image, and only the first.
    assert [layer["opaque"] for layer in _layers(store, layers, replace=True)] == [True, False]
    # Removed: the other keeps its look; shown again, it takes the first colormap free.
    looked = [layers[0], {**layers[1], "cmap": "viridis", "opacity": 0.25}]
    kept = _layers(store, looked, remove={0})
    assert kept == [looked[1]]
    assert _layers(store, kept, add=["unet:0"])[1]["cmap"] == "magma"


def test_a_replaced_map_is_drawn_from_its_new_file_in_a_new_window_and_keeps_its_look(store):
    _save(store, 1.0)
    layers = [{**layer, "cmap": "viridis", "opacity": 0.3} for layer in _layers(store, [], add=["unet:0"])]
    prob = _save(store, 0.5)  # the same name, other values: a new file
    (replaced,) = _layers(store, layers)
    assert replaced["url"] != layers[0]["url"]
    assert maps.map_file_id(maps.list_maps(store, "demo")[0]) in replaced["url"]
    assert replaced["hi"] == round(auto_contrast(prob, OVERLAY_PERCENTILES)[1], 6) < layers[0]["hi"]
    assert (replaced["cmap"], replaced["opacity"]) == ("viridis", 0.3)
    # Unchanged maps: the very same layers (the views are not redrawn for nothing).
    assert _layers(store, [replaced]) == [replaced]
