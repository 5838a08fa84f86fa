"""Probability maps: loaded only when they match the image, stored once, read as tracing layers."""

from __future__ import annotations

import io

import numpy as np
import pytest
import tifffile

from snt_web.io.errors import SNTWebIOError
from snt_web.store import LOCAL_USER, ProjectStore, StoreError, maps
from snt_web.store.layers import map_layer, project_layer


@pytest.fixture
def project(tmp_path, demo_files):
    store = ProjectStore(tmp_path / "data")
    store.create("demo", project_id="p1", image_path=demo_files[0])
    return store


def _tiff(data, spacing_zyx=None, axes="ZYX") -> bytes:
    buffer = io.BytesIO()
    extra = {}
    if spacing_zyx is not None:
        extra = {"resolution": (1 / spacing_zyx[2], 1 / spacing_zyx[1])}
    tifffile.imwrite(buffer, data, imagej=True, metadata={"axes": axes, **(
        {"spacing": spacing_zyx[0], "unit": "um"} if spacing_zyx else {})}, **extra)
    return buffer.getvalue()


def test_a_matching_map_is_stored_listed_and_traceable(project):
    image = project.image("p1")
    volume = image.volume().astype(np.float32)
    two = np.stack([volume / volume.max(), 1 - volume / volume.max()], axis=1)  # ZCYX
    record = maps.import_map(project, "p1", LOCAL_USER, _tiff(two, image.spacing, "ZCYX"), "my net.tif", None)
    (meta,) = maps.list_maps(project, "p1")
    assert (meta["name"], meta["classes"], meta["shape"]) == ("my_net", ["class 1", "class 2"],
                                                             list(image.shape_zyx))
    assert project.history("p1", 1)[0].user == LOCAL_USER and record.version == project.get("p1").version
    np.testing.assert_allclose(maps.map_volume(project, "p1", "my_net", 1), 1 - volume / volume.max(), rtol=1e-6)
    layer = project_layer(project, "p1", map_layer("my_net", 0))
    np.testing.assert_allclose(layer, volume / volume.max(), rtol=1e-6)
    assert not layer.flags.writeable
    # Loading again under the same name replaces it, with new voxels under a new file id.
    before = maps.map_file_id(meta)
    maps.import_map(project, "p1", LOCAL_USER, _tiff(volume), "my net.tif", None)
    (again,) = maps.list_maps(project, "p1")
    assert maps.map_file_id(again) != before and again["classes"] == ["class 1"]
    with pytest.raises(StoreError, match="classes 1-1, not 2"):
        maps.map_volume(project, "p1", "my_net", 1)
    # Slices are read by file id; an id that names no map file of the project is refused.
    np.testing.assert_allclose(maps.map_file_volume(project, "p1", maps.map_file_id(again)), volume, rtol=1e-6)
    for wrong, message in (("nomap-0123abcd", "no probability map file"),
                           ("../maps/x-0123abcd", "not a probability map file id"),
                           (".scratch-0123abcd", "not a probability map file id")):
        with pytest.raises(StoreError, match=message):
            maps.map_file_volume(project, "p1", wrong)


@pytest.mark.parametrize("problem", ["shape", "spacing", "not a tiff"])
def test_a_map_that_does_not_match_is_refused_by_name_and_changes_nothing(project, problem):
    image = project.image("p1")
    volume = image.volume().astype(np.float32)
    version = project.get("p1").version
    if problem == "shape":
        data, expected = _tiff(volume[:, 1:]), "bad.tif: the probability map is z, y, x"
    elif problem == "spacing":
        data, expected = _tiff(volume, (image.spacing[0] * 2, *image.spacing[1:])), "bad.tif: voxel size"
    else:
        data, expected = b"no image here", "bad.tif"
    with pytest.raises((StoreError, SNTWebIOError), match=expected):
        maps.import_map(project, "p1", LOCAL_USER, data, "bad.tif", None)
    assert project.get("p1").version == version and maps.list_maps(project, "p1") == []
    assert not list((project.projects_dir / "p1").glob(f"{maps.MAP_DIR}/*.npy"))


def test_save_map_streams_a_memory_mapped_result(project, tmp_path):
    image = project.image("p1")
    out = np.lib.format.open_memmap(tmp_path / "out.npy", mode="w+", dtype=np.float32,
                                    shape=(2,) + image.shape_zyx)
    out[0] = 0.25
    out[1] = 0.75
    maps.save_map(project, "p1", LOCAL_USER, "classifier", out, ["neurite", "background"], "classifier", None)
    assert maps.map_volume(project, "p1", "classifier", 1).max() == pytest.approx(0.75)
    with pytest.raises(StoreError, match="2 classes but 1 names"):
        maps.save_map(project, "p1", LOCAL_USER, "x", out, ["one"], "test", None)


@pytest.mark.parametrize("make, values", [
    (lambda v: (v / v.max()).astype(np.float32), "probability"),  # a network's or a classifier's output
    (lambda v: (v > 60).astype(np.float32), "probability"),  # a mask saved as 0.0 / 1.0
    (lambda v: (v > 60).astype(np.uint8), "labels"),  # a segmentation, even of 0 and 1 only
    (lambda v: (v.astype(np.float32) - 25) / 10, "scores"),  # a filter's response, logits
])
def test_what_a_map_holds_is_decided_from_what_was_loaded(project, make, values):
    from snt_web.store.layers import layer_values

    image = project.image("p1")
    data = make(image.volume())
    maps.import_map(project, "p1", LOCAL_USER, _tiff(data), "loaded.tif", None)
    (meta,) = maps.list_maps(project, "p1")
    assert meta["values"] == values and meta["range"] == [float(data.min()), float(data.max())]
    assert maps.map_values(project, "p1", "loaded") == values
    assert layer_values(project, "p1", map_layer("loaded", 0)) == values
    assert layer_values(project, "p1", "raw") == layer_values(project, "p1", "tubeness") == "image"
    with pytest.raises(StoreError, match="no probability map 'other'"):
        maps.map_values(project, "p1", "other")


def test_maps_stored_before_their_values_were_recorded_keep_being_traced_as_they_were(project):
    import json

    from snt_web.store.commands import PutAttachment, apply

    image = project.image("p1")
    for name, source, values in (("classifier", "classifier classifier", "probability"),
                                 ("net", "file net.tif", "scores")):
        maps.save_map(project, "p1", LOCAL_USER, name, np.zeros((1,) + image.shape_zyx, np.float32), ["c"], source,
                      None)
        (meta,) = [m for m in maps.list_maps(project, "p1") if m["name"] == name]
        older = {k: v for k, v in meta.items() if k not in ("values", "range")}
        apply(project, "p1", LOCAL_USER, PutAttachment(maps.KIND, name, json.dumps(older).encode()), None)
        assert maps.map_values(project, "p1", name) == values
