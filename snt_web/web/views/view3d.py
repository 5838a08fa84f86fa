"""The 3D view: the reconstruction as lines, the slice planes, an optional isosurface.

The server builds the base figure (image bounds, isosurface) when the image or
the isosurface changes; the browser adds the paths (the ``path-lines`` store,
see :mod:`.path_lines`), the candidate path being traced and the outlines of the
three slice planes through the cursor (``snt_web.figure3d`` in
``assets/snt_web.js``), so an edit re-sends no mesh.
"""

from __future__ import annotations

import numpy as np
from dash import Input, Output, State, dcc, html, no_update

from ...imaging.surface import isosurface
from ..state import readable_store
from .path_lines import line_groups


def mesh_trace(image, channel: int = 0, frame: int = 0) -> dict:
    verts, faces = isosurface(image.volume(channel, frame), image.spacing)
    return {
        "type": "mesh3d",
        "x": np.round(verts[:, 0], 3).tolist(),
        "y": np.round(verts[:, 1], 3).tolist(),
        "z": np.round(verts[:, 2], 3).tolist(),
        "i": faces[:, 0].tolist(),
        "j": faces[:, 1].tolist(),
        "k": faces[:, 2].tolist(),
        "color": "#8fb3ff",
        "opacity": 0.25,
        "hoverinfo": "skip",
        "name": "isosurface",
        "showlegend": False,
    }


def base_figure(meta: dict | None, mesh=None) -> dict:
    """The 3D figure without paths and slice planes, in physical units with true aspect."""
    data = [mesh] if mesh else []
    units = (meta or {}).get("units") or "µm"
    axis = {"backgroundcolor": "#111", "gridcolor": "#333", "color": "#ccc"}
    scene = {
        "aspectmode": "data",
        "xaxis": {**axis, "title": {"text": f"x ({units})"}},
        "yaxis": {**axis, "title": {"text": f"y ({units})"}, "autorange": "reversed"},
        "zaxis": {**axis, "title": {"text": f"z ({units})"}},
    }
    if meta and meta.get("shape"):
        # Show the whole image box, not just the reconstruction's extent.
        sz, sy, sx = meta["spacing"]
        nz, ny, nx = meta["shape"]
        data.append(
            {
                "type": "scatter3d",
                "mode": "markers",
                "x": [0, (nx - 1) * sx],
                "y": [0, (ny - 1) * sy],
                "z": [0, (nz - 1) * sz],
                "marker": {"size": 0.1, "opacity": 0},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": "bounds",
            }
        )
    layout = {
        "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
        "paper_bgcolor": "#111",
        "font": {"color": "#ccc", "size": 10},
        "scene": scene,
        "uirevision": (meta or {}).get("id", "none"),
    }
    return {"data": data, "layout": layout}


class View3D:
    """The 3D view's components: ``view-3d`` graph and its controls."""

    def __init__(self):
        self.graph = dcc.Graph(id="view-3d", config={"displaylogo": False}, style={"height": "100%"})
        self.color_by = dcc.RadioItems(
            id="view-3d-color",
            options=[{"label": "by path", "value": "path"}, {"label": "by type", "value": "type"}],
            value="path",
            inline=True,
        )
        self.surface = dcc.Checklist(
            id="view-3d-surface", options=[{"label": "isosurface", "value": "on"}], value=[], inline=True
        )
        self.base = dcc.Store(id="view-3d-base")

    def layout(self):
        return html.Div(
            [
                html.Div(
                    [html.B("3D"), self.color_by, dcc.Loading(self.surface, type="dot")],
                    className="snt-view-header",
                ),
                self.graph,
                self.base,
            ],
            className="snt-view snt-view-3d",
        )


def register(app) -> None:
    @app.callback(
        Output("path-lines", "data"),
        Input("project", "data"),
        Input("view-3d-color", "value"),
        Input("path-table", "selectedRows"),
    )
    def _lines(meta, color_by, selected):
        """The paths as every view draws them: on each new version, colouring or selection."""
        if not meta:
            return []
        tree = readable_store(meta["id"]).reconstruction(meta["id"])
        return line_groups(tree, color_by, [row["id"] for row in selected or ()])

    @app.callback(
        Output("view-3d-base", "data"),
        Input("project", "data"),
        Input("view-3d-surface", "value"),
        State("display", "data"),
        State("view-3d-base", "data"),
    )
    def _base(meta, surface, display, current):
        """Rebuilt for a new image or isosurface toggle only: edits do not touch it."""
        key = f"{(meta or {}).get('id')}-{(meta or {}).get('image_revision')}-{bool(surface)}"
        if current and current.get("key") == key:
            return no_update
        mesh = None
        if "on" in (surface or []) and meta and meta.get("shape"):
            display = display or {}
            mesh = mesh_trace(readable_store(meta["id"]).image(meta["id"]), display.get("c", 0), display.get("t", 0))
        return {**base_figure(meta, mesh), "key": key}

    app.clientside_callback(
        "function (base, lines, cursor, trace, seeds, meta) {"
        " return window.dash_clientside.snt_web.figure3d(base, lines, cursor, trace, meta, seeds); }",
        Output("view-3d", "figure"),
        Input("view-3d-base", "data"),
        Input("path-lines", "data"),
        Input("cursor", "data"),
        Input("trace", "data"),
        Input("seeds-marks", "data"),
        State("project", "data"),
    )
