"""What an attacker sends: logins, CSRF tokens, Dash callback bodies."""

from __future__ import annotations

from snt_web.web.auth import CSRF_COOKIE

PASSWORD = "correct horse battery"
SESSION_COOKIE = "snt_web_session"


def csrf(client) -> str:
    """The CSRF token the server gave ``client`` (fetching the login page for one first)."""
    cookie = client.get_cookie(CSRF_COOKIE)
    if cookie is None:
        client.get("/login")
        cookie = client.get_cookie(CSRF_COOKIE)
    return cookie.value


def login(client, name="ann", password=PASSWORD, **environ):
    """POST the login form as a browser would; ``environ`` e.g. ``REMOTE_ADDR`` or headers."""
    return client.post("/login", data={"username": name, "password": password, "csrf_token": csrf(client)},
                       **environ)


def copy_cookie(source, target, name=SESSION_COOKIE) -> None:
    """Put ``source``'s cookie in ``target``: a stolen or copied session."""
    target.set_cookie(name, source.get_cookie(name).value)
    target.set_cookie(CSRF_COOKIE, source.get_cookie(CSRF_COOKIE).value)
