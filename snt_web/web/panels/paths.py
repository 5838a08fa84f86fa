"""Path manager: every path's name, type, colour, channel, tags and length; edit, delete, merge, split.

Cells are edited in place (double-click); each change, like the buttons, is one
command through :func:`snt_web.store.commands.apply`: saved at once, in the
history, undoable. Selected rows are highlighted in every view.
"""

from __future__ import annotations

import dash_ag_grid as dag
import numpy as np
from dash import Input, Output, State, ctx, html, no_update

from ...auth.roles import PermissionDenied
from ...model import SWC_TYPES, Tree
from ...store import StaleVersionError, StoreError
from ...store.commands import edit_tree
from ..auth import current_user
from ..state import project_meta, readable_store
from . import fit
from .messages import error, not_allowed, ok

_TYPE_IDS = {name: code for code, name in SWC_TYPES.items()}


#: AG Grid's Alpine theme in the app's dark colours (Theming API, AG Grid 33+).
GRID_THEME = (
    "themeAlpine.withParams({backgroundColor: '#1b1b1b', foregroundColor: '#dddddd',"
    " headerBackgroundColor: '#262626', accentColor: '#7c9cff', fontSize: 12, rowHeight: 26, headerHeight: 28})"
)


def path_rows(tree: Tree) -> list[dict]:
    """One row per path (fitted copies left out: they stand for their original)."""
    rows = []
    for path in tree.paths:
        if path.fitted_of is not None:
            continue
        rows.append(
            {
                "id": path.id,
                "name": path.base_name,
                "type": SWC_TYPES.get(path.swc_type, str(path.swc_type)),
                "color": path.color or "",
                "channel": path.channel,
                "tags": ", ".join(path.tags),
                "length": round(path.length, 2),
                "nodes": len(path),
                "parent": "" if path.parent_id is None else path.parent_id,
            }
        )
    return rows


def layout():
    editable = {"editable": True, "singleClickEdit": False}
    columns = [
        {"field": "id", "width": 70, "filter": "agNumberColumnFilter"},
        {"field": "name", "flex": 1, "minWidth": 130, "filter": True, "tooltipField": "name", **editable},
        {"field": "type", "width": 140, "filter": True, "tooltipField": "type", **editable,
         "cellEditor": "agSelectCellEditor", "cellEditorParams": {"values": list(SWC_TYPES.values())}},
        {"field": "color", "width": 90, **editable,
         "cellStyle": {"function": "params.value ? {borderLeft: '10px solid ' + params.value} : null"}},
        {"field": "channel", "width": 80, **editable, "cellDataType": "number"},
        {"field": "tags", "width": 120, "filter": True, "tooltipField": "tags", **editable},
        {"field": "length", "headerName": "length (µm)", "width": 95, "filter": "agNumberColumnFilter"},
        {"field": "nodes", "width": 75, "filter": "agNumberColumnFilter"},
        {"field": "parent", "width": 75},
    ]
    return html.Details(
        [
            html.Summary(["Paths ", html.Span(id="path-summary", className="snt-hint")]),
            # AG Grid renders only the visible rows, so reconstructions with
            # thousands of paths stay responsive.
            dag.AgGrid(
                id="path-table",
                columnDefs=columns,
                rowData=[],
                getRowId="params.data.id + ''",
                defaultColDef={"sortable": True, "resizable": True, "minWidth": 50},
                dashGridOptions={
                    "rowSelection": {"mode": "multiRow"},
                    "animateRows": False,
                    "theme": {"function": GRID_THEME},
                },
                style={"height": "340px"},
            ),
            html.Div(
                [
                    html.Button("Delete", id="paths-delete", title="Delete the selected paths"),
                    html.Button("Merge", id="paths-merge", title="Join two selected paths at their nearest ends"),
                    html.Button("Split", id="paths-split", title="Split a path at the node picked in Edit mode"),
                ],
                className="snt-row",
            ),
            fit.controls(),
            html.Div(id="paths-message", className="snt-message", role="status"),
        ],
        open=True,
        className="snt-panel",
    )


def register(app) -> None:
    @app.callback(
        Output("path-table", "rowData"),
        Output("path-table", "selectedRows"),
        Output("path-summary", "children"),
        Input("project", "data"),
        Input("share", "data"),
    )
    def _rows(meta, share):
        """Rows for the current version; a share link, when it is opened, selects its path.

        Otherwise the selection is the grid's own: rows keep their ids
        (``getRowId``), so the grid keeps them selected across new versions,
        and a selection made while this callback is in flight is not
        overwritten by the one it started with.
        """
        if not meta:
            return [], [], ""
        tree = readable_store(meta["id"]).reconstruction(meta["id"])
        rows = path_rows(tree)
        units = tree.units or "µm"
        summary = f"{len(tree.roots())} trees, {tree.n_nodes} nodes, {tree.total_length:.1f} {units}"
        if "share.data" in ctx.triggered_prop_ids:
            wanted = (share or {}).get("path")
            return rows, [row for row in rows if row["id"] == wanted], summary
        return rows, no_update, summary

    _register_edits(app)
    fit.register(app)


def _property_change(row_change: dict) -> dict:
    """The ``set_path_properties`` arguments for one edited cell."""
    column, value = row_change["colId"], row_change["value"]
    if column == "type":
        return {"swc_type": _TYPE_IDS[value]}
    if column == "tags":
        return {"tags": [t.strip() for t in (value or "").split(",") if t.strip()]}
    if column == "channel":
        return {"channel": int(value)}
    if column == "color":
        return {"color": (value or "").strip()}
    return {"name": value or ""}


def merge_order(tree: Tree, a: int, b: int) -> tuple[int, int]:
    """Which of two paths to extend by the other: the pair whose join is shortest.

    :func:`~snt_web.model.edit.merge_paths` appends the second path at the end
    of the first, by whichever end of the second is nearer.
    """

    def gap(first, second):
        end, other = tree.path(first).points[-1], tree.path(second).points
        return min(np.linalg.norm(other[0] - end), np.linalg.norm(other[-1] - end))

    return (a, b) if gap(a, b) <= gap(b, a) else (b, a)


def _register_edits(app) -> None:
    @app.callback(
        Output("project", "data", allow_duplicate=True),
        Output("paths-message", "children"),
        Output("paths-message", "className"),
        Input("path-table", "cellValueChanged"),
        Input("paths-delete", "n_clicks"),
        Input("paths-merge", "n_clicks"),
        Input("paths-split", "n_clicks"),
        State("path-table", "selectedRows"),
        State("trace", "data"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _edit(changes, _delete, _merge, _split, selected, trace, meta):
        store = readable_store(meta["id"])
        ids = [row["id"] for row in selected or ()]
        version = meta["version"]

        def run(op, **params):
            nonlocal version
            record, _ = edit_tree(store, meta["id"], current_user(), op, params, version)
            version = record.version

        try:
            if ctx.triggered_id == "path-table":
                for change in changes or ():
                    run("set_path_properties", path_id=int(change["data"]["id"]), **_property_change(change))
                done = "Saved."
            elif ctx.triggered_id == "paths-delete":
                if not ids:
                    return no_update, *error("Select the paths to delete.")
                run("delete_paths", path_ids=ids)
                done = f"Deleted {len(ids)} path{'s' * (len(ids) > 1)}."
            elif ctx.triggered_id == "paths-merge":
                if len(ids) != 2:
                    return no_update, *error("Select exactly two paths to merge.")
                first, second = merge_order(store.reconstruction(meta["id"], version), *ids)
                run("merge_paths", path_id=first, other_id=second)
                done = f"Merged path {second} into path {first}."
            else:
                node = (trace or {}).get("node")
                if not node:
                    return no_update, *error("Pick a node in Edit mode first (select tool).")
                run("split_path", path_id=node["path"], index=node["index"])
                done = f"Split path {node['path']} after node {node['index']}."
        except PermissionDenied as err:
            return no_update, *not_allowed(err)
        except StaleVersionError as err:
            return project_meta(store, meta["id"]), *error(f"{err}. Reloaded.")
        except (StoreError, ValueError, KeyError) as err:
            return project_meta(store, meta["id"]), *error(f"{err}.")
        return project_meta(store, meta["id"]), *ok(done)
