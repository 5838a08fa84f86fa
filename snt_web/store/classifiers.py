"""Pixel classifiers trained in a project, kept beside it.

A model is a ``.sntclf`` file (:mod:`snt_web.classify.model_io`: skops with an
explicit list of trusted types, never a pickle) under
``projects/<id>/models/``; it is registered as a ``classifier`` attachment
holding its JSON description (classes, out-of-bag accuracy, samples per
class and background samples by source, the share of the traced region its
paths fill, feature settings), through the command layer, like every change.
"""

from __future__ import annotations

import json
import secrets

from ..classify import PixelClassifier, load_classifier, save_classifier
from .commands import PutAttachment, apply
from .maps import map_name
from .projects import ProjectStore
from .records import ProjectRecord, StoreError

KIND = "classifier"
MODEL_DIR = "models"


def save_model(store: ProjectStore, project_id: str, user: str | None, name: str, classifier: PixelClassifier,
               base_version: int | None) -> ProjectRecord:
    """Keep ``classifier`` as the project's model ``name`` (replacing one of that name)."""
    name = map_name(name)
    file = f"{name}-{secrets.token_hex(4)}.sntclf"
    path = store.project_dir(project_id) / MODEL_DIR / file
    path.parent.mkdir(parents=True, exist_ok=True)
    save_classifier(classifier, path)
    meta = {
        "name": name, "file": file, "classes": list(classifier.class_names),
        "oob_accuracy": classifier.oob_accuracy, "class_counts": classifier.class_counts,
        "background_counts": classifier.background_counts,
        "expected": None if classifier.expected is None else classifier.expected.to_json(),
        "feature_settings": classifier.settings.to_json(), "n_channels": classifier.n_channels,
    }
    try:
        return apply(store, project_id, user, PutAttachment(KIND, name, json.dumps(meta).encode()), base_version)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def list_models(store: ProjectStore, project_id: str) -> list[dict]:
    """The project's models: their JSON descriptions, by name."""
    return sorted((model_meta(store, project_id, name) for kind, name, *_ in store.attachments(project_id)
                   if kind == KIND), key=lambda m: m["name"])


def model_meta(store: ProjectStore, project_id: str, name: str) -> dict:
    """One model's description (StoreError if there is none)."""
    return json.loads(store.attachment(project_id, KIND, name))


def load_model(store: ProjectStore, project_id: str, name: str) -> PixelClassifier:
    """A project's model, read back from its file."""
    meta = model_meta(store, project_id, name)
    path = store.project_dir(project_id) / MODEL_DIR / meta["file"]
    if not path.is_file():
        raise StoreError(f"the file of model {name!r} of project {project_id!r} is missing")
    return load_classifier(path)
