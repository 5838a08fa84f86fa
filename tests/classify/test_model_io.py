"""Model files: a safe round trip; pickles, untrusted types and inconsistent metadata refused."""

import io
import json
import pickle
import zipfile

import numpy as np
import pytest

from snt_web.classify import (
    ExpectedCoverage,
    FeatureSettings,
    InvalidClassifierError,
    TrainingSamples,
    apply,
    load_classifier,
    save_classifier,
    train,
)
from snt_web.io.errors import SNTWebIOError

SPACING = (1.0, 0.5, 0.5)


@pytest.fixture(scope="module")
def model():
    rng = np.random.default_rng(1)
    volume = rng.normal(50, 10, (6, 30, 30)).astype(np.float32)
    volume[:, 10:20, 10:20] += 80
    coords = np.array([(z, y, x) for z in range(6) for y in range(0, 30, 2) for x in range(0, 30, 2)])
    inside = ((coords[:, 1:] >= 10) & (coords[:, 1:] < 20)).all(axis=1)
    samples = TrainingSamples(coords, (~inside).astype(int), ("SNT paths ch1", "background"),
                              {"near paths": 300, "far": 200, "painted": int(np.sum(~inside)) - 500},
                              ExpectedCoverage(0.25, ((0, 6), (8, 22), (8, 22))))
    classifier = train(volume, SPACING, samples, FeatureSettings((0.5, 1.0)), n_estimators=12, n_jobs=1)
    return volume, classifier


def rewrite(source, target, **members):
    """Copy the archive ``source`` to ``target`` with some members replaced (bytes) or dropped (None)."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = members.get(name, old.read(name))
            if data is not None:
                new.writestr(name, data)


def test_round_trip_predicts_identically(model, tmp_path):
    volume, classifier = model
    path = tmp_path / "model.sntclf"
    save_classifier(classifier, path)
    loaded = load_classifier(path)
    assert loaded.class_names == classifier.class_names and loaded.settings == classifier.settings
    assert loaded.spacing == SPACING and loaded.n_channels == 1
    assert loaded.oob_accuracy == classifier.oob_accuracy and loaded.class_counts == classifier.class_counts
    assert loaded.background_counts == classifier.background_counts and loaded.background_counts["far"] == 200
    assert loaded.expected == classifier.expected == ExpectedCoverage(0.25, ((0, 6), (8, 22), (8, 22)))
    np.testing.assert_array_equal(apply(loaded, volume, SPACING, n_jobs=1),
                                  apply(classifier, volume, SPACING, n_jobs=1))
    with zipfile.ZipFile(path) as archive:
        metadata = json.loads(archive.read("classifier.json"))
    assert metadata["format"] == "snt-web pixel classifier" and metadata["feature_settings"]["scales"] == [0.5, 1.0]
    # A file written before the background's sources and the paths' share were recorded still loads.
    del metadata["background_counts"], metadata["expected"]
    older = tmp_path / "older.sntclf"
    rewrite(path, older, **{"classifier.json": json.dumps(metadata).encode()})
    assert load_classifier(older).background_counts == {} and load_classifier(older).expected is None


def test_a_pickle_is_never_loaded(model, tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(model[1].forest))
    with pytest.raises(InvalidClassifierError, match="pickles are never loaded") as err:
        load_classifier(path)
    assert isinstance(err.value, SNTWebIOError) and str(path) in str(err.value)


def test_untrusted_types_in_the_forest_are_refused(model, tmp_path):
    good = tmp_path / "good.sntclf"
    save_classifier(model[1], good)
    with zipfile.ZipFile(good) as archive:
        forest = archive.read("forest.skops")
    with zipfile.ZipFile(io.BytesIO(forest)) as skops_archive:
        schema = json.loads(skops_archive.read("schema.json"))
        blobs = {name: skops_archive.read(name) for name in skops_archive.namelist() if name != "schema.json"}
    schema["__class__"], schema["__module__"] = "Popen", "subprocess"  # the forest itself swapped
    tampered = io.BytesIO()
    with zipfile.ZipFile(tampered, "w") as skops_archive:
        skops_archive.writestr("schema.json", json.dumps(schema))
        for name, data in blobs.items():
            skops_archive.writestr(name, data)
    bad = tmp_path / "bad.sntclf"
    rewrite(good, bad, **{"forest.skops": tampered.getvalue()})
    with pytest.raises(InvalidClassifierError, match="untrusted types.*subprocess.Popen"):
        load_classifier(bad)


@pytest.mark.parametrize("change, message", [
    ({"classifier.json": None}, "no classifier.json"),
    ({"forest.skops": None}, "no forest.skops"),
    ({"forest.skops": b"not a skops file"}, "damaged forest"),
    ({"classifier.json": b"{"}, "damaged archive"),
])
def test_missing_or_damaged_members_are_refused(model, tmp_path, change, message):
    good = tmp_path / "good.sntclf"
    save_classifier(model[1], good)
    bad = tmp_path / "bad.sntclf"
    rewrite(good, bad, **change)
    with pytest.raises(InvalidClassifierError, match=message):
        load_classifier(bad)


@pytest.mark.parametrize("edit, message", [
    (lambda m: m.update(class_names=["a", "b", "c"]), "the forest has 2 classes, the metadata names 3"),
    (lambda m: m.update(n_channels=2), "the forest reads 20 features, the settings give 40"),
    (lambda m: m["feature_settings"].update(scales=[0.5, 2.0]), "not those this snt-web computes"),
    (lambda m: m.pop("spacing_zyx"), "incomplete or malformed metadata"),
    (lambda m: m.update(format_version=9), "format version 9 is not supported"),
])
def test_metadata_out_of_step_with_the_forest_is_refused(model, tmp_path, edit, message):
    good = tmp_path / "good.sntclf"
    save_classifier(model[1], good)
    with zipfile.ZipFile(good) as archive:
        metadata = json.loads(archive.read("classifier.json"))
    edit(metadata)
    bad = tmp_path / "bad.sntclf"
    rewrite(good, bad, **{"classifier.json": json.dumps(metadata).encode()})
    with pytest.raises(InvalidClassifierError, match=message):
        load_classifier(bad)
