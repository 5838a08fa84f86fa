"""Path list: every path's name, type and length; selecting rows highlights them in 3D."""

from __future__ import annotations

from dash import Input, Output, dash_table, html

from ...model import SWC_TYPES, Tree
from ..state import get_store


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
                "fitted": "yes" if path.fitted_id is not None else "",
            }
        )
    return rows


def layout():
    columns = [
        {"name": "id", "id": "id", "type": "numeric"},
        {"name": "name", "id": "name"},
        {"name": "type", "id": "type"},
        {"name": "length", "id": "length", "type": "numeric"},
        {"name": "nodes", "id": "nodes", "type": "numeric"},
        {"name": "parent", "id": "parent"},
        {"name": "fitted", "id": "fitted"},
    ]
    return html.Details(
        [
            html.Summary(["Paths ", html.Span(id="path-summary", className="snt-hint")]),
            dash_table.DataTable(
                id="path-table",
                columns=columns,
                data=[],
                row_selectable="multi",
                selected_rows=[],
                sort_action="native",
                filter_action="native",
                page_action="native",
                page_size=15,
                style_table={"overflowX": "auto"},
                style_cell={"backgroundColor": "#1b1b1b", "color": "#ddd", "fontSize": 12, "maxWidth": 180,
                            "overflow": "hidden", "textOverflow": "ellipsis"},
                style_header={"backgroundColor": "#262626", "fontWeight": "bold"},
            ),
        ],
        open=True,
        className="snt-panel",
    )


def register(app) -> None:
    @app.callback(
        Output("path-table", "data"),
        Output("path-table", "selected_rows"),
        Output("path-summary", "children"),
        Input("project", "data"),
    )
    def _rows(meta):
        if not meta:
            return [], [], ""
        tree = get_store().reconstruction(meta["id"])
        units = tree.units or "µm"
        summary = f"{len(tree.roots())} trees, {tree.n_nodes} nodes, {tree.total_length:.1f} {units}"
        return path_rows(tree), [], summary
