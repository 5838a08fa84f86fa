"""The Dash app: composes the views and panels over one project store.

Units (views and panels) own their components and callbacks; this module only
places them and shares the three page-level stores:

- ``project``: ids, versions and image geometry (:func:`state.project_meta`);
- ``cursor``: the voxel ``{z, y, x}`` the orthogonal views cross at;
- ``display``: channel, frame and contrast window of the slices;
- ``path-lines``: the reconstruction as every view draws it
  (:func:`views.path_lines.line_groups`).

The tracing panel adds ``trace``, the path being traced (see
:mod:`.panels.tracing`).
"""

from __future__ import annotations

import threading
from pathlib import Path

import dash
from dash import dcc, html

from ..jobs import JobQueue, open_queue
from ..limits import current_limits, max_upload_bytes
from ..store import ProjectStore
from ..tracing import warm_up
from . import api, callback_guard, routes, sync
from .auth import AuthConfig, install_auth, user_badge
from .bodies import install_body_limits
from .panels import classifier, curation, display, files, history, jobs, maps, paths, seeds, share, tracing
from .state import project_meta
from .views import ortho, view3d

#: Assets live at the repository's top level; the package carries a link to them.
ASSETS = Path(__file__).with_name("assets")

def create_app(
    store: ProjectStore,
    project_id: str,
    *,
    title: str = "SNT Web",
    upload_limit_bytes: int | None = None,
    auth: AuthConfig | None = None,
    jobs_queue: JobQueue | None = None,
) -> dash.Dash:
    """Build the app serving ``project_id`` from ``store``.

    Parameters
    ----------
    store : ProjectStore
        Server-side state; the app keeps no project data of its own.
    project_id : str
        The project the page opens.
    title : str
        Browser tab title.
    upload_limit_bytes : int, optional
        Largest file accepted by upload (the browser refuses bigger ones
        before sending them; the server checks again);
        :func:`~snt_web.limits.max_upload_bytes` by default.
    auth : AuthConfig, optional
        Login mode; single-user (no login, loopback only) by default.
    jobs_queue : JobQueue, optional
        Where long work is queued; by default the queue of the store's data
        directory (backend from ``$SNT_WEB_JOBS``). The app only submits and
        reads jobs: workers run them (``snt-web serve`` starts one).
    """
    current_limits()  # a limit set to nonsense stops the server now, in one sentence, not a request later
    upload_limit_bytes = upload_limit_bytes or max_upload_bytes()
    app = dash.Dash(
        __name__,
        title=title,
        assets_folder=str(ASSETS),
        update_title=None,
        suppress_callback_exceptions=False,
        on_error=callback_guard.on_callback_error,
    )
    server = app.server
    server.config["SNT_WEB_STORE"] = store
    server.config["SNT_WEB_JOBS"] = jobs_queue or open_queue(store.data_dir, store.database_url)
    # Compiling the search takes seconds on a fresh install: do it now, not on
    # the first click.
    threading.Thread(target=warm_up, name="snt-web-warm-up", daemon=True).start()
    install_auth(server, store, auth or AuthConfig(), dash_app=app)
    install_body_limits(server, upload_limit_bytes)
    server.register_blueprint(routes.blueprint)
    server.register_blueprint(api.blueprint)
    callback_guard.install_callback_guard(server)

    views = [ortho.OrthoView(plane) for plane in ("xy", "zy", "xz")]
    view_3d = view3d.View3D()

    def layout():
        # A function: every page load reads the project's current state. A
        # share link's query (?project=&x=...) is applied by share.register.
        meta = project_meta(store, project_id)
        return html.Div(
            [
                dcc.Location(id="url", refresh=False),
                dcc.Store(id="project", data=meta),
                dcc.Store(id="cursor"),
                dcc.Store(id="display"),
                dcc.Store(id="share"),
                dcc.Store(id="path-lines"),
                sync.layout(),
                html.Header(
                    [
                        html.H1("SNT Web"),
                        html.Span(meta["name"], id="project-name", className="snt-hint"),
                        share.layout(),
                        user_badge(project_id),
                    ],
                    className="snt-header",
                ),
                html.Main(
                    [
                        html.Div([v.layout() for v in views] + [view_3d.layout()], className="snt-grid"),
                        html.Aside(
                            [files.layout(upload_limit_bytes), display.layout(), maps.layout(upload_limit_bytes),
                             tracing.layout(), classifier.layout(), jobs.layout(), paths.layout(), curation.layout(),
                             seeds.layout(upload_limit_bytes), history.layout()],
                            className="snt-sidebar",
                        ),
                    ],
                    className="snt-main",
                ),
            ],
            className="snt-app",
        )

    app.layout = layout
    sync.register(app)
    share.register(app)
    ortho.register(app, views)
    view3d.register(app)
    display.register(app)
    files.register(app, upload_limit_bytes)
    maps.register(app)
    tracing.register(app)
    classifier.register(app)
    jobs.register(app)
    paths.register(app)
    curation.register(app)
    seeds.register(app)
    history.register(app)
    return app
