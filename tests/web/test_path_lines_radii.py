"""The path-lines groups carry radii, and draw a path's fitted version where it uses one."""

from __future__ import annotations

import numpy as np

from snt_web.fitting import apply_fits
from snt_web.model import Path, Tree
from snt_web.web.views.path_lines import line_groups


def _tree():
    trunk = Path(0, [[0.0, 0, 0], [1, 0, 0], [2, 0, 0]], color="#ff0000")
    twig = Path(1, [[1.0, 1, 0], [1, 2, 0]], parent_id=0, branch_index=1, color="#00ff00")
    return Tree([trunk, twig])


def test_paths_without_radii_carry_none():
    groups = line_groups(_tree())
    assert all("r" not in g for g in groups)


def test_fitted_nodes_and_radii_are_drawn_and_branches_start_at_the_fitted_fork():
    fit = {"path_id": 0, "points": [[0.0, 0.5, 0], [1, 0.5, 0], [2, 0.5, 0]], "radii": [1.0, 2.0, 3.0],
           "tangents": None}
    tree = apply_fits(_tree(), [fit])
    groups = {g["color"]: g for g in line_groups(tree)}
    assert len(groups) == 2  # the fitted copy is not drawn as a path of its own
    trunk, twig = groups["#ff0000"], groups["#00ff00"]
    assert trunk["y"] == [0.5, 0.5, 0.5, None] and trunk["r"] == [1.0, 2.0, 3.0, None]
    # The twig (no radii of its own) starts at the trunk's fitted fork node and carries no radii.
    assert twig["y"][0] == 0.5 and "r" not in twig
    # Zero radii (an unfitted SWC) are unknown, not drawn.
    zero = Tree([Path(0, [[0.0, 0, 0], [1, 0, 0]], radii=[0.0, 1.5])])
    assert np.array_equal(line_groups(zero)[0]["r"], [None, 1.5, None])


def test_a_branch_with_radii_on_a_parent_without_has_no_radius_at_the_fork():
    tree = Tree([Path(0, [[0.0, 0, 0], [1, 0, 0]]), Path(1, [[1.0, 1, 0], [1, 2, 0]], parent_id=0, radii=[1.0, 2.0])])
    twig = line_groups(tree)[1]
    assert twig["y"] == [0.0, 1.0, 2.0, None] and twig["r"] == [None, 1.0, 2.0, None]


def test_a_branch_of_an_empty_parent_is_drawn_from_its_own_nodes():
    tree = Tree([Path(0, np.empty((0, 3))), Path(1, [[1.0, 1, 0], [1, 2, 0]], parent_id=0, radii=[1.0, 2.0])])
    twig = line_groups(tree)[1]
    assert twig["y"] == [1.0, 2.0, None] and twig["r"] == [1.0, 2.0, None]
