"""``add_trees``: whole arbors in one edit, parents by position, ids after the tree's; bad records refused."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.io.reconstruction import read_reconstruction
from snt_web.model import Tree
from snt_web.model.graft import add_trees, path_records


def test_a_reconstruction_round_trips_through_path_records(demo_files):
    _, truth_path = demo_files
    truth = read_reconstruction(truth_path)
    existing = Tree([truth.paths[1].copy(id=7, parent_id=None, branch_index=None)], truth.spacing_xyz, truth.units)
    tree, first = add_trees(existing, path_records(truth))
    assert first == 8 and len(tree.paths) == len(truth.paths) + 1
    for original, added in zip(truth.paths, tree.paths[1:]):
        assert added.id == original.id + 8 and added.name == original.name
        assert (added.parent_id is None) == (original.parent_id is None)
        if original.parent_id is not None:
            assert added.parent_id == original.parent_id + 8 and added.branch_index == original.branch_index
        np.testing.assert_array_equal(added.points, original.points)
        np.testing.assert_array_equal(added.radii, original.radii)
    assert tree.summary()["n_branch_points"] == truth.summary()["n_branch_points"]


@pytest.mark.parametrize("paths, message", [
    ([], "non-empty list"),
    ([{"points": [[0, 0, 0]], "colour": "red"}], "only branch_index"),
    ([{"points": [[0, 0, 0]], "parent": 0, "branch_index": 0}], "earlier path"),
    ([{"points": [[0, 0, 0], [1, 0, 0]]}, {"points": [[1, 0, 0]], "parent": 0, "branch_index": 2}], "0-1"),
    ([{"points": [[0, 0, 0]], "branch_index": 0}], "needs the parent"),
    ([{"points": [[0, 0]]}], "finite x, y, z"),
    ([{"points": [[0, 0, float("nan")]]}], "finite x, y, z"),
    ([{"points": [[0, 0, 0]]}, {"points": [[0, 0, 0], [1, 0, 0]], "radii": [1.0]}], "path 2: expected shape"),
    ([{"points": [[0, 0, 0]], "swc_type": 9}], "path 1: SWC type must be 0-7"),
])
def test_bad_records_are_refused(paths, message):
    with pytest.raises(ValueError, match=message):
        add_trees(Tree(), paths)
