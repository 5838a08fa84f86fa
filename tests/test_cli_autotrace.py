"""``snt-web autotrace``: the demo neuron, three cells from a labels image's seeds, score maps, one-line errors."""

import json

import numpy as np
import pytest

from snt_web.autotrace import AutotraceSettings, autotrace, node_f1
from snt_web.cli import main
from snt_web.io.image import Image
from snt_web.io.reconstruction import read_reconstruction
from snt_web.io.tiff import read_image, write_image
from snt_web.synth import render_tree
from snt_web.synth.cells import make_cells


def _run(capsys, *argv) -> tuple[int, dict | str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code == 0 else err


def test_autotrace_of_the_demo_writes_its_neuron(capsys, tmp_path, demo_files):
    image_path, truth_path = demo_files
    out = tmp_path / "auto.traces"
    code, facts = _run(capsys, "autotrace", image_path, "--connectivity", "26", "-o", out)
    assert code == 0 and set(facts) >= {"n_trees", "n_nodes", "elapsed_s"}
    tree, truth = read_reconstruction(out), read_reconstruction(truth_path)
    assert facts["n_trees"] == len(tree.roots()) == 1 and facts["n_nodes"] == tree.n_nodes
    assert node_f1(tree, truth, truth.spacing_xyz)["f1"] >= 0.85
    assert all("autotrace:root" in p.tags for p in tree.paths)
    # --no-centre: SNT's pipeline alone, node for node, and further from the truth.
    plain = tmp_path / "plain.traces"
    code, facts = _run(capsys, "autotrace", image_path, "--connectivity", "26", "--no-centre", "-o", plain)
    assert code == 0 and facts["n_trees"] == 1
    plain_tree = read_reconstruction(plain)
    image = read_image(image_path)
    snt = autotrace(image.volume(0, 0), image.spacing, settings=AutotraceSettings(connectivity=26, centre=False))
    assert [len(p) for p in plain_tree.paths] == [len(p) for p in snt.tree.paths]
    assert np.allclose(np.concatenate([p.points for p in plain_tree.paths]),
                       np.concatenate([p.points for p in snt.tree.paths]), atol=1e-4)
    assert node_f1(plain_tree, truth, truth.spacing_xyz)["f1"] < node_f1(tree, truth, truth.spacing_xyz)["f1"]


def test_gap_penalty_reaches_the_tracer(capsys, tmp_path, demo_files):
    image_path, _ = demo_files
    image = read_image(image_path)
    out = tmp_path / "snt.traces"
    code, facts = _run(capsys, "autotrace", image_path, "--gap-penalty", "0", "--no-centre", "-o", out)
    assert code == 0, facts
    snt = autotrace(image.volume(0, 0), image.spacing, settings=AutotraceSettings(gap_penalty=0.0, centre=False))
    assert facts["n_nodes"] == snt.tree.n_nodes
    np.testing.assert_allclose(np.concatenate([p.points for p in read_reconstruction(out).paths]),
                               np.concatenate([p.points for p in snt.tree.paths]), atol=1e-4)
    with pytest.raises(SystemExit):
        main(["autotrace", str(image_path), "--gap-penalty", "-1", "-o", str(out)])
    assert "--gap-penalty: expected zero or more, got -1" in capsys.readouterr().err


def test_seeds_from_a_labels_image_give_one_tree_per_cell(capsys, tmp_path):
    image, truths, labels = make_cells(3, seed=0, shape_zyx=(24, 128, 384))
    image_path, labels_path, seeds_path = tmp_path / "cells.tif", tmp_path / "somas.tif", tmp_path / "seeds.csv"
    write_image(image_path, image)
    write_image(labels_path, Image(labels[None, None], image.spacing, image.units, "somas.tif", "ZYX"))
    assert main(["seeds", "from-labels", str(labels_path), "-o", str(seeds_path)]) == 0
    capsys.readouterr()
    out = tmp_path / "cells.swc"
    code, facts = _run(capsys, "autotrace", image_path, "--seeds", seeds_path, "--multi-cell", "-o", out)
    assert code == 0, facts
    assert facts["n_trees"] == 3 and facts["seeds"].startswith("3 seeds read")
    tree = read_reconstruction(out)
    scores = [max(node_f1(tree.subtree(r.id), t, tree.spacing_xyz)["f1"] for t in truths) for r in tree.roots()]
    assert np.mean(scores) >= 0.85, scores


def test_a_probability_map_as_layer_and_as_score_map(capsys, tmp_path, demo_files):
    image_path, truth_path = demo_files
    image, truth = read_image(image_path), read_reconstruction(truth_path)
    occupancy = render_tree(truth, image.shape_zyx, image.spacing)
    pmap = tmp_path / "pmap.tif"
    write_image(pmap, Image((occupancy * 255).astype(np.uint8)[None, None], image.spacing, image.units, "p", "ZYX"))
    for option in ("--layer", "--score-map"):
        out = tmp_path / f"{option[2:]}.traces"
        code, facts = _run(capsys, "autotrace", image_path, option, pmap, "-o", out)
        assert code == 0 and facts["n_trees"] == 1, facts
        assert node_f1(read_reconstruction(out), truth, truth.spacing_xyz)["f1"] >= 0.85
        # 8-bit values are grey levels, not probabilities: the threshold is estimated as for an image.
        assert facts["threshold_reason"] == "estimated from the image" and facts["threshold"] > 1


def test_a_probability_map_is_traced_at_a_probability_and_says_so(capsys, tmp_path, demo_files):
    from scipy import ndimage

    from snt_web.autotrace.threshold import map_threshold

    image_path, truth_path = demo_files
    image, truth = read_image(image_path), read_reconstruction(truth_path)
    # A network's output: the neurites near 1, a soft rim, a faint haze of noise.
    occupancy = ndimage.gaussian_filter(render_tree(truth, image.shape_zyx, image.spacing), 0.7)
    noise = np.random.default_rng(0).uniform(0, 0.08, occupancy.shape)
    probability = np.clip(occupancy + noise, 0, 1).astype(np.float32)
    pmap = tmp_path / "pmap.tif"
    write_image(pmap, Image(probability[None, None], image.spacing, image.units, "p", "ZYX"))
    out = tmp_path / "map.traces"
    code, facts = _run(capsys, "autotrace", image_path, "--layer", pmap, "-o", out)
    assert code == 0, facts
    assert facts["threshold_reason"] == "probability map" and facts["threshold"] == map_threshold(probability)
    assert 0.1 <= facts["threshold"] <= 0.5  # above the haze
    assert facts["n_trees"] == 1 and node_f1(read_reconstruction(out), truth, truth.spacing_xyz)["f1"] >= 0.85
    code, facts = _run(capsys, "autotrace", image_path, "--layer", pmap, "--threshold", "0.3", "-o", out)
    assert code == 0 and (facts["threshold"], facts["threshold_reason"]) == (0.3, "given")


def test_bad_input_is_one_line_naming_the_problem(capsys, tmp_path, demo_files):
    image_path, _ = demo_files
    out = tmp_path / "x.traces"
    small = tmp_path / "small.tif"
    write_image(small, Image(np.zeros((1, 1, 2, 8, 8), np.uint8), (1.0, 1.0, 1.0), "µm", "small", "ZYX"))
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("x,y\n1,2\n")
    for argv, message in (
        (["autotrace", image_path, "--role", "tip", "-o", out], "--role tip needs --seeds"),
        (["autotrace", image_path, "--channel", "2", "-o", out], "no channel 2, frame 1 (it has 1 channel(s)"),
        (["autotrace", image_path, "--score-map", small, "-o", out], "differs from the image's"),
        (["autotrace", image_path, "--layer", small, "-o", out], "differs from the image's"),
        (["autotrace", small, "-o", out], "above the threshold"),
        (["autotrace", image_path, "--seeds", bad_csv, "-o", out], "missing column"),
        (["autotrace", tmp_path / "nope.tif", "-o", out], "nope.tif"),
    ):
        code, err = _run(capsys, *argv)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


@pytest.mark.parametrize("role", ["tip", "waypoint"])
def test_tip_and_waypoint_seeds(capsys, tmp_path, demo_files, role):
    image_path, truth_path = demo_files
    truth = read_reconstruction(truth_path)
    seeds = tmp_path / "tips.csv"
    seeds.write_text("x,y,z,confidence,radius\n" + "".join(f"{x},{y},{z},1,0\n" for x, y, z in truth.tips()))
    out = tmp_path / f"{role}.traces"
    code, facts = _run(capsys, "autotrace", image_path, "--seeds", seeds, "--role", role, "-o", out)
    assert code == 0 and facts["n_trees"] == 1, facts
    assert node_f1(read_reconstruction(out), truth, truth.spacing_xyz)["recall"] >= 0.8
