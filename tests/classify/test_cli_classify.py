"""``snt-web classify train | apply`` on the demo files: JSON facts, a calibrated map, one-line errors."""

import json
import pickle

import numpy as np
import pytest

from snt_web.cli import main
from snt_web.io.image import Image
from snt_web.io.tiff import read_image, write_image


@pytest.fixture(scope="module")
def model(demo_files, tmp_path_factory):
    image_path, truth_path = demo_files
    path = tmp_path_factory.mktemp("model") / "demo.sntclf"
    assert main(["classify", "train", str(image_path), "--paths", str(truth_path), "--mode", "volume",
                 "--scales", "0.3,0.6,1.2", "--trees", "20", "-o", str(path)]) == 0
    return path


def test_train_prints_its_facts(capsys, demo_files, tmp_path):
    image_path, truth_path = demo_files
    out = tmp_path / "m.sntclf"
    assert main(["classify", "train", str(image_path), "--paths", str(truth_path), "--scales", "0.6",
                 "--trees", "5", "--depth", "4", "-o", str(out)]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert set(facts) >= {"oob_accuracy", "class_counts", "train_s"} and 0 < facts["oob_accuracy"] <= 1
    assert list(facts["class_counts"]) == ["SNT paths ch1", "background"] and facts["n_features"] == 10
    assert out.is_file()
    assert main(["classify", "train", str(image_path), "--paths", str(truth_path), "--scales", "0.6",
                 "--trees", "5", "--class-weight", "background=0.5", "-o", str(out)]) == 0
    with pytest.raises(SystemExit):
        main(["classify", "train", str(image_path), "--paths", str(truth_path), "--class-weight", "heavy",
              "-o", str(out)])
    assert "cannot read 'heavy'" in capsys.readouterr().err
    assert main(["classify", "train", str(image_path), "--paths", str(truth_path), "--scales", "0.6",
                 "--trees", "2", "--class-weight", "axon=2", "-o", str(out)]) != 0
    assert "--class-weight: no class 'axon'" in capsys.readouterr().err


def test_apply_writes_a_calibrated_probability_map(capsys, demo_files, model, tmp_path):
    image_path, _ = demo_files
    capsys.readouterr()
    out = tmp_path / "map.tif"
    assert main(["classify", "apply", str(image_path), "--model", str(model), "-o", str(out),
                 "--memory-budget", "16"]) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["classes"] == ["SNT paths ch1", "background"] and facts["mvox_per_s"] > 0 and facts["elapsed_s"] > 0
    image, pmap = read_image(image_path), read_image(out)
    assert pmap.dtype == np.float32 and pmap.data.shape == (2, 1) + image.shape_zyx
    assert pmap.spacing == pytest.approx(image.spacing) and pmap.units == image.units
    np.testing.assert_allclose(pmap.data.sum(axis=0), 1, atol=1e-5)
    one = tmp_path / "neurite.tif"
    assert main(["classify", "apply", str(image_path), "--model", str(model), "-o", str(one), "--class", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["classes"] == ["SNT paths ch1"]
    np.testing.assert_allclose(read_image(one).data[0], pmap.data[0], atol=1e-6)


def test_bad_input_is_one_line_naming_the_file(capsys, demo_files, model, tmp_path):
    image_path, truth_path = demo_files
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps({"a": 1}))
    two = tmp_path / "two.tif"
    single = read_image(image_path)
    write_image(two, Image(data=np.concatenate([single.data, single.data]), spacing=single.spacing, units="µm"))
    small = tmp_path / "small.tif"
    write_image(small, Image(data=np.ones((1, 1, 4, 8, 8), np.uint8), spacing=single.spacing, units="µm"))
    out = str(tmp_path / "p.tif")
    cases = [
        (["classify", "apply", str(image_path), "--model", str(pickled), "-o", out], f"{pickled}: not an SNT Web"),
        (["classify", "apply", str(two), "--model", str(model), "-o", out], "2 channel(s), but the model"),
        (["classify", "apply", str(image_path), "--model", str(model), "-o", out, "--class", "axon"],
         "no class 'axon'"),
        (["classify", "apply", str(image_path), "--model", str(tmp_path / "none"), "-o", out], "no such file"),
        (["classify", "train", str(image_path), "--paths", str(truth_path), "--background", str(small), "-o", out],
         "differs from the image's"),
        (["classify", "train", str(image_path), "--paths", str(truth_path), "--frame", "3", "-o", out], "no frame 3"),
    ]
    for argv, message in cases:
        capsys.readouterr()
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
