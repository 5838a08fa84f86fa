"""Jobs panel: the project's long-running jobs, live, with progress, elapsed time, errors and cancel.

Jobs run in worker processes (:mod:`snt_web.jobs`); the page only reads their
records. It polls every second while a job of the project is queued or
running, and not at all otherwise. When a job finishes, ``jobs-finished``
counts up, so panels that started one (the tracing panel's layers) refresh.
When no worker has said it is alive lately, the panel says so: queued jobs
would wait for ever.
"""

from __future__ import annotations

import time

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from flask import current_app

from ...auth.roles import PermissionDenied, allows
from ...jobs import JobError, JobQueue, JobRecord
from ...jobs.params import image_facts
from ..auth import current_user, require
from ..state import get_store
from .messages import error, not_allowed, ok

POLL_MS = 1000
#: Jobs listed; older ones stay readable through the API.
SHOWN = 20
NO_WORKER = ("No job worker is running: queued jobs wait until one starts (snt-web serve starts them; "
             "or run snt-web worker).")


def get_queue() -> JobQueue:
    """The job queue of the app serving this request."""
    return current_app.config["SNT_WEB_JOBS"]


def submit_job(project_id: str, kind: str, params: dict) -> JobRecord:
    """Queue a task for a project as the current user; the queue checks that they may edit it.

    Raises
    ------
    PermissionDenied
    ParameterError
        A parameter's value is refused (a ValueError naming it).
    QueueFullError
        The user has as many jobs waiting as one may.
    """
    image = image_facts(get_store().image(project_id))
    return get_queue().submit(kind, project_id, current_user(), params, image=image)


def layout():
    return html.Details(
        [
            html.Summary(["Jobs ", html.Span(id="jobs-summary", className="snt-hint")]),
            html.Div(id="jobs-list", className="snt-jobs"),
            html.Div(id="jobs-message", className="snt-message", role="status"),
            dcc.Interval(id="jobs-poll", interval=POLL_MS, disabled=True),
            # Bumped by a panel that submitted a job: start polling now.
            dcc.Store(id="jobs-submitted", data=0),
            dcc.Store(id="jobs-finished", data={"count": 0, "active": []}),
        ],
        open=True,
        className="snt-panel",
    )


def _elapsed(job: JobRecord, now: float) -> str:
    if job.started is None:
        return "waiting"
    seconds = (job.finished or now) - job.started
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


def describe_params(params: dict) -> str:
    """A job's parameters in a few words: lists longer than three values are counted, not listed."""
    words = []
    for key, value in params.items():
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value) if len(value) <= 3 \
                else f"{len(value)} values"
        words.append(f"{key} {value}")
    return "; ".join(words)


def job_row(job: JobRecord, now: float, may_cancel: bool) -> html.Div:
    """One job: kind and who, state, a progress bar, elapsed time, message or error, cancel."""
    active = not job.is_finished
    text = job.error if job.state == "failed" else job.message
    return html.Div(
        [
            html.Div(
                [
                    html.B(job.kind),
                    html.Span(describe_params(job.params), className="snt-job-params"),
                    html.Span(job.user or "", className="snt-hint"),
                    html.Span(job.state, className=f"snt-job-state snt-job-{job.state}"),
                    html.Span(_elapsed(job, now), className="snt-hint"),
                    html.Button("Cancel", id={"type": "job-cancel", "job": job.id}, className="snt-small",
                                disabled=not (active and may_cancel and not job.cancel_requested)),
                ],
                className="snt-row",
            ),
            html.Progress(value=f"{job.progress:.0f}", max="100", className="snt-progress",
                          title=f"{job.progress:.0f}%"),
            html.Div(text or "", className="snt-hint" if job.state != "failed" else "snt-error"),
        ],
        className="snt-job",
        id={"type": "job-row", "job": job.id},
        **{"data-state": job.state, "data-progress": f"{job.progress:.1f}"},
    )


def register(app) -> None:
    @app.callback(
        Output("jobs-list", "children"),
        Output("jobs-summary", "children"),
        Output("jobs-poll", "disabled"),
        Output("jobs-finished", "data"),
        Input("jobs-poll", "n_intervals"),
        Input("jobs-submitted", "data"),
        Input("project", "data"),
        State("jobs-finished", "data"),
    )
    def _list(_n, _submitted, meta, finished):
        if not meta:
            return [], "", True, no_update
        role = require(meta["id"], "view")
        jobs = get_queue().list(meta["id"], SHOWN)
        user = current_user()
        now = time.time()
        rows = [job_row(j, now, user == j.user and allows(role, "edit") or allows(role, "manage")) for j in jobs]
        active = [j.id for j in jobs if not j.is_finished]
        finished = finished or {"count": 0, "active": []}
        # A job that was active on the last poll and is not now has finished.
        done = [i for i in finished["active"] if i not in active]
        state = {"count": finished["count"] + len(done), "active": active}
        summary = f"{len(active)} running" if active else (f"{len(jobs)} recent" if jobs else "none")
        shown = rows or [html.Span("No jobs yet.", className="snt-hint")]
        if not get_queue().live_workers():
            shown = [html.Div(NO_WORKER, id="jobs-no-worker", className="snt-message snt-error"), *shown]
        return shown, summary, not active, state

    @app.callback(
        Output("jobs-submitted", "data", allow_duplicate=True),
        Output("jobs-message", "children"),
        Output("jobs-message", "className"),
        Input({"type": "job-cancel", "job": ALL}, "n_clicks"),
        State("project", "data"),
        State("jobs-submitted", "data"),
        prevent_initial_call=True,
    )
    def _cancel(clicks, meta, submitted):
        if not any(clicks):
            return no_update, no_update, no_update
        job_id = ctx.triggered_id["job"]
        queue = get_queue()
        try:
            job = queue.get(job_id)
            if job.project_id != meta["id"]:
                raise JobError(f"job {job_id} is not one of this project's")
            role = require(job.project_id, "view")
            user = current_user()
            if not (user == job.user and allows(role, "edit") or allows(role, "manage")):
                raise PermissionDenied(user, "cancel this job", job.project_id, role)
            queue.cancel(job_id, user)
        except PermissionDenied as err:
            return no_update, *not_allowed(err)
        except JobError as err:
            return no_update, *error(f"{err}.")
        return (submitted or 0) + 1, *ok(f"Cancelling {job.kind}.")
