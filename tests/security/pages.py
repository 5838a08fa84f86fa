"""What a browser, or a forged page, sends: logins, CSRF tokens, cookies, Dash callback requests."""

from __future__ import annotations

from snt_web.web.auth import CSRF_COOKIE
from snt_web.web.callback_guard import components_by_id

PASSWORD = "correct horse battery"
SESSION_COOKIE = "snt_web_session"


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


def callback_post(app, trigger: str, values: dict, output: str = "") -> dict:
    """The body Dash's renderer posts when ``trigger`` (``"id.property"``) fires one of ``app``'s callbacks.

    ``values`` gives inputs and states by ``"id.property"``; the others are None. Where several
    callbacks take ``trigger``, ``output`` (``"id.property"``) says which.
    """
    component, prop = trigger.split(".")
    key, spec = next((k, v) for k, v in app.callback_map.items()
                     if {"id": component, "property": prop} in v["inputs"] and output in k)
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1].split("@")[0]}
               for o in key.strip(".").split("...")]
    if not key.startswith(".."):  # a single output is sent as itself, not as a list of one
        outputs = outputs[0]

    def filled(items):
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    return {"output": key, "outputs": outputs, "inputs": filled(spec["inputs"]), "state": filled(spec["state"]),
            "changedPropIds": [trigger]}
