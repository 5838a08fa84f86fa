"""``snt-web fit``: fitted radii and centred nodes written as .traces or SWC, JSON facts, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from snt_web.cli import main
from snt_web.io.reconstruction import read_reconstruction, write_reconstruction
from snt_web.io.image import Image
from snt_web.io.tiff import read_image, write_image
from snt_web.synth import render_tree
from snt_web.synth.phantom import displaced, distance_to_polyline, tube_phantom


@pytest.fixture(scope="module")
def phantom_files(tmp_path_factory):
    """A tube phantom on disk, its truth, and a trace displaced off it (SWC, no radii)."""
    folder = tmp_path_factory.mktemp("phantom")
    image, truth = tube_phantom(7, shape_zyx=(30, 72, 72), n_tubes=2)
    traced = displaced(truth, np.random.default_rng(7), 2 * min(image.spacing))
    write_image(folder / "tubes.tif", image)
    write_reconstruction(traced, folder / "traced.swc")
    return folder / "tubes.tif", folder / "traced.swc", truth, min(image.spacing)


def _run(capsys, *args) -> tuple[int, dict | str]:
    code = main(["fit", *map(str, args)])
    out = capsys.readouterr()
    return code, json.loads(out.out) if code == 0 else out.err


def test_fit_to_swc_writes_the_fitted_radii_and_centres(capsys, tmp_path, phantom_files):
    image_path, traced_path, truth, voxel = phantom_files
    out = tmp_path / "fitted.swc"
    code, facts = _run(capsys, traced_path, image_path, "--scope", "both", "-o", out)
    assert code == 0
    n = sum(len(p) for p in truth.paths)
    assert facts["n_paths"] == 2 and facts["n_nodes"] == n and facts["scope"] == "both" and facts["units"] == "µm"
    assert 0.5 * voxel < facts["median_shift"] <= 2 * voxel and facts["max_shift"] < 10 * voxel
    fitted = read_reconstruction(out)
    assert [len(p) for p in fitted.paths] == [len(p) for p in truth.paths]  # no fitted copies written twice
    for got, want in zip(fitted.paths, truth.paths):
        assert np.median(np.abs(got.radii - want.radii)) <= 0.5 * voxel
        assert np.mean(distance_to_polyline(got.points, want.points) <= voxel) >= 0.9
    assert facts["median_radius"] == pytest.approx(np.median(np.concatenate([p.radii for p in fitted.paths])),
                                                   abs=1e-5)


def test_fit_to_traces_keeps_the_traced_nodes_unless_replacing(capsys, tmp_path, phantom_files):
    image_path, traced_path, truth, voxel = phantom_files
    traced = read_reconstruction(traced_path)
    out = tmp_path / "fitted.traces"
    code, facts = _run(capsys, traced_path, image_path, "--max-radius", 8 * voxel, "-o", out)
    assert code == 0 and facts["scope"] == "radii" and facts["max_shift"] == 0
    tree = read_reconstruction(out)
    assert [(p.id, p.fitted_id, p.fitted_of, p.use_fitted) for p in tree.paths] == \
        [(0, 2, None, True), (2, None, 0, False), (1, 3, None, True), (3, None, 1, False)]
    assert np.allclose(tree.path(0).points, traced.path(0).points, atol=1e-5)
    assert np.allclose(tree.path(2).points, traced.path(0).points, atol=1e-5)  # radii scope: nodes stay
    assert np.median(np.abs(tree.path(2).radii - truth.paths[0].radii)) <= 0.5 * voxel

    code, facts = _run(capsys, traced_path, image_path, "--replace", "--scope", "positions", "-o", out)
    # Positions only: the radii stay the trace's (SWC radius 0: unknown).
    assert code == 0 and facts["replaced"] and facts["median_radius"] == 0
    tree = read_reconstruction(out)
    assert [p.id for p in tree.paths] == [0, 1] and not tree.path(0).radii.any()
    assert np.mean(distance_to_polyline(tree.path(0).points, truth.paths[0].points) <= voxel) >= 0.9


def test_fit_on_a_probability_map_layer(capsys, tmp_path, phantom_files):
    image_path, traced_path, truth, voxel = phantom_files
    image = read_image(image_path)
    occupancy = render_tree(truth, image.shape_zyx, image.spacing)
    write_image(tmp_path / "map.tif", Image(data=occupancy[None, None], spacing=image.spacing, units=image.units,
                                            name="map.tif", source_axes="ZYX"))
    out = tmp_path / "fitted.swc"
    code, facts = _run(capsys, traced_path, image_path, "--layer", tmp_path / "map.tif", "--scope", "both", "-o", out)
    assert code == 0
    for got, want in zip(read_reconstruction(out).paths, truth.paths):
        assert np.median(np.abs(got.radii - want.radii)) <= 0.5 * voxel
    write_image(tmp_path / "small.tif", Image(data=occupancy[None, None, :5], spacing=image.spacing,
                                              units=image.units, name="small.tif", source_axes="ZYX"))
    code, err = _run(capsys, traced_path, image_path, "--layer", tmp_path / "small.tif", "-o", out)
    assert code == 2 and "small.tif: shape (z, y, x)" in err


def test_spotspine_fits(capsys, tmp_path, shared_data):
    folder = shared_data / "snt"
    out = tmp_path / "spine.swc"
    code, facts = _run(capsys, folder / "SpotSpine_ImageStack_Test.swc", folder / "SpotSpine_ImageStack_Test.tif",
                       "--scope", "both", "-o", out)
    assert code == 0 and facts["n_nodes"] == 31 and facts["max_shift"] < 0.6  # the default search radius
    radii = np.concatenate([p.radii for p in read_reconstruction(out).paths])
    assert np.all(np.isfinite(radii)) and np.all(radii > 0)


def test_bad_input_is_one_line_naming_the_file(capsys, tmp_path, phantom_files):
    image_path, traced_path, _, _ = phantom_files
    out = tmp_path / "x.swc"
    code, err = _run(capsys, tmp_path / "missing.swc", image_path, "-o", out)
    assert code == 2 and "missing.swc: no such file" in err
    for bad in ("-1", "inf", "nan"):
        code, err = _run(capsys, traced_path, image_path, "--max-radius", bad, "-o", out)
        assert code == 2 and "--max-radius must be a positive number" in err
    far = read_reconstruction(traced_path)
    for p in far.paths:
        p.points += 1000.0
    write_reconstruction(far, tmp_path / "far.swc")
    code, err = _run(capsys, tmp_path / "far.swc", image_path, "-o", out)
    assert code == 2 and "far.swc: no node lies inside" in err and err.count("\n") == 1
    code, err = _run(capsys, traced_path, image_path, "--channel", "2", "-o", out)
    assert code == 2 and "no channel 2" in err
    assert not out.exists()
