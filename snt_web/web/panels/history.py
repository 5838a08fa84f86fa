"""History panel: who changed what and when; restore any version; undo your own last change.

Restore and undo are ordinary edits (new versions through the command layer),
so they are role-checked, version-checked and recorded like any other.
"""

from __future__ import annotations

import time

import dash_ag_grid as dag
from dash import Input, Output, State, ctx, html, no_update

from ...auth.roles import PermissionDenied
from ...store import StaleVersionError, StoreError
from ...store.commands import Restore, Undo, apply
from ..auth import current_user
from ..state import project_meta, readable_store
from .paths import GRID_THEME
from .messages import error, not_allowed, ok

#: Rows shown; older versions stay restorable through the API.
HISTORY_ROWS = 200


def history_rows(store, project_id: str) -> list[dict]:
    return [
        {
            "version": h.version,
            "user": h.user or "",
            "time": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(h.time)),
            "action": h.action,
            "summary": h.summary,
        }
        for h in store.history(project_id, HISTORY_ROWS)
    ]


def layout():
    columns = [
        {"field": "version", "width": 80},
        {"field": "user", "width": 80},
        {"field": "time", "width": 150},
        {"field": "action", "width": 120},
        {"field": "summary", "flex": 1, "minWidth": 160, "tooltipField": "summary"},
    ]
    return html.Details(
        [
            html.Summary("History"),
            dag.AgGrid(
                id="history-table",
                columnDefs=columns,
                rowData=[],
                getRowId="params.data.version + ''",
                defaultColDef={"resizable": True},
                dashGridOptions={"rowSelection": {"mode": "singleRow"}, "theme": {"function": GRID_THEME}},
                style={"height": "220px"},
            ),
            html.Div(
                [
                    html.Button("Restore selected version", id="history-restore"),
                    html.Button("Undo my last change", id="history-undo"),
                ],
                className="snt-row",
            ),
            html.Div(id="history-message", className="snt-message", role="status"),
        ],
        open=False,
        className="snt-panel",
    )


def register(app) -> None:
    @app.callback(Output("history-table", "rowData"), Input("project", "data"))
    def _rows(meta):
        return history_rows(readable_store(meta["id"]), meta["id"]) if meta else []

    @app.callback(
        Output("project", "data", allow_duplicate=True),
        Output("history-message", "children"),
        Output("history-message", "className"),
        Input("history-restore", "n_clicks"),
        Input("history-undo", "n_clicks"),
        State("history-table", "selectedRows"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _change(_restore, _undo, selected, meta):
        store = readable_store(meta["id"])
        if ctx.triggered_id == "history-restore":
            if not selected:
                return no_update, *error("Select a version first.")
            command, done = Restore(int(selected[0]["version"])), f"Restored version {selected[0]['version']}."
        else:
            command, done = Undo(), "Undid your last change."
        try:
            apply(store, meta["id"], current_user(), command, meta["version"])
        except PermissionDenied as err:
            return no_update, *not_allowed(err)
        except StaleVersionError as err:
            return project_meta(store, meta["id"]), *error(f"{err}. Reloaded the current version.")
        except StoreError as err:
            return no_update, *error(f"{err}.")
        return project_meta(store, meta["id"]), *ok(done)
