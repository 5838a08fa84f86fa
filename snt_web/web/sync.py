"""Keeping an open page in step with the store: other users' changes appear within seconds.

Each page polls the project's version; when it moved (someone else saved, or
a job finished), the page's ``project`` store is refreshed and every unit
that depends on it redraws. A poll costs one small request and one indexed
read, and sends nothing when nothing changed.
"""

from __future__ import annotations

from dash import Input, Output, State, dcc, no_update

from .state import readable_store, project_meta

POLL_MS = 2000


def layout():
    return dcc.Interval(id="project-poll", interval=POLL_MS)


def register(app) -> None:
    @app.callback(
        Output("project", "data", allow_duplicate=True),
        Input("project-poll", "n_intervals"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _poll(_n, meta):
        if not meta:
            return no_update
        store = readable_store(meta["id"])
        record = store.get(meta["id"])
        if (record.version, record.image_revision) == (meta["version"], meta["image_revision"]):
            return no_update
        return project_meta(store, meta["id"])
