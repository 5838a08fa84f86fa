"""Share links: a URL that opens a project at a position, zoom and selected path.

``/?project=ID&x=12.5&y=40&z=3&zoom=4&path=7`` — x, y, z in the image's
physical unit (µm for a calibrated image), as everywhere at our boundaries;
``zoom`` is the magnification of the slice views relative to the whole image;
``path`` a path id to select. Every parameter is optional; bad values are
ignored rather than breaking the page.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

import numpy as np

from ..model import physical_to_voxel, voxel_to_physical


def _number(args, key: str) -> float | None:
    try:
        value = float(args.get(key))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def parse_share_args(args, meta: dict) -> dict:
    """Cursor, zoom and path from a share link's query arguments.

    Parameters
    ----------
    args : mapping
        Query arguments (``flask.request.args`` or a dict of strings).
    meta : dict
        The project's ``project`` store (shape and spacing in z, y, x).

    Returns
    -------
    dict
        ``cursor``: ``{z, y, x, key}`` in voxel indices, clipped to the image,
        or None; ``zoom``: float >= 1 or None; ``path``: int or None.
    """
    out = {"cursor": None, "zoom": None, "path": None}
    position = [_number(args, k) for k in ("x", "y", "z")]
    if all(v is not None for v in position):
        out["cursor"] = cursor_at(position, meta)
    zoom = _number(args, "zoom")
    if zoom is not None and zoom >= 1:
        out["zoom"] = min(zoom, 1000.0)
    path = _number(args, "path")
    if path is not None and path == int(path):
        out["path"] = int(path)
    return out


def cursor_at(position_xyz, meta: dict) -> dict | None:
    """The cursor at a physical position (x, y, z): ``{z, y, x, key}`` in voxel indices, clipped to the image.

    None when the project has no image (``meta`` without a shape).
    """
    shape, spacing = meta.get("shape"), meta.get("spacing")
    if not shape:
        return None
    zyx = np.clip(physical_to_voxel(position_xyz, spacing), 0, np.asarray(shape) - 1)
    cursor = {axis: int(i) for axis, i in zip("zyx", zyx)}
    cursor["key"] = f"{meta['id']}-{meta['image_revision']}"
    return cursor


def cursor_position(cursor: dict, spacing_zyx) -> dict:
    """Physical ``{"x", "y", "z"}`` of the ``cursor`` store's voxel; an axis it lacks counts as index 0.

    The inverse of :func:`cursor_at`, both by :mod:`snt_web.model.coords`.
    """
    xyz = voxel_to_physical([float(cursor.get(axis, 0)) for axis in "zyx"], spacing_zyx)
    return dict(zip("xyz", (float(v) for v in xyz)))


def share_query(project_id: str, position_xyz, zoom: float | None = None, path: int | None = None) -> str:
    """The query string of a share link (the browser builds the same in ``assets/snt_web.js``)."""
    x, y, z = position_xyz
    args = {"project": project_id, "x": f"{x:g}", "y": f"{y:g}", "z": f"{z:g}"}
    if zoom:
        args["zoom"] = f"{zoom:.3g}"
    if path is not None:
        args["path"] = str(path)
    return "?" + urlencode(args)


def zoomed_range(lo: float, hi: float, centre: float, zoom: float) -> list[float]:
    """An axis range ``zoom`` times narrower than ``[lo, hi]``, centred on ``centre`` and kept inside."""
    width = (hi - lo) / zoom
    start = min(max(centre - width / 2, lo), hi - width)
    return [start, start + width]
