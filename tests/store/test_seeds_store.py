"""Seeds in the project store: persisted rows, one history entry per change, row-level conflicts, roles."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from snt_web.auth.roles import PermissionDenied
from snt_web.seeds import Seeds, read_seeds_csv
from snt_web.model import Tree
from snt_web.store import LOCAL_USER, Accounts, ProjectStore, SetReconstruction, StoreError, apply
from snt_web.store.seeds import SeedConflictError, add_seeds, delete_seeds, load_seeds, mark_seeds, update_seeds


def _seeds(n, offset=0.0):
    rng = np.random.default_rng(n)
    return Seeds.from_columns(rng.uniform(0, 100, (n, 3)) + offset, confidence=rng.uniform(0, 1, n),
                              radius=rng.uniform(0, 5, n), type=["soma"] * n, source="dl-detected")


@pytest.fixture
def project(store):
    store.create("seeds", project_id="p")
    return store


def test_seeds_persist_across_stores_with_their_columns(project, tmp_path):
    seeds = read_seeds_csv("x,y,z,confidence,radius,channel,frame,type,source\n"
                           "12.5,40.25,3,0.93,2.1,1,1,soma,dl-detected\n1,2,3,0.5,0,,,tip,\n", name="s.csv").seeds
    add_seeds(project, "p", LOCAL_USER, seeds, origin="s.csv")
    again = ProjectStore(project.data_dir, database_url=project.database_url)
    try:
        back = load_seeds(again, "p")
    finally:
        again.engine.dispose()
    for column in ("xyz", "confidence", "radius", "channel", "frame", "type", "source", "mark"):
        np.testing.assert_array_equal(getattr(back, column), getattr(seeds, column), err_msg=column)
    assert back.id.tolist() == [0, 1]
    (entry,) = project.history("p", 1)
    assert (entry.action, entry.summary) == ("add seeds", "added 2 seeds from s.csv")


def test_adding_gives_new_ids_and_replacing_starts_over(project):
    add_seeds(project, "p", LOCAL_USER, _seeds(3))
    add_seeds(project, "p", LOCAL_USER, _seeds(2))
    assert load_seeds(project, "p").id.tolist() == [0, 1, 2, 3, 4]
    record = add_seeds(project, "p", LOCAL_USER, _seeds(4), replace=True)
    seeds = load_seeds(project, "p")
    assert len(seeds) == 4
    np.testing.assert_allclose(seeds.xyz, _seeds(4).xyz)
    assert project.history("p", 1)[0].summary == "replaced the seeds with 4 seeds" and record.version == 3


def test_edits_marks_and_deletes_are_versions_with_history(project):
    add_seeds(project, "p", LOCAL_USER, _seeds(5))
    update_seeds(project, "p", LOCAL_USER, [1, 3], {"type": "tip", "confidence": 0.75})
    mark_seeds(project, "p", LOCAL_USER, [0, 1], "reject")
    delete_seeds(project, "p", LOCAL_USER, [4])
    seeds = load_seeds(project, "p")
    assert seeds.id.tolist() == [0, 1, 2, 3]
    assert seeds.type.tolist() == ["soma", "tip", "soma", "tip"] and seeds.confidence[[1, 3]].tolist() == [0.75] * 2
    assert seeds.mark.tolist() == [-1, -1, 0, 0]
    actions = [(h.action, h.summary) for h in project.history("p", 3)]
    assert actions == [("delete seeds", "deleted seed 4"), ("mark seeds", "set mark = 'reject' on 2 seeds"),
                       ("edit seeds", "set type = 'tip', confidence = 0.75 on 2 seeds")]
    with pytest.raises(StoreError, match="cannot be edited"):
        update_seeds(project, "p", LOCAL_USER, [0], {"id": 9})
    with pytest.raises(SeedConflictError, match="no longer exist"):
        delete_seeds(project, "p", LOCAL_USER, [4])


def test_a_stale_page_may_edit_other_seeds_but_not_ones_changed_since(project):
    accounts = Accounts(project)
    for name in ("alice", "bob"):
        accounts.add_user(name, f"pw-{name}-12345", role="annotator")
    base = add_seeds(project, "p", "alice", _seeds(4)).version
    apply(project, "p", "alice", SetReconstruction(Tree()), base)  # the project moves on: seeds are not refused
    # Alice marks seed 0 from the version she saw; Bob, from the same version, edits seed 1: both land.
    mark_seeds(project, "p", "alice", [0], "accept", base_version=base)
    update_seeds(project, "p", "bob", [1], {"radius": 3.0}, base_version=base)
    # Bob, still on that version, edits seed 0 that Alice changed since: refused, nothing written.
    version = project.get("p").version
    with pytest.raises(SeedConflictError, match="changed by someone else"):
        update_seeds(project, "p", "bob", [0, 2], {"type": "tip"}, base_version=base)
    assert project.get("p").version == version and load_seeds(project, "p").type[2] == "soma"
    with pytest.raises(SeedConflictError):
        add_seeds(project, "p", "bob", _seeds(1), base_version=base, replace=True)


def test_a_bulk_edit_of_many_seeds_is_one_version(project):
    add_seeds(project, "p", LOCAL_USER, _seeds(3000))
    seeds = load_seeds(project, "p")
    low = seeds.id[seeds.confidence < 0.5]
    before = project.get("p").version
    mark_seeds(project, "p", LOCAL_USER, low, "reject")
    after = load_seeds(project, "p")
    assert project.get("p").version == before + 1
    assert set(after.id[after.mark == -1].tolist()) == set(low.tolist())
    delete_seeds(project, "p", LOCAL_USER, low)
    assert len(load_seeds(project, "p")) == 3000 - len(low)


def test_roles_viewers_cannot_change_seeds_reviewers_may_only_mark(project):
    accounts = Accounts(project)
    accounts.add_user("owner", "pw-owner-123", role="owner")
    accounts.add_user("rev", "pw-rev-12345", role="reviewer")
    accounts.add_user("view", "pw-view-1234", role="viewer")
    add_seeds(project, "p", "owner", _seeds(2))
    with pytest.raises(PermissionDenied):
        add_seeds(project, "p", "view", _seeds(1))
    with pytest.raises(PermissionDenied):
        update_seeds(project, "p", "rev", [0], {"type": "tip"})
    mark_seeds(project, "p", "rev", [0], "accept")
    assert load_seeds(project, "p").mark.tolist() == [1, 0]


def test_concurrent_writers_all_land(project):
    add_seeds(project, "p", LOCAL_USER, _seeds(40))
    errors = []

    def mark(ids):
        try:
            for i in ids:
                mark_seeds(project, "p", LOCAL_USER, [i], "accept")
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=mark, args=(range(k, 40, 4),)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert load_seeds(project, "p").mark.tolist() == [1] * 40
