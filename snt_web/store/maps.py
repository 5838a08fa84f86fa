"""Probability maps and segmentations as secondary layers of a project.

A map is a ``float32`` array ``(classes, z, y, x)`` matching the project's
image, from a deep-learning tool, Labkit/TWS, a label image, or the embedded
classifier. Its values stay as they came (probabilities, scores or label
ids): the tracer's costs and the display windows adapt to any range. What
they are is decided once, from what was loaded, and kept in the map's
description as ``values`` (:func:`snt_web.tracing.layers.value_kind`):
``"probability"`` for floating-point values all within [0, 1] (the
classifier's maps always), ``"labels"`` for an integer image, ``"scores"``
for any other range; with ``range``, the smallest and largest value. A
probability map is traced with SNT's probability cost and autotraced at a
probability threshold; labels and scores are traced as an image is.

The voxels are a ``.npy`` file under ``projects/<id>/maps/`` (written
atomically, memory-mapped by every process); the map itself is registered as a
``probability-map`` attachment holding its JSON description, through the
command layer, so loading one is role-checked, versioned and in the history.
"""

from __future__ import annotations

import json
import re
import secrets

import numpy as np

from ..ids import is_valid
from ..io.atomic import atomic_write
from ..io.tiff import read_image_bytes
from ..tracing.layers import value_kind, value_range
from .commands import PutAttachment, apply
from .projects import ProjectStore
from .records import ProjectRecord, StoreError

KIND = "probability-map"
MAP_DIR = "maps"
#: Relative difference of voxel sizes still taken as "the same calibration".
SPACING_TOLERANCE = 1e-3


def import_map(store: ProjectStore, project_id: str, user: str | None, data: bytes, filename: str,
               base_version: int | None) -> ProjectRecord:
    """Load a TIFF (one channel per class) as a map of the project's image.

    Raises
    ------
    SNTWebIOError
        The bytes are not a readable image.
    StoreError
        No project image, or the map's shape or calibration differs from it
        (the message names the file and both values); nothing is stored.
    """
    image = _image(store, project_id)
    pmap = read_image_bytes(data, filename)
    if tuple(pmap.shape_zyx) != tuple(image.shape_zyx):
        raise StoreError(f"{filename}: the probability map is z, y, x = {tuple(pmap.shape_zyx)} but the project "
                         f"image is {tuple(image.shape_zyx)}")
    # An uncalibrated map (spacing 1, as many tools write) is taken to be in the image's grid.
    calibrated = not np.allclose(pmap.spacing, 1.0)
    if calibrated and not np.allclose(pmap.spacing, image.spacing, rtol=SPACING_TOLERANCE):
        raise StoreError(f"{filename}: voxel size (z, y, x) {tuple(pmap.spacing)} {pmap.units} differs from the "
                         f"project image's {tuple(image.spacing)} {image.units}")
    if pmap.n_frames != 1:
        raise StoreError(f"{filename}: {pmap.n_frames} time frames; a probability map has one")
    classes = [f"class {k + 1}" for k in range(pmap.n_channels)]
    return save_map(store, project_id, user, map_name(filename), pmap.data[:, 0], classes, f"file {filename}",
                    base_version)


def save_map(store: ProjectStore, project_id: str, user: str | None, name: str, probabilities, classes,
             source: str, base_version: int | None, *, coverage: dict | None = None) -> ProjectRecord:
    """Store ``probabilities`` ``(classes, z, y, x)`` as the map ``name`` (replacing one of that name).

    The array may be a memory-mapped file (a classifier's blockwise output):
    it is streamed to the project, never loaded whole. Its dtype, as loaded,
    decides with its range what its values are (``values`` in the map's
    description). ``coverage``, a classifier's check of its map
    (:meth:`snt_web.classify.MapCoverage.to_json`), is kept in the description.
    """
    image = _image(store, project_id)
    if probabilities.ndim != 4 or tuple(probabilities.shape[1:]) != tuple(image.shape_zyx):
        raise StoreError(f"map {name!r}: shape {probabilities.shape} is not (classes,) + {tuple(image.shape_zyx)}")
    if len(classes) != probabilities.shape[0]:
        raise StoreError(f"map {name!r}: {probabilities.shape[0]} classes but {len(classes)} names")
    name = map_name(name)
    lo, hi = value_range(probabilities)
    values = value_kind(probabilities, (lo, hi))
    # A new file name per save: cached slices and layers of a replaced map name the old file.
    file = f"{name}-{secrets.token_hex(4)}.npy"
    path = store.project_dir(project_id) / MAP_DIR / file
    with atomic_write(path) as fh:
        np.lib.format.write_array(fh, np.asarray(probabilities, dtype=np.float32)
                                  if probabilities.dtype != np.float32 else probabilities)
    meta = {"name": name, "file": file, "classes": list(classes), "shape": list(image.shape_zyx),
            "source": source, "values": values, "range": [lo, hi]}
    if coverage is not None:
        meta["coverage"] = coverage
    try:
        return apply(store, project_id, user, PutAttachment(KIND, name, json.dumps(meta).encode()), base_version)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def list_maps(store: ProjectStore, project_id: str) -> list[dict]:
    """The maps that fit the project's current image: their JSON descriptions, by name."""
    image = store.image(project_id)
    out = []
    for kind, name, *_ in store.attachments(project_id):
        if kind != KIND:
            continue
        meta = _meta(store, project_id, name)
        if meta is not None and image is not None and tuple(meta["shape"]) == tuple(image.shape_zyx):
            out.append(meta)
    return sorted(out, key=lambda m: m["name"])


def map_description(store: ProjectStore, project_id: str, name: str) -> dict:
    """A map's JSON description (name, file, classes, shape, source, values, range, coverage when checked).

    Raises
    ------
    StoreError
        No such map.
    """
    meta = _meta(store, project_id, name)
    if meta is None:
        raise StoreError(f"project {project_id!r} has no probability map {name!r}")
    return meta


def map_values(store: ProjectStore, project_id: str, name: str) -> str:
    """What a map's values are: ``values`` of its description (:data:`~snt_web.tracing.layers.VALUE_KINDS`).

    Maps stored before this was recorded: the classifier's are probabilities,
    any other is taken as scores (traced as an image is, as it was then).

    Raises
    ------
    StoreError
        No such map.
    """
    meta = map_description(store, project_id, name)
    if "values" in meta:
        return meta["values"]
    return "probability" if str(meta.get("source", "")).startswith("classifier ") else "scores"


def map_volume(store: ProjectStore, project_id: str, name: str, class_index: int = 0) -> np.ndarray:
    """One class of a map as a read-only ``(z, y, x)`` array."""
    return map_file_volume(store, project_id, map_file_id(map_description(store, project_id, name)), class_index)


def map_file_id(meta: dict) -> str:
    """What names a map's voxels: changes whenever the map is replaced (for cacheable URLs)."""
    return meta["file"].removesuffix(".npy")


def map_file_volume(store: ProjectStore, project_id: str, file_id: str, class_index: int = 0) -> np.ndarray:
    """One class of the map file ``file_id`` (:func:`map_file_id`) as a read-only ``(z, y, x)`` array.

    A file id names voxels that never change, so a slice request reads the
    file without looking the map up in the database.

    Raises
    ------
    StoreError
        No such file, or no such class.
    """
    if not is_valid("map file", file_id):
        raise StoreError(f"{file_id!r} is not a probability map file id")
    path = store.project_dir(project_id) / MAP_DIR / f"{file_id}.npy"

    def load():
        try:
            return np.load(path, mmap_mode="r")
        except FileNotFoundError:
            raise StoreError(f"project {project_id!r} has no probability map file {file_id!r}") from None

    # Checked on loading only: a cached map costs a slice request no file system call.
    volume = store.cached(("map", project_id, file_id), load)
    if not 0 <= class_index < len(volume):
        raise StoreError(f"probability map {file_id!r} has classes 1-{len(volume)}, not {class_index + 1}")
    return volume[class_index]


def _meta(store: ProjectStore, project_id: str, name: str) -> dict | None:
    try:
        meta = json.loads(store.attachment(project_id, KIND, name))
    except (StoreError, ValueError):
        return None
    # Maps stored by earlier versions as raw TIFF bytes are not JSON: not listed.
    return meta if isinstance(meta, dict) and "file" in meta else None


def _image(store: ProjectStore, project_id: str):
    image = store.image(project_id)
    if image is None:
        raise StoreError(f"project {project_id!r} has no image to match a probability map to")
    return image


def map_name(filename: str) -> str:
    """The name a map loaded from ``filename`` gets: its stem, safe for file names."""
    stem = re.sub(r"\.(ome\.)?tiff?$", "", str(filename).rsplit("/", 1)[-1], flags=re.I)
    # No leading dot: a map file id never starts with one (hidden scratch files do).
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem)[:64].lstrip(".") or "map"
