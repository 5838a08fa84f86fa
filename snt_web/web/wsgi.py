"""WSGI entry point for gunicorn (``Procfile``): ``snt_web.web.wsgi:server``.

Configured by environment variables, as process managers expect:

``SNT_WEB_DATA_DIR``
    Where projects live (default ``~/.snt-web``).
``SNT_WEB_IMAGE``
    A TIFF to open; the demo dataset when unset.
``SNT_WEB_DATABASE_URL``
    SQLAlchemy URL of the store's database (default: SQLite in the data directory).
``SNT_WEB_AUTH``
    ``login``, ``single-user`` or ``demo-readonly``. Default: ``login`` when
    accounts exist; with none the server refuses to start unless this names
    ``demo-readonly`` or ``single-user`` (behind a proxy that authenticates).
``SNT_WEB_SECURE_COOKIES``
    ``1`` (default: cookies only over HTTPS) or ``0`` for plain HTTP.
``SNT_WEB_TRUSTED_PROXIES``
    The reverse proxies whose ``X-Forwarded-For`` names the client (login
    throttling): a count, or their addresses; see :mod:`snt_web.web.proxies`.
"""

import os

from ..auth.modes import MODES, AuthConfigError
from ..store import Accounts, ProjectStore, open_startup_project
from .app import create_app
from .auth import AuthConfig
from .proxies import TrustedProxies


def _auth_config(store: ProjectStore) -> AuthConfig:
    mode = os.environ.get("SNT_WEB_AUTH", "").strip()
    if mode and mode not in MODES:
        raise AuthConfigError(f"SNT_WEB_AUTH={mode!r}: choose one of {', '.join(MODES)}")
    if not mode:
        if not Accounts(store).has_users():
            raise AuthConfigError(
                "no accounts: add one with 'snt-web user add NAME', or set SNT_WEB_AUTH=demo-readonly "
                "(or single-user behind an authenticating proxy)"
            )
        mode = "login"
    secure = os.environ.get("SNT_WEB_SECURE_COOKIES", "1").strip() not in ("0", "false", "no")
    # An operator who names single-user mode serves it on purpose, on any host name.
    return AuthConfig(mode=mode, secure_cookies=secure, loopback_only=False, trusted_proxies=TrustedProxies.from_env())


_store = ProjectStore(os.environ.get("SNT_WEB_DATA_DIR", "~/.snt-web"), os.environ.get("SNT_WEB_DATABASE_URL") or None)
app = create_app(
    _store, open_startup_project(_store, os.environ.get("SNT_WEB_IMAGE") or None), auth=_auth_config(_store)
)
server = app.server
