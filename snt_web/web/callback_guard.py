"""Callback requests the server cannot use answer 400 with the reason, not 500.

Dash's renderer posts every callback to ``/_dash-update-component`` as
``{"output", "outputs", "inputs", "state", "changedPropIds"}``, each input a
``{"id", "property", "value"}``. A forged, stale or truncated page can send
anything there. Two checks keep that from surfacing as a server error:

- the envelope, before Dash reads it (:func:`check_envelope`): a JSON
  object naming a callback of this app, with lists of inputs;
- the values, when a callback fails (:func:`on_callback_error`, Dash's
  ``on_error``): each input is checked against what the page may send,
  the prop's type as the component declares it (Dash's own annotations,
  checked by pydantic) and, for the app's own stores, their shape
  (:data:`PAGE_STATE`, strict). A value that does not fit answers 400 naming
  the prop and what is wrong; when all fit, the failure is ours and stays a
  500. Checking only after a failure costs well-formed requests nothing and
  cannot refuse one.

A project the user may not see answers 404, a role that does not allow the
action 403, wherever a callback lets them through.
"""

from __future__ import annotations

import inspect
import sys
import typing
from functools import cache
from typing import Annotated, Literal, Optional

from dash import callback_context
from flask import current_app, jsonify, request
from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import NotRequired, TypedDict

from ..auth.roles import PermissionDenied
from ..ids import check_id
from ..store import ProjectNotFoundError

DISPATCH = "/_dash-update-component"

_Count = Annotated[int, Field(ge=0, lt=2**63)]  # what a database integer holds
_Index = Annotated[int, Field(ge=0, lt=2**31)]


class ProjectState(TypedDict):
    """The ``project`` store (:func:`snt_web.web.state.project_meta`)."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    id: Annotated[str, AfterValidator(lambda v: check_id("project", v))]
    name: str
    version: _Count
    image_revision: _Count
    shape: Optional[Annotated[list[Annotated[int, Field(ge=1, lt=2**31)]], Field(min_length=3, max_length=3)]]
    spacing: NotRequired[Annotated[list[Annotated[float, Field(gt=0, allow_inf_nan=False)]],
                                   Field(min_length=3, max_length=3)]]
    units: NotRequired[str]
    n_channels: NotRequired[Annotated[int, Field(ge=1, lt=2**31)]]
    n_frames: NotRequired[Annotated[int, Field(ge=1, lt=2**31)]]
    dtype: NotRequired[str]
    image_name: NotRequired[Optional[str]]


def _image_facts(meta: dict) -> dict:
    if meta["shape"] is not None:
        missing = [k for k in ("spacing", "units", "n_channels", "n_frames") if k not in meta]
        if missing:
            raise ValueError(f"an image's {', '.join(missing)} missing")
    return meta


class CursorState(TypedDict):
    """The ``cursor`` store: the voxel the views cross at (:func:`snt_web.web.share.cursor_at`)."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    z: _Index
    y: _Index
    x: _Index
    key: NotRequired[str]


class DisplayState(TypedDict):
    """The ``display`` store: channel, frame, contrast window, paths shown (the Display panel)."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    c: _Index
    t: _Index
    lo: Annotated[float, Field(allow_inf_nan=False)]
    hi: Annotated[float, Field(allow_inf_nan=False)]
    paths: NotRequired[bool]


class ShareState(TypedDict, total=False):
    """The ``share`` store: what a share link asked for besides the cursor (:mod:`snt_web.web.panels.share`)."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    zoom: Optional[Annotated[float, Field(allow_inf_nan=False)]]
    path: Optional[int]


class TraceClick(TypedDict):
    """The ``trace-click`` store: a click on a slice, set by ``assets/snt_web.js``."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    plane: Literal["xy", "zy", "xz"]
    h: Annotated[float, Field(allow_inf_nan=False)]
    v: Annotated[float, Field(allow_inf_nan=False)]
    alt: NotRequired[bool]
    at: NotRequired[float]


class TraceState(TypedDict, total=False):
    """The ``trace`` store: the tracing panel's state (:data:`snt_web.web.panels.tracing.IDLE`)."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    anchor: typing.Any
    path: typing.Any
    fork: typing.Any
    candidate: typing.Any
    node: typing.Any


class OverlayLayer(TypedDict):
    """One map layer of the ``overlay`` store (:func:`snt_web.web.panels.maps.shown_layers`)."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    key: Annotated[str, Field(pattern=r"^.+:\d{1,9}$")]  # "<map name>:<class index>"
    cmap: str
    url: NotRequired[str]
    lo: NotRequired[Annotated[float, Field(allow_inf_nan=False)]]
    hi: NotRequired[Annotated[float, Field(allow_inf_nan=False)]]
    opacity: NotRequired[Annotated[float, Field(ge=0, le=1)]]
    label: NotRequired[str]
    opaque: NotRequired[bool]


class JobsFinished(TypedDict):
    """The ``jobs-finished`` store: finished jobs counted, and the ids still running (the Jobs panel)."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    count: _Count
    active: list[str]


class CurrentWarning(TypedDict):
    """The ``curation-current`` store: the warning in view."""

    __pydantic_config__ = ConfigDict(strict=True)  # type: ignore[misc]
    key: str
    check: NotRequired[str]
    value: NotRequired[typing.Any]


class RowsRequest(TypedDict):
    """What AG Grid's infinite row model asks for (the seeds table): a block of rows."""

    startRow: _Index
    endRow: _Index
    sortModel: NotRequired[Optional[list]]


class SeedClicked(TypedDict):
    """A click on a row of the seeds table: its row id is the seed's id."""

    rowId: _Count
    colId: NotRequired[Optional[str]]


#: The shapes of the stores the server (or ``assets/snt_web.js``) writes and the page sends back (None: not
#: yet set; a figure store is a dict, whatever Plotly puts in it), and of the props whose declared type says
#: less than the callbacks need.
PAGE_STATE = {
    ("project", "data"): Annotated[ProjectState, AfterValidator(_image_facts)],  # the layout sets it
    ("cursor", "data"): Optional[CursorState],
    ("display", "data"): Optional[DisplayState],
    ("share", "data"): Optional[ShareState],
    ("trace", "data"): Optional[TraceState],
    ("trace-click", "data"): Optional[TraceClick],
    ("jobs-submitted", "data"): Annotated[int, Field(strict=True, ge=0, lt=2**63)],
    ("jobs-finished", "data"): Optional[JobsFinished],
    ("curation-current", "data"): Optional[CurrentWarning],
    ("maps-loaded", "data"): Optional[Annotated[str, Field(strict=True)]],
    ("seeds-autotrace-job", "data"): Optional[Annotated[str, Field(strict=True),
                                                        AfterValidator(lambda v: check_id("job", v))]],
    ("view-3d-base", "data"): Optional[dict],
    **{(f"view-{plane}-base", "data"): Optional[dict] for plane in ("xy", "zy", "xz")},
    ("display-channel", "value"): Optional[Annotated[int, Field(strict=True, ge=0, lt=2**31)]],
    ("display-frame", "value"): Optional[Annotated[int, Field(strict=True, ge=0, lt=2**31)]],
    ("overlay", "data"): Optional[list[OverlayLayer]],
    ("overlay-map", "value"): Optional[Annotated[str, Field(strict=True)]],  # "<map name>:<class index>"
    ("seeds-table", "getRowsRequest"): Optional[RowsRequest],
    ("seeds-table", "cellClicked"): Optional[SeedClicked],
}


class BadCallbackRequest(Exception):
    """A callback request the server cannot use: ``(status, reason)``, answered as JSON."""


def _error(status: int, message: str):
    return jsonify(error=message), status


# --- the envelope ------------------------------------------------------------------------------
def check_envelope():
    """Before Dash reads a callback request: 400 unless it has the shape Dash's renderer sends."""
    if request.path != DISPATCH or request.method != "POST":
        return None
    body = request.get_json(silent=True)
    callbacks = current_app.config["SNT_WEB_DASH_APP"].callback_map
    if not isinstance(body, dict):
        return _error(400, "a callback request is a JSON object (reload the page)")
    if not isinstance(body.get("output"), str) or "callback" not in callbacks.get(body["output"], {}):
        # Clientside callbacks are in the map too, without a server function.
        return _error(400, f"no server callback for output {str(body.get('output'))[:200]!r} (reload the page)")
    if not isinstance(body.get("changedPropIds", []), list):
        return _error(400, "the callback request's 'changedPropIds' is not a list (reload the page)")
    if not isinstance(body.get("outputs", []), (dict, list)):
        return _error(400, "the callback request's 'outputs' is not an object or a list (reload the page)")
    callback = callbacks[body["output"]]
    for part in ("inputs", "state"):
        sent, declared = body.get(part, []), callback.get(part, [])
        if not isinstance(sent, list) or len(sent) != len(declared):
            return _error(400, f"the callback request's {part!r} is not a list of {len(declared)} (reload the page)")
        for item, expected in zip(sent, declared):
            # An ALL or ALLSMALLER pattern arrives as a list of inputs, anything else as one.
            many = any(f'["{w}"]' in str(expected["id"]) for w in ("ALL", "ALLSMALLER"))
            if not all(_is_input(i) for i in (item if many and isinstance(item, list) else [item])) or \
                    many != isinstance(item, list):
                return _error(400, f"the callback request's {part} for {expected['id']}.{expected['property']} "
                                   "is not what the page sends (reload the page)")
    return None


def _is_input(item) -> bool:
    return isinstance(item, dict) and "id" in item and isinstance(item.get("property"), str)


def _flat(items):
    for item in items:
        # Pattern-matching inputs (ALL) arrive as lists of inputs.
        yield from (item if isinstance(item, list) else [item])


# --- the values --------------------------------------------------------------------------------
def on_callback_error(err: Exception):
    """Dash's ``on_error``: say which input the page sent wrong (400); else let the failure be a 500."""
    if isinstance(err, ProjectNotFoundError):
        raise BadCallbackRequest(404, str(err)) from err
    if isinstance(err, PermissionDenied):
        raise BadCallbackRequest(403, f"not allowed: {err}") from err
    reason = bad_input(callback_context.inputs_list + callback_context.states_list)
    if reason is not None:
        raise BadCallbackRequest(400, reason) from err
    raise err


def bad_input(items) -> str | None:
    """The first input that does not fit its prop's type or its store's shape, as one sentence; None if all fit."""
    for item in _flat(items):
        if not isinstance(item, dict) or isinstance(item.get("id"), dict):
            continue  # generated components (dict ids): no declared prop to check against
        where = f"{item.get('id')}.{item.get('property')}"
        try:
            _adapter(str(item.get("id")), str(item.get("property"))).validate_python(item.get("value"))
        except ValidationError as err:
            first = err.errors()[0]
            at = ".".join(str(p) for p in first["loc"])
            return f"the page sent {where}{'.' + at if at else ''} that the server cannot use: {first['msg']} " \
                   "(reload the page)"
    return None


@cache
def _adapter(component_id: str, prop: str) -> TypeAdapter:
    shape = PAGE_STATE.get((component_id, prop))
    if shape is None:
        component = _components().get(component_id)
        shape = _component_type(component, prop) if component is not None else typing.Any
    return TypeAdapter(shape)


_Scalar = typing.Union[str, float, bool]


def _component_type(component, prop: str):
    """What ``component``'s renderer sends for ``prop``: the declared type, narrowed where the layout says more.

    A ``multi`` dropdown sends a list, a single one a scalar (never None when
    nothing on the page clears it); an ``Input`` of type number a number, any
    other Input text; a value of a fixed list of options is one of them.
    """
    declared = _declared_type(type(component), prop)
    if prop != "value":
        return declared
    kind = type(component).__name__
    options = getattr(component, "options", None)
    allowed = [o["value"] if isinstance(o, dict) else o for o in options or ()]
    one = Literal[tuple(allowed)] if allowed and all(isinstance(v, (str, int, bool)) for v in allowed) else _Scalar
    if kind == "Input":
        number = getattr(component, "type", "text") in ("number", "range")
        return Optional[Annotated[float, Field(allow_inf_nan=False)] if number else str]
    if kind in ("Checklist",) or kind == "Dropdown" and getattr(component, "multi", False):
        return Optional[list[one]]
    uncleared = kind == "RadioItems" or kind == "Dropdown" and getattr(component, "clearable", True) is False
    if uncleared and getattr(component, "value", None) is not None:
        return one  # nothing on the page clears it
    if kind in ("Dropdown", "RadioItems"):
        return Optional[one]
    return declared


@cache
def _components() -> dict:
    """The layout's components by id (the layout of the first app that asked; every app has the same)."""
    dash_app = current_app.config["SNT_WEB_DASH_APP"]
    return components_by_id(dash_app.layout() if callable(dash_app.layout) else dash_app.layout)


def components_by_id(layout) -> dict:
    """Every component of ``layout`` that has a string id, by id."""
    found = {}

    def walk(component):
        if isinstance(getattr(component, "id", None), str):
            found[component.id] = component
        children = getattr(component, "children", None)
        for child in children if isinstance(children, (list, tuple)) else [children]:
            if hasattr(child, "_prop_names"):
                walk(child)

    walk(layout)
    return found


def _declared_type(cls, prop: str):
    """The type a Dash component class declares for ``prop`` (its forward references resolved)."""
    parameter = inspect.signature(cls.__init__).parameters.get(prop)
    if parameter is None or parameter.annotation is inspect.Parameter.empty:
        return typing.Any
    holder = type("Holder", (), {"__annotations__": {prop: parameter.annotation}})
    module = vars(sys.modules[cls.__module__])
    return typing.get_type_hints(holder, globalns=module, localns=dict(vars(cls)), include_extras=True)[prop]


def install_callback_guard(server) -> None:
    """Check callback envelopes first thing (after authentication) and answer guarded failures as JSON."""
    server.before_request(check_envelope)
    server.register_error_handler(BadCallbackRequest, lambda err: _error(*err.args))
