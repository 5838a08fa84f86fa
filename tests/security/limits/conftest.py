"""A store with the small demo project, accounts of every role, and servers over it."""

from __future__ import annotations

import pytest

from snt_web.store import Accounts
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig

# The web tests' store (the small demo project, no accounts) and their API client per user.
from web.conftest import store  # noqa: F401 - a fixture
from web.test_api import As  # noqa: F401 - for the tests here

from ..pages import PASSWORD, callback_post  # noqa: F401 - callback_post for the tests here

ROLES = ("viewer", "reviewer", "annotator", "owner")


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


def answer(response, component: str, prop: str = "children"):
    """What a callback's response sets ``component.prop`` to (None where it leaves it alone)."""
    assert response.status_code in (200, 204), response.data[:500]
    if response.status_code == 204:
        return None
    return response.json["response"].get(component, {}).get(prop)
