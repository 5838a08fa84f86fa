"""Refine/Fit in the path manager: fit the selected paths' radii, positions or both.

The search radius (physical; empty for SNT's default of 10 voxels) bounds
how far a cross-section reaches and the largest radius accepted.

A few paths are fitted in the request, so the radii show at once; many paths,
or the whole reconstruction (nothing selected), go to a ``fit-paths`` job with
progress in the Jobs panel. Either way the fit is one edit through the store
(:func:`snt_web.store.commands.edit_tree`, op ``apply_fits``): in the history
and undoable. By default each fit is kept as the path's linked fitted version
(SNT's way; views, labels and SWC export use it); "replace nodes" overwrites
the traced nodes instead.
"""

from __future__ import annotations

from dash import Input, Output, State, dcc, html, no_update

from ...auth.roles import PermissionDenied
from ...fitting import SCOPES, fit_params
from ...jobs.fit_tasks import fit_project_paths
from ...store import StaleVersionError, StoreError
from ...store.commands import edit_tree
from ...store.layers import MAP_PREFIX
from ..auth import current_user
from ..state import project_meta, readable_store
from .jobs import submit_job
from .maps import map_options
from .messages import error, not_allowed, ok

#: Selections up to this many nodes are fitted in the request (about a second or two); more go to a job.
DIRECT_NODES = 1500


def controls():
    """The Fit row of the path manager."""
    return html.Div(
        [
            html.Button("Fit", id="paths-fit",
                        title="Fit radii and/or centre the nodes of the selected paths (all paths, as a job, "
                              "when none is selected)"),
            dcc.Dropdown(id="paths-fit-scope", options=[{"label": s, "value": s} for s in SCOPES], value="radii",
                         clearable=False, className="snt-narrow"),
            dcc.Dropdown(id="paths-fit-layer", options=[{"label": "image", "value": "raw"}], value="raw",
                         clearable=False, className="snt-narrow"),
            html.Label(["search radius (µm) ",
                        dcc.Input(id="paths-fit-radius", type="number", step="any",
                                  placeholder="10 voxels", size="6")],
                       title="How far from each node the cross-section reaches and the largest radius accepted, "
                             "physical; empty: 10 voxels of the finest axis (SNT's default)"),
            dcc.Checklist(id="paths-fit-replace", options=[{"label": "replace nodes", "value": "on"}], value=[]),
        ],
        className="snt-row",
    )


def register(app) -> None:
    @app.callback(
        Output("paths-fit-layer", "options"),
        Output("paths-fit-layer", "value"),
        Input("project", "data"),
        State("paths-fit-layer", "value"),
    )
    def _layers(meta, current):
        """The image and every probability-map class; value and options together (a value set first is lost)."""
        options = [{"label": "image", "value": "raw"}]
        if meta:
            options += [{"label": f"map: {o['label']}", "value": f"{MAP_PREFIX}{o['value']}"}
                        for o in map_options(readable_store(meta["id"]), meta["id"])]
        values = {o["value"] for o in options}
        return options, current if current in values else "raw"

    @app.callback(
        Output("project", "data", allow_duplicate=True),
        Output("jobs-submitted", "data", allow_duplicate=True),
        Output("paths-message", "children", allow_duplicate=True),
        Output("paths-message", "className", allow_duplicate=True),
        Input("paths-fit", "n_clicks"),
        State("path-table", "selectedRows"),
        State("paths-fit-scope", "value"),
        State("paths-fit-layer", "value"),
        State("paths-fit-radius", "value"),
        State("paths-fit-replace", "value"),
        State("project", "data"),
        State("jobs-submitted", "data"),
        prevent_initial_call=True,
    )
    def _fit(_clicks, selected, scope, layer, max_radius, replace, meta, submitted):
        store = readable_store(meta["id"])
        ids = [int(row["id"]) for row in selected or ()]
        replace = "on" in (replace or [])
        # The box has no ``min``: the browser would drop a negative entry silently and fit with the default.
        if max_radius is not None and not max_radius > 0:
            return no_update, no_update, *error(f"The search radius must be positive, got {max_radius}.")
        try:
            tree = store.reconstruction(meta["id"], meta["version"])
            nodes = sum(len(tree.path(i)) for i in ids)
            if not ids or nodes > DIRECT_NODES:
                submit_job(meta["id"], "fit-paths", {"path_ids": ids or None, "scope": scope, "layer": layer,
                                                     "max_radius": max_radius, "replace": replace})
                what = f"{len(ids)} paths" if ids else "all paths"
                return no_update, (submitted or 0) + 1, *ok(f"Fitting {what} as a job (see Jobs).")
            fitted = fit_project_paths(store, meta["id"], tree, ids, scope=scope, layer=layer,
                                       max_radius=max_radius)
            record, _ = edit_tree(store, meta["id"], current_user(), "apply_fits",
                                  {"fits": fit_params(fitted), "replace": replace}, meta["version"])
        except PermissionDenied as err:
            return no_update, no_update, *not_allowed(err)
        except StaleVersionError as err:
            return project_meta(store, meta["id"]), no_update, *error(f"{err}. Reloaded.")
        except (StoreError, ValueError, KeyError) as err:
            return no_update, no_update, *error(f"Could not fit: {err}.")
        done = f"Fitted {len(fitted)} path{'s' * (len(fitted) > 1)} ({nodes} nodes, {scope})."
        return project_meta(store, meta["id"]), no_update, *ok(done)
