"""Fitted versions in a reconstruction: linked or replacing, round trips, SWC and label export, undo."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.fitting import apply_fits, fit_params, fit_tree
from snt_web.io import read_reconstruction, write_reconstruction
from snt_web.io.swc import swc_table
from snt_web.labels import render_labels
from snt_web.model import Path, Tree, edit
from snt_web.store import LOCAL_USER, ProjectStore
from snt_web.store.commands import Undo, apply, edit_tree
from snt_web.synth.phantom import displaced, tube_phantom


@pytest.fixture(scope="module")
def fitted_case():
    """A phantom, a displaced trace of its tubes (the second tube a branch of the first), and their fits."""
    image, truth = tube_phantom(5, shape_zyx=(30, 60, 60), n_tubes=2)
    traced = displaced(truth, np.random.default_rng(5), 1.0)
    first, second = traced.paths
    traced = Tree([first.copy(name="trunk"), second.copy(name="side", parent_id=0, branch_index=10)],
                  spacing_xyz=traced.spacing_xyz, units=traced.units)
    fitted = fit_tree(image.volume(0, 0), image.spacing, traced, scope="both")
    return image, truth, traced, fitted


def test_a_fit_becomes_a_linked_fitted_version_written_after_its_path(fitted_case):
    _, _, traced, fitted = fitted_case
    tree = apply_fits(traced, fit_params(fitted))
    assert [p.id for p in tree.paths] == [0, 2, 1, 3]
    trunk, trunk_fit = tree.path(0), tree.path(2)
    assert (trunk.fitted_id, trunk.use_fitted, trunk_fit.fitted_of) == (2, True, 0)
    assert np.array_equal(trunk.points, traced.path(0).points) and trunk.radii is None  # traced nodes kept
    assert np.allclose(trunk_fit.points, fitted[0].points) and np.allclose(trunk_fit.radii, fitted[0].radii)
    assert trunk_fit.parent_id is None and not trunk_fit.is_primary and trunk_fit.name == "trunk"
    assert tree.path(1).parent_id == 0 and tree.path(1).branch_index == 10
    assert len(tree.roots()) == 1 and tree.total_length == pytest.approx(traced.total_length)

    # Fitting again updates the same fitted version.
    again = apply_fits(tree, fit_params([fitted[0].copy(radii=fitted[0].radii * 2)]))
    assert [p.id for p in again.paths] == [0, 2, 1, 3]
    assert np.allclose(again.path(2).radii, 2 * fitted[0].radii)


def test_replace_overwrites_the_nodes_and_drops_the_fitted_version(fitted_case):
    _, _, traced, fitted = fitted_case
    linked = apply_fits(traced, fit_params(fitted))
    replaced = apply_fits(linked, fit_params(fitted[:1]), replace=True)
    assert [p.id for p in replaced.paths] == [0, 1, 3]
    trunk = replaced.path(0)
    assert (trunk.fitted_id, trunk.use_fitted) == (None, False)
    assert np.allclose(trunk.points, fitted[0].points) and np.allclose(trunk.radii, fitted[0].radii)


def test_bad_fits_are_refused(fitted_case):
    _, _, traced, fitted = fitted_case
    with pytest.raises(ValueError, match="must have its"):
        apply_fits(traced, [{"path_id": 0, "points": fitted[0].points[:-1].tolist()}])
    with pytest.raises(KeyError):
        apply_fits(traced, [{"path_id": 42, "points": [[0, 0, 0]]}])
    linked = apply_fits(traced, fit_params(fitted))
    with pytest.raises(ValueError, match="fitted version"):
        apply_fits(linked, [{"path_id": 2, "points": fitted[0].points.tolist()}])


@pytest.mark.parametrize("suffix", [".traces", ".swc"])
def test_fitted_radii_survive_the_round_trip_and_reach_swc(fitted_case, tmp_path, suffix):
    _, _, traced, fitted = fitted_case
    tree = apply_fits(traced, fit_params(fitted))
    out = tmp_path / f"fitted{suffix}"
    write_reconstruction(tree, out)
    back = read_reconstruction(out)
    if suffix == ".traces":
        # SNT's layout: both links, usefitted on the original, radii and tangents on the fitted points.
        assert [(p.id, p.fitted_id, p.fitted_of, p.use_fitted) for p in back.paths] == \
            [(0, 2, None, True), (2, None, 0, False), (1, 3, None, True), (3, None, 1, False)]
        for p in tree.paths:
            q = back.path(p.id)
            assert np.allclose(q.points, p.points)
            assert (q.radii is None) == (p.radii is None)
            if p.radii is not None:
                assert np.allclose(q.radii, p.radii) and np.allclose(q.tangents, p.tangents)
    # SWC writes the fitted nodes and radii where the fit is used (SNT issue #182), with no duplicates.
    table = swc_table(tree)
    assert len(table) == len(fitted[0]) + len(fitted[1])
    assert np.allclose(table[:, 5], np.concatenate([f.radii for f in fitted]))
    assert np.allclose(table[:, 2:5], np.concatenate([f.points for f in fitted]))


def test_volume_labels_use_the_fitted_radii(fitted_case):
    image, truth, traced, fitted = fitted_case
    tree = apply_fits(traced, fit_params(fitted))
    labels = render_labels(tree, image.shape_zyx, image.spacing, mode="volume") > 0
    unfitted = render_labels(traced, image.shape_zyx, image.spacing, mode="volume") > 0
    truth_mask = render_labels(truth, image.shape_zyx, image.spacing, mode="volume") > 0

    def dice(a, b):
        return 2 * (a & b).sum() / (a.sum() + b.sum())

    assert dice(labels, truth_mask) > 0.85 > dice(unfitted, truth_mask)
    # Deleting the fitted version gives the path its own nodes back, in labels too.
    back = edit.delete_paths(tree, [2, 3])
    assert np.array_equal(render_labels(back, image.shape_zyx, image.spacing, mode="volume") > 0, unfitted)


def test_a_fit_through_the_store_is_one_version_and_undoable(fitted_case, tmp_path):
    _, _, traced, fitted = fitted_case
    store = ProjectStore(tmp_path / "data")
    try:
        store.create("p", project_id="p1", tree=traced, user=LOCAL_USER)
        base = store.get("p1").version
        record, _ = edit_tree(store, "p1", LOCAL_USER, "apply_fits", {"fits": fit_params(fitted)}, base)
        assert record.version == base + 1
        assert store.history("p1")[0].summary == f"fitted 2 paths ({sum(map(len, fitted))} nodes; kept as " \
                                                 "fitted versions)"
        assert store.reconstruction("p1").path(0).use_fitted
        apply(store, "p1", LOCAL_USER, Undo(), record.version)
        assert [p.id for p in store.reconstruction("p1").paths] == [0, 1]
    finally:
        store.engine.dispose()
