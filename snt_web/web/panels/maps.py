"""Probability maps panel: load a map (or a label image) matching the image; lay it over the slices.

A loaded map becomes a secondary layer: the tracer can search it (its classes
are offered in the Tracing panel's layer list) and the slice views show it as
a coloured, see-through overlay, or in place of the image. The ``overlay``
store holds what the views need: the map's slice URL prefix, its window,
colormap and opacity; ``assets/snt_web.js`` builds each slice's URL.
"""

from __future__ import annotations

from dash import Input, Output, Patch, State, ctx, dcc, html, no_update

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


def map_options(store, project_id: str) -> list[dict]:
    """One option per class of each map: ``{"label": "name · class k", "value": "name:k-1"}``."""
    return [
        {"label": f"{m['name']} · {cls}" if len(m["classes"]) > 1 else m["name"], "value": f"{m['name']}:{k}"}
        for m in maps.list_maps(store, project_id)
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
            html.Label(["overlay", dcc.Dropdown(id="overlay-map", options=[], placeholder="none")],
                       className="snt-field"),
            html.Div(
                [
                    html.Label(["opacity", dcc.Slider(id="overlay-opacity", min=0, max=1, step=0.05, value=0.6,
                                                      marks=None)], className="snt-field"),
                    dcc.Dropdown(id="overlay-cmap", options=list(COLORMAPS), value="magma", clearable=False,
                                 className="snt-narrow"),
                ],
                className="snt-row",
            ),
            dcc.Checklist(id="overlay-replace", options=[{"label": "show instead of the image", "value": "on"}],
                          value=[]),
            html.Div(id="maps-message", className="snt-message", role="status"),
            dcc.Store(id="overlay"),
            dcc.Store(id="maps-loaded"),
        ],
        open=False,
        className="snt-panel",
    )


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
        Output("overlay-map", "options"),
        Output("overlay-map", "value"),
        Input("project", "data"),
        Input("maps-loaded", "data"),
        State("overlay-map", "value"),
    )
    def _options(meta, loaded, current):
        """The maps of the project; a map just loaded is shown at once, a replaced or removed one no more."""
        options = map_options(readable_store(meta["id"]), meta["id"]) if meta else []
        values = {o["value"] for o in options}
        if "maps-loaded.data" in ctx.triggered_prop_ids and loaded in values:
            return options, loaded
        return options, current if current in values else None

    @app.callback(
        Output("overlay", "data"),
        Input("overlay-map", "value"),
        Input("overlay-opacity", "value"),
        Input("overlay-cmap", "value"),
        Input("overlay-replace", "value"),
        State("overlay", "data"),
        State("project", "data"),
    )
    def _overlay(choice, opacity, cmap, replace, shown, meta):
        if not choice or not meta:
            return None
        look = {"opacity": opacity, "cmap": cmap, "replace": "on" in (replace or [])}
        if ctx.triggered_id != "overlay-map" and shown:
            # Only the look changed: the map's contrast window stands.
            patch = Patch()
            for key, value in look.items():
                patch[key] = value
            return patch
        store = readable_store(meta["id"])
        name, _, k = choice.rpartition(":")
        found = next((m for m in maps.list_maps(store, meta["id"]) if m["name"] == name), None)
        if found is None:
            return None
        lo, hi = auto_contrast(maps.map_volume(store, meta["id"], name, int(k)), OVERLAY_PERCENTILES)
        return {
            "url": f"/map/{meta['id']}/{maps.map_file_id(found)}/{int(k)}",
            "lo": round(lo, 6), "hi": round(hi, 6), **look,
        }
