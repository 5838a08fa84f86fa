"""Label images on disk: a calibrated TIFF plus a JSON file naming its classes.

The TIFF is an ImageJ hyperstack with the calibration of the image the
labels are for, so Fiji, Labkit, TWS or Python readers overlay it on that
image. Class names go into a sidecar, ``<file>.classes.json``
(``{"classes": [name of label 0, name of label 1, …]}``), rather than into
the TIFF: ImageJ's per-slice ``Labels`` would attach them to planes, and an
``Info`` text is lost by many tools that rewrite the file; a JSON file is read
by any tool in one line.
"""

from __future__ import annotations

import json
from pathlib import Path as FilePath

import numpy as np

from ..io.atomic import atomic_write
from ..io.image import Image
from ..io.tiff import write_image

# ImageJ stores integers as 8 or 16 bits: label images must be one of these.
_LABEL_DTYPES = (np.uint8, np.uint16)


def classes_path(path) -> FilePath:
    """The sidecar naming the classes of the label image at ``path``: ``<path>.classes.json``."""
    path = FilePath(path)
    return path.with_name(path.name + ".classes.json")


def write_label_image(path, labels: np.ndarray, spacing_zyx, units: str, class_names=None) -> None:
    """Write a label volume as a calibrated TIFF, and its class names beside it.

    Both files are written atomically. Without ``class_names``, a sidecar left
    by an earlier export to the same path is removed, so that it cannot name
    the new labels wrongly.

    Parameters
    ----------
    path : str or os.PathLike
        Destination TIFF.
    labels : ndarray of uint8 or uint16, shape (z, y, x)
    spacing_zyx : sequence of 3 float
        Voxel size in array order, in ``units``.
    units : str
        Physical unit, e.g. ``"µm"``; ``"pixel"`` for an uncalibrated image.
    class_names : sequence of str, optional
        Name of each label value, starting with label 0.

    Raises
    ------
    ValueError
        ``labels`` is not a 3D uint8 or uint16 array.
    """
    labels = np.asarray(labels)
    if labels.ndim != 3 or labels.dtype.type not in _LABEL_DTYPES:
        raise ValueError(f"labels must be a (z, y, x) uint8 or uint16 array, got {labels.dtype} {labels.shape}")
    write_image(path, Image(data=labels[None, None], spacing=tuple(spacing_zyx), units=units,
                            name=FilePath(path).name, source_axes="ZYX"))
    sidecar = classes_path(path)
    if class_names is None:
        sidecar.unlink(missing_ok=True)
        return
    with atomic_write(sidecar, "w") as fh:
        json.dump({"classes": list(class_names)}, fh, ensure_ascii=False, indent=2)
