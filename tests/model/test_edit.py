"""Tree edits on a reconstruction whose every node is known, and on real SNT files."""

import numpy as np
import pytest

from snt_web.io import read_reconstruction, write_traces
from snt_web.io.traces import format_traces
from snt_web.model import Path, Tree
from snt_web.model.edit import (
    add_path,
    delete_node,
    delete_paths,
    extend_path,
    insert_node,
    merge_paths,
    move_node,
    set_path_properties,
    split_path,
)
from snt_web.model.picking import nearest_node, nearest_segment


def _line(start, stop, n):
    return np.linspace(start, stop, n)


@pytest.fixture
def tree():
    # Primary 0 runs along x (node i at x = i) with radii, values and tangents;
    # branches 1 (from node 4) and 5 (from node 8); 2 hangs from 1's last node;
    # 3 is a separate arbor; 4 is 0's fitted copy, in use.
    primary = Path(0, _line([0, 0, 0], [10, 0, 0], 11), radii=np.arange(11.0), values=np.arange(11.0) * 10,
                   tangents=np.tile([1.0, 0, 0], (11, 1)), name="main{cur:accept}", swc_type=3, color="#ff0000",
                   fitted_id=4, use_fitted=True)
    branch = Path(1, _line([4, 1, 0], [4, 5, 0], 5), parent_id=0, branch_index=4, swc_type=3)
    twig = Path(2, _line([4, 6, 0], [4, 8, 0], 3), parent_id=1, branch_index=4)
    other = Path(3, _line([20, 0, 0], [23, 0, 0], 4), swc_type=2)
    fitted = Path(4, _line([0, 0, 0], [10, 0, 0], 11), radii=np.ones(11), fitted_of=0)
    late = Path(5, _line([8, -1, 0], [8, -3, 0], 3), parent_id=0, branch_index=8)
    return Tree([primary, branch, twig, other, fitted, late], spacing_xyz=(0.5, 0.5, 1.0), units="µm")


def _anchors(tree):
    """Per child path, the physical point of the parent node it hangs from."""
    return {
        p.id: tuple(tree.path(p.parent_id).points[p.branch_index])
        for p in tree.paths if p.parent_id is not None
    }


def _assert_aligned(tree):
    for p in tree.paths:
        for values in (p.radii, p.values, p.tangents):
            assert values is None or len(values) == len(p)


def _assert_unfitted(tree, path_id):
    path = tree.path(path_id)
    assert path.fitted_id is None and not path.use_fitted
    assert not [p for p in tree.paths if p.fitted_of == path_id]


EDITS = [
    lambda t: add_path(t, [[0, 0, 1]]),
    lambda t: extend_path(t, 0, [[11, 0, 0]]),
    lambda t: delete_paths(t, [0]),
    lambda t: set_path_properties(t, 0, name="x", tags=[]),
    lambda t: merge_paths(t, 0, 3),
    lambda t: split_path(t, 0, 5),
    lambda t: move_node(t, 0, 4, [1, 1, 1]),
    lambda t: insert_node(t, 0, 4, [1, 1, 1]),
    lambda t: delete_node(t, 0, 4),
]


@pytest.mark.parametrize("edit", EDITS)
def test_the_input_tree_is_never_changed(tree, edit):
    before = format_traces(tree)
    result = edit(tree)
    edited = result[0] if isinstance(result, tuple) else result
    assert format_traces(tree) == before
    assert edited is not tree and edited.spacing_xyz == tree.spacing_xyz and edited.units == tree.units
    _assert_aligned(edited)


def test_add_a_primary_path_and_a_branch(tree):
    edited, new_id = add_path(tree, [[0, 0, 5], [0, 1, 5]])
    path = edited.path(new_id)
    assert new_id == 6 and path.name == "Path (6)" and path.swc_type == 0 and path.is_primary
    edited, branch_id = add_path(edited, [[7, 0, 0], [7, 2, 0]], parent_id=0, branch_index=7, name="b{x}", frame=2)
    branch = edited.path(branch_id)
    assert (branch_id, branch.parent_id, branch.branch_index, branch.name) == (7, 0, 7, "b{x}")
    assert branch.swc_type == 3 and branch.frame == 2  # a branch gets its parent's type, as in SNT
    assert len(edited) == len(tree) + 2
    assert branch.radii is None
    edited, stroke = add_path(edited, [[0, 0, 1], [2, 0, 1], [4, 0, 1]], radii=0.75)
    assert edited.path(stroke).radii.tolist() == [0.75, 0.75, 0.75]
    edited, tube = add_path(edited, [[0, 0, 1], [2, 0, 1]], radii=[1, 2])
    assert edited.path(tube).radii.tolist() == [1, 2]


@pytest.mark.parametrize("kwargs, message", [
    ({"radii": [1, 2, 3]}, "one per node"),
    ({"radii": -1}, "not negative"),
    ({"branch_index": 2}, "needs the parent_id"),
    ({"parent_id": 0}, "needs the branch_index"),
    ({"parent_id": 0, "branch_index": 11}, "0-10, got 11"),
    ({"parent_id": 4, "branch_index": 0}, "fitted version"),
    ({"swc_type": 8}, "SWC type"),
    ({"channel": 0}, "channel must be at least 1"),
])
def test_add_path_refuses_what_it_cannot_do(tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_path(tree, [[0, 0, 0]], **kwargs)


@pytest.mark.parametrize("points", [[], [[1, 2]], [[0, 0, np.nan]], "abc"])
def test_points_must_be_finite_triples(tree, points):
    with pytest.raises(ValueError, match="x, y, z"):
        add_path(tree, points)


def test_unknown_paths_raise_key_error(tree):
    for edit in (lambda: extend_path(tree, 9, [[0, 0, 0]]), lambda: delete_paths(tree, [9]),
                 lambda: add_path(tree, [[0, 0, 0]], parent_id=9, branch_index=0),
                 lambda: merge_paths(tree, 0, 9), lambda: delete_node(tree, 9, 0),
                 lambda: nearest_node(tree, [0, 0, 0], path_ids=[9])):
        with pytest.raises(KeyError):
            edit()


def test_extend_copies_the_end_node_and_drops_the_fit(tree):
    edited = extend_path(tree, 0, [[11, 0, 0], [12, 0, 0]])
    path = edited.path(0)
    assert len(path) == 13 and path.points[-1].tolist() == [12, 0, 0]
    assert path.radii[-2:].tolist() == [10, 10] and path.values[-1] == 100
    _assert_unfitted(edited, 0)
    assert _anchors(edited) == _anchors(tree)


def test_delete_path_orphans_its_children_and_its_fit(tree):
    edited = delete_paths(tree, [0])
    assert sorted(p.id for p in edited) == [1, 2, 3, 5]
    assert edited.path(1).is_primary and edited.path(5).is_primary
    assert (edited.path(2).parent_id, edited.path(2).branch_index) == (1, 4)  # grandchildren stay
    # Deleting the fitted copy gives the path its own nodes back.
    unfitted = delete_paths(tree, [4])
    assert len(unfitted) == len(tree) - 1
    _assert_unfitted(unfitted, 0)


def test_delete_paths_removes_several_at_once_or_none(tree):
    # A path listed with its own fitted copy and its child: one edit, no error for the copy gone first.
    edited = delete_paths(tree, [0, 4, 1, 1])
    assert sorted(p.id for p in edited) == [2, 3, 5]
    assert edited.path(2).is_primary
    with pytest.raises(KeyError):
        delete_paths(tree, [1, 99])
    with pytest.raises(ValueError, match="no path"):
        delete_paths(tree, [])


def test_set_path_properties_keeps_tags_and_geometry(tree):
    edited = set_path_properties(tree, 0, name=" trunk ", swc_type=2, color="", channel=2)
    path = edited.path(0)
    assert (path.name, path.swc_type, path.color, path.channel) == ("trunk{cur:accept}", 2, None, 2)
    assert path.fitted_id == 4 and edited.path(4) is tree.path(4)  # nodes unchanged: the fit still fits
    tagged = set_path_properties(tree, 0, tags=["soma-side", "cur:unsure"], color="#00FF0080")
    assert tagged.path(0).name == "main{soma-side}{cur:unsure}" and tagged.path(0).color == "#00FF0080"
    assert set_path_properties(tree, 0, tags=[]).path(0).name == "main"


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "  "}, "empty"), ({"name": "a{b}"}, "braces"), ({"color": "red"}, "colour"),
    ({"color": "#12345"}, "colour"), ({"channel": 0}, "channel"), ({"swc_type": -1}, "SWC type"),
    ({"swc_type": 2.5}, "integer"), ({"tags": ["a}"]}, "no braces"), ({"tags": ["x" * 65]}, "1-64"),
    ({"tags": "cur:accept"}, "list"),
])
def test_set_path_properties_refuses_bad_values(tree, kwargs, message):
    with pytest.raises(ValueError, match=message):
        set_path_properties(tree, 0, **kwargs)


def test_merge_joins_a_shared_node_once_and_keeps_children_on_their_nodes(tree):
    # Path 1 starts next to node 4 of 0 and ends at (4, 5); a path starting
    # exactly at 1's last node is merged onto it without repeating that node.
    tree, new_id = add_path(tree, [[4, 5, 0], [5, 5, 0], [6, 5, 0]], name="on")
    tree, leaf = add_path(tree, [[5, 5, 1]], parent_id=new_id, branch_index=1)
    before = _anchors(tree)
    edited = merge_paths(tree, 1, new_id)
    merged = edited.path(1)
    assert len(merged) == 5 + 2 and new_id not in {p.id for p in edited}
    assert merged.points[-3:].tolist() == [[4, 5, 0], [5, 5, 0], [6, 5, 0]]
    assert edited.path(leaf).parent_id == 1 and edited.path(leaf).branch_index == 5
    assert _anchors(edited) == before
    assert (merged.parent_id, merged.branch_index) == (0, 4)  # the merged path keeps its own link


def test_merge_reverses_a_path_whose_last_node_is_nearer(tree):
    # Path 3 runs (20..23, 0, 0); its last node is nearer to (30, 0, 0).
    tree = extend_path(tree, 3, [[30, 0, 0]])
    tree, reversed_id = add_path(tree, [[40, 0, 0], [35, 0, 0], [31, 0, 0]])
    tree = Tree([p.copy(tangents=np.tile([-1.0, 0, 0], (3, 1))) if p.id == reversed_id else p for p in tree],
                spacing_xyz=tree.spacing_xyz)
    tree, leaf = add_path(tree, [[40, 1, 0]], parent_id=reversed_id, branch_index=0)
    edited = merge_paths(tree, 3, reversed_id)
    merged = edited.path(3)
    assert merged.points[:, 0].tolist() == [20, 21, 22, 23, 30, 31, 35, 40]
    assert edited.path(leaf).branch_index == 7 and _anchors(edited)[leaf] == (40, 0, 0)
    # The other path's tangents now point along the merged path, and path 3,
    # which had none, takes its neighbour's.
    assert merged.tangents[-3:].tolist() == [[1, 0, 0]] * 3
    _assert_aligned(edited)


def test_merge_moves_a_branch_into_its_parent_and_drops_fits(tree):
    edited = merge_paths(tree, 3, 5)
    assert 5 not in {p.id for p in edited} and len(edited.path(3)) == 4 + 3
    edited = merge_paths(tree, 1, 5)  # a sibling: fine
    assert edited.path(1).parent_id == 0
    edited = merge_paths(tree, 3, 0)  # the fitted primary: its fit goes, its children follow it
    assert 4 not in {p.id for p in edited} and edited.path(1).parent_id == 3
    assert _anchors(edited)[1] == _anchors(tree)[1]


@pytest.mark.parametrize("path_id, other_id, message", [
    (1, 1, "itself"), (2, 0, "ancestor"), (2, 1, "ancestor"), (4, 3, "fitted"), (3, 4, "fitted"),
])
def test_merge_refuses_loops_and_fitted_copies(tree, path_id, other_id, message):
    with pytest.raises(ValueError, match=message):
        merge_paths(tree, path_id, other_id)


def test_split_makes_a_branch_and_moves_later_children_with_their_nodes(tree):
    edited, new_id = split_path(tree, 0, 6)
    head, tail = edited.path(0), edited.path(new_id)
    assert len(head) == 7 and len(tail) == 4 and new_id == 6
    assert tail.points[0].tolist() == [7, 0, 0] and tail.radii.tolist() == [7, 8, 9, 10]
    assert (tail.parent_id, tail.branch_index, tail.swc_type, tail.color) == (0, 6, 3, "#ff0000")
    assert tail.name == "main (split){cur:accept}" and tail.fitted_id is None and tail.fitted_of is None
    assert (edited.path(1).parent_id, edited.path(5).parent_id) == (0, new_id)
    assert _anchors(edited) == {**_anchors(tree), new_id: (6, 0, 0)}
    _assert_unfitted(edited, 0)
    # Merging the part back gives the path it was.
    rejoined = merge_paths(edited, 0, new_id)
    assert np.array_equal(rejoined.path(0).points, tree.path(0).points)
    assert _anchors(rejoined) == _anchors(tree)


@pytest.mark.parametrize("index", [-1, 10, "3", True])
def test_split_refuses_indices_outside_the_path(tree, index):
    with pytest.raises(ValueError):
        split_path(tree, 0, index)


def test_insert_node_interpolates_and_shifts_children(tree):
    edited = insert_node(tree, 0, 4, [3.5, 0, 0])
    path = edited.path(0)
    assert len(path) == 12 and path.points[4].tolist() == [3.5, 0, 0]
    assert path.radii[3:6].tolist() == [3, 3.5, 4] and path.values[4] == 35
    assert path.tangents[4].tolist() == [1, 0, 0]
    assert edited.path(1).branch_index == 5 and edited.path(5).branch_index == 9
    assert _anchors(edited) == _anchors(tree)
    _assert_unfitted(edited, 0)
    appended = insert_node(tree, 0, 11, [11, 0, 0]).path(0)
    assert appended.points[-1].tolist() == [11, 0, 0] and appended.radii[-1] == 10
    assert insert_node(tree, 3, 0, [19, 0, 0]).path(3).points[0].tolist() == [19, 0, 0]
    with pytest.raises(ValueError, match="0-11, got 12"):
        insert_node(tree, 0, 12, [0, 0, 0])


def test_delete_node_moves_its_children_to_the_nearer_neighbour(tree):
    moved = move_node(tree, 0, 5, [4.2, 0, 0])  # node 5 is now nearer to node 4 than node 3 is
    edited = delete_node(moved, 0, 4)
    assert len(edited.path(0)) == 10 and edited.path(0).radii.tolist() == [0, 1, 2, 3, 5, 6, 7, 8, 9, 10]
    assert _anchors(edited)[1] == (4.2, 0, 0) and edited.path(1).branch_index == 4
    assert _anchors(edited)[5] == _anchors(tree)[5] and edited.path(5).branch_index == 7
    assert delete_node(tree, 0, 4).path(1).branch_index == 3  # a tie goes toward the start
    with pytest.raises(ValueError, match="single node"):
        delete_node(add_path(tree, [[0, 0, 0]])[0], 6, 0)


def test_move_node_moves_one_node(tree):
    edited = move_node(tree, 3, 1, [21, 2, 0])
    assert edited.path(3).points[:, 1].tolist() == [0, 2, 0, 0]
    with pytest.raises(ValueError, match="three finite numbers"):
        move_node(tree, 3, 1, [21, 2])
    with pytest.raises(ValueError, match="fitted version"):
        move_node(tree, 4, 1, [0, 0, 0])


def test_nearest_node_skips_fitted_copies_and_far_nodes(tree):
    assert nearest_node(tree, [2.1, 0.2, 0]) == (0, 2)  # the fitted copy 4 has the same nodes
    assert nearest_node(tree, [2.1, 0.2, 0], path_ids=[3]) == (3, 0)
    assert nearest_node(tree, [2.1, 0.2, 0], path_ids=[3], max_distance=5) is None
    assert nearest_node(tree, [2.1, 0.2, 0], path_ids=[4]) is None
    assert nearest_node(Tree(), [0, 0, 0]) is None


def test_nearest_segment_is_where_insert_node_goes(tree):
    assert nearest_segment(tree, 0, [4.4, 0.3, 0]) == 5
    assert nearest_segment(tree, 0, [-3, 0, 0]) == 1
    assert nearest_segment(tree, 0, [12, 0, 0]) == 10
    assert nearest_segment(add_path(tree, [[0, 0, 0]])[0], 6, [5, 5, 5]) == 1
    with_node = insert_node(tree, 1, nearest_segment(tree, 1, [4.5, 2.5, 0]), [4.5, 2.5, 0])
    assert with_node.path(1).points[2:4, 1].tolist() == [2.5, 3]


# --- real reconstructions ------------------------------------------------------
def _structure(tree):
    return [(p.id, p.parent_id, p.branch_index, len(p), p.swc_type, p.name, p.fitted_id, p.fitted_of)
            for p in tree.paths]


def test_edits_of_a_real_timelapse_reconstruction_round_trip_through_traces(shared_data, tmp_path):
    tree = read_reconstruction(shared_data / "snt" / "CIL_Dataset_#701.traces")
    # A dendrite with branches along it (the somata are single nodes).
    parent = max((p for p in tree.paths if len(p) > 2), key=lambda p: len(tree.children(p.id)))
    anchors = _anchors(tree)
    # Split after the first branch node: the later branches move to the new part.
    edited, part = split_path(tree, parent.id, min(c.branch_index for c in tree.children(parent.id)))
    assert edited.children(parent.id) and edited.children(part)
    at = edited.children(parent.id)[0].branch_index
    edited = insert_node(edited, parent.id, at, parent.points[at] + 0.1)
    lone = next(i for i in range(1, len(edited.path(parent.id)) - 1)
                if i not in {c.branch_index for c in edited.children(parent.id)})
    edited = delete_node(edited, parent.id, lone)
    edited, new_id = add_path(edited, [[1, 2, 3], [4, 5, 6]], parent_id=part, branch_index=0)
    assert {k: v for k, v in _anchors(edited).items() if k in anchors} == anchors
    assert edited.n_nodes == tree.n_nodes + 1 - 1 + 2

    write_traces(edited, tmp_path / "edited.traces")
    back = read_reconstruction(tmp_path / "edited.traces")
    assert _structure(back) == _structure(edited)
    assert all(np.allclose(a.points, b.points) for a, b in zip(back.paths, edited.paths))
    assert back.path(part).frame == parent.frame and back.path(new_id).parent_id == part


def test_editing_a_fitted_real_path_drops_its_fit_in_the_file(shared_data, tmp_path):
    tree = read_reconstruction(shared_data / "real" / "nat" / "fitted.traces")
    fitted = [p for p in tree.paths if p.fitted_of is not None]
    assert fitted, "the file has fitted paths"
    original = fitted[0].fitted_of
    edited = extend_path(tree, original, [tree.path(original).points[-1] + 1])
    write_traces(edited, tmp_path / "unfitted.traces")
    back = read_reconstruction(tmp_path / "unfitted.traces")
    assert fitted[0].id not in {p.id for p in back} and back.path(original).fitted_id is None
    assert _structure(back) == _structure(edited)
