"""Background painting: freehand strokes on the slice views become background marks for the classifier.

While *paint background* is on, a drag on a slice view draws a freehand
stroke (Plotly's ``drawopenpath``; ``paintMode`` in ``assets/snt_web.js``).
Each stroke is saved as a path tagged ``{background}`` in the plane of the
slice shown, with the brush radius at every node: the classifier's training
job draws such paths' volumes as background
(:mod:`snt_web.jobs.classifier_tasks`). Being a path, a stroke is drawn like
one, kept in the history, undone with Ctrl+Z and deleted in the path manager.
"""

from __future__ import annotations

import re

import numpy as np
from dash import Input, Output, State, ctx, dcc, html, no_update

from ...auth.roles import PermissionDenied
from ...jobs.classifier_tasks import BACKGROUND_TAG
from ...store import StaleVersionError, StoreError
from ...store.commands import edit_tree
from ..auth import current_user
from ..share import cursor_position
from ..state import project_meta, readable_store
from ..views.ortho import AXES
from .messages import error, not_allowed, ok

PLANES = tuple(AXES)
#: Brush radius (physical units) a fresh page starts with.
DEFAULT_RADIUS = 1.0
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def controls():
    """The paint switch and brush radius, placed in the classifier panel."""
    return html.Div(
        [
            dcc.Checklist(id="classifier-paint", options=[{"label": "paint background", "value": "on"}], value=[],
                          inline=True),
            html.Label(["brush radius (µm)", dcc.Input(id="classifier-brush", type="number", min=0.05, step="any",
                                                      value=DEFAULT_RADIUS, debounce=True, size="4")]),
            html.Span(id="classifier-paint-hint", className="snt-hint"),
        ],
        className="snt-row",
    )


def stroke_points(svg_path: str, plane: str, cursor: dict, spacing_zyx) -> np.ndarray:
    """Physical ``(x, y, z)`` nodes of a stroke drawn on a slice view.

    Parameters
    ----------
    svg_path : str
        The drawn shape's path, ``"M h,v L h,v ..."`` in the view's data
        coordinates (physical units of the plane's two axes).
    plane : {'xy', 'xz', 'zy'}
    cursor : dict
        Voxel ``{z, y, x}`` the views cross at: the slice the stroke is on.
    spacing_zyx : sequence of 3 float

    Returns
    -------
    ndarray, shape (n, 3)

    Examples
    --------
    >>> stroke_points("M1,2L3,4", "xz", {"z": 0, "y": 5, "x": 0}, (2.0, 0.5, 0.5)).tolist()
    [[1.0, 2.5, 2.0], [3.0, 2.5, 4.0]]
    """
    values = np.array([float(v) for v in _NUMBER.findall(svg_path or "")])
    pairs = values[: len(values) // 2 * 2].reshape(-1, 2)
    h, v, normal = AXES[plane]
    xyz = np.empty((len(pairs), 3))
    column = {"x": 0, "y": 1, "z": 2}
    xyz[:, column[h]] = pairs[:, 0]
    xyz[:, column[v]] = pairs[:, 1]
    xyz[:, column[normal]] = cursor_position(cursor, spacing_zyx)[normal]
    return xyz


def thin_stroke(points: np.ndarray, step: float) -> np.ndarray:
    """Nodes of ``points`` at least ``step`` apart along the stroke, both ends kept.

    A mouse reports a point every few pixels; a node every half brush radius
    draws the same band.

    Examples
    --------
    >>> thin_stroke(np.array([[0, 0, 0], [0.1, 0, 0], [1, 0, 0], [1.2, 0, 0]], float), 0.5)[:, 0].tolist()
    [0.0, 1.0, 1.2]
    """
    if len(points) < 3:
        return points
    kept = [points[0]]
    for point in points[1:-1]:
        if np.linalg.norm(point - kept[-1]) >= step:
            kept.append(point)
    kept.append(points[-1])
    return np.asarray(kept)


def _new_stroke(relayout: dict | None) -> str | None:
    """The path of the shape just drawn, if this relayout event is a drawing (not a zoom or pan)."""
    shapes = (relayout or {}).get("shapes")
    if not isinstance(shapes, list):
        return None
    drawn = [s for s in shapes if isinstance(s, dict) and s.get("type") == "path" and s.get("path")]
    return drawn[-1]["path"] if drawn else None


def register(app) -> None:
    app.clientside_callback(
        "window.dash_clientside.snt_web.paintMode",
        Output("classifier-paint-hint", "children"),
        Input("classifier-paint", "value"),
        Input("classifier-brush", "value"),
    )

    @app.callback(
        Output("project", "data", allow_duplicate=True),
        Output("classifier-message", "children", allow_duplicate=True),
        Output("classifier-message", "className", allow_duplicate=True),
        *(Input(f"view-{plane}", "relayoutData") for plane in PLANES),
        State("classifier-paint", "value"),
        State("classifier-brush", "value"),
        State("cursor", "data"),
        State("display", "data"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _paint(*args):
        paint, radius, cursor, display, meta = args[len(PLANES):]
        plane = ctx.triggered_id[len("view-"):] if ctx.triggered_id else None
        svg = _new_stroke(args[PLANES.index(plane)]) if plane in PLANES else None
        if not paint or not svg or not meta or not meta.get("shape") or not radius or radius <= 0:
            return no_update, no_update, no_update
        points = thin_stroke(stroke_points(svg, plane, cursor or {}, meta["spacing"]), 0.5 * float(radius))
        store = readable_store(meta["id"])
        channel = int((display or {}).get("c") or 0) + 1
        try:
            edit_tree(store, meta["id"], current_user(), "add_path",
                      {"points": points.tolist(), "name": f"Background {{{BACKGROUND_TAG}}}", "radii": float(radius),
                       "channel": channel}, meta["version"])
        except PermissionDenied as err:
            return no_update, *not_allowed(err)
        except StaleVersionError as err:
            return project_meta(store, meta["id"]), *error(f"{err}. Reloaded; paint again.")
        except (StoreError, ValueError) as err:
            return no_update, *error(f"{err}.")
        return (project_meta(store, meta["id"]),
                *ok(f"Background stroke of {len(points)} nodes on {plane.upper()}: train again to use it."))
