"""``snt-web seeds``: from-labels, convert, import and export, JSON on stdout, one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from snt_web.cli import main
from snt_web.io import read_image
from snt_web.io.image import Image
from snt_web.io.tiff import write_image
from snt_web.store import ProjectStore
from snt_web.store.seeds import load_seeds


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def labels_tif(tmp_path):
    """Two cells: cubes of 4x4x4 and 6x6x6 voxels at known places; spacing z 2, y and x 0.5 µm."""
    labels = np.zeros((20, 40, 40), dtype=np.uint16)
    labels[2:6, 4:8, 4:8] = 3
    labels[10:16, 20:26, 30:36] = 9
    path = tmp_path / "cells.tif"
    write_image(path, Image(labels[None, None], spacing=(2.0, 0.5, 0.5), units="µm", name="cells.tif"))
    return path


def test_from_labels_writes_one_seed_per_label(capsys, tmp_path, labels_tif):
    out = tmp_path / "seeds.csv"
    code, stdout, _ = run(capsys, "seeds", "from-labels", labels_tif, "-o", out, "--min-confidence", "0.2")
    assert code == 0
    facts = json.loads(stdout)
    assert facts["n_seeds"] == 2 and facts["types"] == {"soma": 2} and facts["confidence"] == [0.2, 1.0]
    assert facts["sources"] == {"labels-image:cells.tif": 2}
    table = pd.read_csv(out)
    assert list(table.columns) == ["x", "y", "z", "confidence", "radius", "channel", "frame", "type", "source"]
    np.testing.assert_allclose(table[["x", "y", "z"]].to_numpy(), [[2.75, 2.75, 7.0], [16.25, 11.25, 25.0]])
    # V = 64 voxels of 0.5 µm³ → r = cbrt(3V / 4π)
    np.testing.assert_allclose(table["radius"], np.cbrt(3 * np.array([64, 216]) * 0.5 / (4 * np.pi)), atol=1e-6)


def test_from_labels_splits_a_real_binary_mask(capsys, tmp_path, shared_data):
    from scipy import ndimage

    mask = shared_data / "snt" / "ddaC.tif"
    out = tmp_path / "ddac.csv"
    code, stdout, _ = run(capsys, "seeds", "from-labels", mask, "-o", out)
    _, n = ndimage.label(read_image(mask).volume() > 0, structure=np.ones((3, 3, 3)))
    assert code == 0 and json.loads(stdout)["n_seeds"] == n == len(pd.read_csv(out))
    code, stdout, _ = run(capsys, "seeds", "from-labels", mask, "-o", out, "--binary", "single")
    assert json.loads(stdout)["n_seeds"] == 1


def test_convert_reads_voxel_units_and_reports_bad_rows(capsys, tmp_path, labels_tif):
    source = tmp_path / "voxels.csv"
    source.write_text("X,Y,Z,Confidence,Radius\n4,8,3,0.5,2\n4,oops,3,0.5,2\n100,0,0,2,1\n")
    out = tmp_path / "physical.csv"
    code, stdout, _ = run(capsys, "seeds", "convert", source, "-o", out, "--units", "voxel", "--like", labels_tif)
    facts = json.loads(stdout)
    assert code == 0
    assert (facts["n_seeds"], facts["skipped"], facts["clamped"], facts["out_of_bounds"]) == (2, 1, 1, 1)
    assert facts["problems"] == [{"line": 3, "reason": "y 'oops' is not a number"}]
    np.testing.assert_allclose(pd.read_csv(out)[["x", "y", "z", "radius"]].iloc[0], [2.0, 4.0, 6.0, 1.0])


def test_import_and_export_through_a_project(capsys, tmp_path, labels_tif):
    data = tmp_path / "data"
    ProjectStore(data).create("cells", project_id="cells", image_path=labels_tif)
    csv = tmp_path / "seeds.csv"
    run(capsys, "seeds", "from-labels", labels_tif, "-o", csv)
    for _ in range(2):
        code, stdout, _ = run(capsys, "seeds", "import", csv, "--project", "cells", "--data-dir", data)
        assert code == 0
    assert json.loads(stdout)["version"] == 2
    assert len(load_seeds(ProjectStore(data), "cells")) == 4
    code, stdout, _ = run(capsys, "seeds", "import", csv, "--project", "cells", "--data-dir", data, "--replace")
    out = tmp_path / "back.csv"
    code, stdout, _ = run(capsys, "seeds", "export", "--project", "cells", "--data-dir", data, "-o", out)
    assert code == 0 and json.loads(stdout)["n_seeds"] == 2
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(csv))


@pytest.mark.parametrize("argv, message", [
    (["convert", "missing.csv", "-o", "x.csv"], "missing.csv: no such file"),
    (["convert", "{csv}", "-o", "x.csv", "--units", "voxel"], "--units voxel needs the image's voxel size"),
    (["convert", "{bad}", "-o", "x.csv"], "bad.csv, line 1: missing column(s) radius"),
    (["export", "--project", "nope", "--data-dir", "{data}", "-o", "x.csv"], "nope"),
])
def test_bad_input_is_one_line_with_exit_code_2(capsys, tmp_path, argv, message):
    (tmp_path / "ok.csv").write_text("x,y,z,confidence,radius\n1,2,3,1,0\n")
    (tmp_path / "bad.csv").write_text("x,y,z,confidence\n1,2,3,1\n")
    argv = [a.format(csv=tmp_path / "ok.csv", bad=tmp_path / "bad.csv", data=tmp_path / "data") for a in argv]
    code, stdout, stderr = run(capsys, "seeds", *argv)
    assert code == 2 and stdout == "" and message in stderr and len(stderr.strip().splitlines()) == 1


def test_min_confidence_outside_the_unit_interval_is_refused(capsys, labels_tif, tmp_path):
    with pytest.raises(SystemExit):
        main(["seeds", "from-labels", str(labels_tif), "-o", str(tmp_path / "s.csv"), "--min-confidence", "1.5"])
    assert "expected a number in [0, 1]" in capsys.readouterr().err


def test_voxel_units_into_a_project_without_an_image_are_refused_saying_why(capsys, tmp_path):
    data = tmp_path / "data"
    ProjectStore(data).create("bare", project_id="bare")
    (tmp_path / "ok.csv").write_text("x,y,z,confidence,radius\n1,2,3,1,0\n")
    code, stdout, stderr = run(capsys, "seeds", "import", tmp_path / "ok.csv", "--project", "bare", "--data-dir",
                               data, "--units", "voxel")
    assert code == 2 and stdout == ""
    assert "--units voxel needs the image's voxel size (project 'bare' has no image)" in stderr
    assert len(load_seeds(ProjectStore(data), "bare")) == 0
