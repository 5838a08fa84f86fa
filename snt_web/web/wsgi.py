"""WSGI entry point for gunicorn (``Procfile``): ``snt_web.web.wsgi:server``.

Configured by environment variables, as process managers expect:
``SNT_WEB_DATA_DIR`` (default ``~/.snt-web``) and ``SNT_WEB_IMAGE`` (a TIFF to
open; the demo dataset when unset).
"""

import os

from ..store import ProjectStore, open_startup_project
from .app import create_app

_store = ProjectStore(os.environ.get("SNT_WEB_DATA_DIR", "~/.snt-web"))
app = create_app(_store, open_startup_project(_store, os.environ.get("SNT_WEB_IMAGE") or None))
server = app.server
