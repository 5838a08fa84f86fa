"""Issue #17, point 6: names, tags, messages and every other text field have a length limit.

Two renames (10 MB and 100 MB names) once grew the database by 300 MB and
``GET /history`` to 120 MB. Now the API refuses such bodies before reading
them, and the command layer refuses any text field over SNT_WEB_MAX_TEXT
characters (1000 by default) with a 400 that names the field, whichever door
the text comes through.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from snt_web.curation.warnings import CurationWarning, Severity
from snt_web.io.swc import format_swc
from snt_web.model import Tree
from snt_web.model.path import Path as TracedPath
from snt_web.seeds import Seeds
from snt_web.store.commands import EditTree, RenamePath, SetMember, SetReconstruction, TagPath, apply
from snt_web.store.curation import add_warnings
from snt_web.store.seeds import AddSeeds, update_seeds
from snt_web.store.text import TextTooLongError

from .conftest import As
from .hostile import MB

LONG = "n" * 1001


def test_huge_renames_leave_the_database_and_history_small(login_app, store, tokens):
    owner = As(login_app.server.test_client(), tokens["owner"])
    database = store.data_dir / "snt-web.db"
    size = database.stat().st_size
    for megabytes in (10, 100):
        version = store.get("demo").version
        response = owner.patch("/projects/demo/paths/0", json={"base_version": version, "name": "x" * megabytes * MB})
        assert response.status_code == 413
    response = owner.patch("/projects/demo/paths/0", json={"base_version": store.get("demo").version, "name": LONG})
    assert response.status_code == 400 and response.json["error"].startswith("body.name: 1001 characters")
    response = owner.patch("/projects/demo/paths/0", json={"base_version": store.get("demo").version, "tag": LONG})
    assert response.status_code == 400 and "body.tag" in response.json["error"]
    assert database.stat().st_size - size < MB
    assert len(owner.get("/projects/demo/history").data) < 100_000


def test_a_reconstruction_upload_with_a_long_path_name_is_refused_by_name(login_app, store, tokens):
    owner = As(login_app.server.test_client(), tokens["owner"])
    tree = store.reconstruction("demo")
    path = tree.paths[1]
    renamed = Tree([p.copy() for p in tree.paths], spacing_xyz=tree.spacing_xyz, units=tree.units)
    renamed.path(path.id).name = LONG
    from snt_web.io.traces import traces_bytes

    version = store.get("demo").version
    response = owner.put(f"/projects/demo/reconstruction?base_version={version}", data=traces_bytes(renamed))
    assert response.status_code == 400 and f"path {path.id}.name: 1001 characters" in response.json["error"]
    # SWC has no names; its comment lines are not kept, so it cannot carry long text in.
    assert owner.put(f"/projects/demo/reconstruction?format=swc&base_version={version}",
                     data=format_swc(tree).encode()).status_code == 200


def test_seed_and_warning_text_is_limited_through_the_api(login_app, store, tokens):
    owner = As(login_app.server.test_client(), tokens["owner"])
    response = owner.post("/projects/demo/seeds", data=f"x,y,z,confidence,radius,type\n1,2,3,1,0,{LONG}\n".encode())
    assert response.status_code == 400 and "seed 0's type: 1001 characters" in response.json["error"]
    response = owner.post(f"/projects/demo/seeds?source={LONG}", data=b"x,y,z,confidence,radius\n1,2,3,1,0\n")
    assert response.status_code == 400 and "origin: 1001 characters" in response.json["error"]
    response = owner.post("/projects/demo/curation/warnings", data=f"x,y,z,message\n1,2,3,{LONG}\n".encode())
    assert response.status_code == 400 and "warnings[0].message: 1001 characters" in response.json["error"]


@pytest.mark.parametrize("command, field", [
    (RenamePath(0, LONG), "name"),
    (TagPath(0, LONG), "tag"),
    (EditTree("add_path", {"points": [[0, 0, 0], [1, 1, 1]], "name": LONG}), "params.name"),
    (EditTree("add_trees", {"paths": [{"points": [[0, 0, 0]], "name": "ok"}, {"points": [[1, 1, 1]],
                                                                            "color": LONG}]}),
     "params.paths[1].color"),
    (SetReconstruction(Tree([TracedPath(0, np.zeros((2, 3)), name=LONG)])), "path 0.name"),
    (AddSeeds(Seeds.from_columns([[1.0, 2.0, 3.0]], source=[LONG])), "seed 0's source"),
    (SetMember(LONG, "viewer"), "name"),
])
def test_the_command_layer_refuses_long_text_whoever_calls_it(store, command, field):
    version = store.get("demo").version
    with pytest.raises(TextTooLongError, match=rf"^{re.escape(field)}: 1001 characters; at most 1000 \(SNT_WEB_MAX_TEXT\)$"):
        apply(store, "demo", "local", command, version)
    assert store.get("demo").version == version


def test_the_limit_is_set_by_the_environment_and_covers_every_store_door(store, monkeypatch):
    monkeypatch.setenv("SNT_WEB_MAX_TEXT", "8")
    apply(store, "demo", "local", RenamePath(0, "8 chars!"), None)
    with pytest.raises(TextTooLongError, match="name: 9 characters; at most 8"):
        apply(store, "demo", "local", RenamePath(0, "9 chars!!"), None)
    warning = CurationWarning("gap", Severity.WARNING, "a long message", (1.0, 2.0, 3.0))
    with pytest.raises(TextTooLongError, match=r"warnings\[0\]\.message"):
        add_warnings(store, "demo", "local", [warning], source="api")
    record = apply(store, "demo", "local", AddSeeds(Seeds.from_columns([[1.0, 2.0, 3.0]])), None)
    with pytest.raises(TextTooLongError, match=r"changes\.type: 9 characters"):
        update_seeds(store, "demo", "local", [0], {"type": "9 chars!!"}, record.version)
