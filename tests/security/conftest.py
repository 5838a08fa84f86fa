"""Attacks on sessions, tokens, logins, exports, ids and requests: the web tests' store (the small demo project)
with three users, and a login server over it. (The resource limits' tests in ``limits/`` have their own.)"""

from __future__ import annotations

import pytest

from snt_web.store import Accounts
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig

# The web tests' store: the small demo project, no accounts.
from web.conftest import store  # noqa: F401 - a fixture

from .pages import PASSWORD


@pytest.fixture
def accounts(store):
    """ann (annotator), vic (viewer) and own (owner) on the store, all with :data:`PASSWORD`."""
    accounts = Accounts(store)
    for name, role in (("ann", "annotator"), ("vic", "viewer"), ("own", "owner")):
        accounts.add_user(name, PASSWORD, role=role)
    return accounts


@pytest.fixture
def login_app(store, accounts):
    return create_app(store, "demo", auth=AuthConfig(mode="login"))
