"""Saving and loading pixel classifiers in a format that cannot run code: skops in a ZIP archive, no pickle.

A model file is a ZIP archive of two members:

``classifier.json``
    What it takes to apply the forest: ``format`` (``"snt-web pixel
    classifier"``), ``format_version`` (1), ``feature_settings`` (scales and
    groups), ``feature_names`` (channel by channel), ``class_names``,
    ``spacing_zyx`` of the training image, ``n_channels``, ``oob_accuracy``,
    ``class_counts``, ``snt_web_version`` and ``sklearn_version``; and, from
    files written since they were added (optional on reading),
    ``background_counts`` (background samples by source) and ``expected``
    (the share of the traced region its paths fill, and that region).
``forest.skops``
    The scikit-learn forest, written by ``skops.io.dumps``. It is loaded
    trusting only the types a forest is made of (:data:`TRUSTED_TYPES`, on
    top of skops's own safe set), never everything.

Loading refuses, naming the file, anything else: a pickle, a bare skops
file, metadata missing or out of step with the forest (another feature bank,
another number of features or classes), or a forest holding any other type.
"""

from __future__ import annotations

import io
import json
import zipfile

import sklearn
import skops.io
from skops.io.exceptions import UntrustedTypesFoundException
from sklearn.ensemble import RandomForestClassifier

from ..io.atomic import atomic_write
from ..io.errors import SNTWebIOError
from .coverage import ExpectedCoverage
from .features import FeatureSettings, feature_names
from .forest import PixelClassifier

__all__ = ["InvalidClassifierError", "TRUSTED_TYPES", "save_classifier", "load_classifier"]

FORMAT = "snt-web pixel classifier"
FORMAT_VERSION = 1
METADATA_MEMBER = "classifier.json"
FOREST_MEMBER = "forest.skops"

#: The types of a fitted random forest that skops does not trust by default:
#: exactly these, so a file carrying anything else is refused.
TRUSTED_TYPES = [
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._tree.Tree",
]


class InvalidClassifierError(SNTWebIOError):
    """A classifier file is not one, is damaged, or holds types we do not trust."""


def save_classifier(classifier: PixelClassifier, path) -> None:
    """Write a classifier to ``path`` (atomically).

    Parameters
    ----------
    classifier : PixelClassifier
    path : str or os.PathLike
        Any name; ``.sntclf`` is the usual suffix.
    """
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "feature_settings": classifier.settings.to_json(),
        "feature_names": classifier.feature_names,
        "class_names": list(classifier.class_names),
        "spacing_zyx": list(classifier.spacing),
        "n_channels": classifier.n_channels,
        "oob_accuracy": classifier.oob_accuracy,
        "class_counts": classifier.class_counts,
        "background_counts": classifier.background_counts,
        "expected": None if classifier.expected is None else classifier.expected.to_json(),
        "snt_web_version": classifier.version,
        "sklearn_version": sklearn.__version__,
    }
    forest = skops.io.dumps(classifier.forest, compression=zipfile.ZIP_DEFLATED)
    with atomic_write(path, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(METADATA_MEMBER, json.dumps(metadata, indent=2, ensure_ascii=False))
        archive.writestr(FOREST_MEMBER, forest)


def load_classifier(path) -> PixelClassifier:
    """Read a classifier written by :func:`save_classifier`.

    Raises
    ------
    InvalidClassifierError
        The file is not such an archive, its metadata is missing or
        inconsistent with the forest, or the forest holds a type outside
        skops's safe set and :data:`TRUSTED_TYPES`.
    OSError
        The file cannot be read.
    """
    with open(path, "rb") as fh:
        data = fh.read()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvalidClassifierError(path, "not an SNT Web classifier (not a ZIP archive; pickles are never loaded)")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        missing = {METADATA_MEMBER, FOREST_MEMBER} - set(archive.namelist())
        if missing:
            raise InvalidClassifierError(path, f"not an SNT Web classifier (no {', '.join(sorted(missing))})")
        try:
            metadata = json.loads(archive.read(METADATA_MEMBER))
            forest_bytes = archive.read(FOREST_MEMBER)
        except (zipfile.BadZipFile, ValueError) as err:
            raise InvalidClassifierError(path, f"damaged archive: {err}") from None
    return _from_metadata(path, metadata, _load_forest(path, forest_bytes))


def _load_forest(path, data: bytes) -> RandomForestClassifier:
    try:
        forest = skops.io.loads(data, trusted=TRUSTED_TYPES)
    except UntrustedTypesFoundException as err:
        raise InvalidClassifierError(path, f"the forest holds untrusted types, refused: {err}") from None
    except Exception as err:  # skops raises many types on a damaged file; all mean the same here
        raise InvalidClassifierError(path, f"damaged forest ({type(err).__name__}: {err})") from None
    if type(forest) is not RandomForestClassifier:
        raise InvalidClassifierError(path, f"expected a random forest, found {type(forest).__name__}")
    return forest


def _from_metadata(path, metadata, forest: RandomForestClassifier) -> PixelClassifier:
    """The classifier the metadata describes, after checking it against itself and the forest."""
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        raise InvalidClassifierError(path, "not an SNT Web classifier (unknown metadata format)")
    if metadata.get("format_version") != FORMAT_VERSION:
        raise InvalidClassifierError(path, f"format version {metadata.get('format_version')!r} is not supported "
                                           f"(this snt-web reads version {FORMAT_VERSION})")
    try:
        settings = FeatureSettings.from_json(metadata["feature_settings"])
        class_names = tuple(str(n) for n in metadata["class_names"])
        spacing = tuple(float(s) for s in metadata["spacing_zyx"])
        n_channels = int(metadata["n_channels"])
        classifier = PixelClassifier(
            forest=forest, settings=settings, class_names=class_names, spacing=spacing, n_channels=n_channels,
            oob_accuracy=float(metadata["oob_accuracy"]),
            class_counts={str(k): int(v) for k, v in metadata["class_counts"].items()},
            background_counts={str(k): int(v) for k, v in (metadata.get("background_counts") or {}).items()},
            expected=None if metadata.get("expected") is None else ExpectedCoverage.from_json(metadata["expected"]),
            version=str(metadata["snt_web_version"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InvalidClassifierError(path, f"incomplete or malformed metadata ({type(err).__name__}: {err})") from None
    problems = []
    if len(spacing) != 3 or n_channels < 1:
        problems.append(f"spacing {spacing} and {n_channels} channels")
    if metadata.get("feature_names") != classifier.feature_names:
        problems.append(f"its features are not those this snt-web computes for {feature_names(settings)[:2]}…")
    if getattr(forest, "n_features_in_", None) != classifier.n_features:
        problems.append(f"the forest reads {getattr(forest, 'n_features_in_', None)} features, "
                        f"the settings give {classifier.n_features}")
    if list(getattr(forest, "classes_", [])) != list(range(len(class_names))):
        problems.append(f"the forest has {len(getattr(forest, 'classes_', []))} classes, "
                        f"the metadata names {len(class_names)}")
    if problems:
        raise InvalidClassifierError(path, "inconsistent classifier: " + "; ".join(problems))
    return classifier
