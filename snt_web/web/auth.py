"""Who is asking, and may they: login, sessions, CSRF, throttling, security headers.

Three modes (:class:`AuthConfig`; which one a server must run in: :mod:`snt_web.auth.modes`):

``single-user``
    No login: everyone who reaches the server acts as :data:`~snt_web.store.LOCAL_USER`,
    the owner of every project while no accounts exist. Only chosen for a
    loopback address; requests naming another ``Host`` are refused (DNS rebinding).
``login``
    Accounts exist: a browser logs in at ``/login`` (a signed, HttpOnly session
    cookie naming a server-side session, which logout, a password change and
    removing the user end), a script sends ``Authorization: Bearer <token>``.
    Project roles come from :class:`~snt_web.store.Accounts`.
``demo-readonly``
    A public demo: anonymous visitors are viewers and every write is refused
    by the command layer (it gets no user).

Every state-changing request (POST, PUT, PATCH, DELETE) not authenticated by a
Bearer token must carry the session's CSRF token: Dash's renderer sends the
``_csrf_token`` cookie back as the ``X-CSRFToken`` header on its callback
requests, the login and logout forms carry it as a ``csrf_token`` field.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from dash import html
from flask import current_app, g, has_request_context, jsonify, redirect, request, session
from markupsafe import escape

from ..auth.modes import MODES, AuthConfigError, is_loopback
from ..auth.roles import PermissionDenied, allows
from ..store import LOCAL_USER, Accounts
from .proxies import TrustedProxies

CSRF_COOKIE = "_csrf_token"  # what Dash's renderer reads (dash.Dash(csrf_token_name=...))
CSRF_HEADER = "X-CSRFToken"  # what it sends (dash.Dash(csrf_header_name=...))
CSRF_FIELD = "csrf_token"
LOGIN_WINDOW_S = 300
#: Attempts allowed per window for one user from one address (the client's, behind trusted proxies) ...
LOGIN_MAX_FAILURES = 5
#: ... and for one user from everywhere: guessing from many addresses, while one address alone cannot lock a
#: user out for everyone else.
LOGIN_MAX_FAILURES_USER = 20
_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Paths answered 401 JSON (not a redirect) when nobody is logged in.
_API_PREFIXES = ("/api/", "/_dash-", "/slice/", "/map/")
#: Paths anyone may fetch: the login page itself and what it needs, health checks.
_PUBLIC = ("/login", "/healthz", "/assets/", "/favicon.ico")


@dataclass(frozen=True)
class AuthConfig:
    """How a server authenticates.

    Parameters
    ----------
    mode : {"single-user", "login", "demo-readonly"}
    secure_cookies : bool
        Mark cookies ``Secure`` (send them over HTTPS only). On for deployments.
    loopback_only : bool
        In single-user mode, refuse requests whose ``Host`` is not a loopback
        name, so a web page cannot reach the server through DNS rebinding.
        Off only where an operator explicitly serves single-user mode elsewhere.
    trusted_proxies : TrustedProxies
        Whose ``X-Forwarded-For`` names the client (``SNT_WEB_TRUSTED_PROXIES``;
        see :mod:`snt_web.web.proxies`); nobody's by default.
    """

    mode: str = "single-user"
    secure_cookies: bool = False
    loopback_only: bool = True
    trusted_proxies: TrustedProxies = TrustedProxies()

    def __post_init__(self):
        if self.mode not in MODES:
            raise AuthConfigError(f"unknown auth mode {self.mode!r}; choose one of {', '.join(MODES)}")


# --- identity -------------------------------------------------------------------------------
def _config() -> AuthConfig:
    return current_app.config.get("SNT_WEB_AUTH") or AuthConfig()


def _accounts() -> Accounts:
    return Accounts(current_app.config["SNT_WEB_STORE"])


def current_user() -> str | None:
    """The user of this request: a name, :data:`LOCAL_USER` in single-user mode, None when anonymous."""
    if not has_request_context():
        return None
    mode = _config().mode
    if mode == "single-user":
        return LOCAL_USER
    if mode == "demo-readonly":
        return None
    if "snt_user" not in g:
        g.snt_user = _authenticate()
    return g.snt_user


#: The name to pass to :func:`snt_web.store.commands.apply` for this request (same as :func:`current_user`).
acting_user = current_user


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _authenticate() -> str | None:
    """Login mode: the Bearer token's user, else the user of the cookie's session (if it has not ended)."""
    token = _bearer_token()
    if token is not None:
        user = _accounts().verify_token(token)
        g.snt_bearer = user is not None
        return user.name if user else None
    return _accounts().session_user(session.get("sid"))


def project_role(project_id: str, user: str | None = ...) -> str | None:
    """``user``'s role on the project (default: this request's user); demo visitors are viewers."""
    if has_request_context() and _config().mode == "demo-readonly":
        return "viewer"
    if user is ...:
        user = current_user()
    return _accounts().role_of(project_id, user)


def require(project_id: str, action: str) -> str:
    """The request user's role on the project, or PermissionDenied if it does not allow ``action``.

    For callbacks that show or change project data; writes through
    :func:`snt_web.store.commands.apply` are checked there as well.
    """
    role = project_role(project_id)
    if not allows(role, action) or (action != "view" and _config().mode == "demo-readonly"):
        raise PermissionDenied(current_user(), action, project_id, role)
    return role


# --- CSRF ------------------------------------------------------------------------------------
def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _csrf_ok() -> bool:
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    expected = session.get("csrf") or ""
    return bool(expected) and hmac.compare_digest(sent.encode(), expected.encode())


def _from_browser() -> bool:
    """Browsers always send Origin or Sec-Fetch-Site on a POST; scripts (curl) do not."""
    return "Origin" in request.headers or "Sec-Fetch-Site" in request.headers


# --- login throttling --------------------------------------------------------------------------
def client_address() -> str:
    """The client's address: the peer's, or the one trusted proxies forwarded (:mod:`snt_web.web.proxies`)."""
    return _config().trusted_proxies.client(request.remote_addr, request.headers.get("X-Forwarded-For"))


def _throttle_limits(name: str) -> dict[str, int]:
    """Per user at an address, and per user: never per address alone (a proxy's users would share it)."""
    user = name.lower()
    return {f"user@address:{user}@{client_address()}": LOGIN_MAX_FAILURES, f"user:{user}": LOGIN_MAX_FAILURES_USER}


# --- pages -----------------------------------------------------------------------------------------
def safe_next(target: str | None) -> str:
    """``target`` if it is a path on this site, else ``/`` (no open redirects)."""
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return "/"
    return target


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Log in: SNT Web</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f4f5f7; display: flex; justify-content: center; }}
form {{ background: #fff; margin-top: 10vh; padding: 2em; border-radius: 6px; min-width: 18em;
       box-shadow: 0 1px 4px rgba(0,0,0,.15); display: flex; flex-direction: column; gap: .6em; }}
.error {{ color: #b00020; }}
</style></head>
<body><form method="post" action="/login">
<h1>SNT Web</h1>
{message}
<label>User <input name="username" autocomplete="username" value="{username}" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<input type="hidden" name="csrf_token" value="{csrf}">
<input type="hidden" name="next" value="{next}">
<button type="submit">Log in</button>
</form></body></html>
"""


def _login_page(message: str = "", username: str = "", next_url: str = "/", status: int = 200):
    html_text = _PAGE.format(
        message=f'<p class="error" role="alert">{escape(message)}</p>' if message else "",
        username=escape(username),
        csrf=escape(csrf_token()),
        next=escape(safe_next(next_url)),
    )
    return html_text, status, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def _login():
    config = _config()
    if config.mode != "login":
        return redirect("/")
    if request.method == "GET":
        return _login_page(next_url=request.args.get("next", "/"))
    name = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    next_url = request.form.get("next", "/")
    accounts = _accounts()
    limits = _throttle_limits(name)
    # Counted before the (slow) password check, in the same step as the check of the count.
    attempt = accounts.begin_login(limits, LOGIN_WINDOW_S)
    if attempt is None:
        minutes = LOGIN_WINDOW_S // 60
        return _login_page(f"Too many failed logins: wait {minutes} minutes and try again.", name, next_url, 429)
    user = accounts.verify_password(name, password)
    if user is None:
        return _login_page("Wrong user name or password.", name, next_url, 401)
    accounts.login_succeeded(attempt, next(iter(limits)))
    accounts.end_session(session.get("sid"))
    session.clear()  # a new session for the new identity (no fixation)
    session["sid"] = accounts.create_session(user.name)
    csrf_token()
    return redirect(safe_next(next_url))


def _logout():
    _accounts().end_session(session.get("sid"))  # the cookie, wherever copied, stops working
    session.clear()
    return redirect("/login" if _config().mode == "login" else "/")


# --- the request hooks ---------------------------------------------------------------------------
def _error(status: int, message: str):
    return jsonify(error=message), status


def _before_request():
    config = _config()
    path = request.path
    if config.mode == "single-user" and config.loopback_only and not is_loopback(request.host):
        return _error(400, f"this single-user server answers only on a loopback address, not {request.host!r}")
    user = current_user()
    bearer = bool(g.get("snt_bearer"))
    if config.mode == "login" and _bearer_token() is not None and not bearer:
        return _error(401, "invalid or revoked API token")
    if config.mode == "login" and user is None and not path.startswith(_PUBLIC):
        # Nobody is logged in: say so first (a CSRF complaint would mislead).
        if path.startswith(_API_PREFIXES):
            return _error(401, "log in first (or send 'Authorization: Bearer <token>')")
        if request.method != "GET":
            return _error(401, "log in first")
        target = request.full_path if request.query_string else path
        return redirect("/login?next=" + quote(target, safe="/"))
    if request.method in _UNSAFE_METHODS and not bearer:
        exempt = config.mode == "single-user" and not _from_browser()
        if not exempt and not _csrf_ok():
            if path == "/login":
                return _login_page("Your session expired: please log in again.", "", "/", 403)
            return _error(403, "missing or wrong CSRF token: reload the page and try again")
    return None


def content_security_policy(script_hashes=()) -> str:
    """The Content-Security-Policy header.

    Checked in headless Chromium (every view, the 3D view with its isosurface,
    the path grid, uploads, login): no script needs ``'unsafe-eval'`` or
    ``'unsafe-inline'``; Dash's inline scripts (its renderer start-up and the
    string clientside callbacks) are allowed by their hashes
    (``dash.Dash.csp_hashes``). Styles need ``'unsafe-inline'``: React, Plotly
    and AG Grid set inline styles. Plotly draws icons from ``data:`` and
    ``blob:``. Plotly's regl traces (``scattergl``, ``splom``, ``parcoords``)
    compile code at run time and would need ``'unsafe-eval'``: the app uses
    none of them.
    """
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join([
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def _after_request(response):
    config = _config()
    if response.mimetype == "text/html" and not g.get("snt_bearer"):
        # Pages hand out the CSRF token; cacheable slices and JSON stay cookie-free.
        token = csrf_token()
        if request.cookies.get(CSRF_COOKIE) != token:
            # Readable by the page's scripts (Dash's renderer echoes it): not HttpOnly, by design.
            response.set_cookie(CSRF_COOKIE, token, secure=config.secure_cookies, httponly=False, samesite="Lax")
    hashes = current_app.config.get("SNT_WEB_SCRIPT_HASHES")
    if hashes is None:
        dash_app = current_app.config.get("SNT_WEB_DASH_APP")
        hashes = tuple(dash_app.csp_hashes()) if dash_app is not None else ()
        current_app.config["SNT_WEB_SCRIPT_HASHES"] = hashes
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(hashes))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    return response


def install_auth(server, store, config: AuthConfig | None = None, *, dash_app=None) -> None:
    """Put authentication, CSRF checks and security headers in front of every route of ``server``.

    Parameters
    ----------
    server : flask.Flask
    store : ProjectStore
        Holds the accounts and the shared session key.
    config : AuthConfig, optional
        Single-user mode when None.
    dash_app : dash.Dash, optional
        Its inline scripts are allowed by hash in the Content-Security-Policy.
    """
    config = config or AuthConfig()
    server.config["SNT_WEB_STORE"] = store
    server.config["SNT_WEB_AUTH"] = config
    server.config["SNT_WEB_DASH_APP"] = dash_app
    server.config["SECRET_KEY"] = Accounts(store).secret_key()
    server.config.update(
        SESSION_COOKIE_NAME="snt_web_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
    )
    server.add_url_rule("/login", "snt_web_login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "snt_web_logout", _logout, methods=["POST"])
    # First in line: before Dash's own hooks and every blueprint's.
    server.before_request_funcs.setdefault(None, []).insert(0, _before_request)
    server.after_request(_after_request)


# --- the header badge ------------------------------------------------------------------------------
def user_badge(project_id: str | None = None):
    """Who is working, with which role, and a logout button (login mode): Dash components for the header."""
    if not has_request_context():
        return html.Span(id="user-badge", className="snt-user-badge")
    mode = _config().mode
    user = current_user()
    role = project_role(project_id) if project_id is not None else None
    if mode == "demo-readonly":
        who = "visitor (read-only demo)"
    else:
        who = user or "not logged in"
    children = [html.Span(who, id="user-badge-name", className="snt-user-name")]
    if role:
        children.append(html.Span(role, id="user-badge-role", className="snt-user-role snt-hint"))
    if mode == "login" and user is not None:
        children.append(
            html.Form(
                # The submit button carries the CSRF token as its name=value pair.
                html.Button("Log out", type="submit", id="logout-button", name=CSRF_FIELD, value=csrf_token()),
                method="POST",
                action="/logout",
                className="snt-logout",
            )
        )
    return html.Span(children, id="user-badge", className="snt-user-badge")
