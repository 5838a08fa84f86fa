"""Issue #17, point 4: the 3D view's isosurface takes memory independent of the volume's size.

It used to copy the whole volume as float32 in the web process (+2 GB for a
512 MB image), and any viewer may switch it on. Memory is measured with
tracemalloc (numpy reports its allocations to it), which counts what the
server allocates and not the pages of the memory-mapped image it reads.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import tifffile

from snt_web.imaging.surface import isosurface
from snt_web.store import ProjectStore
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig

from .conftest import answer, callback_post
from .hostile import MB

#: What building a surface may allocate, whatever the volume (its grid is at most 96 samples a side).
MAX_ALLOCATED = 32 * MB


def _peak_allocated(call):
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _volume_with_a_bright_box(path, shape):
    """A memory-mapped uint8 volume (a sparse file), dark but for a box in its middle."""
    volume = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=shape)
    z, y, x = (n // 2 for n in shape)
    volume[z - 8:z + 8, y - 40:y + 40, x - 40:x + 40] = 200
    volume.flush()
    return np.load(path, mmap_mode="r")


def test_surface_memory_does_not_grow_with_the_volume(tmp_path):
    peaks = []
    for shape in ((32, 256, 256), (256, 1024, 1024)):  # 2 MB and 256 MB of voxels (1 GB as float32)
        volume = _volume_with_a_bright_box(tmp_path / f"{shape[0]}.npy", shape)
        (verts, faces), peak = _peak_allocated(lambda: isosurface(volume, (1.0, 0.5, 0.5)))
        assert len(faces) > 50
        # The box's faces are where they are: x from about 256-40 to 256+40 voxels of 0.5 µm.
        if shape[2] == 1024:
            assert 0.5 * (512 - 48) < np.median(verts[:, 0]) < 0.5 * (512 + 48)
        peaks.append(peak)
    assert max(peaks) < MAX_ALLOCATED, [p / MB for p in peaks]


@pytest.fixture
def big_project(tmp_path):
    path = tmp_path / "big.tif"
    volume = np.zeros((128, 1024, 1024), np.uint8)
    volume[56:72, 400:600, 400:600] = 200
    tifffile.imwrite(path, volume, imagej=True, metadata={"axes": "ZYX"})  # uncompressed: memory-mapped
    del volume
    store = ProjectStore(tmp_path / "data")
    store.create("Big", project_id="big", image_path=path)
    return store


def test_a_demo_visitor_switching_the_isosurface_on_allocates_little(big_project):
    app = create_app(big_project, "big", auth=AuthConfig(mode="demo-readonly"))
    client = app.server.test_client()
    client.get("/")
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    image = big_project.image("big")
    meta = {"id": "big", "image_revision": 1, "shape": list(image.shape_zyx), "spacing": list(image.spacing),
            "units": image.units}
    body = callback_post(app, "view-3d-surface.value", {"project.data": meta, "view-3d-surface.value": ["on"]})
    response, peak = _peak_allocated(lambda: client.post("/_dash-update-component", json=body, headers=headers))
    figure = answer(response, "view-3d-base", "data")
    mesh = next(trace for trace in figure["data"] if trace["type"] == "mesh3d")
    assert len(mesh["i"]) > 50
    assert peak < MAX_ALLOCATED, peak / MB
