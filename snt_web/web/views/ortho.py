"""An orthogonal slice view (XY, XZ or ZY): a graph, a slider and their wiring.

The view owns its parts (in the manner of dash-slicer's ``VolumeSlicer``):
``view.graph``, ``view.slider``, ``view.stores``; the app places them and calls
:func:`register`. The server sends a small *base* figure when the project's
image changes (axes in physical units, no pixels); everything a slice change
needs (image URL, crosshair, the paths and the candidate path projected onto
the plane) is set in the browser by the clientside function
``snt_web.sliceFigure`` in ``assets/snt_web.js``, so moving through slices costs
one cached PNG request and no callback round trip.
"""

from __future__ import annotations

from dash import Input, Output, State, dcc, html

from ..share import cursor_position, zoomed_range

#: Which image axis runs horizontally and vertically in each plane, and which
#: one the plane's slider walks along.
AXES = {"xy": ("x", "y", "z"), "xz": ("x", "z", "y"), "zy": ("z", "y", "x")}
_ARRAY_AXIS = {"z": 0, "y": 1, "x": 2}

CROSSHAIR_COLOR = "rgba(255, 200, 0, 0.8)"


def base_figure(plane: str, meta: dict | None, cursor: dict | None = None, zoom: float | None = None) -> dict:
    """The figure of an empty view of ``plane`` for the project described by ``meta``.

    Parameters
    ----------
    plane : {'xy', 'xz', 'zy'}
    meta : dict or None
        The ``project`` store (see :func:`snt_web.web.state.project_meta`);
        None when the project has no image.
    cursor : dict, optional
        Voxel ``{z, y, x}`` to centre a zoomed view on (a share link's position).
    zoom : float, optional
        Magnification relative to the whole plane (a share link's zoom).

    Returns
    -------
    dict
        A Plotly figure: axes in physical units with 1:1 aspect, the y axis
        pointing down (image convention), one layout image to be filled with the
        slice URL, and two crosshair lines.
    """
    layout = {
        "margin": {"l": 40, "r": 8, "t": 8, "b": 32},
        "paper_bgcolor": "#111",
        "plot_bgcolor": "#000",
        "font": {"color": "#ccc", "size": 10},
        "dragmode": "pan",
        "showlegend": False,
    }
    if not meta or not meta.get("shape"):
        layout["xaxis"] = layout["yaxis"] = {"visible": False}
        layout["annotations"] = [{"text": "no image", "showarrow": False, "font": {"size": 16}}]
        return {"data": [], "layout": layout}
    h, v, _ = AXES[plane]
    units = meta["units"]
    extent = {}
    for name in (h, v):
        i = _ARRAY_AXIS[name]
        step = meta["spacing"][i]
        # Voxel i covers [(i - 0.5) * step, (i + 0.5) * step]: node coordinates
        # are index * spacing (SNT's convention), so centres land on indices.
        extent[name] = (-0.5 * step, (meta["shape"][i] - 0.5) * step)
    (h0, h1), (v0, v1) = extent[h], extent[v]
    h_range, v_range = [h0, h1], [v0, v1]
    if zoom and cursor:
        centre = cursor_position(cursor, meta["spacing"])
        h_range = zoomed_range(h0, h1, centre[h], zoom)
        v_range = zoomed_range(v0, v1, centre[v], zoom)
    grid = {"showgrid": False, "zeroline": False, "ticks": "outside", "constrain": "domain"}
    layout["xaxis"] = {**grid, "range": h_range, "title": {"text": f"{h} ({units})"}}
    layout["yaxis"] = {
        **grid,
        "range": v_range[::-1],
        "scaleanchor": "x",
        "scaleratio": 1,
        "title": {"text": f"{v} ({units})"},
    }
    layout["images"] = [
        {
            "source": "",
            "xref": "x",
            "yref": "y",
            "x": h0,
            "y": v0,
            "sizex": h1 - h0,
            "sizey": v1 - v0,
            "sizing": "stretch",
            "xanchor": "left",
            "yanchor": "top",
            "layer": "below",
        }
    ]
    line = {"color": CROSSHAIR_COLOR, "width": 1, "dash": "dot"}
    layout["shapes"] = [
        {"type": "line", "xref": "x", "yref": "paper", "x0": 0, "x1": 0, "y0": 0, "y1": 1, "line": line},
        {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": 0, "y1": 0, "line": line},
    ]
    # Zoom and pan survive slice changes; a new image resets them.
    layout["uirevision"] = f"{meta['id']}-{meta['image_revision']}"
    return {"data": [], "layout": layout}


class OrthoView:
    """One orthogonal view and its components.

    Parameters
    ----------
    plane : {'xy', 'xz', 'zy'}
        Ids are ``view-<plane>`` (the graph), ``view-<plane>-slider``,
        ``view-<plane>-base`` (base figure store), ``view-<plane>-click``
        (physical coordinates of the last click, set by ``assets/snt_web.js``).
    """

    def __init__(self, plane: str):
        self.plane = plane
        self.id = f"view-{plane}"
        h, v, normal = AXES[plane]
        self.normal_axis = normal
        self.graph = dcc.Graph(
            id=self.id,
            className="snt-slice-view",
            config={"scrollZoom": True, "displaylogo": False, "doubleClick": "reset"},
            style={"height": "100%"},
        )
        self.slider = dcc.Slider(
            id=f"{self.id}-slider", min=0, max=0, step=1, value=0, marks=None, updatemode="drag"
        )
        self.readout = html.Span(id=f"{self.id}-readout", className="snt-readout")
        self.stores = [dcc.Store(id=f"{self.id}-base"), dcc.Store(id=f"{self.id}-click")]

    def layout(self):
        return html.Div(
            [
                html.Div(
                    [html.B(self.plane.upper()), self.readout, html.Div(self.slider, className="snt-slider")],
                    className="snt-view-header",
                ),
                self.graph,
                *self.stores,
            ],
            className=f"snt-view snt-view-{self.plane}",
        )


def register(app, views: list[OrthoView]) -> None:
    """Wire the views: base figures from the project, cursor, slices, crosshairs.

    ``views`` must hold one view per plane, in any order.
    """
    by_plane = {v.plane: v for v in views}
    # The cursor function in assets/snt_web.js takes its arguments in this order.
    planes = ("xy", "xz", "zy")
    ids = [by_plane[plane].id for plane in planes]

    @app.callback(
        [Output(f"{i}-base", "data") for i in ids],
        Input("project", "data"),
        State("cursor", "data"),
        State("share", "data"),
    )
    def _base_figures(meta, cursor, share):
        zoom = (share or {}).get("zoom")
        return [base_figure(plane, meta, cursor, zoom) for plane in planes]

    # The cursor: one callback owns it and every slider, so that a click in one
    # view moves the other views' sliders without a circular dependency.
    app.clientside_callback(
        "window.dash_clientside.snt_web.cursor",
        Output("cursor", "data"),
        [Output(f"{i}-slider", "value") for i in ids],
        [Output(f"{i}-slider", "max") for i in ids],
        [Input(f"{i}-slider", "value") for i in ids],
        [Input(f"{i}-click", "data") for i in ids],
        Input("project", "data"),
        State("cursor", "data"),
    )
    for view in views:
        app.clientside_callback(
            "function (base, cursor, display, lines, trace, overlay, seeds, meta) {"
            " return window.dash_clientside.snt_web.sliceFigure("
            f"base, cursor, display, lines, trace, overlay, meta, '{view.plane}', seeds); }}",
            Output(view.id, "figure"),
            Output(f"{view.id}-readout", "children"),
            Input(f"{view.id}-base", "data"),
            Input("cursor", "data"),
            Input("display", "data"),
            Input("path-lines", "data"),
            Input("trace", "data"),
            Input("overlay", "data"),
            Input("seeds-marks", "data"),
            State("project", "data"),
        )
