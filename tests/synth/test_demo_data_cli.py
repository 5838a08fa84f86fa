"""``snt-web demo-data --kind``: the files of a kind of synthetic data, readable by our readers and SNT's."""

import json

import numpy as np
import pytest

from snt_web.cli import main
from snt_web.io.swc import read_swc
from snt_web.io.tiff import read_image
from snt_web.seeds import read_seeds_csv
from snt_web.synth import make_volume


def test_demo_data_writes_a_hard_volume_with_its_truth_and_seeds(capsys, tmp_path):
    code = main(["demo-data", str(tmp_path / "hard"), "--kind", "hard", "--seed", "2", "--shape", "16,96,96"])
    files = json.loads(capsys.readouterr().out)
    assert code == 0 and set(files) == {"image", "truth", "seeds"}
    volume = make_volume("hard", 2, shape_zyx=(16, 96, 96))
    image = read_image(files["image"])
    assert image.dtype.name == "uint16" and image.units == "µm"
    assert image.spacing == pytest.approx(volume.image.spacing)
    np.testing.assert_array_equal(image.volume(), volume.image.volume())
    truth = read_swc(files["truth"])
    assert truth.n_nodes == volume.truth.n_nodes
    assert truth.total_length == pytest.approx(volume.truth.total_length, rel=1e-4)
    seeds = read_seeds_csv(files["seeds"], spacing_xyz=image.spacing[::-1], shape_zyx=image.shape_zyx).seeds
    np.testing.assert_allclose(seeds.xyz, volume.seeds_xyz, atol=1e-5)
    np.testing.assert_allclose(seeds.radius, volume.soma_radii, atol=1e-5)
    assert list(seeds.type) == ["soma"]


def test_demo_data_without_a_kind_is_the_demo(capsys, tmp_path):
    assert main(["demo-data", str(tmp_path / "d"), "--seed", "3", "--shape", "16,64,64"]) == 0
    files = json.loads(capsys.readouterr().out)
    demo = make_volume("demo", 3, shape_zyx=(16, 64, 64))
    np.testing.assert_array_equal(read_image(files["image"]).volume(), demo.image.volume())


def test_an_unknown_kind_is_refused(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main(["demo-data", str(tmp_path / "d"), "--kind", "blurry"])
    assert exit_.value.code == 2 and "invalid choice: 'blurry'" in capsys.readouterr().err
