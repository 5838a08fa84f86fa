"""Tree measurements on a reconstruction whose answers are known by construction."""

import numpy as np
import pytest

from snt_web.model import Path, Tree


def _line(start, stop, n):
    return np.linspace(start, stop, n)


@pytest.fixture
def tree():
    # A 10 µm primary along x; a 3-4-5 child from its node 4 (x = 4); a 2 µm
    # grandchild from the child's last node; a second, separate 1 µm arbor; and
    # a fitted copy of the primary, which must count nowhere.
    primary = Path(0, _line([0, 0, 0], [10, 0, 0], 11), swc_type=3, name="main{cur:accept}")
    child = Path(1, _line([4, 0, 0], [7, 4, 0], 6), parent_id=0, branch_index=4, swc_type=3)
    grandchild = Path(2, _line([7, 4, 0], [7, 4, 2], 3), parent_id=1, branch_index=5)
    other = Path(3, [[50, 50, 5], [50, 51, 5]], swc_type=2)
    fitted = Path(4, _line([0, 0, 0], [10, 0, 0], 11), radii=np.ones(11), fitted_of=0)
    primary.fitted_id = 4
    return Tree([primary, child, grandchild, other, fitted], spacing_xyz=(0.5, 0.5, 1.0))


def test_lengths(tree):
    assert tree.path(0).length == pytest.approx(10.0)
    assert tree.path(1).length == pytest.approx(5.0)
    assert tree.total_length == pytest.approx(10 + 5 + 2 + 1)  # the fitted copy excluded


def test_roots_children_and_subtree(tree):
    assert [p.id for p in tree.roots()] == [0, 3]
    assert [p.id for p in tree.children(0)] == [1]
    sub = tree.subtree(1)
    assert sorted(p.id for p in sub) == [1, 2]
    assert sub.total_length == pytest.approx(7.0)
    assert sub.spacing_xyz == tree.spacing_xyz


def test_branch_points_and_tips(tree):
    # Forks: node 4 of the primary. The grandchild continues the child's last node,
    # which is then not a tip and not a fork (one child).
    assert tree.branch_points().tolist() == [[4.0, 0.0, 0.0]]
    tips = {tuple(t) for t in tree.tips().tolist()}
    assert tips == {(10.0, 0.0, 0.0), (7.0, 4.0, 2.0), (50.0, 51.0, 5.0)}


def test_bounding_box_and_summary(tree):
    lo, hi = tree.bounding_box()
    assert lo.tolist() == [0, 0, 0] and hi.tolist() == [50, 51, 5]
    s = tree.summary()
    assert s["n_paths"] == 5 and s["n_nodes"] == 11 + 6 + 3 + 2 + 11
    assert s["n_trees"] == 2 and s["n_branch_points"] == 1 and s["n_tips"] == 3
    assert s["total_length"] == pytest.approx(18.0)


def test_path_attributes_and_validation(tree):
    assert tree.path(0).tags == ["cur:accept"]
    assert tree.path(3).name == "Path (3)"  # SNT's default name
    assert tree.path(4).has_radii and not tree.path(0).has_radii
    copy = tree.path(1).copy(name="renamed")
    copy.points[0, 0] = 99
    assert tree.path(1).points[0, 0] == 4 and copy.name == "renamed"
    with pytest.raises(ValueError):
        Path(9, [[0, 0]])
    with pytest.raises(ValueError):
        Path(9, [[0, 0, 0]], radii=[1, 2])
    with pytest.raises(ValueError):
        Path(9, [[0, 0, 0]], swc_type=8)
    with pytest.raises(ValueError):
        Tree([Path(1, [[0, 0, 0]]), Path(1, [[1, 1, 1]])])
    with pytest.raises(KeyError):
        tree.path(42)
    with pytest.raises(ValueError):
        Tree().bounding_box()
    assert tree.next_id() == 5 and Tree().next_id() == 0
