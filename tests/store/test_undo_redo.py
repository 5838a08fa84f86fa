"""Tree edits as commands, and per-user undo and redo, on both databases."""

import numpy as np
import pytest

from snt_web.auth.roles import PermissionDenied
from snt_web.io import read_reconstruction
from snt_web.io.traces import format_traces
from snt_web.model import Path, Tree
from snt_web.store import Accounts, StaleVersionError, StoreError
from snt_web.store.commands import EditTree, Redo, Undo, apply, edit_tree

TREE = Tree([Path(0, np.c_[np.arange(5.0), np.zeros(5), np.zeros(5)], name="trunk", swc_type=3)])


@pytest.fixture
def project(store):
    """Project p1 at version 1 (by ann), annotators ann and bob."""
    accounts = Accounts(store)
    for name in ("ann", "bob"):
        accounts.add_user(name, f"{name}-password", role="annotator")
    store.create("p", project_id="p1", tree=TREE, user="ann")
    return store


def _text(store, version=None):
    return format_traces(store.reconstruction("p1", version))


def _edit(store, user, op, **params):
    return edit_tree(store, "p1", user, op, params, store.get("p1").version)


def test_each_edit_is_a_version_with_a_summary(project):
    record, new_id = _edit(project, "ann", "add_path", points=[[2, 0, 0], [2, 1, 0], [2, 2, 0]], parent_id=0,
                           branch_index=2)
    assert (record.version, new_id) == (2, 1)
    record, split_id = _edit(project, "ann", "split_path", path_id=0, index=3)
    assert (record.version, split_id) == (3, 2)
    assert _edit(project, "ann", "move_node", path_id=1, index=2, xyz=[2, 3, 0]) == (project.get("p1"), None)
    _edit(project, "ann", "insert_node", path_id=1, index=3, xyz=[2, 4, 0])
    _edit(project, "ann", "delete_node", path_id=1, index=0)
    _edit(project, "ann", "extend_path", path_id=2, points=[[5, 0, 0], [6, 0, 0]])
    _edit(project, "ann", "set_path_properties", path_id=1, name="side", swc_type=2, color="#00ff00", tags=["x"])
    _edit(project, "ann", "merge_paths", path_id=0, other_id=2)
    _edit(project, "ann", "delete_paths", path_ids=[0])
    history = project.history("p1")
    assert [(h.action, h.summary) for h in reversed(history[:9])] == [
        ("add path", "added path 1 'Path (1)' (3 nodes, branch of path 0 at node 2)"),
        ("split path", "split path 0 'trunk' after node 3: node 4 is now path 2"),
        ("move node", "moved node 2 of path 1 'Path (1)'"),
        ("insert node", "inserted node 3 of path 1 'Path (1)'"),
        ("delete node", "deleted node 0 of path 1 'Path (1)'"),
        ("extend path", "extended path 2 'trunk (split)' by 2 nodes (now 3)"),
        ("set path properties", "path 1 'Path (1)': name 'Path (1)' -> 'side{x}', type (basal) dendrite -> axon, "
                                "colour none -> #00ff00"),
        ("merge paths", "merged path 2 'trunk (split)' onto the end of path 0 'trunk' (now 7 nodes)"),
        ("delete paths", "deleted path 0 'trunk' (7 nodes; a branch is now a primary path)"),
    ]
    tree = project.reconstruction("p1")
    assert [(p.id, p.name, p.parent_id, len(p)) for p in tree] == [(1, "side{x}", None, 3)]
    assert tree.path(1).points.tolist() == [[2, 1, 0], [2, 3, 0], [2, 4, 0]]


def test_edit_tree_without_a_base_version_edits_the_current_tree(project):
    record, new_id = edit_tree(project, "p1", "ann", "add_path", {"points": [[9, 9, 9]]}, None)
    assert (record.version, new_id) == (2, 1) and len(project.reconstruction("p1")) == 2


@pytest.mark.parametrize("op, params, message", [
    ("explode", {}, "unknown tree edit 'explode'"),
    ("move_node", {"path_id": 7, "index": 0, "xyz": [0, 0, 0]}, "has no path 7"),
    ("move_node", {"path_id": 0, "index": 5, "xyz": [0, 0, 0]}, "must be 0-4, got 5"),
    ("move_node", {"path_id": 0, "index": 0}, "missing a required argument: 'xyz'"),
    ("delete_paths", {"path_ids": [0], "force": True}, "unexpected keyword argument 'force'"),
    ("add_path", {"points": [[0, 0]]}, "x, y, z triples"),
])
def test_invalid_edits_are_store_errors_and_change_nothing(project, op, params, message):
    with pytest.raises(StoreError, match=message):
        apply(project, "p1", "ann", EditTree(op, params), 1)
    assert project.get("p1").version == 1


def test_undo_then_redo_walks_back_and_forth_through_a_users_edits(project):
    _edit(project, "ann", "add_path", points=[[1, 0, 0], [1, 1, 0]], parent_id=0, branch_index=1)  # A: v2
    _edit(project, "ann", "move_node", path_id=1, index=1, xyz=[1, 2, 0])  # B: v3
    after_a, after_b = _text(project, 2), _text(project, 3)
    for command, expected in ((Undo(), after_a), (Undo(), _text(project, 1)), (Redo(), after_a),
                              (Redo(), after_b)):
        apply(project, "p1", "ann", command, project.get("p1").version)
        assert _text(project) == expected
    history = project.history("p1", limit=4)
    assert [(h.action, h.undoes) for h in reversed(history)] == [("undo", 3), ("undo", 2), ("redo", 2), ("redo", 3)]
    assert history[0].summary == "redid version 3: moved node 1 of path 1 'Path (1)'"
    with pytest.raises(StoreError, match="nothing to redo for ann in project 'p1'"):
        project._redo("p1", "ann", base_version=7)
    # Redone edits can be undone again, one by one.
    project._undo("p1", "ann", base_version=7)
    assert _text(project) == after_a and project.history("p1")[0].summary.startswith("undid version 3:")


def test_a_new_edit_clears_what_could_be_redone(project):
    _edit(project, "ann", "move_node", path_id=0, index=0, xyz=[0, 1, 0])
    project._undo("p1", "ann", base_version=2)
    _edit(project, "ann", "move_node", path_id=0, index=4, xyz=[4, 1, 0])
    with pytest.raises(StoreError, match="nothing to redo"):
        project._redo("p1", "ann", base_version=4)
    project._undo("p1", "ann", base_version=4)  # the new edit, then the project's creation
    assert _text(project) == _text(project, 3)
    project._undo("p1", "ann", base_version=5)
    assert _text(project) == _text(project, 0)


def test_changes_that_leave_the_tree_alone_are_passed_over(project):
    _edit(project, "ann", "delete_paths", path_ids=[0])
    project._put_attachment("p1", "seeds", "s.csv", b"x,y,z\n", base_version=2, user="ann")
    project._undo("p1", "ann", base_version=3)
    assert _text(project) == _text(project, 1)
    project._put_attachment("p1", "seeds", "s.csv", b"x,y,z\n", base_version=4, user="ann")
    project._redo("p1", "ann", base_version=5)
    assert len(project.reconstruction("p1")) == 0


def test_undo_and_redo_never_reach_past_someone_elses_edit(project):
    _edit(project, "ann", "move_node", path_id=0, index=0, xyz=[0, 1, 0])
    project._undo("p1", "ann", base_version=2)
    _edit(project, "bob", "add_path", points=[[7, 7, 7]])
    for step in (project._undo, project._redo):
        with pytest.raises(StoreError, match=r"cannot (un|re)do: bob changed project 'p1' since \(version 4: added"):
            step("p1", "ann", base_version=4)
    # Bob's own undo and redo are his alone.
    project._undo("p1", "bob", base_version=4)
    project._redo("p1", "bob", base_version=5)
    assert _text(project) == _text(project, 4) and project.get("p1").version == 6


def test_redo_from_a_stale_version_is_refused(project):
    _edit(project, "ann", "move_node", path_id=0, index=0, xyz=[0, 1, 0])
    project._undo("p1", "ann", base_version=2)
    with pytest.raises(StaleVersionError):
        project._redo("p1", "ann", base_version=2)
    with pytest.raises(StaleVersionError):
        apply(project, "p1", "ann", EditTree("delete_paths", {"path_ids": [0]}), 2)
    assert project.get("p1").version == 3


def test_viewers_may_not_edit_undo_or_redo(project):
    Accounts(project).set_member("p1", "bob", "viewer", base_version=1)
    for command in (EditTree("delete_paths", {"path_ids": [0]}), Undo(), Redo()):
        with pytest.raises(PermissionDenied):
            apply(project, "p1", "bob", command, 2)


def test_undo_and_redo_of_edits_to_a_real_reconstruction(project, shared_data):
    tree = read_reconstruction(shared_data / "snt" / "CIL_Dataset_#701.traces")
    project.create("CIL 701", project_id="cil", tree=tree, user="ann")
    dendrite = max((p for p in tree.paths if len(p) > 2), key=lambda p: len(tree.children(p.id)))
    index = min(c.branch_index for c in tree.children(dendrite.id))
    _, part = edit_tree(project, "cil", "ann", "split_path", {"path_id": dendrite.id, "index": index}, 1)
    edit_tree(project, "cil", "ann", "delete_node", {"path_id": part, "index": 0}, 2)
    original, split, trimmed = (format_traces(project.reconstruction("cil", v)) for v in (1, 2, 3))
    assert original == format_traces(tree) and len({original, split, trimmed}) == 3
    for step, expected in ((project._undo, split), (project._undo, original), (project._redo, split),
                           (project._redo, trimmed)):
        step("cil", "ann", base_version=project.get("cil").version)
        assert format_traces(project.reconstruction("cil")) == expected
