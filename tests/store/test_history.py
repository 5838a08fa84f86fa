"""History, restore and per-user undo, on both databases."""

import numpy as np
import pytest

from snt_web.model import Path, Tree
from snt_web.store import StaleVersionError, StoreError


def _tree(n):
    return Tree([Path(k, np.c_[np.arange(3.0) + k, np.zeros(3), np.zeros(3)]) for k in range(n)])


def test_every_change_is_recorded_and_any_version_can_be_read(store):
    store.create("p", project_id="p1")
    for n, user in ((1, "ann"), (2, "bob"), (3, "ann")):
        store._set_reconstruction("p1", _tree(n), base_version=n - 1, user=user)
    history = store.history("p1")
    assert [(h.version, h.user) for h in history] == [(3, "ann"), (2, "bob"), (1, "ann")]
    assert history[0].action == "set reconstruction" and "3 paths" in history[0].summary
    assert history[0].time >= history[1].time
    assert [len(store.reconstruction("p1", v)) for v in (0, 1, 2, 3)] == [0, 1, 2, 3]
    assert len(store.history("p1", limit=2)) == 2


def test_restore_makes_a_new_version_with_the_old_reconstruction(store):
    store.create("p", project_id="p1")
    store._set_reconstruction("p1", _tree(1), base_version=0)
    store._set_reconstruction("p1", _tree(4), base_version=1)
    record = store._restore("p1", 1, base_version=2, user="ann")
    assert record.version == 3 and len(store.reconstruction("p1")) == 1
    assert store.history("p1")[0].action == "restore"
    with pytest.raises(StoreError):
        store._restore("p1", 99, base_version=3)


def test_undo_is_per_user_and_never_throws_away_someone_elses_work(store):
    store.create("p", project_id="p1")
    store._set_reconstruction("p1", _tree(1), base_version=0, user="ann")
    store._set_reconstruction("p1", _tree(2), base_version=1, user="ann")
    store._undo("p1", "ann", base_version=2)
    assert len(store.reconstruction("p1")) == 1
    store._undo("p1", "ann", base_version=3)  # a second undo goes one further back
    assert len(store.reconstruction("p1")) == 0
    with pytest.raises(StoreError, match="nothing to undo"):
        store._undo("p1", "ann", base_version=4)
    store._set_reconstruction("p1", _tree(5), base_version=4, user="ann")
    store._set_reconstruction("p1", _tree(6), base_version=5, user="bob")
    with pytest.raises(StoreError, match="bob changed"):
        store._undo("p1", "ann", base_version=6)
    assert len(store.reconstruction("p1")) == 6
    store._undo("p1", "bob", base_version=6)
    assert len(store.reconstruction("p1")) == 5


def test_attachments_are_versioned_writes_and_names_are_not_paths(store):
    store.create("p", project_id="p1")
    store._put_attachment("p1", "seeds", "../../etc/seeds.csv", b"x,y,z,confidence,radius\n", base_version=0)
    assert store.attachments("p1") == [("seeds", "seeds.csv", 24, 1)]
    assert store.attachment("p1", "seeds", "seeds.csv").startswith(b"x,y,z")
    with pytest.raises(StoreError):
        store._put_attachment("p1", "pickles", "a", b"", base_version=1)


def test_undo_never_reverts_a_change_it_did_not_see(store, monkeypatch):
    store.create("p", project_id="p1")
    store._set_reconstruction("p1", _tree(1), base_version=0, user="ann")
    read = store._history_rows

    def read_then_bob_saves(project_id):
        rows = read(project_id)
        store._set_reconstruction("p1", _tree(5), base_version=1, user="bob")  # between undo's read and its write
        return rows

    monkeypatch.setattr(store, "_history_rows", read_then_bob_saves)
    with pytest.raises(StaleVersionError):
        store._undo("p1", "ann", base_version=None)  # a script's undo: no base version of its own
    assert len(store.reconstruction("p1")) == 5 and store.get("p1").version == 2
