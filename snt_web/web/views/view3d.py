"""The 3D view: the reconstruction as lines, the slice planes, an optional isosurface.

The server builds the base figure when the reconstruction, the colouring or
the isosurface changes; the browser adds the outlines of the three slice
planes through the cursor (``snt_web.figure3d`` in ``assets/snt_web.js``).
"""

from __future__ import annotations

import numpy as np
from dash import Input, Output, State, dcc, html

from ...imaging.surface import isosurface
from ...model import SWC_TYPES, Tree
from ..state import readable_store

#: Colours for paths without their own colour (Okabe-Ito, colour-blind safe).
PALETTE = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#999999"]
TYPE_COLORS = dict(enumerate(["#bbbbbb", "#ffffff", "#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377"]))


def _polyline(tree: Tree, path) -> np.ndarray:
    """A path's nodes, preceded by its branch node on the parent so the arbor draws connected."""
    if path.parent_id is None:
        return path.points
    try:
        parent = tree.path(path.parent_id)
    except KeyError:
        return path.points
    idx = path.branch_index if path.branch_index is not None else len(parent) - 1
    return np.vstack([parent.points[min(max(idx, 0), len(parent) - 1)], path.points])


def path_traces(tree: Tree, color_by: str = "path", selected=()) -> list[dict]:
    """Scatter3d line traces for a tree, one per colour (few traces, fast to draw).

    Parameters
    ----------
    tree : Tree
    color_by : {'path', 'type'}
        Each path's own colour (or a palette colour), or its SWC type.
    selected : collection of int
        Path ids drawn thicker and in white.
    """
    groups: dict[tuple[str, int], list] = {}
    selected = set(selected)
    for k, path in enumerate(p for p in tree.paths if p.fitted_of is None):
        if path.id in selected:
            key = ("#ffffff", 6)
        elif color_by == "type":
            key = (TYPE_COLORS.get(path.swc_type, "#bbbbbb"), 3)
        else:
            key = ((path.color or PALETTE[k % len(PALETTE)])[:7], 3)
        groups.setdefault(key, []).append(path)
    traces = []
    for (color, width), paths in groups.items():
        xyz, text = [], []
        for path in paths:
            pts = _polyline(tree, path)
            xyz.append(np.vstack([pts, [np.nan] * 3]))
            label = f"{path.name} ({SWC_TYPES.get(path.swc_type, '?')})"
            text += [label] * (len(pts) + 1)
        pts = np.concatenate(xyz)
        traces.append(
            {
                "type": "scatter3d",
                "mode": "lines",
                "x": _nullable(pts[:, 0]),
                "y": _nullable(pts[:, 1]),
                "z": _nullable(pts[:, 2]),
                "text": text,
                "hoverinfo": "text",
                "line": {"color": color, "width": width},
                "showlegend": False,
                "name": "paths",
            }
        )
    return traces


def _nullable(values: np.ndarray) -> list:
    """Floats rounded to 0.1 nm-ish precision, with NaN as null (Plotly's line break)."""
    return [None if np.isnan(v) else round(float(v), 4) for v in values]


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


def base_figure(tree: Tree, meta: dict | None, *, color_by="path", selected=(), mesh=None) -> dict:
    """The 3D figure without slice planes, in physical units with true aspect."""
    data = ([mesh] if mesh else []) + path_traces(tree, color_by, selected)
    units = (meta or {}).get("units") or tree.units
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
        Output("view-3d-base", "data"),
        Input("project", "data"),
        Input("view-3d-color", "value"),
        Input("view-3d-surface", "value"),
        Input("path-table", "selectedRows"),
        State("display", "data"),
    )
    def _base(meta, color_by, surface, selected, display):
        store = readable_store(meta["id"]) if meta else None
        tree = store.reconstruction(meta["id"]) if meta else Tree()
        mesh = None
        if "on" in (surface or []) and meta and meta.get("shape"):
            display = display or {}
            mesh = mesh_trace(store.image(meta["id"]), display.get("c", 0), display.get("t", 0))
        selected_ids = [row["id"] for row in selected or ()]
        return base_figure(tree, meta, color_by=color_by, selected=selected_ids, mesh=mesh)

    app.clientside_callback(
        "window.dash_clientside.snt_web.figure3d",
        Output("view-3d", "figure"),
        Input("view-3d-base", "data"),
        Input("cursor", "data"),
        State("project", "data"),
    )
