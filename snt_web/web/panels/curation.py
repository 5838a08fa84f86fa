"""Curation Assistant panel: plausibility warnings to review, fly to, and decide on.

Warnings live in the store (:mod:`snt_web.store.curation`): a full scan, live
monitoring (the live checks re-run whenever the project's version changes),
DL-QC uploads and seeds sent for review all add to one table. A row click
moves the cursor to the warning (every view follows) and selects its paths
in the path manager (every view highlights them); Next/Previous (or the ``.``
and ``,`` keys) walk the table in its shown order. Going to a row also makes it
the only ticked one, so that what is ticked is always what a decision acts on;
tick more rows (or "Tick all shown") for a bulk decision. Accept / Reject /
Unsure act on the ticked rows, else on the current one: the decision is stored
with the reviewer and time, and the affected paths get ``{cur:accept}``... tags.
"""

from __future__ import annotations

import base64
import time

import dash_ag_grid as dag
import plotly.graph_objects as go
from dash import Input, Output, State, ctx, dcc, html, no_update

from ...auth.roles import PermissionDenied, allows
from ...curation import Severity
from ...curation.dlqc import parse_points
from ...curation.exports import partitions_zip, warnings_csv
from ...curation.presets import settings_from_properties
from ...curation.warnings import severity_counts
from ...io.errors import SNTWebIOError
from ...store import StaleVersionError, StoreError
from ...store.curation import (
    add_warnings,
    list_warnings,
    scan_measurements,
    scan_project,
    set_decision,
    set_project_settings,
    warnings_and_reviews,
)
from ..auth import current_user, project_role
from ..share import cursor_at
from ..state import project_meta, readable_store
from .files import decode_upload
from .jobs import submit_job
from .messages import error, ok
from .paths import GRID_THEME, path_rows

SEVERITIES = [s.name for s in sorted(Severity, reverse=True)]
_COLOURS = {"ERROR": "#5c1f1f", "WARNING": "#5a4a12", "INFO": "#1c3550"}  # SNT: red, yellow, blue
#: Larger reconstructions are scanned by a job (when the user may start one), not in the request.
INLINE_NODES = 20_000
DECISION_BUTTONS = {"curation-accept": "accept", "curation-reject": "reject", "curation-unsure": "unsure",
                    "curation-clear": None}


def table_rows(rows: list[dict]) -> list[dict]:
    """Store rows as the grid shows them (rounded numbers, paths as text)."""
    def rounded(v, digits=3):
        return None if v is None else round(v, digits)

    return [
        {
            "key": r["key"], "severity": r["severity"], "check": r["check"], "message": r["message"],
            "value": rounded(r["value"]), "threshold": rounded(r["threshold"]),
            "impact": None if r["impact"] is None else round(100 * r["impact"], 1),
            "paths": ";".join(map(str, r["paths"])), "decision": r["decision"] or "",
            "reviewer": r["reviewer"] or "", "source": r["source"],
            "x": r["x"], "y": r["y"], "z": r["z"],
        }
        for r in rows
    ]


def histogram(measured: dict, check: str | None, current: float | None = None) -> go.Figure:
    """The distribution of ``check``'s measure with its threshold(s) as dashed lines."""
    figure = go.Figure(layout={
        "template": "plotly_dark", "height": 170, "margin": {"l": 36, "r": 8, "t": 24, "b": 28},
        "paper_bgcolor": "#1b1b1b", "plot_bgcolor": "#1b1b1b", "showlegend": False,
        "title": {"text": check or "pick a warning or a check", "font": {"size": 12}},
    })
    data = (measured or {}).get(check) if check else None
    if not data:
        return figure
    figure.add_trace(go.Histogram(x=data["values"], nbinsx=30, marker_color="#7c9cff", name=check))
    for t in data["thresholds"]:
        figure.add_vline(x=t, line_dash="dash", line_color="#ff8a80")
    if current is not None:
        figure.add_vline(x=current, line_color="#ffd54f")
    return figure


def layout():
    columns = [
        {"field": "severity", "width": 95,
         "cellStyle": {"styleConditions": [{"condition": f"params.value === '{k}'", "style": {"backgroundColor": c}}
                                           for k, c in _COLOURS.items()]}},
        {"field": "decision", "width": 85},
        {"field": "check", "width": 140, "tooltipField": "check"},
        {"field": "message", "flex": 1, "minWidth": 180, "tooltipField": "message"},
        {"field": "value", "width": 80, "filter": "agNumberColumnFilter"},
        {"field": "threshold", "width": 85},
        {"field": "impact", "headerName": "impact %", "width": 85, "filter": "agNumberColumnFilter"},
        {"field": "paths", "width": 70},
        {"field": "reviewer", "width": 85},
        {"field": "source", "width": 70},
    ]
    return html.Details(
        [
            html.Summary(["Curation Assistant ", html.Span(id="curation-summary", className="snt-hint")]),
            html.Div(
                [
                    html.Button("Run full scan", id="curation-scan", title="Every enabled check over every path"),
                    html.Span(dcc.Checklist(id="curation-live", options=[{"label": "live monitoring", "value": "on"}],
                                            value=[], inline=True),
                              title="Re-run the live checks after every change to the reconstruction"),
                ],
                className="snt-row",
            ),
            html.Div(
                [
                    dcc.Checklist(id="curation-severity", options=SEVERITIES, value=list(SEVERITIES), inline=True),
                    dcc.Dropdown(id="curation-check", options=[], multi=True, placeholder="all checks"),
                ],
                className="snt-row",
            ),
            dag.AgGrid(
                id="warnings-table",
                columnDefs=columns,
                rowData=[],
                getRowId="params.data.key",
                defaultColDef={"sortable": True, "resizable": True, "minWidth": 50},
                dashGridOptions={"rowSelection": {"mode": "multiRow", "enableClickSelection": False},
                                 "animateRows": False, "theme": {"function": GRID_THEME}},
                style={"height": "260px"},
            ),
            html.Div(
                [
                    html.Button("◀ Previous", id="curation-prev", title="Previous warning (,)"),
                    html.Button("Next ▶", id="curation-next", title="Next warning (.)"),
                    html.Button("Accept", id="curation-accept", title="Tag the affected paths {cur:accept}"),
                    html.Button("Reject", id="curation-reject", title="Tag the affected paths {cur:reject}"),
                    html.Button("Unsure", id="curation-unsure", title="Tag the affected paths {cur:unsure}"),
                    html.Button("Clear", id="curation-clear", title="Forget the decision and the review tags"),
                ],
                className="snt-row",
            ),
            html.Div(
                [
                    html.Button("Tick all shown", id="curation-tick-all", title="Select every row the filters show"),
                    html.Button("Reviewed CSV", id="curation-export", title="The reviewed warnings: training data"),
                    html.Button("Paths by review (.zip)", id="curation-export-paths",
                                title="SWC files of the accepted, rejected, unsure and unreviewed paths"),
                    dcc.Download(id="curation-download"),
                ],
                className="snt-row",
            ),
            dcc.Upload(id="curation-preset-upload",
                       children=html.Div(["Thresholds: drop or ", html.A("choose"), " a .curation preset"]),
                       className="snt-upload", max_size=2**20),
            dcc.Upload(id="curation-dlqc-upload",
                       children=html.Div(["Drop or ", html.A("choose"), " DL-QC points (.csv or .json)"]),
                       className="snt-upload", max_size=16 * 2**20),
            dcc.Graph(id="curation-histogram", figure=histogram({}, None), config={"displayModeBar": False}),
            html.Div(id="curation-message", className="snt-message", role="status"),
            dcc.Store(id="curation-refresh"),
            dcc.Store(id="curation-current"),
            dcc.Store(id="curation-live-version"),
        ],
        open=False,
        className="snt-panel",
    )


def _refresh_output() -> Output:
    """Bumped after a write, so that the table and the histogram read the store again."""
    return Output("curation-refresh", "data", allow_duplicate=True)


def _action(app, *dependencies, refresh: bool = True):
    """``app.callback`` for a user action, never run on page load.

    Its first outputs are the refresh store (with ``refresh``) and the
    panel's status line (text, class: see :func:`_ok`, :func:`_error`); the
    further outputs, inputs and states of ``dependencies`` follow.
    """
    said = [Output("curation-message", "children", allow_duplicate=True),
            Output("curation-message", "className", allow_duplicate=True)]
    return app.callback(*([_refresh_output()] if refresh else []), *said, *dependencies, prevent_initial_call=True)


def _counts(warnings) -> str:
    return ", ".join(f"{n} {name}" for name, n in severity_counts(warnings).items()) or "nothing"


def register(app) -> None:
    _register_table(app)
    _register_writes(app)
    _register_navigation(app)


def _register_table(app) -> None:
    @app.callback(
        Output("warnings-table", "rowData"),
        Output("curation-check", "options"),
        Output("curation-summary", "children"),
        Input("project", "data"),
        Input("curation-refresh", "data"),
        Input("curation-severity", "value"),
        Input("curation-check", "value"),
        Input("jobs-finished", "data"),
    )
    def _rows(meta, _refresh, severities, checks, _jobs):
        """The stored warnings the filters let through, most severe first."""
        if not meta:
            return [], [], ""
        # readable_store checked the role as the web layer knows it (a demo's visitors are viewers).
        rows = list_warnings(readable_store(meta["id"]), meta["id"], check_role=False)
        options = sorted({r["check"] for r in rows})
        shown = [r for r in rows if r["severity"] in (severities or ()) and (not checks or r["check"] in checks)]
        decided = sum(1 for r in rows if r["decision"])
        return table_rows(shown), options, f"{len(shown)} of {len(rows)} shown, {decided} reviewed"

    @app.callback(
        Output("curation-histogram", "figure"),
        Input("curation-current", "data"),
        Input("curation-check", "value"),
        Input("curation-refresh", "data"),
        State("project", "data"),
    )
    def _histogram(current, checks, _refresh, meta):
        """The current warning's check, or the one check filtered to; its value marked."""
        if not meta:
            return no_update
        check = (current or {}).get("check") or (checks[0] if checks and len(checks) == 1 else None)
        store = readable_store(meta["id"])
        measured = {**scan_measurements(store, meta["id"], "live").get("measurements", {}),
                    **scan_measurements(store, meta["id"], "scan").get("measurements", {})}
        value = (current or {}).get("value") if (current or {}).get("check") == check else None
        return histogram(measured, check, value)


def _register_writes(app) -> None:
    @_action(app, Output("jobs-submitted", "data", allow_duplicate=True), Input("curation-scan", "n_clicks"),
             State("project", "data"), State("jobs-submitted", "data"))
    def _scan(_clicks, meta, submitted):
        """A scan here and now; a large reconstruction is scanned by a job, where the user may start one."""
        store = readable_store(meta["id"])
        try:
            nodes = store.reconstruction(meta["id"]).n_nodes
            if nodes > INLINE_NODES and allows(project_role(meta["id"]), "edit"):
                submit_job(meta["id"], "curation-scan", {})
                return no_update, *ok(f"Scanning {nodes} nodes as a job: see Jobs."), (submitted or 0) + 1
            result = scan_project(store, meta["id"], current_user())
        except (PermissionDenied, StoreError, ValueError) as err:  # ValueError: the job queue is full
            return no_update, *error(f"Not scanned: {err}."), no_update
        return time.time(), *ok(f"Full scan: {_counts(result.warnings)}."), no_update

    @app.callback(
        _refresh_output(),
        Output("curation-live-version", "data"),
        Input("project", "data"),
        Input("curation-live", "value"),
        State("curation-live-version", "data"),
        prevent_initial_call=True,
    )
    def _live(meta, live, checked_version):
        """With live monitoring on, re-run the live checks once per new version (they take milliseconds)."""
        if not meta or "on" not in (live or []) or checked_version == meta["version"]:
            return no_update, no_update
        try:
            scan_project(readable_store(meta["id"]), meta["id"], current_user(), live_only=True)
        except (PermissionDenied, StoreError):
            return no_update, meta["version"]  # a viewer watches; only reviewers store findings
        return time.time(), meta["version"]

    @_action(app, Output("project", "data", allow_duplicate=True),
             *(Input(button, "n_clicks") for button in DECISION_BUTTONS),
             State("warnings-table", "selectedRows"), State("curation-current", "data"), State("project", "data"))
    def _decide(_a, _r, _u, _c, selected, current, meta):
        """Decide on the ticked rows, else the current one; the affected paths are tagged."""
        keys = [row["key"] for row in selected or ()] or ([current["key"]] if current else [])
        if not keys:
            return no_update, *error("Pick a warning first (click a row or tick some)."), no_update
        decision = DECISION_BUTTONS[ctx.triggered_id]
        store = readable_store(meta["id"])
        try:
            record = set_decision(store, meta["id"], current_user(), keys, decision, base_version=meta["version"])
        except StaleVersionError as err:
            return time.time(), *error(f"{err}. Reloaded."), project_meta(store, meta["id"])
        except (PermissionDenied, StoreError) as err:
            return no_update, *error(f"Not recorded: {err}."), no_update
        what = "cleared" if decision is None else decision
        tagged = " and tagged their paths" if record is not None else ""
        new_meta = project_meta(store, meta["id"]) if record is not None else no_update
        return time.time(), *ok(f"{len(keys)} warning{'s' * (len(keys) > 1)} {what}{tagged}."), new_meta

    @_action(app, Input("curation-dlqc-upload", "contents"), State("curation-dlqc-upload", "filename"),
             State("project", "data"))
    def _dlqc(contents, filename, meta):
        """DL-QC points join the table; bad rows are named and the others imported."""
        store = readable_store(meta["id"])
        try:
            text = decode_upload(contents, filename).decode("utf-8-sig")
            warnings, errors = parse_points(text, store.reconstruction(meta["id"]), source=filename)
            added = add_warnings(store, meta["id"], current_user(), warnings, source="dlqc")
        except UnicodeDecodeError:
            return no_update, *error(f"{filename}: not a text file.")
        except (SNTWebIOError, PermissionDenied, StoreError) as err:
            return no_update, *error(f"Not imported: {err}.")
        said = f"Imported {added} DL-QC points from {filename}."
        if errors:  # shown as an error, so that the skipped rows are not missed
            return time.time(), *error(f"{said} Skipped {len(errors)}: " + "; ".join(map(str, errors[:5])) + ".")
        return time.time(), *ok(said)

    @_action(app, Input("curation-preset-upload", "contents"), State("curation-preset-upload", "filename"),
             State("project", "data"), refresh=False)
    def _preset(contents, filename, meta):
        """A ``.curation`` preset becomes the project's thresholds for the next scans."""
        try:
            settings, comments = settings_from_properties(decode_upload(contents, filename).decode("latin-1"),
                                                          filename)
            set_project_settings(readable_store(meta["id"]), meta["id"], current_user(), settings)
        except (SNTWebIOError, PermissionDenied, StoreError) as err:
            return error(f"Thresholds unchanged: {err}.")
        about = f" ({comments[0]})" if comments else ""
        return ok(f"Thresholds from {filename}{about}: run a full scan to apply them.")

    @app.callback(
        Output("curation-download", "data"),
        Input("curation-export", "n_clicks"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _export(_clicks, meta):
        warnings, reviews = warnings_and_reviews(readable_store(meta["id"]), meta["id"], check_role=False)
        return {"content": warnings_csv(warnings, reviews, reviewed_only=True),
                "filename": f"{meta['id']}-reviewed-warnings.csv", "type": "text/csv"}

    @app.callback(
        Output("curation-download", "data", allow_duplicate=True),
        Input("curation-export-paths", "n_clicks"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _export_paths(_clicks, meta):
        tree = readable_store(meta["id"]).reconstruction(meta["id"])
        data = partitions_zip(tree, "swc", stem=meta["id"])
        return {"content": base64.b64encode(data).decode(), "base64": True,
                "filename": f"{meta['id']}-paths-by-review.zip", "type": "application/zip"}


def _register_navigation(app) -> None:
    @app.callback(
        Output("curation-current", "data"),
        Output("cursor", "data", allow_duplicate=True),
        Output("path-table", "selectedRows", allow_duplicate=True),
        Output("warnings-table", "selectedRows", allow_duplicate=True),
        Output("warnings-table", "scrollTo"),
        Input("warnings-table", "cellClicked"),
        Input("curation-next", "n_clicks"),
        Input("curation-prev", "n_clicks"),
        Input("curation-tick-all", "n_clicks"),
        State("warnings-table", "virtualRowData"),
        State("curation-current", "data"),
        State("project", "data"),
        prevent_initial_call=True,
    )
    def _go(clicked, _next, _prev, _all, shown, current, meta):
        """Fly to a warning: the cursor moves to it, its paths are selected (highlighted in every view).

        The row becomes the only ticked one: ticks left from an earlier row
        would otherwise take the next decision away from the row in view.
        """
        shown = shown or []
        if ctx.triggered_id == "curation-tick-all":
            return no_update, no_update, no_update, shown, no_update
        keys = [r["key"] for r in shown]
        if ctx.triggered_id == "warnings-table":
            if not clicked or str(clicked.get("colId", "")).startswith("ag-Grid"):  # a tick box: selection only
                return (no_update,) * 5
            key = clicked.get("rowId")
        else:
            if not keys:
                return (no_update,) * 5
            at = keys.index(current["key"]) if current and current.get("key") in keys else -1
            step = 1 if ctx.triggered_id == "curation-next" else -1
            key = keys[(at + step) % len(keys)] if at >= 0 else keys[0 if step > 0 else -1]
        row = next((r for r in shown if r["key"] == key), None)
        if row is None:
            return (no_update,) * 5
        tree = readable_store(meta["id"]).reconstruction(meta["id"])
        wanted = {int(p) for p in row["paths"].split(";") if p}
        selected = [r for r in path_rows(tree) if r["id"] in wanted]
        cursor = no_update
        position = (row["x"], row["y"], row["z"])
        if meta.get("shape") and None not in position:
            cursor = cursor_at(position, meta)
        return ({"key": key, "check": row["check"], "value": row["value"]}, cursor, selected, {"ids": [key]},
                {"rowId": key})
