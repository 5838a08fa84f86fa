"""``snt-web labels``: a label TIFF like the image, JSON facts, points CSV, one-line errors."""

import json

import numpy as np
import pandas as pd
import pytest

from snt_web.cli import main
from snt_web.io import read_image, read_reconstruction
from snt_web.labels import classes_path, path_label_ids


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_volume_labels_per_path_of_the_demo(capsys, tmp_path, demo_files):
    image_path, truth_path = demo_files
    out, points = tmp_path / "labels.tif", tmp_path / "points.csv"
    code, stdout, _ = run(capsys, "labels", truth_path, "--like", image_path, "-o", out,
                          "--mode", "volume", "--classes", "path", "--points", points)
    facts = json.loads(stdout)
    assert code == 0
    image, labels, truth = read_image(image_path), read_image(out), read_reconstruction(truth_path)
    assert facts["shape"] == list(image.shape_zyx) == list(labels.shape_zyx)
    assert labels.spacing == pytest.approx(image.spacing) and labels.units == image.units
    volume = labels.volume()
    assert facts["labelled_voxels"] == np.count_nonzero(volume)
    assert facts["labels"] == len(path_label_ids(truth)) == len(np.unique(volume)) - 1
    assert facts["classes"] == json.loads(classes_path(out).read_text())["classes"]
    assert facts["classes"][0] == "background" and len(facts["classes"]) == facts["labels"] + 1
    table = pd.read_csv(points)
    assert facts["points"] == len(table) and (table["type"] == "tip").sum() == len(truth.tips())


@pytest.mark.parametrize("convention, names", [("labkit", ["background", "SNT paths ch1"]),
                                               ("tws", ["Bckgrnd", "SNTch1"])])
def test_snt_conventions(capsys, tmp_path, demo_files, convention, names):
    image_path, truth_path = demo_files
    code, stdout, _ = run(capsys, "labels", truth_path, "--like", image_path, "-o", tmp_path / "l.tif",
                          "--convention", convention)
    facts = json.loads(stdout)
    assert code == 0 and facts["classes"] == names and facts["labels"] == 1 and facts["labelled_voxels"] > 0


def test_skeleton_is_the_default(capsys, tmp_path, demo_files):
    image_path, truth_path = demo_files
    _, skeleton, _ = run(capsys, "labels", truth_path, "--like", image_path, "-o", tmp_path / "s.tif")
    _, volume, _ = run(capsys, "labels", truth_path, "--like", image_path, "-o", tmp_path / "v.tif",
                       "--mode", "volume")
    skeleton, volume = json.loads(skeleton), json.loads(volume)
    assert skeleton["classes"] == ["background", "neurite"]
    assert 0 < skeleton["labelled_voxels"] < volume["labelled_voxels"]


def test_bad_input_is_one_line_naming_the_file(capsys, tmp_path, demo_files):
    image_path, truth_path = demo_files
    out = tmp_path / "l.tif"
    code, _, err = run(capsys, "labels", tmp_path / "missing.swc", "--like", image_path, "-o", out)
    assert code == 2 and err.strip() == f"snt-web: {tmp_path / 'missing.swc'}: no such file"
    code, _, err = run(capsys, "labels", truth_path, "--like", truth_path, "-o", out)
    assert code == 2 and err.startswith(f"snt-web: {truth_path}: not a TIFF") and len(err.splitlines()) == 1
    broken = tmp_path / "broken.traces"
    broken.write_text("<tracings><path id='0'>")
    code, _, err = run(capsys, "labels", broken, "--like", image_path, "-o", out)
    assert code == 2 and err.startswith(f"snt-web: {broken}") and len(err.splitlines()) == 1
    code, _, err = run(capsys, "labels", truth_path, "--like", image_path, "-o", out,
                       "--convention", "labkit", "--mode", "volume")
    assert code == 2 and "--mode and --classes apply to --convention snt" in err
    assert not out.exists()
