"""What a browser, or a forged page, sends: logins, CSRF tokens, cookies, Dash callback requests."""

from __future__ import annotations

import pytest

from snt_web.store import Accounts
from snt_web.web.auth import CSRF_COOKIE
from snt_web.web.callback_guard import components_by_id

PASSWORD = "correct horse battery"
SESSION_COOKIE = "snt_web_session"


@pytest.fixture
def accounts(store):
    """ann (annotator), vic (viewer) and own (owner) on the store, all with :data:`PASSWORD`."""
    accounts = Accounts(store)
    for name, role in (("ann", "annotator"), ("vic", "viewer"), ("own", "owner")):
        accounts.add_user(name, PASSWORD, role=role)
    return accounts


def csrf(client) -> str:
    """The CSRF token the server gave ``client`` (fetching the login page for one first)."""
    cookie = client.get_cookie(CSRF_COOKIE)
    if cookie is None:
        client.get("/login")
        cookie = client.get_cookie(CSRF_COOKIE)
    return cookie.value


def login(client, name="ann", password=PASSWORD, *, form=None, **request):
    """POST the login form as a browser would: ``form`` adds fields (``next``), ``request`` e.g. headers."""
    fields = {"username": name, "password": password, "csrf_token": csrf(client), **(form or {})}
    return client.post("/login", data=fields, **request)


def copy_cookie(source, target, name=SESSION_COOKIE) -> None:
    """Put ``source``'s cookie in ``target``: a stolen or copied session."""
    target.set_cookie(name, source.get_cookie(name).value)
    target.set_cookie(CSRF_COOKIE, source.get_cookie(CSRF_COOKIE).value)


# --- Dash callback requests -------------------------------------------------------------------------
def layout_values(app) -> dict:
    """``{"id.property": value}`` of every component of the app's layout, as the page starts."""
    with app.server.test_request_context("/"):
        layout = app.layout() if callable(app.layout) else app.layout
    return {f"{cid}.{prop}": getattr(component, prop, None)
            for cid, component in components_by_id(layout).items() for prop in component._prop_names}


def server_callbacks(app) -> dict:
    """The app's callbacks that run on the server (not in the browser), by output key."""
    return {key: entry for key, entry in app.callback_map.items() if "callback" in entry}
