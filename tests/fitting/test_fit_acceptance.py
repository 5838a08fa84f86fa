"""Refine/Fit acceptance: rendered tubes of known radii (1-6 voxels), traces displaced off them, real data."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.fitting import default_max_radius, fit_path, fit_tree
from snt_web.io import read_image, read_reconstruction
from snt_web.model import Path
from snt_web.synth.phantom import displaced, distance_to_polyline, tube_phantom


@pytest.mark.parametrize(("seed", "spacing"), [(0, (0.5, 0.5, 0.5)), (1, (0.5, 0.5, 0.5)), (2, (0.75, 0.25, 0.25))],
                         ids=["isotropic", "isotropic-2", "anisotropic-3x"])
def test_radii_and_centrelines_of_known_tubes_are_recovered_from_displaced_traces(seed, spacing):
    shape = tuple(int(n / s) for n, s in zip((20, 48, 48), spacing))
    image, truth = tube_phantom(seed, shape_zyx=shape, spacing_zyx=spacing, n_tubes=3)
    voxel = min(spacing)
    truth_radii = np.concatenate([p.radii for p in truth.paths]) / voxel
    assert truth_radii.min() < 1.1 and truth_radii.max() > 5.9  # the whole range of the acceptance
    traced = displaced(truth, np.random.default_rng(seed + 100), 2 * voxel)
    before = np.concatenate([distance_to_polyline(t.points, p.points) for t, p in zip(traced.paths, truth.paths)])
    assert before.max() / voxel <= 2.001 and np.mean(before / voxel > 1) > 0.9  # truly displaced

    fitted = fit_tree(image.volume(0, 0), image.spacing, traced, scope="both")

    radius_error = np.concatenate([np.abs(f.radii - p.radii) for f, p in zip(fitted, truth.paths)]) / voxel
    after = np.concatenate([distance_to_polyline(f.points, p.points) for f, p in zip(fitted, truth.paths)]) / voxel
    assert np.median(radius_error) <= 0.5, np.median(radius_error)
    assert np.mean(after <= 1.0) >= 0.9, np.mean(after <= 1.0)
    assert [len(f) for f in fitted] == [len(p) for p in traced.paths]


def test_scopes_change_only_what_they_name():
    image, truth = tube_phantom(3, shape_zyx=(30, 60, 60), n_tubes=2)
    path = displaced(truth, np.random.default_rng(0), 1.0).paths[0].copy(radii=np.full(len(truth.paths[0]), 7.0))
    volume = image.volume(0, 0)
    radii = fit_path(volume, image.spacing, path, scope="radii")
    positions = fit_path(volume, image.spacing, path, scope="positions")
    both = fit_path(volume, image.spacing, path, scope="both")
    assert np.array_equal(radii.points, path.points) and not np.allclose(radii.radii, 7.0)
    assert np.array_equal(positions.radii, path.radii) and not np.allclose(positions.points, path.points)
    assert np.array_equal(both.points, positions.points) and np.array_equal(both.radii, radii.radii)
    assert both.id == path.id and both.name == path.name and both.tangents.shape == (len(path), 3)
    with pytest.raises(ValueError, match="scope"):
        fit_path(volume, image.spacing, path, scope="everything")


def test_nodes_off_any_neurite_keep_their_place_and_get_the_local_radius():
    image, truth = tube_phantom(4, shape_zyx=(30, 60, 60), n_tubes=1)
    voxel = min(image.spacing)
    path = truth.paths[0]
    # Five nodes in the middle dragged 6 voxels away, into the background.
    moved = path.points.copy()
    middle = slice(len(path) // 2 - 2, len(path) // 2 + 3)
    moved[middle, 2] += 6 * voxel
    fitted = fit_path(image.volume(0, 0), image.spacing, path.copy(points=moved), scope="both")
    assert np.array_equal(fitted.points[middle], moved[middle])
    before, after = fitted.radii[middle.start - 4:middle.start], fitted.radii[middle.stop:middle.stop + 4]
    neighbours = np.concatenate([before, after])
    assert np.all(np.abs(fitted.radii[middle] - np.median(neighbours)) < 1.5 * voxel)
    assert fitted.radii.min() >= voxel


def test_no_centre_is_placed_beyond_the_image(shared_data):
    from snt_web.autotrace import AutotraceSettings, autotrace

    # A real stack whose neurite leaves through the last slice: the border's
    # padding would pull a centre past the last voxel.
    image = read_image(shared_data / "real" / "app2_py" / "crop1.tif")
    volume = image.volume()
    traced = autotrace(volume, image.spacing, settings=AutotraceSettings(centre=False)).tree
    last = (np.array(volume.shape) - 1)[::-1] * image.spacing[::-1]
    for path in fit_tree(volume, image.spacing, traced, scope="positions"):
        assert np.all((path.points >= 0) & (path.points <= last)), path.id


def test_radii_are_at_least_one_voxel():
    volume = np.zeros((20, 20, 20), dtype=np.uint8)
    volume[10, 10, 2:18] = 200  # a one-voxel line: its fitted radius is below a voxel
    path = Path(0, [[x, 10.0, 10.0] for x in range(3, 17)])
    fitted = fit_path(volume, (1, 1, 1), path)
    assert np.all(fitted.radii >= 1.0) and np.all(np.isfinite(fitted.radii))


def test_spotspine_fits_with_finite_positive_radii_and_small_moves(shared_data):
    folder = shared_data / "snt"
    image = read_image(folder / "SpotSpine_ImageStack_Test.tif")
    tree = read_reconstruction(folder / "SpotSpine_ImageStack_Test.swc")
    search = default_max_radius(image.spacing)
    fitted = fit_tree(image.volume(0, 0), image.spacing, tree, scope="both", max_radius=search)
    assert len(fitted) == len(tree.paths) == 3
    radii = np.concatenate([f.radii for f in fitted])
    moves = np.concatenate([np.linalg.norm(f.points - tree.path(f.id).points, axis=1) for f in fitted])
    assert np.all(np.isfinite(radii)) and np.all(radii >= min(image.spacing))
    assert np.all(moves < search)
    # The dendrite's radii are of the size NeuronStudio measured (0.12-0.42 µm), not the search radius.
    dendrite = fitted[1].radii
    assert 0.15 < np.median(dendrite) < 0.45, np.median(dendrite)


def test_empty_and_one_node_paths():
    volume = np.zeros((9, 9, 9))
    volume[3:6, 3:6, 3:6] = 100.0  # a bright blob: a soma point fits a radius across it
    assert len(fit_path(volume, (1, 1, 1), Path(0, np.empty((0, 3))))) == 0
    soma = fit_path(volume, (1, 1, 1), Path(0, [[4.0, 4.0, 4.0]]))
    assert np.allclose(soma.points, [[4, 4, 4]], atol=0.1) and 1.0 <= soma.radii[0] < 2.5


def test_the_search_radius_bounds_the_radii_and_must_be_a_positive_number():
    image, truth = tube_phantom(6, shape_zyx=(30, 60, 60), n_tubes=1)
    voxel = min(image.spacing)
    path = truth.paths[0]
    wide = path.radii > 3 * voxel
    assert wide.any()  # parts of the tube are wider than the search radius below
    fitted = fit_path(image.volume(0, 0), image.spacing, path, scope="radii", max_radius=2 * voxel)
    assert np.all(fitted.radii < 2 * voxel)
    default = fit_path(image.volume(0, 0), image.spacing, path, scope="radii")
    assert np.median(default.radii[wide]) > 3 * voxel
    for bad in (0.0, -1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="search radius must be a positive number"):
            fit_path(image.volume(0, 0), image.spacing, path, max_radius=bad)
