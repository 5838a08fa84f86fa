"""The curation endpoints of /api/v1/: DL-QC points in, warnings and reviews out, decisions by role."""

from __future__ import annotations

import json

import pytest

from snt_web.store import Accounts, SetReconstruction, apply
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig


@pytest.fixture
def call(store):
    accounts = Accounts(store)
    tokens = {}
    for role in ("viewer", "reviewer"):
        accounts.add_user(role, "password " + role, role=role)
        tokens[role] = accounts.create_token(role)
    client = create_app(store, "demo", auth=AuthConfig(mode="login")).server.test_client()

    def request(method, role, url, **kw):
        return getattr(client, method)("/api/v1/projects/demo/curation" + url,
                                       headers={"Authorization": f"Bearer {tokens[role]}"}, **kw)

    return request


def test_dlqc_points_decisions_and_roles(call, store):
    node = store.reconstruction("demo").paths[2].points[20]
    body = f"x,y,z,score,severity\n{node[0]},{node[1]},{node[2]},0.9,ERROR\n1,2\n".encode()
    assert call("post", "viewer", "/warnings", data=body).status_code == 403
    answer = call("post", "reviewer", "/warnings", data=body)
    assert answer.status_code == 200
    assert answer.json["added"] == 1 and answer.json["errors"][0]["row"] == 3

    listed = call("get", "viewer", "/warnings").json["warnings"]
    assert [(w["check"], w["severity"], w["source"]) for w in listed] == [("DL-QC", "ERROR", "dlqc")]
    key, paths = listed[0]["key"], listed[0]["paths"]
    assert store.reconstruction("demo").paths[2].id in paths

    # Somebody edits meanwhile: a decision based on the version before is refused.
    first = store.get("demo").version
    Accounts(store).add_user("ann", "password annotator", role="annotator")
    apply(store, "demo", "ann", SetReconstruction(store.reconstruction("demo")), first)
    version = store.get("demo").version
    denied = call("post", "viewer", "/decisions", json={"keys": [key], "decision": "reject"})
    assert denied.status_code == 403
    stale = call("post", "reviewer", "/decisions", json={"keys": [key], "decision": "reject", "base_version": first})
    assert stale.status_code == 409
    done = call("post", "reviewer", "/decisions", json={"keys": [key], "decision": "reject", "base_version": version})
    assert done.status_code == 200 and done.json["version"] > version
    assert all("cur:reject" in store.reconstruction("demo").path(p).tags for p in paths)
    review = call("get", "viewer", "/warnings").json["warnings"][0]
    assert (review["decision"], review["reviewer"]) == ("reject", "reviewer")

    bad = call("post", "reviewer", "/decisions", json={"keys": [key], "decision": "maybe"})
    assert bad.status_code == 400 and "decision must be" in bad.json["error"]
    assert call("post", "reviewer", "/decisions", json={"keys": []}).status_code == 400
    json_body = json.dumps([{"x": 1, "y": 1, "z": 1, "score": 0.1}]).encode()
    assert call("post", "reviewer", "/warnings", data=json_body).json["added"] == 1
    assert call("post", "reviewer", "/warnings", data=b"x,y\n1,2\n").status_code == 400
