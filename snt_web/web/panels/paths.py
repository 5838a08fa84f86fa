"""Path list: every path's name, type and length; selected rows are highlighted in 3D."""

from __future__ import annotations

import dash_ag_grid as dag
from dash import Input, Output, State, ctx, html

from ...model import SWC_TYPES, Tree
from ..state import readable_store


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
                "name": path.name,
                "type": SWC_TYPES.get(path.swc_type, str(path.swc_type)),
                "length": round(path.length, 2),
                "nodes": len(path),
                "parent": "" if path.parent_id is None else path.parent_id,
            }
        )
    return rows


def layout():
    columns = [
        {"field": "id", "width": 70, "filter": "agNumberColumnFilter"},
        {"field": "name", "flex": 1, "minWidth": 130, "filter": True, "tooltipField": "name"},
        {"field": "type", "width": 95, "filter": True, "tooltipField": "type"},
        {"field": "length", "headerName": "length (µm)", "width": 95, "filter": "agNumberColumnFilter"},
        {"field": "nodes", "width": 75, "filter": "agNumberColumnFilter"},
        {"field": "parent", "width": 75, "hide": True},
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
        State("path-table", "selectedRows"),
    )
    def _rows(meta, share, selected):
        """Rows for the current version; the selection survives other users' edits.

        A share link, when it is opened, selects its path instead.
        """
        if not meta:
            return [], [], ""
        tree = readable_store(meta["id"]).reconstruction(meta["id"])
        rows = path_rows(tree)
        if "share.data" in ctx.triggered_prop_ids:
            wanted = {(share or {}).get("path")}
        else:
            wanted = {row["id"] for row in selected or ()}
        units = tree.units or "µm"
        summary = f"{len(tree.roots())} trees, {tree.n_nodes} nodes, {tree.total_length:.1f} {units}"
        return rows, [row for row in rows if row["id"] in wanted], summary
