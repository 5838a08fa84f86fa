"""A store with the small demo project, accounts of every role, and servers over it."""

from __future__ import annotations

import pytest

from snt_web.store import Accounts
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig

# The web tests' store (the small demo project, no accounts) and their API client per user.
from web.conftest import store  # noqa: F401 - a fixture
from web.test_api import As  # noqa: F401 - for the tests here

ROLES = ("viewer", "reviewer", "annotator", "owner")
PASSWORD = "correct horse battery"


@pytest.fixture
def tokens(store):
    """An API token per role on the demo project (the users are named after their roles)."""
    accounts = Accounts(store)
    out = {}
    for role in ROLES:
        accounts.add_user(role, PASSWORD, role="viewer")
        accounts.set_member("demo", role, role)
        out[role] = accounts.create_token(role)
    return out


@pytest.fixture
def login_app(store, tokens):
    return create_app(store, "demo", upload_limit_bytes=4 * 2**20, auth=AuthConfig(mode="login"))


@pytest.fixture
def single_user_app(store):
    return create_app(store, "demo", upload_limit_bytes=4 * 2**20)


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


def answer(response, component: str, prop: str = "children"):
    """What a callback's response sets ``component.prop`` to (None where it leaves it alone)."""
    assert response.status_code in (200, 204), response.data[:500]
    if response.status_code == 204:
        return None
    return response.json["response"].get(component, {}).get(prop)
