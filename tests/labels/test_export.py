"""Label TIFFs keep the image's calibration; class names travel beside them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from snt_web.io import read_image
from snt_web.labels import classes_path, render_labels, write_label_image


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_a_label_image_round_trips_with_its_calibration(cil, tmp_path, dtype):
    tree, shape, spacing = cil
    labels = render_labels(tree, shape, spacing, classes="path").astype(dtype)  # 83 paths: fits a byte
    out = tmp_path / "labels.tif"
    write_label_image(out, labels, spacing, "µm", ["background", "neurite"])
    image = read_image(out)
    assert image.spacing == pytest.approx(spacing) and image.units == "µm"
    assert image.dtype == dtype and np.array_equal(image.volume(), labels)
    assert json.loads(classes_path(out).read_text()) == {"classes": ["background", "neurite"]}


def test_anisotropic_calibration_and_a_stale_class_file(tmp_path):
    labels = np.zeros((3, 4, 5), np.uint16)
    labels[1, 2, 3] = 700
    out = tmp_path / "l.tif"
    write_label_image(out, labels, (2.5, 0.3, 0.25), "µm", ["background"] + [f"c{i}" for i in range(700)])
    assert classes_path(out).name == "l.tif.classes.json"
    write_label_image(out, labels, (2.5, 0.3, 0.25), "µm")
    image = read_image(out)
    assert image.spacing == pytest.approx((2.5, 0.3, 0.25)) and image.volume()[1, 2, 3] == 700
    assert not classes_path(out).exists()


def test_only_integer_label_volumes_are_written(tmp_path):
    with pytest.raises(ValueError, match="uint8 or uint16"):
        write_label_image(tmp_path / "l.tif", np.zeros((2, 3, 4), np.float32), (1, 1, 1), "µm")
    assert not (tmp_path / "l.tif").exists()
