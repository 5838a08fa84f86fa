"""The classifier loop as jobs: train a random forest from the traced paths, apply it to the whole image.

Paths tagged ``{background}`` are the user's background marks (strokes painted
on the slices, with the brush radius at their nodes, or paths traced along
what is *not* a neurite and tagged); their volumes are added to the
background sampled automatically beside and away from every path.

Both jobs report their progress step by step (drawing the paths, each scale
of the features, each ten trees; each scale and each chunk of voxels
classified). The map a classifier makes is checked against the share of the
traced region its training paths fill (:func:`~snt_web.classify.check_coverage`);
the check is in the job's result and the map's description.
"""

from __future__ import annotations

import numpy as np

from ..classify import FeatureSettings, apply, default_scales, map_coverage, samples_from_paths, train
from ..labels.render import render_labels
from ..model import Tree
from ..store.maps import MAP_DIR, save_map
from ..store.classifiers import load_model, save_model
from ..store.records import StoreError
from ..labels.render import MODES
from .params import choice, either, frame, integer, optional, scales, text, weights
from .tasks import task

#: The tag that makes a path a background mark rather than a neurite.
BACKGROUND_TAG = "background"


def split_background(tree: Tree) -> tuple[Tree, Tree]:
    """``(neurite paths, background marks)`` of a reconstruction, by the ``{background}`` tag."""
    marks = [p for p in tree.paths if BACKGROUND_TAG in p.tags]
    ids = {p.id for p in marks}
    neurites = [p for p in tree.paths if p.id not in ids]
    return (Tree(neurites, spacing_xyz=tree.spacing_xyz, units=tree.units),
            Tree(marks, spacing_xyz=tree.spacing_xyz, units=tree.units))


def _image(context):
    image = context.store.image(context.project_id)
    if image is None:
        raise StoreError(f"project {context.project_id!r} has no image to classify")
    return image


@task("train-classifier", name=text(64), mode=choice(*MODES), scales=scales(), n_estimators=integer(1, 1000),
      max_depth=optional(integer(1, 100)), class_weight=optional(either(choice("balanced"), weights())),
      frame=frame())
def train_classifier(context, name: str = "classifier", mode: str = "skeleton", scales=None,
                     n_estimators: int = 100, max_depth: int | None = None, class_weight="balanced",
                     frame: int = 0) -> dict:
    """Train a pixel classifier from the project's paths (all image channels) and keep it as model ``name``.

    ``class_weight`` is :func:`~snt_web.classify.train`'s: ``"balanced"``,
    None, or weights by class name.

    Returns
    -------
    dict
        ``model``, ``oob_accuracy``, ``class_counts``, ``background_counts``
        (by source: near the paths, far, painted), ``expected_fraction`` (the
        share of the traced region the paths fill).
    """
    image = _image(context)
    neurites, marks = split_background(context.store.reconstruction(context.project_id))
    context.progress(0, "drawing the paths")
    background = None
    if len(marks):
        background = render_labels(marks, image.shape_zyx, image.spacing, mode="volume") > 0
    samples = samples_from_paths(neurites, image.shape_zyx, image.spacing, mode=mode, background=background,
                                 progress=lambda p, m: context.progress(0.04 * p, m))
    counts = ", ".join(f"{n} {c}" for c, n in samples.counts.items())
    context.progress(4, f"samples: {counts}")
    settings = FeatureSettings(scales=tuple(scales) if scales else default_scales(image.spacing))
    classifier = train(image.data[:, frame], image.spacing, samples, settings, n_estimators=int(n_estimators),
                       max_depth=max_depth, class_weight=class_weight,
                       progress=lambda p, m: context.progress(4 + 0.95 * p, m))
    context.progress(99, "saving the model")
    save_model(context.store, context.project_id, context.user, name, classifier, None)
    return {"model": name, "oob_accuracy": classifier.oob_accuracy, "class_counts": classifier.class_counts,
            "background_counts": classifier.background_counts, "expected_fraction": samples.expected.fraction}


@task("apply-classifier", model=text(64), frame=frame())
def apply_classifier(context, model: str = "classifier", frame: int = 0) -> dict:
    """Classify the whole image block by block; the probabilities become the probability map ``model``.

    Returns
    -------
    dict
        ``map`` (its name), ``classes``, ``coverage`` (the map's share at
        probability 0.5 or more in the traced region, the share the paths
        fill, their ratio, and a warning in plain words when the map is too
        wide; None for a model that does not know its paths' share).
    """
    image = _image(context)
    classifier = load_model(context.store, context.project_id, model)
    # The probabilities go to a file as they are computed: a volume larger
    # than memory is classified within the classifier's memory budget.
    scratch = context.store.project_dir(context.project_id) / MAP_DIR / f".{context.job_id}.npy"
    scratch.parent.mkdir(parents=True, exist_ok=True)
    try:
        out = np.lib.format.open_memmap(scratch, mode="w+", dtype=np.float32,
                                        shape=(len(classifier.class_names),) + tuple(image.shape_zyx))
        apply(classifier, image.data[:, frame], image.spacing, out=out,
              progress=lambda p, m: context.progress(0.94 * p, m))
        context.progress(95, "checking the map against the traced paths")
        checked = map_coverage(classifier.expected, out)
        coverage = None if checked is None else checked.to_json()
        context.progress(96, "saving the probability map")
        save_map(context.store, context.project_id, context.user, model, out, classifier.class_names,
                 f"classifier {model}", None, coverage=coverage)
    finally:
        scratch.unlink(missing_ok=True)
    return {"map": model, "classes": list(classifier.class_names), "coverage": coverage}

