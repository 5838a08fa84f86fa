"""Files panel: open an image or reconstruction (upload or data directory), save.

Every open goes through the project store with the version the page last
saw: a file that fails to parse, or an edit based on a stale version, changes
nothing and explains itself in ``files-message``.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

from dash import Input, Output, State, ctx, dcc, html, no_update

from ...io.errors import SNTWebIOError
from ...io.reconstruction import (
    RECONSTRUCTION_EXTENSIONS,
    read_reconstruction,
    read_reconstruction_bytes,
    reconstruction_bytes,
)
from ...auth.roles import PermissionDenied
from ...store import StaleVersionError, StoreError
from ...store.commands import SetImageBytes, SetImagePath, SetReconstruction, apply
from ..auth import current_user, require
from ..state import get_store, project_meta, readable_store
from .messages import error, ok

IMAGE_EXTENSIONS = (".tif", ".tiff")


def is_image_name(name: str) -> bool:
    return name.lower().endswith(IMAGE_EXTENSIONS)


def layout(upload_limit_bytes: int):
    limit_mb = upload_limit_bytes / 2**20
    return html.Details(
        [
            html.Summary("Files"),
            dcc.Upload(
                id="upload",
                children=html.Div(["Drop or ", html.A("choose"), " an image (.tif) or reconstruction (.swc, .traces)"]),
                className="snt-upload",
                # Over-limit files are refused in the browser, before any
                # transfer; assets/snt_web.js says so in files-message.
                max_size=upload_limit_bytes,
            ),
            html.Div(
                f"Upload limit {limit_mb:.0f} MB.",
                id="upload-limit",
                className="snt-hint",
                **{"data-bytes": str(upload_limit_bytes)},
            ),
            html.Div(
                [
                    dcc.Dropdown(id="data-files", placeholder="Files in the data directory", options=[]),
                    html.Button("Open", id="data-open"),
                ],
                className="snt-row",
            ),
            html.Div(
                [
                    html.Button("Save .traces", id="save-traces"),
                    html.Button("Save .swc", id="save-swc"),
                ],
                className="snt-row",
            ),
            dcc.Download(id="download"),
            html.Div(id="files-message", className="snt-message", role="status"),
        ],
        open=True,
        className="snt-panel",
    )


def open_file_bytes(store, meta: dict, data: bytes, filename: str, user: str | None) -> str:
    """Open uploaded bytes into the project; returns a sentence for the user.

    Raises
    ------
    SNTWebIOError
        The file does not parse; the project is unchanged.
    StaleVersionError
        The project changed since the page loaded it.
    """
    require(meta["id"], "edit")  # before parsing: a viewer's upload is refused without work
    if is_image_name(filename):
        apply(store, meta["id"], user, SetImageBytes(data, filename), meta["version"])
        return f"Opened image {filename}."
    warnings = []
    tree = read_reconstruction_bytes(data, filename, warnings=warnings)
    return _open_tree(store, meta, tree, filename, user, warnings)


def open_data_file(store, meta: dict, name: str, user: str | None) -> str:
    """Open a file of the data directory into the project (images in place)."""
    require(meta["id"], "edit")
    path = store.data_file(name)
    if is_image_name(name):
        apply(store, meta["id"], user, SetImagePath(str(path)), meta["version"])
        return f"Opened image {name}."
    warnings = []
    return _open_tree(store, meta, read_reconstruction(path, warnings=warnings), name, user, warnings)


#: Reader warnings quoted in the message; the rest are counted.
SHOWN_WARNINGS = 3


def _open_tree(store, meta: dict, tree, name: str, user: str | None, warnings=()) -> str:
    """Make ``tree`` (read from ``name``) the project's reconstruction, recorded as opened.

    ``warnings`` are what the reader worked around (e.g. an SWC parent id that
    names no node): the message says so, with their lines.
    """
    opened = f"{name}: {len(tree)} paths, {tree.n_nodes} nodes"
    apply(store, meta["id"], user, SetReconstruction(tree, f"opened {opened}"), meta["version"])
    if not warnings:
        return f"Opened {opened}."
    more = f" ({len(warnings) - SHOWN_WARNINGS} more)" if len(warnings) > SHOWN_WARNINGS else ""
    return f"Opened {opened}. Warning: {'; '.join(warnings[:SHOWN_WARNINGS])}{more}."


def decode_upload(contents: str, filename: str) -> bytes:
    """The bytes of an upload's data URL; SNTWebIOError naming the file if it is not one (a truncated page)."""
    if not isinstance(contents, str):
        raise SNTWebIOError(filename, "the upload arrived incomplete; try again")
    try:
        _, encoded = contents.split(",", 1)
        return base64.b64decode(encoded, validate=True)
    except (ValueError, binascii.Error):
        raise SNTWebIOError(filename, "the upload arrived incomplete; try again") from None


def register(app, upload_limit_bytes: int) -> None:
    @app.callback(
        Output("data-files", "options"),
        Input("project", "data"),
    )
    def _list_files(_meta):
        names = get_store().list_files(IMAGE_EXTENSIONS + tuple(RECONSTRUCTION_EXTENSIONS))
        return [{"label": n, "value": n} for n in names]

    @app.callback(
        Output("project", "data"),
        Output("files-message", "children"),
        Output("files-message", "className"),
        Input("upload", "contents"),
        Input("data-open", "n_clicks"),
        State("upload", "filename"),
        State("data-files", "value"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _open(contents, _clicks, filename, data_file, meta):
        store = get_store()
        try:
            if ctx.triggered_id == "upload":
                if not contents:
                    return no_update, no_update, no_update
                require(meta["id"], "edit")  # before decoding: a viewer's upload costs nothing
                data = decode_upload(contents, filename)
                if len(data) > upload_limit_bytes:
                    raise SNTWebIOError(filename, f"larger than the upload limit of {upload_limit_bytes / 2**20:.0f} MB")
                message = open_file_bytes(store, meta, data, filename, current_user())
            else:
                if not data_file:
                    return no_update, *error("Choose a file first.")
                message = open_data_file(store, meta, data_file, current_user())
        except PermissionDenied as err:
            return no_update, *error(f"Not allowed: {err}. Nothing was changed.")
        except StaleVersionError as err:
            return project_meta(store, meta["id"]), *error(f"{err}. Reloaded the current version.")
        except (SNTWebIOError, StoreError) as err:
            return no_update, *error(f"Could not open: {err}. Nothing was changed.")
        return project_meta(store, meta["id"]), *ok(message)

    @app.callback(
        Output("download", "data"),
        Input("save-traces", "n_clicks"),
        Input("save-swc", "n_clicks"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _save(_t, _s, meta):
        fmt = "swc" if ctx.triggered_id == "save-swc" else "traces"
        tree = readable_store(meta["id"]).reconstruction(meta["id"])
        stem = Path(meta.get("image_name") or meta["name"]).stem or "reconstruction"
        return dcc.send_bytes(reconstruction_bytes(tree, fmt), f"{stem}.{fmt}")
