"""What the browser holds about a project: ids, versions and geometry, never data.

The ``project`` store (see :func:`project_meta`) is the one piece of project
state in the page. Panels read data through the server's store by project id
and compare versions; nothing in the web layer keeps project data in module
globals, so any number of server processes can serve the same page.
"""

from __future__ import annotations

from flask import current_app

from ..store import ProjectStore
from .auth import require


def get_store() -> ProjectStore:
    """The store of the app serving this request."""
    return current_app.config["SNT_WEB_STORE"]


def readable_store(project_id: str) -> ProjectStore:
    """The store, once the current user is known to may view ``project_id``.

    Callbacks take project ids from the page, which a client can forge, so
    every read checks the role on the server.
    """
    require(project_id, "view")
    return get_store()


def project_meta(store: ProjectStore, project_id: str) -> dict:
    """The ``project`` store for the page: ids, versions, image geometry.

    Returns
    -------
    dict
        ``id``, ``name``, ``version`` (bumps on every write),
        ``image_revision``, and when there is an image: ``shape`` (z, y, x),
        ``spacing`` (z, y, x, physical), ``units``, ``n_channels``,
        ``n_frames``, ``dtype``, ``image_name``.
    """
    record = store.get(project_id)
    meta = {
        "id": record.id,
        "name": record.name,
        "version": record.version,
        "image_revision": record.image_revision,
        "shape": None,
    }
    image = store.image(project_id)
    if image is not None:
        meta.update(
            shape=list(image.shape_zyx),
            spacing=list(image.spacing),
            units=image.units,
            n_channels=image.n_channels,
            n_frames=image.n_frames,
            dtype=str(image.dtype),
            image_name=image.name,
        )
    return meta
