"""Every edit goes through commands.apply: roles, versions, history."""

import numpy as np
import pytest

from snt_web.auth.roles import PermissionDenied
from snt_web.model import Path, Tree
from snt_web.store import Accounts, StaleVersionError, StoreError
from snt_web.store.commands import (
    PutAttachment,
    RenamePath,
    Restore,
    SetMember,
    SetPathType,
    SetReconstruction,
    TagPath,
    Undo,
    apply,
)

TREE = Tree([Path(0, np.zeros((2, 3)) + [[0, 0, 0], [1, 0, 0]], name="A"), Path(1, [[1, 0, 0], [1, 2, 0]])])


@pytest.fixture
def project(store):
    """Project p1 (version 1) and user carol, an annotator. Users are added as
    needed: each costs an scrypt hash."""
    store.create("p", project_id="p1", tree=TREE)
    Accounts(store).add_user("carol", "carol-password", role="annotator")
    return store


def _user(store, role):
    """A user named after their site role."""
    Accounts(store).add_user(role, f"{role}-password", role=role)
    return role


ALL = {
    "rename": RenamePath(0, "B"),
    "type": SetPathType(0, 3),
    "tag": TagPath(0, "cur:accept"),
    "set": SetReconstruction(TREE),
    "restore": Restore(1),
    "attach": PutAttachment("seeds", "s.csv", b"x"),
    "member": SetMember("carol", "viewer"),
}
ALLOWED = {
    "viewer": set(),
    "reviewer": {"tag"},
    "annotator": {"tag", "rename", "type", "set", "restore", "attach"},
    "owner": set(ALL),
}


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_may_do_exactly_its_commands(project, role):
    _user(project, role)
    for name, command in ALL.items():
        version = project.get("p1").version
        if name in ALLOWED[role]:
            assert apply(project, "p1", role, command, version).version == version + 1
        else:
            with pytest.raises(PermissionDenied):
                apply(project, "p1", role, command, version)
            assert project.get("p1").version == version


def test_unknown_users_and_anonymous_may_do_nothing(project):
    for user in (None, "ghost", "local"):
        with pytest.raises(PermissionDenied):
            apply(project, "p1", user, RenamePath(0, "x"), 1)


def test_two_clients_editing_the_same_path_from_the_same_version(project):
    base = project.get("p1").version
    apply(project, "p1", _user(project, "annotator"), RenamePath(0, "first"), base)
    with pytest.raises(StaleVersionError):
        apply(project, "p1", "carol", RenamePath(0, "second"), base)
    assert project.reconstruction("p1").path(0).name == "first"
    entry = project.history("p1")[0]
    assert (entry.user, entry.action, entry.summary) == ("annotator", "rename path", "renamed path 0 'A' -> 'first'")


def test_review_tags_replace_the_previous_review(project):
    _user(project, "reviewer")
    apply(project, "p1", "reviewer", TagPath(0, "cur:reject"), 1)
    apply(project, "p1", "reviewer", TagPath(0, "cur:accept"), 2)
    apply(project, "p1", "reviewer", TagPath(0, "soma-side"), 3)
    assert project.reconstruction("p1").path(0).name == "A{cur:accept}{soma-side}"
    for bad in ("bad}tag", "cur:maybe", ""):
        with pytest.raises(StoreError):
            apply(project, "p1", "reviewer", TagPath(0, bad), 4)


def test_edits_never_touch_older_versions_and_undo_reverts_them(project):
    _user(project, "annotator")
    apply(project, "p1", "annotator", SetPathType(1, 2), 1)
    assert project.reconstruction("p1").path(1).swc_type == 2
    assert project.reconstruction("p1", 1).path(1).swc_type == 0
    apply(project, "p1", "annotator", Undo(), 2)
    assert project.reconstruction("p1").path(1).swc_type == 0
    with pytest.raises(StoreError, match="no path 7"):
        apply(project, "p1", "annotator", RenamePath(7, "x"), 3)


def test_membership_overrides_the_site_role_and_is_a_recorded_version(project):
    owner = _user(project, "owner")
    apply(project, "p1", owner, SetMember("carol", "viewer"), 1)
    entry = project.history("p1")[0]
    assert (entry.version, entry.user, entry.action, entry.summary) == (2, "owner", "set member", "made carol viewer")
    with pytest.raises(PermissionDenied):
        apply(project, "p1", "carol", RenamePath(0, "x"), 2)
    with pytest.raises(StaleVersionError):
        apply(project, "p1", owner, SetMember("carol", None), 1)
    assert Accounts(project).members("p1") == {"carol": "viewer"}  # the stale change changed nothing
