"""Filtered layers: computed once per project, image revision and parameters, shared through a file."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.store import LOCAL_USER, ProjectStore, SetImageBytes, StoreError, apply
from snt_web.store import layers
from snt_web.tracing.layers import filtered_layer


@pytest.fixture
def counted(monkeypatch):
    """How often a filter actually ran."""
    calls = []

    def counting(volume, layer, spacing, scales=None):
        calls.append((layer, tuple(scales)))
        return filtered_layer(volume, layer, spacing, scales)

    monkeypatch.setattr(layers, "filtered_layer", counting)
    return calls


def test_a_layer_is_computed_once_then_read_from_its_file(tmp_path, demo_files, counted):
    image_path, _ = demo_files
    store = ProjectStore(tmp_path / "data")
    store.create("demo", project_id="p1", image_path=image_path)
    first = layers.project_layer(store, "p1", "tubeness")
    image = store.image("p1")
    np.testing.assert_allclose(first, filtered_layer(image.volume(), "tubeness", image.spacing), rtol=1e-6)
    assert isinstance(first, np.memmap) and not first.flags.writeable
    # Another process (a second store on the same directory) reads the file, computing nothing.
    other = ProjectStore(tmp_path / "data")
    again = layers.project_layer(other, "p1", "tubeness")
    np.testing.assert_array_equal(again, first)
    assert len(counted) == 1
    # Other scales, or another filter, are other layers; several scales are computed one by one, with progress.
    reports = []
    multi = layers.project_layer(store, "p1", "tubeness", scales=(1.0, 2.0),
                                 progress=lambda percent, message: reports.append(percent))
    np.testing.assert_allclose(multi, filtered_layer(image.volume(), "tubeness", image.spacing, (1.0, 2.0)),
                               rtol=1e-6)
    assert reports == [50.0, 100.0]
    layers.project_layer(store, "p1", "frangi")
    assert [c[0] for c in counted] == ["tubeness", "tubeness", "tubeness", "frangi"]
    assert len(list((tmp_path / "data" / "projects" / "p1" / layers.LAYER_DIR).glob("*.npy"))) == 3


def test_a_new_image_revision_gets_new_layers(tmp_path, demo_files, counted):
    image_path, _ = demo_files
    store = ProjectStore(tmp_path / "data")
    store.create("demo", project_id="p1", image_path=image_path)
    layers.project_layer(store, "p1", "gaussian")
    apply(store, "p1", LOCAL_USER, SetImageBytes(image_path.read_bytes(), "again.tif"), None)
    layers.project_layer(store, "p1", "gaussian")
    assert len(counted) == 2


def test_raw_is_the_image_itself_and_no_image_is_an_error(tmp_path, demo_files, counted):
    image_path, _ = demo_files
    store = ProjectStore(tmp_path / "data")
    store.create("demo", project_id="p1", image_path=image_path)
    raw = layers.project_layer(store, "p1", "raw")
    assert np.shares_memory(raw, store.image("p1").data) and raw.shape == store.image("p1").shape_zyx
    assert counted == []
    store.create("empty", project_id="p2")
    with pytest.raises(StoreError, match="no image"):
        layers.project_layer(store, "p2", "tubeness")
