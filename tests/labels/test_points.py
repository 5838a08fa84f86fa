"""Tips, branch points and roots as a seeds CSV that SNT's importer reads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from snt_web.labels import POINT_COLUMNS, path_points_table, write_points_csv
from snt_web.model import Path, Tree

# ImportSeedPointsCmd: required columns, then the optional ones we fill.
SNT_REQUIRED = ["x", "y", "z", "confidence", "radius"]


def test_the_csv_of_a_real_reconstruction_lists_its_landmarks(cil, tmp_path):
    tree, _, _ = cil
    out = tmp_path / "points.csv"
    assert write_points_csv(tree, out, name="CIL_Dataset_#701.traces") == len(path_points_table(tree))
    table = pd.read_csv(out)
    assert list(table.columns) == list(POINT_COLUMNS) and set(SNT_REQUIRED) <= set(table.columns)
    counts = table["type"].value_counts().to_dict()
    assert counts == {"tip": len(tree.tips()), "branch-point": len(tree.branch_points()), "root": len(tree.roots())}
    assert (table["confidence"] == 1.0).all() and (table["radius"] >= 0).all()
    assert (table["source"] == "reconstruction:CIL_Dataset_#701.traces").all()
    tips = table[table["type"] == "tip"][["x", "y", "z"]].to_numpy()
    assert np.allclose(tips, tree.tips(), atol=1e-6)  # %.6f, as SNT writes
    roots = table[table["type"] == "root"][["x", "y", "z"]].to_numpy()
    assert np.allclose(roots, [p.points[0] for p in tree.roots()], atol=1e-6)


def test_radii_are_the_nodes_and_the_fork_takes_the_larger():
    trunk = Path(0, [[0, 0, 0], [5, 0, 0], [10, 0, 0]], radii=[2.0, 1.5, 1.0])
    branch = Path(1, [[5, 0, 0], [5, 6, 0]], radii=[1.8, 0.5], parent_id=0, branch_index=1)
    unfitted = Path(2, [[20, 0, 0], [30, 0, 0]])
    rows = path_points_table(Tree([trunk, branch, unfitted]), name="t.swc")
    found = {(r["type"], r["x"], r["y"]): r["radius"] for r in rows}
    assert found == {
        ("tip", 10.0, 0.0): 1.0, ("tip", 5.0, 6.0): 0.5, ("tip", 30.0, 0.0): 0.0,
        ("branch-point", 5.0, 0.0): 1.8,
        ("root", 0.0, 0.0): 2.0, ("root", 20.0, 0.0): 0.0,
    }


def test_source_names_with_commas_are_quoted(tmp_path):
    out = tmp_path / "p.csv"
    write_points_csv(Tree([Path(0, [[1.5, 2, 3], [4, 5, 6]])]), out, name="a, b.swc")
    lines = out.read_text().splitlines()
    assert lines[0] == "x,y,z,confidence,radius,type,source"
    assert lines[1] == '4.000000,5.000000,6.000000,1.000000,0.000000,tip,"reconstruction:a, b.swc"'
    assert pd.read_csv(out)["source"].tolist() == ["reconstruction:a, b.swc"] * 2
