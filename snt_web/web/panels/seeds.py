"""Seeds panel: import, filter, review and edit seeds; they are drawn on the slices and in 3D.

The table is an AG Grid on its infinite row model: the grid asks the server
for the block of rows it scrolls to, sorted there, so a project with 50,000+
seeds sends only the rows in view. The filter (confidence window, types,
sources, marks) also decides which seeds the views draw
(:mod:`..views.seed_marks`); a new filter or version empties the grid's cache.
Clicking a row moves the cursor to the seed;
with "click adds a seed" on, a click on a slice adds one there. Every change
(cell edit, delete, marks, bulk edit of the filtered rows, upload) is one
command through :mod:`snt_web.store.seeds`: role-checked, in the history, and
refused only if someone else changed the same seeds meanwhile.
"""

from __future__ import annotations

import time

import dash_ag_grid as dag
import numpy as np
from dash import Input, Output, State, ctx, dcc, html, no_update

from ...auth.roles import PermissionDenied
from ...autotrace.threshold import MAP_LEVELS
from ...curation import seed_review_warnings
from ...io.errors import SNTWebIOError
from ...jobs import JobError
from ...io.tiff import read_image_bytes
from ...seeds import MARKS, Seeds, read_seeds_csv, seeds_csv_text, seeds_from_label_image
from ...store import StaleVersionError, StoreError
from ...store.curation import add_warnings
from ...store.layers import layer_values
from ...store.seeds import add_seeds, delete_seeds, load_seeds, mark_seeds, update_seeds
from ...tracing.layers import parse_scales
from ..auth import current_user, require
from ..share import cursor_at, cursor_position
from ..state import project_meta, readable_store
from ..views.seed_marks import COLOR_MODES, seed_marks
from .files import decode_upload
from .jobs import get_queue, submit_job
from .messages import error, not_allowed, ok
from .paths import GRID_THEME

#: Rows the grid asks for at a time.
BLOCK_ROWS = 100
#: Roles the autotracer gives seeds (``autotrace`` job).
ROLES = ("root", "tip", "waypoint")
#: Seeds one autotrace job takes at most: each root is a tree to trace.
MAX_AUTOTRACE_SEEDS = 5_000
#: Table columns: (id, header, editable, numeric).
COLUMNS = (("id", "id", False, True), ("x", "x", True, True), ("y", "y", True, True), ("z", "z", True, True),
           ("confidence", "conf.", True, True), ("radius", "radius", True, True), ("type", "type", True, False),
           ("source", "source", True, False), ("mark", "mark", False, False))
BULK_COLUMNS = ("confidence", "radius", "type", "source", "channel", "frame", "mark")
#: Plane axes (horizontal, vertical, normal), as in :mod:`..views.ortho`.
_AXES = {"xy": ("x", "y", "z"), "xz": ("x", "z", "y"), "zy": ("z", "y", "x")}
_MARKED = {"accept": "accepted", "reject": "rejected", "none": "unmarked"}


def visible_mask(seeds: Seeds, confidence, types, sources, marks) -> np.ndarray:
    """The panel's filter: a confidence window and, where any are chosen, types, sources and marks."""
    lo, hi = confidence or (0.0, 1.0)
    return seeds.filter_mask((lo, hi), types=types or None, sources=sources or None, marks=marks or None)


def table_rows(seeds: Seeds, sort_model, start: int, end: int) -> list[dict]:
    """Rows ``start`` to ``end`` of ``seeds`` sorted by AG Grid's ``sort_model`` (``[{"colId", "sort"}]``)."""
    order = np.arange(len(seeds))
    if sort_model:
        column, descending = sort_model[0]["colId"], sort_model[0]["sort"] == "desc"
        values = seeds.xyz[:, "xyz".index(column)] if column in ("x", "y", "z") else getattr(seeds, column)
        order = np.argsort(values.astype(str) if values.dtype == object else values, kind="stable")
        if descending:
            order = order[::-1]
    rows = seeds.take(order[start:end]).to_records()
    for row in rows:
        for key in ("x", "y", "z", "confidence", "radius"):
            row[key] = round(row[key], 3)
    return rows


def seed_at_click(click: dict, cursor: dict, meta: dict) -> list[float]:
    """Physical ``[x, y, z]`` of a click on a slice view: its plane position and the plane's depth."""
    h, v, normal = _AXES[click["plane"]]
    xyz = {**cursor_position(cursor, meta["spacing"]), h: float(click["h"]), v: float(click["v"])}
    return [xyz["x"], xyz["y"], xyz["z"]]


def layout(upload_limit_bytes: int):
    columns = [{"field": c, "headerName": name, "editable": editable, "width": 84 if numeric else 90,
                **({"cellDataType": "number"} if numeric else {"cellDataType": "text"})}
               for c, name, editable, numeric in COLUMNS]
    columns[0]["width"] = 56
    return html.Details(
        [
            html.Summary(["Seeds ", html.Span(id="seeds-summary", className="snt-hint")]),
            dcc.Upload(id="seeds-upload", className="snt-upload", max_size=upload_limit_bytes,
                       children=html.Div(["Drop or ", html.A("choose"), " a seeds CSV or a labels image (.tif)"])),
            html.Div([
                dcc.RadioItems(id="seeds-units", inline=True, value="physical",
                               options=[{"label": "physical units", "value": "physical"},
                                        {"label": "voxel indices", "value": "voxel"}]),
                dcc.Checklist(id="seeds-replace", options=[{"label": "replace existing", "value": "on"}], value=[]),
            ], className="snt-row"),
            html.Label(["confidence", dcc.RangeSlider(id="seeds-confidence", min=0, max=1, step=0.01, value=[0, 1],
                                                      marks=None, tooltip={"placement": "bottom"})],
                       className="snt-field"),
            html.Div([
                dcc.Dropdown(id="seeds-types", multi=True, placeholder="any type"),
                dcc.Dropdown(id="seeds-sources", multi=True, placeholder="any source"),
                dcc.Dropdown(id="seeds-mark-filter", multi=True, placeholder="any mark", options=list(MARKS)),
            ], className="snt-row"),
            html.Div([
                html.Label(["colour", dcc.Dropdown(id="seeds-color", options=list(COLOR_MODES), value="confidence",
                                                   clearable=False)], className="snt-field"),
                dcc.Checklist(id="seeds-add-mode", options=[{"label": "click adds a seed", "value": "on"}], value=[]),
            ], className="snt-row"),
            dag.AgGrid(
                id="seeds-table", columnDefs=columns, rowModelType="infinite", getRowId="params.data.id + ''",
                defaultColDef={"sortable": True, "resizable": True, "minWidth": 40},
                # No select-all box: the infinite row model holds only the rows scrolled to.
                dashGridOptions={"rowSelection": {"mode": "multiRow", "enableClickSelection": False,
                                                  "headerCheckbox": False},
                                 "cacheBlockSize": BLOCK_ROWS, "maxBlocksInCache": 20, "animateRows": False,
                                 "theme": {"function": GRID_THEME}},
                style={"height": "240px"},
            ),
            html.Div([
                html.Button("Accept", id="seeds-accept", title="Mark the selected seeds accepted"),
                html.Button("Reject", id="seeds-reject", title="Mark the selected seeds rejected"),
                html.Button("Unmark", id="seeds-unmark", title="Clear the marks of the selected seeds"),
                html.Button("Delete", id="seeds-delete", title="Delete the selected seeds"),
                html.Button("Export CSV", id="seeds-export", title="Download the filtered seeds as a CSV"),
            ], className="snt-row"),
            html.Div([
                dcc.Dropdown(id="seeds-bulk-column", options=list(BULK_COLUMNS), placeholder="column"),
                dcc.Input(id="seeds-bulk-value", placeholder="value", debounce=True, style={"width": "90px"}),
                html.Button("Set on all filtered", id="seeds-bulk", title="Set the column on every filtered seed"),
            ], className="snt-row"),
            html.Div([
                dcc.Dropdown(id="seeds-role", options=[{"label": f"seeds as {r}s", "value": r} for r in ROLES],
                             value="root", clearable=False, className="snt-medium"),
                # Options: the tracing panel's layers (raw, filtered, probability maps).
                html.Label(["on", dcc.Dropdown(id="seeds-layer", options=["raw"], value="raw", clearable=False,
                                               className="snt-medium")], className="snt-field",
                           title="What the autotracer traces: the image, a filtered layer or a probability map "
                                 "(SNT's secondary layer)"),
            ], className="snt-row"),
            html.Div([
                dcc.Checklist(id="seeds-multi-cell", options=[{"label": "cells apart", "value": "on"}], value=[]),
                html.Label(dcc.Checklist(id="seeds-connected-26", options=[{"label": "26-connected", "value": "on"}],
                                         value=[]),
                           title="March through voxels that touch only at corners: keeps thin oblique neurites "
                                 "(SNT's default is 18-connected)"),
                html.Button("Autotrace from visible seeds", id="seeds-autotrace",
                            title="Roots: one tree per seed; tips: one cell through them; waypoints: one cell "
                                  "drawn to them"),
            ], className="snt-row"),
            html.Div([
                dcc.Dropdown(id="seeds-review-severity", clearable=False, value="INFO", className="snt-medium",
                             options=[{"label": "as notes (INFO)", "value": "INFO"},
                                      {"label": "as warnings", "value": "WARNING"},
                                      {"label": "as errors", "value": "ERROR"}]),
                html.Button("Send to curation", id="seeds-send-curation",
                            title="The selected seeds (or, with none selected, the filtered ones) become 'Seed "
                                  "Review' rows of the Curation Assistant, tagged to the paths near them"),
            ], className="snt-row"),
            html.Div(id="seeds-message", className="snt-message", role="status"),
            dcc.Download(id="seeds-download"),
            dcc.Store(id="seeds-marks"),
            dcc.Store(id="seeds-purged"),
            dcc.Store(id="seeds-click"),
            dcc.Store(id="seeds-autotrace-job"),
        ],
        open=False,
        className="snt-panel",
    )


_FILTERS = [Input("seeds-confidence", "value"), Input("seeds-types", "value"), Input("seeds-sources", "value"),
            Input("seeds-mark-filter", "value")]
_FILTER_STATES = [State(i.component_id, i.component_property) for i in _FILTERS]


def _project_seeds(meta, confidence, types, sources, marks) -> tuple[Seeds, Seeds]:
    """The project's seeds (the current user may view them), and those the panel's filter passes."""
    seeds = load_seeds(readable_store(meta["id"]), meta["id"])
    return seeds, seeds.take(visible_mask(seeds, confidence, types, sources, marks))


def register(app) -> None:
    @app.callback(
        Output("seeds-summary", "children"),
        Output("seeds-types", "options"),
        Output("seeds-sources", "options"),
        Input("project", "data"),
        *_FILTERS,
    )
    def _summary(meta, confidence, types, sources, marks):
        """How many seeds the filter shows, and the types and sources there are to filter by."""
        if not meta:
            return "", [], []
        seeds, shown = _project_seeds(meta, confidence, types, sources, marks)
        summary = f"{len(shown)} of {len(seeds)} shown" if len(seeds) else "none"
        return summary, sorted(set(seeds.type.tolist())), sorted(set(seeds.source.tolist()))

    # A new filter or a new version: the grid drops the rows it holds and asks again.
    app.clientside_callback(
        """function () {
            dash_ag_grid.getApiAsync('seeds-table').then(function (api) { api.purgeInfiniteCache(); });
            return Date.now();
        }""",
        Output("seeds-purged", "data"),
        Input("project", "data"),
        *_FILTERS,
        prevent_initial_call=True,
    )

    @app.callback(
        Output("seeds-table", "selectedRows", allow_duplicate=True),
        Input("project", "data"),
        State("seeds-table", "selectedRows"),
        prevent_initial_call=True,
    )
    def _forget_deleted(meta, selected):
        """Ticks of seeds that no longer exist are dropped (the grid keeps a ticked row's id past its deletion)."""
        if not meta or not selected:
            return no_update
        existing = np.isin([int(row["id"]) for row in selected], load_seeds(readable_store(meta["id"]), meta["id"]).id)
        return no_update if existing.all() else [row for row, keep in zip(selected, existing.tolist()) if keep]

    @app.callback(
        Output("seeds-table", "getRowsResponse"),
        Input("seeds-table", "getRowsRequest"),
        *_FILTER_STATES,
        State("project", "data"),
    )
    def _rows(request, confidence, types, sources, marks, meta):
        """The block of filtered, sorted rows the grid scrolled to."""
        if not request or not meta:
            return no_update
        _, shown = _project_seeds(meta, confidence, types, sources, marks)
        rows = table_rows(shown, request.get("sortModel"), int(request["startRow"]), int(request["endRow"]))
        return {"rowData": rows, "rowCount": len(shown)}

    @app.callback(Output("seeds-marks", "data"), Input("project", "data"), *_FILTERS, Input("seeds-color", "value"))
    def _marks(meta, confidence, types, sources, marks, color_by):
        """The seeds the views draw: the filtered ones (the most confident, past a cap)."""
        if not meta:
            return None
        return seed_marks(_project_seeds(meta, confidence, types, sources, marks)[1], color_by)

    @app.callback(
        Output("cursor", "data", allow_duplicate=True),
        Input("seeds-table", "cellClicked"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _go_to(clicked, meta):
        """A click on a row (not its tick box) moves the cursor (voxel indices) to its seed."""
        if not clicked or not meta or not meta.get("shape") or str(clicked.get("colId", "")).startswith("ag-Grid"):
            return no_update
        seeds = load_seeds(readable_store(meta["id"]), meta["id"])
        at = np.flatnonzero(seeds.id == int(clicked["rowId"]))
        if not len(at):
            return no_update
        return cursor_at(seeds.xyz[at[0]], meta)

    @app.callback(
        Output("seeds-download", "data"),
        Input("seeds-export", "n_clicks"),
        *_FILTER_STATES,
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _export(_n, confidence, types, sources, marks, meta):
        _, shown = _project_seeds(meta, confidence, types, sources, marks)
        return {"content": seeds_csv_text(shown), "filename": f"{meta['id']}-seeds.csv", "type": "text/csv"}

    _register_upload(app)
    _register_edits(app)
    _register_autotrace(app)
    _register_review(app)


def _register_upload(app) -> None:
    @app.callback(
        Output("project", "data", allow_duplicate=True),
        Output("seeds-message", "children", allow_duplicate=True),
        Output("seeds-message", "className", allow_duplicate=True),
        Input("seeds-upload", "contents"),
        State("seeds-upload", "filename"),
        State("seeds-units", "value"),
        State("seeds-replace", "value"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _upload(contents, filename, units, replace, meta):
        """A CSV (SNT's columns) or a labels image; a file that cannot be read changes nothing."""
        store = readable_store(meta["id"])
        try:
            require(meta["id"], "edit")  # before decoding: a viewer's upload costs nothing
            data = decode_upload(contents, filename)
            if filename.lower().endswith(".csv"):
                read = read_seeds_csv(data, name=filename, units=units, spacing_xyz=_spacing_xyz(meta),
                                      shape_zyx=meta.get("shape"))
                seeds, report = read.seeds, read.report()
            else:
                seeds = _label_seeds(read_image_bytes(data, filename), filename, meta)
                report = f"{len(seeds)} seeds from the labels"
            add_seeds(store, meta["id"], current_user(), seeds, meta["version"], replace="on" in (replace or []),
                      origin=filename)
        except PermissionDenied as err:
            return no_update, *not_allowed(err)
        except (SNTWebIOError, StoreError, ValueError) as err:
            return no_update, *error(f"Could not load seeds: {err}. Nothing was changed.")
        return project_meta(store, meta["id"]), *ok(f"{filename}: {report}.")


def _spacing_xyz(meta) -> tuple:
    return tuple(meta["spacing"][::-1]) if meta.get("spacing") else (1.0, 1.0, 1.0)


def _label_seeds(image, filename, meta) -> Seeds:
    """One seed per label; an uncalibrated labels image is taken to be in the project image's grid."""
    if meta.get("shape") and list(image.shape_zyx) != list(meta["shape"]):
        raise ValueError(f"{filename}: the labels are z, y, x = {tuple(image.shape_zyx)} but the image is "
                         f"{tuple(meta['shape'])}")
    spacing = meta["spacing"] if np.allclose(image.spacing, 1.0) and meta.get("spacing") else image.spacing
    return seeds_from_label_image(image.volume(), spacing, name=filename, channel=1, frame=1)


def _edited_cells(changes) -> list[tuple[int, str, object]]:
    """``(seed id, column, new value)`` of each cell the grid reports edited."""
    editable = {column for column, _, can_edit, _ in COLUMNS if can_edit}
    return [(int(c["rowId"]), c["colId"], c["value"]) for c in changes or ()
            if c.get("colId") in editable and c.get("value") != c.get("oldValue")]


def _register_edits(app) -> None:
    buttons = ("seeds-accept", "seeds-reject", "seeds-unmark", "seeds-delete", "seeds-bulk")

    @app.callback(
        Output("project", "data", allow_duplicate=True),
        Output("seeds-message", "children", allow_duplicate=True),
        Output("seeds-message", "className", allow_duplicate=True),
        Input("seeds-table", "cellValueChanged"),
        *[Input(b, "n_clicks") for b in buttons],
        Input("seeds-click", "data"),
        State("seeds-table", "selectedRows"),
        State("seeds-bulk-column", "value"),
        State("seeds-bulk-value", "value"),
        *_FILTER_STATES,
        State("seeds-add-mode", "value"),
        State("cursor", "data"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _edit(changes, *args):
        (selected, bulk_column, bulk_value, confidence, types, sources, marks, add_mode, cursor,
         meta) = args[len(buttons) + 1:]
        click = args[len(buttons)]
        selected = [int(row["id"]) for row in selected or ()]
        store = readable_store(meta["id"])
        user, base, trigger = current_user(), meta["version"], ctx.triggered_id
        try:
            if trigger == "seeds-table":
                cells = _edited_cells(changes)
                if not cells:
                    return no_update, no_update, no_update
                by_seed: dict[int, dict] = {}
                for seed_id, column, value in cells:
                    by_seed.setdefault(seed_id, {})[column] = value
                for seed_id, changes in by_seed.items():
                    update_seeds(store, meta["id"], user, [seed_id], changes, base)
                done = f"Saved {len(cells)} change{'s' * (len(cells) > 1)}."
            elif trigger == "seeds-click":
                if "on" not in (add_mode or []) or not click or not cursor:
                    return no_update, no_update, no_update
                xyz = seed_at_click(click, cursor, meta)
                add_seeds(store, meta["id"], user, Seeds.from_columns([xyz], source="user-added"), base)
                done = "Added a seed at ({:.2f}, {:.2f}, {:.2f}).".format(*xyz)
            elif trigger == "seeds-bulk":
                if bulk_column not in BULK_COLUMNS or bulk_value in (None, ""):
                    return no_update, *error("Choose a column and a value to set.")
                ids = _project_seeds(meta, confidence, types, sources, marks)[1].id
                if not len(ids):
                    return no_update, *error("No seeds pass the filter.")
                update_seeds(store, meta["id"], user, ids, {bulk_column: bulk_value}, base)
                done = f"Set {bulk_column} = {bulk_value} on {len(ids)} seeds."
            else:
                if not selected:
                    return no_update, *error("Select seeds in the table first.")
                if trigger == "seeds-delete":
                    delete_seeds(store, meta["id"], user, selected, base)
                    done = f"Deleted {len(selected)} seed{'s' * (len(selected) > 1)}."
                else:
                    mark = {"seeds-accept": "accept", "seeds-reject": "reject", "seeds-unmark": "none"}[trigger]
                    mark_seeds(store, meta["id"], user, selected, mark, base)
                    done = f"Marked {len(selected)} seed{'s' * (len(selected) > 1)} {_MARKED[mark]}."
        except PermissionDenied as err:
            return no_update, *not_allowed(err)
        except (StaleVersionError, StoreError) as err:
            return project_meta(store, meta["id"]), *error(f"{err}. Reloaded.")
        return project_meta(store, meta["id"]), *ok(done)


def _register_review(app) -> None:
    @app.callback(
        Output("curation-refresh", "data", allow_duplicate=True),
        Output("seeds-message", "children", allow_duplicate=True),
        Output("seeds-message", "className", allow_duplicate=True),
        Input("seeds-send-curation", "n_clicks"),
        State("seeds-review-severity", "value"),
        State("seeds-table", "selectedRows"),
        *_FILTER_STATES,
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _send(_n, severity, selected, confidence, types, sources, marks, meta):
        """Seeds as "Seed Review" warnings (SNT's "send to curation"), reviewable and kept like any other."""
        seeds, shown = _project_seeds(meta, confidence, types, sources, marks)
        selected = [int(row["id"]) for row in selected or ()]
        chosen = seeds.take(np.isin(seeds.id, selected)) if selected else shown
        if not len(chosen):
            return no_update, *error("No seeds to send: select some or widen the filter.")
        store = readable_store(meta["id"])
        details = [", ".join(filter(None, (kind, source))) for kind, source in zip(chosen.type, chosen.source)]
        warnings = seed_review_warnings(chosen.xyz, store.reconstruction(meta["id"]), severity,
                                        confidences=chosen.confidence, labels=details)
        try:
            added = add_warnings(store, meta["id"], current_user(), warnings, source="seeds")
        except (PermissionDenied, StoreError) as err:
            return no_update, *error(f"Not sent: {err}.")
        return time.time(), *ok(f"Sent {added} seed{'s' * (added != 1)} to the Curation Assistant as {severity} "
                                "'Seed Review' rows.")


def autotrace_params(seeds: Seeds, role: str, multi_cell: bool, connectivity: int = 18, layer: str = "raw",
                     scales=None) -> dict:
    """The ``autotrace`` job's parameters for ``seeds`` (physical x, y, z and confidence) in ``role``.

    ``layer`` and its physical ``scales`` (None: the default) are the Tracing panel's choices. Branches
    are scored as the job decides (``auto``: a probability map scores its own nodes, else tubeness).
    """
    table = np.column_stack([seeds.xyz, seeds.confidence]).round(6)
    return {"seeds": table.tolist(), "role": role, "layer": layer, "score_map": "auto",
            "multi_cell": bool(multi_cell), "connectivity": int(connectivity),
            "scales": None if scales is None else list(scales)}


def autotrace_summary(result: dict) -> str:
    """What an ``autotrace`` job added, and at which threshold and why, in a sentence.

    Examples
    --------
    >>> autotrace_summary({"n_trees": 3, "n_paths": 35, "n_nodes": 894, "threshold": 0.1,
    ...                    "threshold_reason": "probability map", "warnings": []})
    'Autotraced 3 trees: 35 paths, 894 nodes; threshold 0.1 (probability map).'
    """
    text = (f"Autotraced {result['n_trees']} tree{'s' * (result['n_trees'] != 1)}: {result['n_paths']} paths, "
            f"{result['n_nodes']} nodes; threshold {result['threshold']:.3g}")
    reason = result.get("threshold_reason")
    text += f" ({reason})." if reason else "."
    if result.get("warnings"):
        text += f" {len(result['warnings'])} warning(s): {result['warnings'][0]}"
    return text


def _register_autotrace(app) -> None:
    @app.callback(
        Output("seeds-message", "children", allow_duplicate=True),
        Output("seeds-message", "className", allow_duplicate=True),
        Output("seeds-autotrace-job", "data", allow_duplicate=True),
        Input("jobs-finished", "data"),
        State("seeds-autotrace-job", "data"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _autotrace_done(_finished, job_id, meta):
        """The autotrace job this page started has ended: what it added, and at which threshold."""
        if not job_id or not meta:
            return no_update, no_update, no_update
        try:
            job = get_queue().get(job_id)
        except JobError:  # purged meanwhile
            return no_update, no_update, None
        if job.project_id != meta["id"] or not job.is_finished:
            return no_update, no_update, no_update
        if job.state == "done":
            return *ok(autotrace_summary(job.result)), None
        return *error(f"Autotrace {job.state}: {job.error or job.message}."), None

    @app.callback(
        Output("jobs-submitted", "data", allow_duplicate=True),
        Output("seeds-message", "children", allow_duplicate=True),
        Output("seeds-message", "className", allow_duplicate=True),
        Output("seeds-autotrace-job", "data"),
        Input("seeds-autotrace", "n_clicks"),
        State("seeds-role", "value"),
        State("seeds-multi-cell", "value"),
        State("seeds-connected-26", "value"),
        State("seeds-layer", "value"),
        State("trace-scales", "value"),
        *_FILTER_STATES,
        State("jobs-submitted", "data"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _autotrace(_n, role, multi_cell, connected_26, layer, scales, confidence, types, sources, marks, submitted,
                   meta):
        """Queue the autotracer on the seeds the filter shows; the new paths arrive when the job is done."""
        _, shown = _project_seeds(meta, confidence, types, sources, marks)
        if not len(shown):
            return no_update, *error("No seeds pass the filter."), no_update
        if len(shown) > MAX_AUTOTRACE_SEEDS:
            return no_update, *error(f"{len(shown)} seeds pass the filter; narrow it to {MAX_AUTOTRACE_SEEDS} or "
                                     "fewer (raise the confidence, pick types)."), no_update
        layer = layer or "raw"
        try:
            params = autotrace_params(shown, role, "on" in (multi_cell or []),
                                      26 if "on" in (connected_26 or []) else 18, layer, parse_scales(scales))
            on_map = layer_values(readable_store(meta["id"]), meta["id"], layer) == "probability"
            job = submit_job(meta["id"], "autotrace", params)
        except PermissionDenied as err:
            return no_update, *not_allowed(err), no_update
        except (ValueError, StoreError) as err:  # the Tracing panel's scales, a map deleted meanwhile
            return no_update, *error(f"{err}."), no_update
        threshold = (f"a probability estimated from the map, {min(MAP_LEVELS):g} to {max(MAP_LEVELS):g}" if on_map
                     else "estimated from the image")
        return ((submitted or 0) + 1, *ok(f"Autotracing from {len(shown)} seeds as {role}s as a job (threshold: "
                                          f"{threshold}); the trees appear in the path manager when it is done."),
                job.id)
