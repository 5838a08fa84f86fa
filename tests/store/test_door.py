"""The store's door: every public way to change a project is a command run by ``apply``, which checks the role."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import snt_web.store as store_package
from snt_web.auth.roles import PermissionDenied
from snt_web.curation import CurationSettings, CurationWarning, ScanResult, Severity
from snt_web.model import Path, Tree
from snt_web.seeds import Seeds
from snt_web.store import Accounts, ProjectStore, apply
from snt_web.store.curation import list_warnings

TREE = Tree([Path(0, [[0, 0, 0], [4, 0, 0]], name="A"), Path(1, [[4, 0, 0], [4, 4, 0]], name="B")])
WARNING = CurationWarning("DL-QC", Severity.ERROR, "a point", location=(1.0, 0.0, 0.0), paths=(0,))


def _every_command(store) -> dict:
    """One instance of each command :mod:`snt_web.store` exports, aimed at project p1."""
    s = store_package
    return {
        s.SetReconstruction: s.SetReconstruction(Tree()),
        s.SetImageBytes: s.SetImageBytes(b"II*\x00", "x.tif"),
        s.SetImagePath: s.SetImagePath("x.tif"),
        s.RenamePath: s.RenamePath(0, "renamed"),
        s.SetPathType: s.SetPathType(0, 3),
        s.TagPath: s.TagPath(0, "cur:accept"),
        s.Restore: s.Restore(1),
        s.Undo: s.Undo(),
        s.Redo: s.Redo(),
        s.EditTree: s.EditTree("delete_paths", {"path_ids": [1]}),
        s.PutAttachment: s.PutAttachment("seeds", "s.csv", b"x,y,z\n"),
        s.SetMember: s.SetMember("vera", "owner"),
        s.AddSeeds: s.AddSeeds(Seeds.from_columns(xyz=np.zeros((1, 3)))),
        s.UpdateSeeds: s.UpdateSeeds((0,), {"mark": "accept"}),
        s.DeleteSeeds: s.DeleteSeeds((0,)),
        s.AddWarnings: s.AddWarnings((WARNING,), "api"),
        s.ReplaceScan: s.ReplaceScan(ScanResult([]), "scan", None, {}),
        s.ClearWarnings: s.ClearWarnings(None),
        s.Decide: s.Decide((WARNING.key,), "reject"),
        s.ReviewPaths: s.ReviewPaths((0, 1), "cur:reject"),
        s.SetCurationSettings: s.SetCurationSettings(CurationSettings()),
        s.ScanProject: s.ScanProject(),
    }


@pytest.fixture
def project(store):
    """Project p1 with a warning and a seed, and vera, who may only view it."""
    store.create("p", project_id="p1", tree=TREE, user="local")
    s = store_package
    apply(store, "p1", "local", s.AddSeeds(Seeds.from_columns(xyz=np.ones((1, 3)))), None)
    s.curation.add_warnings(store, "p1", "local", [WARNING])
    Accounts(store).add_user("vera", "vera-password", role="viewer")  # from here on, "local" is nobody
    return store


def test_every_exported_command_is_refused_to_a_viewer_and_changes_nothing(project):
    commands = _every_command(project)
    exported = {getattr(store_package, n) for n in store_package.__all__}
    assert {c for c in exported if inspect.isclass(c) and hasattr(c, "run")} == set(commands)
    before = (project.get("p1").version, list_warnings(project, "p1", "vera"), project.attachments("p1"))
    for command in commands.values():
        with pytest.raises(PermissionDenied):
            apply(project, "p1", "vera", command, project.get("p1").version)
        after = (project.get("p1").version, list_warnings(project, "p1", "vera"), project.attachments("p1"))
        assert after == before, command
    assert project.reconstruction("p1").path(0).name == "A"


def test_the_curation_functions_go_through_the_door(project):
    s = store_package.curation
    calls = [
        lambda: s.add_warnings(project, "p1", "vera", [WARNING]),
        lambda: s.set_decision(project, "p1", "vera", [WARNING.key], "accept"),
        lambda: s.clear_warnings(project, "p1", "vera"),
        lambda: s.scan_project(project, "p1", "vera"),
        lambda: s.set_project_settings(project, "p1", "vera", CurationSettings()),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert [w["decision"] for w in list_warnings(project, "p1", "vera")] == [None]
    with pytest.raises(PermissionDenied):
        list_warnings(project, "p1", "ghost")


def test_the_project_store_has_no_public_writer():
    public = {name for name, _ in inspect.getmembers(ProjectStore, inspect.isfunction) if not name.startswith("_")}
    # Reads, plus creating a project (which has no role to check yet) and the process cache.
    assert public == {"get", "list", "create", "open_or_create", "project_dir", "image", "reconstruction",
                      "history", "attachments", "attachment", "list_files", "data_file", "cached"}
