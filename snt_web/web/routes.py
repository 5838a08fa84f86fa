"""Flask routes beside the Dash app: slice images (of the image and of probability maps) and a health check.

Slices are served as binary PNG at URLs that name everything the pixels
depend on (project, image revision, plane, index, channel, frame, window), so
browsers and proxies may cache them for good and fetch them in parallel, and
callback JSON never carries pixels.
"""

from __future__ import annotations

import math
import time

from flask import Blueprint, abort, current_app, request

from ..auth.roles import PermissionDenied
from ..ids import InvalidIdError, check_url_ids
from ..imaging.overlay import COLORMAPS, render_overlay_png
from ..imaging.slices import PLANES, render_slice_png
from ..store import ProjectNotFoundError, StoreError, maps
from .auth import require

blueprint = Blueprint("snt_web", __name__)


@blueprint.before_request
def _check_ids():
    """Ids in the URL have their shapes before they name anything (after authentication: the app's hooks run first)."""
    try:
        check_url_ids(request.view_args)
    except InvalidIdError as err:
        abort(400, str(err))


def slice_url(project_id: str, image_revision: int, plane: str, index: int, *, c=0, t=0, lo=0, hi=255) -> str:
    """The URL the slice route answers; the browser builds the same in ``assets/snt_web.js``."""
    return f"/slice/{project_id}/{image_revision}/{plane}/{index}.png?c={c}&t={t}&lo={lo:g}&hi={hi:g}"


def _float_arg(name: str, default: float) -> float:
    try:
        value = float(request.args.get(name, default))
    except ValueError:
        abort(400, f"{name} must be a number")
    if not math.isfinite(value):
        abort(400, f"{name} must be a finite number")
    return value


def _int_arg(name: str) -> int:
    try:
        return int(request.args.get(name, 0))
    except ValueError:
        abort(400, f"{name} must be an integer")


@blueprint.route("/slice/<project_id>/<int:revision>/<plane>/<int:index>.png")
def slice_png(project_id: str, revision: int, plane: str, index: int):
    if plane not in PLANES:
        abort(404)
    store = current_app.config["SNT_WEB_STORE"]
    try:
        record = store.get(project_id)
        require(project_id, "view")
        image = store.image(project_id)
    except ProjectNotFoundError:
        abort(404)
    except PermissionDenied:
        abort(403)
    if image is None or record.image_revision != revision:
        # An old revision's URL must not be cached with the new pixels.
        abort(404)
    c, t = _int_arg("c"), _int_arg("t")
    if not (0 <= c < image.n_channels and 0 <= t < image.n_frames):
        abort(404)
    start = time.perf_counter()
    png = render_slice_png(image.volume(c, t), plane, index, _float_arg("lo", 0), _float_arg("hi", 255))
    elapsed_ms = (time.perf_counter() - start) * 1000
    return png, 200, {
        "Content-Type": "image/png",
        "Cache-Control": "private, max-age=31536000, immutable",
        "Server-Timing": f"render;dur={elapsed_ms:.1f}",
    }


@blueprint.route("/map/<project_id>/<file_id>/<int:class_index>/<plane>/<int:index>.png")
def map_png(project_id: str, file_id: str, class_index: int, plane: str, index: int):
    """A slice of a probability map in the colormap ``cmap``: see-through, or opaque with ``opaque=1``.

    The opaque slice is drawn instead of the image; both come from one
    renderer, so a colormap looks the same either way.
    """
    cmap = request.args.get("cmap", "magma")
    if plane not in PLANES or cmap not in COLORMAPS:
        abort(404)
    store = current_app.config["SNT_WEB_STORE"]
    try:
        require(project_id, "view")
        # The file id names immutable voxels: no database lookup per slice.
        volume = maps.map_file_volume(store, project_id, file_id, class_index)
    except (ProjectNotFoundError, StoreError):
        abort(404)
    except PermissionDenied:
        abort(403)
    lo, hi = _float_arg("lo", 0), _float_arg("hi", 1)
    png = render_overlay_png(volume, plane, index, lo, hi, cmap, opaque=request.args.get("opaque") == "1")
    return png, 200, {"Content-Type": "image/png", "Cache-Control": "private, max-age=31536000, immutable"}


@blueprint.route("/healthz")
def healthz():
    return {"status": "ok"}
