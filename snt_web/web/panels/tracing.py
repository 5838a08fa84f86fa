"""Tracing panel: click to trace, keep or junk, branch, edit nodes, undo and redo.

SNT's semi-automatic loop in the browser. In *Trace* mode the first click sets
where a path starts; each further click searches the least-cost path from the
last point to the click (on the raw image or a filtered layer) and shows it as
a *candidate* in every view. Keep (Y) saves it to the project at once (a new
path, or the path being traced grows), Junk (N) drops it, Finish (F) ends the
path. Alt-click on a node (or Fork on a picked node) starts a branch there.
In *Edit* mode clicks pick, move, insert and delete nodes. Every change is a
command through :func:`snt_web.store.commands.apply`, so it is role-checked,
version-checked, in the history, and undoable (Ctrl+Z) and redoable
(Ctrl+Shift+Z).

The page holds the tracing state in the ``trace`` store (physical x, y, z
points); the server holds everything else.

A click's search has a budget (:func:`snt_web.limits.trace_max_voxels`,
:func:`~snt_web.limits.trace_max_seconds`) and a web process runs only
:func:`~snt_web.limits.trace_concurrency` of them at once, so clicks (which
need only the view role) can neither hold the server's memory nor all of its
threads: everybody else's requests keep being answered.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from dash import Input, Output, State, ctx, dcc, html, no_update
from flask import current_app

from ...auth.roles import PermissionDenied
from ...limits import trace_concurrency, trace_max_seconds, trace_max_voxels
from ...model import physical_to_voxel, voxel_to_physical
from ...model.picking import nearest_segment, pick_node
from ...store import StaleVersionError, StoreError
from ...store.commands import Redo, Undo, apply, edit_tree
from ...store.layers import MAP_PREFIX, layer_ready, layer_values, project_layer
from ...tracing.layers import FILTERED_LAYERS, default_cost, parse_scales
from ...tracing import trace_path
from ...tracing.costs import COSTS
from ...tracing.snapping import snap_to_brightest
from ..auth import current_user
from ..state import project_meta, readable_store
from ..views.ortho import AXES
from .jobs import submit_job
from .maps import map_options
from .messages import error, not_allowed, ok

#: The ``trace`` store when nothing is in progress. ``anchor``: where the next
#: search starts; ``path``: id of the path being traced; ``fork``: the node a
#: new path will branch from; ``candidate``: the unsaved search result;
#: ``node``: the node picked in Edit mode.
IDLE = {"anchor": None, "path": None, "fork": None, "candidate": None, "node": None}

#: A click picks a node this many voxels away in the view's plane, at most.
PICK_VOXELS = 6

#: Where the app keeps its semaphore of running searches (``app.server.config``).
SEARCH_SLOTS = "SNT_WEB_TRACE_SLOTS"

#: Up to this size a filtered layer is computed on the first click (about a
#: second per scale); a bigger image needs the Compute layer job first.
SYNC_LAYER_VOXELS = 32 * 2**20

_INDEX = {"z": 0, "y": 1, "x": 2}
_XYZ = {"x": 0, "y": 1, "z": 2}


def layout():
    mode = dcc.RadioItems(
        id="trace-mode",
        options=[{"label": "Navigate", "value": "navigate"}, {"label": "Trace", "value": "trace"},
                 {"label": "Edit", "value": "edit"}],
        value="navigate",
        inline=True,
    )
    settings = html.Div(
        [
            html.Label(["layer", dcc.Dropdown(id="trace-layer", options=["raw", *FILTERED_LAYERS], value="raw",
                                              clearable=False)],
                       className="snt-field"),
            html.Label(["cost", dcc.Dropdown(id="trace-cost", options=list(COSTS), value="reciprocal",
                                             clearable=False)], className="snt-field"),
            dcc.Checklist(id="trace-snap", options=[{"label": "snap", "value": "on"}], value=["on"], inline=True),
        ],
        className="snt-row",
    )
    filtering = html.Div(
        [
            html.Label(["scales (µm)", dcc.Input(id="trace-scales", type="text", debounce=True, size="10",
                                                 placeholder="default")], className="snt-field"),
            html.Button("Compute layer", id="trace-compute",
                        title="Compute the chosen filtered layer for the whole image as a job (see Jobs)"),
        ],
        className="snt-row",
    )
    tools = dcc.RadioItems(
        id="edit-tool",
        options=[{"label": t, "value": t} for t in ("select", "move", "insert", "delete")],
        value="select",
        inline=True,
    )

    def button(label, id_, title):
        return html.Button(label, id=id_, title=title)

    return html.Details(
        [
            html.Summary("Tracing"),
            mode,
            settings,
            filtering,
            html.Div(
                [
                    button("Keep (Y)", "trace-keep", "Save the candidate path (Y)"),
                    button("Junk (N)", "trace-junk", "Drop the candidate path (N)"),
                    button("Finish (F)", "trace-finish", "End the path being traced (F)"),
                    button("Fork", "trace-fork", "Branch from the picked node (or Alt-click a node)"),
                ],
                className="snt-row",
            ),
            html.Div([html.Span("edit ", className="snt-hint"), tools], className="snt-row"),
            html.Div(
                [
                    button("Undo", "trace-undo", "Undo your last change (Ctrl+Z)"),
                    button("Redo", "trace-redo", "Redo what you undid (Ctrl+Shift+Z)"),
                ],
                className="snt-row",
            ),
            # The last message stays readable (dimmed) while the next action runs.
            dcc.Loading(html.Div(id="trace-message", className="snt-message", role="status"), type="dot",
                        overlay_style={"visibility": "visible", "opacity": 0.5}),
            dcc.Store(id="trace", data=IDLE),
            dcc.Store(id="trace-click"),
        ],
        open=True,
        className="snt-panel",
    )


@dataclass
class Outcome:
    """What an action changes on the page."""

    trace: dict | object = no_update
    meta: dict | object = no_update
    message: str = ""
    ok: bool = True
    mode: str | object = no_update


class Session:
    """One action's view of the page: the project, the user's settings and the tracing state."""

    def __init__(self, meta, trace, settings, cursor, display, selected):
        self.meta = meta
        self.pid = meta["id"]
        self.store = readable_store(self.pid)
        self.state = dict(IDLE, **(trace or {}))
        self.settings = settings
        self.cursor = cursor or {}
        self.display = display or {}
        self.selected = [row["id"] for row in selected or ()]
        self.spacing = np.asarray(meta["spacing"], dtype=float) if meta.get("shape") else None

    @property
    def channel(self) -> int:
        return int(self.display.get("c") or 0)

    @property
    def frame(self) -> int:
        return int(self.display.get("t") or 0)

    def tree(self):
        return self.store.reconstruction(self.pid)

    def edit(self, op: str, **params) -> int | None:
        """Run a tree edit as the current user from the page's version; the new path's id, if any."""
        record, new_id = edit_tree(self.store, self.pid, current_user(), op, params, self.meta["version"])
        self.meta = project_meta(self.store, self.pid)
        return new_id

    def clicked_voxel(self, click) -> tuple[int, int, int]:
        """Voxel (z, y, x) of a click: in-plane axes from the click, the other from the slice shown."""
        h, v, normal = AXES[click["plane"]]
        zyx = physical_to_voxel([{h: click["h"], v: click["v"]}.get(axis, 0.0) for axis in "xyz"], self.spacing)
        zyx[_INDEX[normal]] = self.cursor.get(normal, 0)
        return tuple(int(i) for i in np.clip(zyx, 0, np.asarray(self.meta["shape"]) - 1))

    def to_xyz(self, zyx) -> list[float]:
        return [round(float(v), 4) for v in voxel_to_physical(zyx, self.spacing)]

    def to_voxel(self, xyz) -> tuple[int, int, int]:
        return tuple(int(i) for i in physical_to_voxel(xyz, self.spacing))


def _node(tree, path_id: int, index: int) -> dict:
    return {"path": path_id, "index": index,
            "xyz": [round(float(v), 4) for v in tree.path(path_id).points[index]]}


def on_click(s: Session, click, mode: str, tool: str) -> Outcome:
    if not s.meta.get("shape"):
        return Outcome(message="Open an image to trace on.", ok=False)
    zyx = s.clicked_voxel(click)
    xyz = s.to_xyz(zyx)
    if click.get("alt"):
        return start_fork(s, _pick(s, click, xyz, ()))
    if mode == "trace":
        return trace_to(s, zyx)
    if mode == "edit":
        return EDIT_TOOLS[tool](s, click, xyz)
    return Outcome()


def _pick(s: Session, click, xyz, path_ids):
    h, v, _ = AXES[click["plane"]]
    tolerance = PICK_VOXELS * max(s.spacing[_INDEX[h]], s.spacing[_INDEX[v]])
    tree = s.tree()
    found = pick_node(tree, xyz, (_XYZ[h], _XYZ[v]), tolerance, path_ids=path_ids or None)
    return None if found is None else _node(tree, *found)


def start_fork(s: Session, node) -> Outcome:
    if node is None:
        return Outcome(message="Alt-click on a node of a path (or pick one in Edit mode) to branch from it.",
                       ok=False)
    state = dict(IDLE, fork=node, anchor=node["xyz"])
    return Outcome(trace=state, mode="trace",
                   message=f"Branching from path {node['path']} at node {node['index']}: click where the branch "
                           "goes.")


def trace_to(s: Session, zyx) -> Outcome:
    if s.state["candidate"]:
        return Outcome(message="Keep (Y) or junk (N) the candidate first.", ok=False)
    image = s.store.image(s.pid)
    if "on" in s.settings["snap"]:
        zyx = snap_to_brightest(image.volume(s.channel, s.frame), zyx)
    if s.state["anchor"] is None:
        xyz = s.to_xyz(zyx)
        return Outcome(trace=dict(s.state, anchor=xyz),
                       message=f"Start at ({xyz[0]:.2f}, {xyz[1]:.2f}, {xyz[2]:.2f}) {s.meta['units']}: "
                               "click where the path goes.")
    if tuple(zyx) == s.to_voxel(s.state["anchor"]):
        return Outcome(message="That is where the path is: click farther along the neurite.", ok=False)
    name, scales = s.settings["layer"], s.settings["scales"]
    where = {"channel": s.channel, "frame": s.frame, "scales": scales}
    if not layer_ready(s.store, s.pid, name, **where) and image.volume(s.channel, s.frame).size > SYNC_LAYER_VOXELS:
        return Outcome(message=f"The {name} layer of this image is not computed yet: press Compute layer (it runs "
                               "as a job, see Jobs), or trace on raw meanwhile.", ok=False)
    slots = current_app.config[SEARCH_SLOTS]
    if not slots.acquire(blocking=False):
        return Outcome(message="The server is busy with other searches: click again in a moment.", ok=False)
    try:
        layer = project_layer(s.store, s.pid, name, **where)
        result = trace_path(layer, s.to_voxel(s.state["anchor"]), zyx, spacing=image.spacing,
                            cost=s.settings["cost"], max_visited=trace_max_voxels(),
                            max_seconds=trace_max_seconds())
    finally:
        slots.release()
    points = np.round(voxel_to_physical(result.path_zyx, image.spacing), 4)
    length = float(np.linalg.norm(np.diff(points, axis=0), axis=1).sum())
    return Outcome(trace=dict(s.state, candidate=points.tolist()),
                   message=f"Candidate: {len(points)} nodes, {length:.1f} {s.meta['units']}, found in "
                           f"{1000 * result.search_s:.0f} ms on {s.settings['layer']}. Keep (Y) or junk (N).")


def keep(s: Session) -> Outcome:
    state = s.state
    points = state["candidate"]
    if not points:
        return Outcome(message="Nothing to keep: click a start point, then an end point.", ok=False)
    if state["path"] is not None:
        s.edit("extend_path", path_id=state["path"], points=points[1:])
        path_id = state["path"]
    elif state["fork"]:
        # A branch starts after its fork node, which stays on the parent (SNT's model).
        fork = state["fork"]
        path_id = s.edit("add_path", points=points[1:], parent_id=fork["path"], branch_index=fork["index"],
                         channel=s.channel + 1, frame=s.frame + 1)
    else:
        path_id = s.edit("add_path", points=points, channel=s.channel + 1, frame=s.frame + 1)
    n = len(s.tree().path(path_id))
    return Outcome(trace=dict(IDLE, anchor=points[-1], path=path_id), meta=s.meta,
                   message=f"Kept: path {path_id} has {n} nodes. Click the next point, or Finish (F).")


def junk(s: Session) -> Outcome:
    if s.state["candidate"]:
        return Outcome(trace=dict(s.state, candidate=None), message="Junked the candidate.")
    if s.state["path"] is None and (s.state["anchor"] or s.state["fork"]):
        return Outcome(trace=IDLE, message="Cleared the start point.")
    return Outcome(message="No candidate to junk.")


def finish(s: Session) -> Outcome:
    path_id = s.state["path"]
    message = "Nothing in progress." if path_id is None else f"Finished path {path_id}."
    if s.state["candidate"]:
        message += " The unkept candidate was dropped."
    return Outcome(trace=IDLE, message=message)


def fork(s: Session) -> Outcome:
    return start_fork(s, s.state["node"])


def undo_redo(s: Session, command, verb: str) -> Outcome:
    apply(s.store, s.pid, current_user(), command, s.meta["version"])
    # Whatever was in progress may refer to what was just undone.
    return Outcome(trace=IDLE, meta=project_meta(s.store, s.pid),
                   message=f"{verb} {s.store.history(s.pid, 1)[0].summary.split(': ', 1)[-1]}")


# --- Edit mode tools: (session, click, physical xyz) -> Outcome ---------------
def tool_select(s: Session, click, xyz) -> Outcome:
    node = _pick(s, click, xyz, tuple(s.selected))
    if node is None:
        return Outcome(trace=dict(s.state, node=None), message="No node there.", ok=False)
    return Outcome(trace=dict(s.state, node=node),
                   message=f"Picked node {node['index']} of path {node['path']}.")


def tool_move(s: Session, click, xyz) -> Outcome:
    node = s.state["node"]
    if node is None:
        picked = tool_select(s, click, xyz)
        if picked.ok:
            picked.message += " Click where it goes."
        return picked
    s.edit("move_node", path_id=node["path"], index=node["index"], xyz=xyz)
    return Outcome(trace=dict(s.state, node=None), meta=s.meta,
                   message=f"Moved node {node['index']} of path {node['path']}.")


def tool_insert(s: Session, click, xyz) -> Outcome:
    node = s.state["node"]
    path_id = node["path"] if node else (s.selected[0] if s.selected else None)
    if path_id is None:
        near = _pick(s, click, xyz, ())
        path_id = near["path"] if near else None
    if path_id is None:
        return Outcome(message="Select a path (or pick one of its nodes) to insert into.", ok=False)
    index = nearest_segment(s.tree(), path_id, xyz)
    s.edit("insert_node", path_id=path_id, index=index, xyz=xyz)
    return Outcome(trace=dict(s.state, node=None), meta=s.meta, message=f"Inserted node {index} into path {path_id}.")


def tool_delete(s: Session, click, xyz) -> Outcome:
    node = _pick(s, click, xyz, tuple(s.selected))
    if node is None:
        return Outcome(message="No node there.", ok=False)
    s.edit("delete_node", path_id=node["path"], index=node["index"])
    return Outcome(trace=dict(s.state, node=None), meta=s.meta,
                   message=f"Deleted node {node['index']} of path {node['path']}.")


EDIT_TOOLS = {"select": tool_select, "move": tool_move, "insert": tool_insert, "delete": tool_delete}


def register(app) -> None:
    # The searches this process runs at once (each app is one process's).
    app.server.config[SEARCH_SLOTS] = threading.BoundedSemaphore(trace_concurrency())
    buttons = {
        "trace-keep": keep,
        "trace-junk": junk,
        "trace-finish": finish,
        "trace-fork": fork,
        "trace-undo": lambda s: undo_redo(s, Undo(), "Undid"),
        "trace-redo": lambda s: undo_redo(s, Redo(), "Redid"),
    }

    @app.callback(
        Output("trace", "data"),
        Output("project", "data", allow_duplicate=True),
        Output("trace-message", "children"),
        Output("trace-message", "className"),
        Output("trace-mode", "value"),
        Input("trace-click", "data"),
        *(Input(b, "n_clicks") for b in buttons),
        State("trace", "data"),
        State("trace-mode", "value"),
        State("edit-tool", "value"),
        State("trace-layer", "value"),
        State("trace-cost", "value"),
        State("trace-snap", "value"),
        State("trace-scales", "value"),
        State("cursor", "data"),
        State("display", "data"),
        State("project", "data"),
        State("path-table", "selectedRows"),
        prevent_initial_call=True,
    )
    def _act(click, *args):
        trace, mode, tool, layer, cost, snap, scales, cursor, display, meta, selected = args[len(buttons):]
        if not meta or ctx.triggered_id == "trace-click" and not click:
            return no_update, no_update, "", "snt-message", no_update
        try:
            settings = {"layer": layer, "cost": cost, "snap": snap or [], "scales": parse_scales(scales)}
            s = Session(meta, trace, settings, cursor, display, selected)
            if ctx.triggered_id == "trace-click":
                out = on_click(s, click, mode, tool)
            else:
                out = buttons[ctx.triggered_id](s)
        except PermissionDenied as err:
            out = Outcome(trace=IDLE, message=f"Not allowed: {err}.", ok=False)
        except StaleVersionError as err:
            out = Outcome(trace=IDLE, meta=project_meta(s.store, s.pid), ok=False,
                          message=f"{err}. Reloaded the current version.")
        except (StoreError, ValueError) as err:
            out = Outcome(message=f"{err}.", ok=False)
        return out.trace, out.meta, *(ok if out.ok else error)(out.message), out.mode

    @app.callback(
        Output("trace-cost", "value"),
        Input("trace-layer", "value"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _default_cost(layer, meta):
        """The chosen layer's default cost: SNT's probability cost on a probability map."""
        if not meta or not layer:
            return no_update
        try:
            return default_cost(layer_values(readable_store(meta["id"]), meta["id"], layer))
        except StoreError:  # a map deleted meanwhile
            return no_update

    @app.callback(
        Output("trace-message", "children", allow_duplicate=True),
        Output("trace-message", "className", allow_duplicate=True),
        Output("jobs-submitted", "data", allow_duplicate=True),
        Input("trace-compute", "n_clicks"),
        State("trace-layer", "value"),
        State("trace-scales", "value"),
        State("display", "data"),
        State("project", "data"),
        State("jobs-submitted", "data"),
        prevent_initial_call=True,
    )
    def _compute(_n, layer, scales, display, meta, submitted):
        """Compute the chosen layer for the whole image as a job; the Jobs panel shows its progress."""
        if layer not in FILTERED_LAYERS:
            return *error("Only filtered layers are computed: the image and probability maps are ready as they "
                          "are."), no_update
        display = display or {}
        try:
            params = {"layer": layer, "scales": parse_scales(scales), "channel": int(display.get("c") or 0),
                      "frame": int(display.get("t") or 0)}
            submit_job(meta["id"], "filter-layer", params)
        except PermissionDenied as err:
            return *not_allowed(err), no_update
        except ValueError as err:
            return *error(f"{err}."), no_update
        return (*ok(f"Computing the {layer} layer as a job: see Jobs."), (submitted or 0) + 1)

    @app.callback(
        Output("trace-layer", "options"),
        Output("seeds-layer", "options"),
        Input("project", "data"),
        Input("jobs-finished", "data"),
        Input("trace-scales", "value"),
        Input("display", "data"),
    )
    def _layer_options(meta, _finished, scales, display):
        """The layers, filtered ones marked when computed (e.g. by a job), then each probability-map class.

        The Seeds panel's autotracer offers the same layers.
        """
        if not meta or not meta.get("shape"):
            return ["raw", *FILTERED_LAYERS], ["raw", *FILTERED_LAYERS]
        store = readable_store(meta["id"])
        display = display or {}
        try:
            where = {"channel": int(display.get("c") or 0), "frame": int(display.get("t") or 0),
                     "scales": parse_scales(scales)}
        except ValueError:
            return no_update, no_update
        filtered = [
            {"label": f"{name} (ready)" if layer_ready(store, meta["id"], name, **where) else name, "value": name}
            for name in FILTERED_LAYERS
        ]
        probability = [{"label": f"map: {o['label']}", "value": f"{MAP_PREFIX}{o['value']}"}
                       for o in map_options(store, meta["id"])]
        options = ["raw"] + filtered + probability
        return options, options
