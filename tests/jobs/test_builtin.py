"""The built-in tasks, run by a real worker of each backend on the demo project."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.io.reconstruction import read_reconstruction_bytes
from snt_web.jobs.params import ParameterError
from snt_web.store import LOCAL_USER
from snt_web.store.layers import LAYER_DIR


def test_filter_layer_caches_the_layer_beside_the_project(jobs):
    job = jobs.queue.submit("filter-layer", "demo", LOCAL_USER, {"layer": "tubeness", "scales": [0.8, 1.6]})
    record = jobs.wait(job.id, timeout=60.0)
    image = jobs.store.image("demo")
    assert record.state == "done", record.error
    assert record.result == {"layer": "tubeness", "scales": [0.8, 1.6], "shape": list(image.shape_zyx)}
    (path,) = (jobs.store.projects_dir / "demo" / LAYER_DIR).glob("tubeness-*.npy")
    layer = np.load(path)
    assert layer.shape == image.shape_zyx and layer.dtype == np.float32 and layer.max() > 0


def test_filter_layer_refuses_an_unknown_layer(jobs):
    with pytest.raises(ParameterError, match="^parameter layer: must be one of 'tubeness', 'frangi', 'gaussian'"):
        jobs.queue.submit("filter-layer", "demo", LOCAL_USER, {"layer": "sharpen"})
    assert jobs.queue.list("demo") == []
    assert not (jobs.store.projects_dir / "demo" / LAYER_DIR).exists()


def test_export_reconstruction_attaches_the_file(jobs):
    version = jobs.store.get("demo").version
    record = jobs.wait(jobs.queue.submit("export-reconstruction", "demo", LOCAL_USER, {"format": "swc"}).id)
    assert record.state == "done", record.error
    data = jobs.store.attachment("demo", "export", "reconstruction.swc")
    assert record.result == {"attachment": "reconstruction.swc", "bytes": len(data)}
    exported = read_reconstruction_bytes(data, "reconstruction.swc")
    assert len(exported.paths) == len(jobs.store.reconstruction("demo").paths)
    assert jobs.store.get("demo").version == version + 1
