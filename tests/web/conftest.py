"""An app over a fresh store holding the small demo dataset and its truth."""

from __future__ import annotations

import pytest

from snt_web.io.reconstruction import read_reconstruction
from snt_web.store import ProjectStore
from snt_web.web.app import create_app


@pytest.fixture
def store(tmp_path, demo_files):
    image_path, truth_path = demo_files
    store = ProjectStore(tmp_path / "data")
    store.create("Demo", project_id="demo", image_path=image_path, tree=read_reconstruction(truth_path))
    return store


@pytest.fixture
def app(store):
    return create_app(store, "demo", upload_limit_bytes=4 * 2**20)
