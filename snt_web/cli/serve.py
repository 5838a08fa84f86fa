"""``snt-web serve | worker``: the app with its job workers, and job workers alone."""

from __future__ import annotations

import logging
import os

from ..jobs import BACKENDS, configured_backend, run_workers, start_workers, stop_workers
from ..jobs.worker import LOG_FORMAT, supervise_in_background
from ..limits import SERVE_OPTIONS, current_limits
from .arguments import DEFAULT_DATA_DIR, CLIError, at_least, existing_file, open_store, positive_number


def _set_limits(args) -> None:
    """Limits given as options become the environment of the server and of the workers it starts."""
    for option, (variable, _, _, _) in SERVE_OPTIONS.items():
        value = getattr(args, option.lstrip("-").replace("-", "_"))
        if value is not None:
            os.environ[variable] = str(value)


def cmd_serve(args) -> int:
    from ..auth.modes import auth_mode_for
    from ..store import Accounts, open_startup_project
    from ..web.app import create_app
    from ..web.auth import AuthConfig
    from ..web.proxies import TrustedProxies

    _set_limits(args)

    if args.image is not None:
        existing_file(args.image)
    store = open_store(args)
    try:
        mode = auth_mode_for(args.host, Accounts(store).has_users(), args.demo_readonly)
        proxies = TrustedProxies.from_env()
    except ValueError as err:  # AuthConfigError included
        raise CLIError(str(err)) from None
    project_id = open_startup_project(store, args.image)
    auth = AuthConfig(mode=mode, secure_cookies=args.secure_cookies, trusted_proxies=proxies)
    app = create_app(store, project_id, auth=auth)
    workers, jobs = _start_job_workers(args, store)
    # A worker that dies (killed, out of memory) is replaced: the server keeps --workers of them.
    supervisor = supervise_in_background(workers, store.data_dir, store.database_url)
    print(f"SNT Web: http://{args.host}:{args.port}  ({mode}; data in {store.data_dir}; {jobs})", flush=True)
    try:
        app.run(host=args.host, port=args.port, debug=False)
    finally:
        supervisor.set()
        stop_workers(workers)
    return 0


def _start_job_workers(args, store):
    """Disk-backend job workers beside the app: ``(processes, a phrase for the startup line)``."""
    if _jobs_backend() == "celery":
        return [], "jobs: celery, start workers with snt-web worker --backend celery"
    if args.workers == 0:
        return [], "no job workers, start them with snt-web worker"
    workers = start_workers(args.workers, store.data_dir, store.database_url)
    return workers, f"{args.workers} job worker{'s' if args.workers > 1 else ''}"


def _jobs_backend(name: str | None = None) -> str:
    try:
        return configured_backend(name)
    except ValueError as err:
        raise CLIError(f"SNT_WEB_JOBS: {err}") from None


def cmd_worker(args) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    current_limits()  # a limit set to nonsense stops the worker now, in one line
    store = open_store(args)
    backend = _jobs_backend(args.backend)
    print(f"SNT Web worker: {backend} backend, {args.concurrency} at a time; data in {store.data_dir}", flush=True)
    try:
        return run_workers(store.data_dir, store.database_url, backend, concurrency=args.concurrency)
    except KeyboardInterrupt:
        return 130


def add_commands(sub) -> None:
    """``serve`` and ``worker`` on the subparsers ``sub``."""
    serve = sub.add_parser("serve", help="serve the app (the demo dataset when no IMAGE is given)")
    serve.add_argument("image", nargs="?", help="a TIFF image to open")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8050)
    serve.add_argument("--data-dir", default=DEFAULT_DATA_DIR, help="where projects live (default ~/.snt-web)")
    serve.add_argument("--demo-readonly", action="store_true",
                       help="a public read-only demo: anonymous visitors may look, nobody may write")
    serve.add_argument("--secure-cookies", action="store_true", help="send cookies over HTTPS only")
    serve.add_argument("--workers", type=at_least(0), default=1,
                       help="job worker processes to start beside the app (default 1; 0: none, run "
                            "snt-web worker instead); the celery backend starts none")
    for option, (variable, kind, what, _) in SERVE_OPTIONS.items():
        serve.add_argument(option, type=positive_number(kind), metavar="N", help=f"{what} (sets ${variable})")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run jobs (filtering, export) in the foreground")
    worker.add_argument("--backend", choices=BACKENDS,
                        help="disk: the jobs in DATA_DIR/jobs (default, or $SNT_WEB_JOBS); "
                             "celery: Celery on Redis ($SNT_WEB_REDIS_URL), on any number of machines")
    worker.add_argument("--data-dir", default=DEFAULT_DATA_DIR,
                        help="where projects live (default ~/.snt-web; SNT_WEB_DATABASE_URL names another database)")
    worker.add_argument("--concurrency", type=at_least(1), default=1, help="jobs run at once (default 1)")
    worker.set_defaults(func=cmd_worker)
