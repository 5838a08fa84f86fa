"""Probability maps panel: load a map (or a label image) matching the image; lay maps over the slices.

A loaded map becomes a secondary layer: the tracer can search it (its classes
are offered in the Tracing panel's layer list) and the slice views show it as
a coloured, see-through overlay, or in place of the image. Several maps (or
classes) may be shown at once, as napari's layers: the ``overlay`` store is
the list of shown layers, bottom first, each with what the views need (the
map's slice URL prefix, its own contrast window, colormap, opacity and
whether it is drawn opaque instead of the image); ``assets/snt_web.js`` draws
them in order over the image.
"""

from __future__ import annotations

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from ...auth.roles import PermissionDenied
from ...imaging.overlay import COLORMAPS
from ...imaging.slices import auto_contrast
from ...io.errors import SNTWebIOError
from ...store import StaleVersionError, StoreError, maps
from ..auth import current_user, require
from ..state import project_meta, readable_store
from .files import decode_upload
from .messages import error, not_allowed, ok

#: Window of a map's overlay: its own percentiles, like the image's Auto.
OVERLAY_PERCENTILES = (1.0, 99.95)

#: Colormaps given to newly shown layers, the first one not yet in use: two
#: or three maps shown together get colours that tell them apart.
NEW_LAYER_CMAPS = ("magma", "green", "magenta", "viridis")
NEW_LAYER_OPACITY = 0.6


def map_options(store, project_id: str) -> list[dict]:
    """One option per class of each map: ``{"label": "name · class k", "value": "name:k-1"}``."""
    return class_options(maps.list_maps(store, project_id))


def class_options(found: list[dict]) -> list[dict]:
    """:func:`map_options` of the maps ``found`` (:func:`snt_web.store.maps.list_maps`)."""
    return [
        {"label": f"{m['name']} · {cls}" if len(m["classes"]) > 1 else m["name"], "value": f"{m['name']}:{k}"}
        for m in found
        for k, cls in enumerate(m["classes"])
    ]


def layout(upload_limit_bytes: int):
    return html.Details(
        [
            html.Summary("Probability maps"),
            dcc.Upload(
                id="map-upload",
                children=html.Div(["Drop or ", html.A("choose"), " a probability map or label image (.tif)"]),
                className="snt-upload",
                max_size=upload_limit_bytes,
            ),
            html.Label(["overlay", dcc.Dropdown(id="overlay-map", options=[], placeholder="add a map…")],
                       className="snt-field"),
            html.Div(id="overlay-layers"),
            dcc.Checklist(id="overlay-replace",
                          options=[{"label": "show the first map instead of the image", "value": "on"}], value=[]),
            html.Div(id="maps-message", className="snt-message", role="status"),
            dcc.Store(id="overlay"),
            dcc.Store(id="maps-loaded"),
        ],
        open=False,
        className="snt-panel",
    )


def layer_row(index: int, layer: dict):
    """The controls of shown layer ``index``: its name, colormap, opacity and a remove button."""
    return html.Div(
        [
            html.Span(layer["label"], className="snt-layer-name", title=layer["label"]),
            dcc.Dropdown(id={"type": "overlay-cmap", "index": index}, options=list(COLORMAPS),
                         value=layer["cmap"], clearable=False, className="snt-narrow"),
            html.Div(dcc.Slider(id={"type": "overlay-opacity", "index": index}, min=0, max=1, step=0.05,
                                value=layer["opacity"], marks=None), title="opacity", className="snt-layer-opacity"),
            html.Button("×", id={"type": "overlay-remove", "index": index}, className="snt-small",
                        title=f"Stop showing {layer['label']}"),
        ],
        className="snt-row snt-layer",
    )


def shown_layers(store, project_id: str, found: list[dict], layers: list[dict], add: list[str], remove: set[int],
                 replace: bool) -> list[dict]:
    """The layers to show after adding ``add`` (option values ``name:k``) and removing positions ``remove``.

    ``found`` are the project's maps (:func:`snt_web.store.maps.list_maps`).
    Layers whose map is gone are dropped; one whose map was replaced gets the
    new file's URL and its own window anew; the others keep their window and
    look. New layers go on top. The first layer is drawn opaque when ``replace``.
    """
    labels = {o["value"]: o["label"] for o in class_options(found)}
    by_name = {m["name"]: m for m in found}
    kept = [layer for i, layer in enumerate(layers) if i not in remove and layer["key"] in labels]
    for key in add:
        if key in labels and all(layer["key"] != key for layer in kept):
            kept.append({"key": key, "cmap": _unused_cmap(kept)})
    out = []
    for layer in kept:
        name, _, k = layer["key"].rpartition(":")
        file_id = maps.map_file_id(by_name[name])
        url = f"/map/{project_id}/{file_id}/{int(k)}"
        if layer.get("url") != url:
            volume = maps.map_file_volume(store, project_id, file_id, int(k))
            lo, hi = auto_contrast(volume, OVERLAY_PERCENTILES)
            layer = {**layer, "url": url, "lo": round(lo, 6), "hi": round(hi, 6)}
        out.append({"opacity": NEW_LAYER_OPACITY, **layer, "label": labels[layer["key"]]})
    return with_replace(out, replace)


def _unused_cmap(layers: list[dict]) -> str:
    used = {layer["cmap"] for layer in layers}
    return next((c for c in NEW_LAYER_CMAPS if c not in used), NEW_LAYER_CMAPS[0])


def with_replace(layers: list[dict], replace: bool) -> list[dict]:
    """``layers`` with the first drawn opaque instead of the image when ``replace``, none otherwise."""
    return [{**layer, "opaque": replace and i == 0} for i, layer in enumerate(layers)]


def register(app) -> None:
    @app.callback(
        Output("project", "data", allow_duplicate=True),
        Output("maps-message", "children"),
        Output("maps-message", "className"),
        Output("maps-loaded", "data"),
        Input("map-upload", "contents"),
        State("map-upload", "filename"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _load(contents, filename, meta):
        """A map that does not match the image is refused by name; nothing changes."""
        store = readable_store(meta["id"])
        try:
            require(meta["id"], "edit")
            maps.import_map(store, meta["id"], current_user(), decode_upload(contents, filename), filename,
                            meta["version"])
        except PermissionDenied as err:
            return no_update, *not_allowed(err), no_update
        except StaleVersionError as err:
            return project_meta(store, meta["id"]), *error(f"{err}. Reloaded."), no_update
        except (SNTWebIOError, StoreError) as err:
            return no_update, *error(f"Could not load: {err}. Nothing was changed."), no_update
        loaded = next(m for m in maps.list_maps(store, meta["id"]) if m["name"] == maps.map_name(filename))
        classes = len(loaded["classes"])
        message = f"Loaded {loaded['name']}: {classes} class{'es' * (classes > 1)}. It is shown as an overlay" \
                  " and offered as a tracing layer."
        return project_meta(store, meta["id"]), *ok(message), f"{loaded['name']}:0"

    @app.callback(
        Output("overlay", "data"),
        Output("overlay-layers", "children"),
        Output("overlay-map", "options"),
        Output("overlay-map", "value"),
        Input("overlay-map", "value"),
        Input({"type": "overlay-remove", "index": ALL}, "n_clicks"),
        Input("project", "data"),
        Input("maps-loaded", "data"),
        State("overlay", "data"),
        State("overlay-replace", "value"),
    )
    def _layers(choice, _removes, meta, loaded, shown, replace):
        """Add the map picked (or just loaded), drop one removed; follow the project's maps."""
        if not meta:
            return None, [], [], None
        store = readable_store(meta["id"])
        add = [choice] if choice else []
        if "maps-loaded.data" in ctx.triggered_prop_ids and loaded:
            add.append(loaded)
        # A remove button fires when clicked, and (with no clicks) when its row is drawn.
        remove = {ctx.triggered_prop_ids[t["prop_id"]]["index"] for t in ctx.triggered
                  if t["prop_id"].endswith(".n_clicks") and t["value"]}
        found = maps.list_maps(store, meta["id"])
        layers = shown_layers(store, meta["id"], found, shown or [], add, remove, "on" in (replace or []))
        shown_keys = {layer["key"] for layer in layers}
        options = [o for o in class_options(found) if o["value"] not in shown_keys]
        if layers == (shown or []):
            return no_update, no_update, options, None
        return layers, [layer_row(i, layer) for i, layer in enumerate(layers)], options, None

    @app.callback(
        Output("overlay", "data", allow_duplicate=True),
        Input({"type": "overlay-cmap", "index": ALL}, "value"),
        Input({"type": "overlay-opacity", "index": ALL}, "value"),
        Input("overlay-replace", "value"),
        State("overlay", "data"),
        prevent_initial_call=True,
    )
    def _look(cmaps, opacities, replace, shown):
        """A layer's colormap or opacity changed, or the first layer's place: its contrast window stands."""
        if not shown or len(cmaps) != len(shown):
            return no_update
        layers = with_replace([{**layer, "cmap": cmap, "opacity": opacity}
                               for layer, cmap, opacity in zip(shown, cmaps, opacities)], "on" in (replace or []))
        return layers if layers != shown else no_update
