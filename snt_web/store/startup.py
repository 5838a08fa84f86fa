"""The project a server opens at start: the demo, or one per image file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..io.reconstruction import read_reconstruction
from ..io.tiff import read_image
from .projects import ProjectStore

DEMO_PROJECT = "demo"


def open_startup_project(store: ProjectStore, image=None) -> str:
    """Open (creating on first use) the project to serve, and return its id.

    Parameters
    ----------
    store : ProjectStore
    image : path-like, optional
        A TIFF file, opened in place. The project id is derived from its
        absolute path, so serving the same file again reopens the same
        project and its reconstruction. Without an image, the built-in demo
        (rendered once into ``<data_dir>/demo``) opens with its ground truth.

    Raises
    ------
    SNTWebIOError
        The image cannot be read.
    """
    if image is None:
        from ..synth.demo_files import ensure_demo

        image_path, truth_path = ensure_demo(store.data_dir / "demo")
        store.open_or_create(DEMO_PROJECT, "Demo neuron", image_path=image_path, tree=read_reconstruction(truth_path))
        return DEMO_PROJECT
    path = Path(image).resolve()
    read_image(path)  # fail now, in one sentence, rather than in the first request
    project_id = "img-" + hashlib.sha1(str(path).encode()).hexdigest()[:12]
    store.open_or_create(project_id, path.name, image_path=path)
    return project_id
