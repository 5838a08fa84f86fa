"""Store tests run on SQLite and on a private PostgreSQL server (``database_url``, from ``tests/conftest.py``)."""

from __future__ import annotations

import pytest

from snt_web.store import ProjectStore


@pytest.fixture
def store(tmp_path, database_url):
    store = ProjectStore(tmp_path / "data", database_url=database_url)
    yield store
    store.engine.dispose()  # give the connections back: one server serves the whole session
