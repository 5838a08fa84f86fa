"""Share: a link that opens this project at the current position, zoom and selected path.

The link is built in the browser (``snt_web.shareLink`` in ``assets/snt_web.js``)
from the cursor, the XY view's zoom and the path selection; the server reads it
back with :func:`snt_web.web.share.parse_share_args` when the page loads.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from dash import Input, Output, State, dcc, html, no_update

from ...auth.roles import PermissionDenied
from ...store import ProjectNotFoundError
from ..share import parse_share_args
from ..state import project_meta
from ..state import readable_store


def layout():
    return html.Div(
        [
            html.Button("Share", id="share-button", title="Link to this project, position, zoom and path"),
            dcc.Input(id="share-link", readOnly=True, placeholder="", className="snt-share-link"),
            dcc.Clipboard(target_id="share-link", title="Copy link", className="snt-copy"),
        ],
        className="snt-share",
    )


def register(app) -> None:
    @app.callback(
        Output("project", "data", allow_duplicate=True),
        Output("cursor", "data", allow_duplicate=True),
        Output("share", "data"),
        Input("url", "search"),
        State("project", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def _open_link(search, meta):
        """Apply a share link once, when the page loads.

        The project, cursor and share stores change in one response, so the
        units that follow them (cursor, base figures, path list) see them
        together.
        """
        args = dict(parse_qsl((search or "").lstrip("?")))
        if not args:
            return no_update, no_update, no_update
        project_id = meta["id"]
        if args.get("project"):
            try:
                project_id = readable_store(args["project"]).get(args["project"]).id
            except (ProjectNotFoundError, PermissionDenied):
                pass  # an unknown or forbidden project: stay on this one
        meta = project_meta(readable_store(project_id), project_id)
        shared = parse_share_args(args, meta)
        return meta, shared["cursor"], {"zoom": shared["zoom"], "path": shared["path"]}

    app.clientside_callback(
        "window.dash_clientside.snt_web.shareLink",
        Output("share-link", "value"),
        Input("share-button", "n_clicks"),
        State("cursor", "data"),
        State("project", "data"),
        State("path-table", "selectedRows"),
        prevent_initial_call=True,
    )
