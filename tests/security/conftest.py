"""Attacks on a server over loopback: a store holding the small demo project, apps in each auth mode."""

from __future__ import annotations

import pytest

from snt_web.io.reconstruction import read_reconstruction
from snt_web.store import Accounts, ProjectStore
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig

from .hostile import PASSWORD


def demo_store(path, demo_files, database_url=None) -> ProjectStore:
    image_path, truth_path = demo_files
    store = ProjectStore(path, database_url)
    store.create("Demo", project_id="demo", image_path=image_path, tree=read_reconstruction(truth_path))
    return store


@pytest.fixture
def store(tmp_path, demo_files):
    return demo_store(tmp_path / "data", demo_files)


@pytest.fixture
def accounts(store):
    """ann (annotator), vic (viewer) and own (owner), all with :data:`PASSWORD`."""
    accounts = Accounts(store)
    for name, role in (("ann", "annotator"), ("vic", "viewer"), ("own", "owner")):
        accounts.add_user(name, PASSWORD, role=role)
    return accounts


@pytest.fixture
def login_app(store, accounts):
    return create_app(store, "demo", auth=AuthConfig(mode="login"))


@pytest.fixture
def demo_app(store):
    return create_app(store, "demo", auth=AuthConfig(mode="demo-readonly"))
