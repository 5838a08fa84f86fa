"""An app over a fresh store holding the small demo dataset and its truth."""

from __future__ import annotations

import pytest

from snt_web.io.reconstruction import read_reconstruction
from snt_web.model import Tree
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


@pytest.fixture
def unfitted(tmp_path, demo_files):
    """The demo image and its truth without radii (no node circles on the slices until a fit): store, app."""
    image_path, truth_path = demo_files
    truth = read_reconstruction(truth_path)
    tree = Tree([p.copy(radii=None) for p in truth.paths], spacing_xyz=truth.spacing_xyz, units=truth.units)
    store = ProjectStore(tmp_path / "data")
    store.create("Demo", project_id="demo", image_path=image_path, tree=tree)
    return store, create_app(store, "demo")
