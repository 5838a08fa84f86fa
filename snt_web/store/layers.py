"""Filtered layers of a project's image, computed once and kept beside it.

A layer (tubeness, Frangi, a smoothed copy) of a whole volume takes seconds;
a click-to-trace must not pay that more than once. Each layer is written as a
``.npy`` file in the project's directory, named for everything it depends on
(image revision, channel, frame, filter, scales), and then memory-mapped: every
server process and worker shares one copy, and a new image revision simply
names new files.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from ..io.atomic import atomic_write
from ..tracing.layers import default_scales, filtered_layer
from .maps import map_values, map_volume
from .projects import ProjectStore
from .records import StoreError

#: Subfolder of a project's directory holding its layer files.
LAYER_DIR = "layers"
#: Layer names of probability-map classes: ``map:<name>:<class index>``.
MAP_PREFIX = "map:"


def map_layer(name: str, class_index: int) -> str:
    """The layer name of one class of a probability map."""
    return f"{MAP_PREFIX}{name}:{class_index}"


def parse_map_layer(layer: str) -> tuple[str, int]:
    """``(map name, class index)`` of a :func:`map_layer` name."""
    name, _, index = layer.removeprefix(MAP_PREFIX).rpartition(":")
    try:
        return name, int(index)
    except ValueError:
        raise StoreError(f"not a probability-map layer: {layer!r}") from None


def layer_key(image_revision: int, layer: str, channel: int, frame: int, scales) -> str:
    """A file name for a layer: readable prefix, digest of all its parameters."""
    spec = json.dumps([image_revision, layer, channel, frame, [round(float(s), 6) for s in scales]])
    return f"{layer}-r{image_revision}-{hashlib.sha256(spec.encode()).hexdigest()[:16]}.npy"


def layer_file(store: ProjectStore, project_id: str, layer: str, *, channel: int = 0, frame: int = 0, scales=None):
    """Where ``layer`` of the project's current image is (or will be) kept; see :func:`project_layer`."""
    image = _image(store, project_id)
    scales = tuple(scales or default_scales(image.spacing))
    key = layer_key(store.get(project_id).image_revision, layer, channel, frame, scales)
    return store.project_dir(project_id) / LAYER_DIR / key


def layer_values(store: ProjectStore, project_id: str, layer: str) -> str:
    """What ``layer``'s values are (:data:`~snt_web.tracing.layers.VALUE_KINDS`): a map's as recorded, else ``image``."""
    if not layer.startswith(MAP_PREFIX):
        return "image"
    return map_values(store, project_id, parse_map_layer(layer)[0])


def layer_ready(store: ProjectStore, project_id: str, layer: str, **kwargs) -> bool:
    """Whether tracing on ``layer`` (same arguments as :func:`project_layer`) needs no computing."""
    return layer == "raw" or layer.startswith(MAP_PREFIX) or layer_file(store, project_id, layer, **kwargs).exists()


def _image(store: ProjectStore, project_id: str):
    image = store.image(project_id)
    if image is None:
        raise StoreError(f"project {project_id!r} has no image to trace on")
    return image


def project_layer(store: ProjectStore, project_id: str, layer: str, *, channel: int = 0, frame: int = 0,
                  scales=None, progress=None) -> np.ndarray:
    """The volume the tracer should search for ``layer``, computing it at most once.

    Parameters
    ----------
    store : ProjectStore
    project_id : str
    layer : {'raw', 'tubeness', 'frangi', 'gaussian'} or str
        ``raw`` is the image itself (nothing is cached); ``map:<name>:<k>``
        is class ``k`` (0-based) of a probability map (:mod:`.maps`).
    channel, frame : int
        0-based channel and frame of the image.
    scales : sequence of float, optional
        Filter scales in physical units; :func:`default_scales` by default.
    progress : callable, optional
        ``progress(percent, message)``, called after each scale when the
        layer is computed (a job's progress report; it may raise to cancel).

    Returns
    -------
    ndarray, shape (z, y, x)
        Read-only (memory-mapped) for filtered layers.
    """
    if layer.startswith(MAP_PREFIX):
        return map_volume(store, project_id, *parse_map_layer(layer))
    image = _image(store, project_id)
    volume = image.volume(channel, frame)
    if layer == "raw":
        return volume
    scales = tuple(scales or default_scales(image.spacing))
    path = layer_file(store, project_id, layer, channel=channel, frame=frame, scales=scales)

    def load():
        if not path.exists():
            data = _compute(volume, layer, image.spacing, scales, progress)
            # Two processes may compute the same layer at once; each writes a
            # complete file and the last rename wins, so no reader sees half.
            with atomic_write(path) as fh:
                np.save(fh, data)
        return np.load(path, mmap_mode="r")

    return store.cached(("layer", path.name), load)


def _compute(volume, layer, spacing, scales, progress) -> np.ndarray:
    """The layer, one scale at a time so that progress can be told (and a job cancelled) between scales.

    Tubeness and Frangi keep the maximum over scales, so the running maximum
    of single-scale results is the multi-scale result; a Gaussian layer uses
    the first scale only.
    """
    steps = scales[:1] if layer == "gaussian" else scales
    out = None
    for k, scale in enumerate(steps, 1):
        data = np.asarray(filtered_layer(volume, layer, spacing, (scale,)), dtype=np.float32)
        out = data if out is None else np.maximum(out, data, out=out)
        if progress is not None:
            progress(100.0 * k / len(steps), f"{layer}: scale {scale:g} done ({k} of {len(steps)})")
    return np.ascontiguousarray(out)
