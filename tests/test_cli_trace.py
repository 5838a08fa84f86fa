"""``snt-web trace``: a path that follows the demo neuron, JSON facts, one-line errors."""

import json

import numpy as np
import pytest

from snt_web.cli import main
from snt_web.io.reconstruction import read_reconstruction
from snt_web.io.tiff import read_image


def _distance_to_polyline(points, line):
    """Distance from each point to the nearest segment of ``line`` (both (n, 3))."""
    a, b = line[:-1], line[1:]
    ab = b - a
    t = np.clip(np.einsum("pnk,nk->pn", points[:, None] - a, ab) / np.maximum((ab ** 2).sum(1), 1e-12), 0, 1)
    nearest = a + t[..., None] * ab
    return np.linalg.norm(points[:, None] - nearest, axis=2).min(axis=1)


@pytest.mark.parametrize("layer", ["tubeness", "raw"])
def test_trace_follows_the_truth_between_two_of_its_nodes(capsys, tmp_path, demo_files, layer):
    image_path, truth_path = demo_files
    truth = max(read_reconstruction(truth_path).paths, key=len)
    start, goal = truth.points[3], truth.points[min(len(truth) - 4, 80)]
    out = tmp_path / "traced.traces"
    code = main(["trace", str(image_path), "--from", ",".join(map(str, start)), "--to", ",".join(map(str, goal)),
                 "--layer", layer, "-o", str(out)])
    facts = json.loads(capsys.readouterr().out)
    assert code == 0 and set(facts) >= {"length", "n_nodes", "search_s"}
    traced = read_reconstruction(out).paths[0]
    assert facts["n_nodes"] == len(traced) and facts["length"] == pytest.approx(traced.length, rel=1e-4)
    spacing_xyz = np.asarray(read_image(image_path).spacing[::-1])
    off = _distance_to_polyline(traced.points / spacing_xyz, truth.points / spacing_xyz)
    assert np.mean(off <= 2.0) >= 0.95


def test_a_probability_map_is_searched_with_snts_probability_cost(capsys, tmp_path, demo_files):
    from snt_web.io.image import Image
    from snt_web.io.tiff import write_image
    from snt_web.synth import render_tree

    from scipy import ndimage

    image_path, truth_path = demo_files
    image, tree = read_image(image_path), read_reconstruction(truth_path)
    truth = max(tree.paths, key=len)
    occupancy = render_tree(tree, image.shape_zyx, image.spacing)
    # A network's output (the neurites with soft edges), and a segmentation (integers: labels, traced as an image).
    maps = {"p.tif": ndimage.gaussian_filter(occupancy, 0.7).astype(np.float32),
            "labels.tif": (occupancy >= 0.5).astype(np.uint8)}
    start, goal = truth.points[3], truth.points[min(len(truth) - 4, 80)]
    for name, cost in (("p.tif", "probability"), ("labels.tif", "reciprocal")):
        write_image(tmp_path / name, Image(maps[name][None, None], image.spacing, image.units, name, "ZYX"))
        out = tmp_path / f"{name}.traces"
        code = main(["trace", str(image_path), "--from", ",".join(map(str, start)), "--to",
                     ",".join(map(str, goal)), "--layer", str(tmp_path / name), "-o", str(out)])
        facts = json.loads(capsys.readouterr().out)
        assert code == 0 and facts["cost_function"] == cost, facts
    spacing_xyz = np.asarray(image.spacing[::-1])
    off = _distance_to_polyline(read_reconstruction(tmp_path / "p.tif.traces").paths[0].points / spacing_xyz,
                                truth.points / spacing_xyz)
    assert np.mean(off <= 2.0) >= 0.95


def test_voxel_units_and_bad_points(capsys, tmp_path, demo_files):
    image_path, _ = demo_files
    out = tmp_path / "t.swc"
    assert main(["trace", str(image_path), "--from", "5,5,2", "--to", "40,30,10", "--units", "voxel",
                 "-o", str(out)]) == 0
    path = read_reconstruction(out).paths[0]
    spacing = read_image(image_path).spacing
    assert path.points[0] == pytest.approx([5 * spacing[2], 5 * spacing[1], 2 * spacing[0]])
    capsys.readouterr()
    assert main(["trace", str(image_path), "--from", "5,5,2", "--to", "500,30,10", "--units", "voxel",
                 "-o", str(out)]) == 2
    assert "--to 500,30,10 (voxel) lies outside the image" in capsys.readouterr().err
    main(["demo-data", str(tmp_path / "other"), "--shape", "16,64,64"])
    capsys.readouterr()
    code = main(["trace", str(image_path), "--from", "5,5,2", "--to", "40,30,10", "--units", "voxel",
                 "--layer", str(tmp_path / "other" / "image.tif"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "differs from the image's" in err
