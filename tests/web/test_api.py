"""The HTTP API /api/v1/ through the Flask test client, with Bearer tokens."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import tifffile

from snt_web.io.reconstruction import read_reconstruction_bytes
from snt_web.store import Accounts
from snt_web.store.commands import TREE_EDITS
from snt_web.store.curation import list_warnings
from snt_web.store.seeds import load_seeds
from snt_web.web import api
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig

REPO = Path(__file__).resolve().parents[2]
ROLES = ("viewer", "reviewer", "annotator", "owner")


@pytest.fixture
def tokens(store):
    accounts = Accounts(store)
    out = {}
    for role in ROLES:
        accounts.add_user(role, "password " + role, role="viewer")
        accounts.set_member("demo", role, role)
        out[role] = accounts.create_token(role)
    accounts.add_user("outsider", "password outsider", role="viewer")
    accounts.set_member("demo", "outsider", None)
    out["outsider"] = accounts.create_token("outsider")
    return out


@pytest.fixture
def client(store, tokens):
    app = create_app(store, "demo", upload_limit_bytes=2 * 2**20, auth=AuthConfig(mode="login"))
    return app.server.test_client()


class As:
    """Requests as one user."""

    def __init__(self, client, token):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method):
        call = getattr(self.client, method)
        return lambda url, **kw: call("/api/v1" + url, headers={**self.headers, **kw.pop("headers", {})}, **kw)


def _version(store):
    return store.get("demo").version


def test_unauthenticated_and_bad_tokens_get_401(client):
    for method, url in [("get", "/projects"), ("get", "/projects/demo"), ("patch", "/projects/demo/paths/0"),
                        ("post", "/projects/demo/undo")]:
        response = getattr(client, method)("/api/v1" + url, json={})
        assert response.status_code == 401, (method, url)
        assert "error" in response.json
    assert client.get("/api/v1/projects").status_code == 401
    assert As(client, "not-a-token").get("/projects").status_code == 401


def test_listing_shows_visible_projects_with_roles(client, tokens, store):
    for role in ROLES:
        projects = As(client, tokens[role]).get("/projects").json["projects"]
        assert projects == [{"id": "demo", "name": "Demo", "version": _version(store), "role": role}]
    # A user whose site role is viewer sees every project; remove it for an outsider.
    Accounts(store).set_role("outsider", "viewer")
    record = As(client, tokens["owner"]).get("/projects/demo").json
    assert record["version"] == _version(store) and record["role"] == "owner" and "image_path" not in record


def test_reconstruction_round_trip_and_versions(client, tokens, store):
    owner = As(client, tokens["owner"])
    v0 = _version(store)
    swc = owner.get("/projects/demo/reconstruction?format=swc")
    assert swc.status_code == 200 and "attachment" in swc.headers["Content-Disposition"]
    tree = read_reconstruction_bytes(swc.data, "x.swc")
    traces = owner.get("/projects/demo/reconstruction?format=traces")
    assert len(read_reconstruction_bytes(traces.data, "x.traces")) == len(store.reconstruction("demo"))
    response = owner.put(f"/projects/demo/reconstruction?format=swc&base_version={v0}", data=swc.data)
    assert response.status_code == 200 and response.json["version"] == v0 + 1
    old = owner.get(f"/projects/demo/reconstruction?format=swc&version={v0}")
    assert read_reconstruction_bytes(old.data, "x.swc").n_nodes == tree.n_nodes
    assert owner.get("/projects/demo/reconstruction?format=xml").status_code == 400
    assert owner.get("/projects/demo/reconstruction?version=999").status_code == 404


def test_bad_uploads_say_what_is_wrong(client, tokens, store):
    owner = As(client, tokens["owner"])
    v = _version(store)
    response = owner.put(f"/projects/demo/reconstruction?format=swc&base_version={v}", data=b"1 3 0 0 zero 1 -1\n")
    assert response.status_code == 400 and "upload.swc" in response.json["error"]
    assert owner.put("/projects/demo/reconstruction?format=swc", data=b"x").json["error"] == "base_version is required"
    too_big = owner.put(f"/projects/demo/reconstruction?format=swc&base_version={v}", data=b"#" * (3 * 2**20))
    assert too_big.status_code == 413 and "limit" in too_big.json["error"]
    assert _version(store) == v


@pytest.mark.parametrize("role, allowed", [
    ("viewer", set()),
    ("reviewer", {"tag"}),
    ("annotator", {"tag", "name", "swc_type"}),
    ("owner", {"tag", "name", "swc_type", "members"}),
])
def test_each_role_may_do_exactly_its_actions(client, tokens, store, role, allowed):
    user = As(client, tokens[role])
    path_id = store.reconstruction("demo").paths[0].id
    edits = {"name": {"name": "renamed"}, "swc_type": {"swc_type": 3}, "tag": {"tag": "cur:accept"}}
    for field, change in edits.items():
        before = _version(store)
        response = user.patch(f"/projects/demo/paths/{path_id}", json={"base_version": before, **change})
        if field in allowed:
            assert response.status_code == 200, (role, field, response.json)
            assert response.json["version"] == before + 1
        else:
            assert response.status_code == 403, (role, field, response.json)
            assert _version(store) == before
    response = user.put("/projects/demo/members", json={"name": "viewer", "role": "reviewer",
                                                         "base_version": _version(store)})
    assert response.status_code == (200 if "members" in allowed else 403)
    assert user.get("/projects/demo/members").status_code == (200 if "members" in allowed else 403)
    assert user.get("/projects/demo/history").status_code == 200
    csv = b"x,y,z,confidence,radius\n1,2,3,0.9,1\n"
    response = user.post(f"/projects/demo/seeds?base_version={_version(store)}", data=csv)
    assert response.status_code == (200 if "name" in allowed else 403)


def test_a_non_member_sees_no_project(client, tokens, store):
    Accounts(store).set_role("outsider", "viewer")
    accounts = Accounts(store)
    accounts.set_member("demo", "outsider", None)
    # Site role viewer gives view access; no site access at all means 404 (existence stays private).
    assert As(client, tokens["outsider"]).get("/projects/demo").status_code == 200
    assert As(client, tokens["owner"]).get("/projects/nope").status_code == 404


def test_stale_base_version_is_409_and_loses_nothing(client, tokens, store):
    ann = As(client, tokens["annotator"])
    path_id = store.reconstruction("demo").paths[0].id
    v = _version(store)
    assert ann.patch(f"/projects/demo/paths/{path_id}", json={"base_version": v, "name": "first"}).status_code == 200
    response = ann.patch(f"/projects/demo/paths/{path_id}", json={"base_version": v, "name": "second"})
    assert response.status_code == 409
    assert response.json["current_version"] == v + 1 and "error" in response.json
    assert store.reconstruction("demo").path(path_id).name == "first"
    history = ann.get("/projects/demo/history").json["history"]
    assert history[0]["action"] == "rename path" and history[0]["user"] == "annotator"


def test_restore_and_undo(client, tokens, store):
    ann = As(client, tokens["annotator"])
    path_id = store.reconstruction("demo").paths[0].id
    original = store.reconstruction("demo").path(path_id).name
    v = _version(store)
    v1 = ann.patch(f"/projects/demo/paths/{path_id}", json={"base_version": v, "name": "changed"}).json["version"]
    v2 = ann.post("/projects/demo/undo", json={"base_version": v1}).json["version"]
    assert store.reconstruction("demo").path(path_id).name == original
    v3 = ann.post("/projects/demo/restore", json={"version": v1, "base_version": v2}).json["version"]
    assert v3 == v2 + 1 and store.reconstruction("demo").path(path_id).name == "changed"
    assert ann.post("/projects/demo/undo", json={}).status_code == 400
    assert ann.post("/projects/demo/restore", data="x", json=None).status_code == 400


def test_tree_edits_and_redo(client, tokens, store):
    ann = As(client, tokens["annotator"])
    n_paths = len(store.reconstruction("demo"))
    body = {"op": "add_path", "params": {"points": [[1, 2, 3], [4, 5, 6]], "swc_type": 3},
            "base_version": _version(store)}
    answer = ann.post("/projects/demo/edits", json=body).json
    added = store.reconstruction("demo").path(answer["new_path_id"])
    assert added.points.tolist() == [[1, 2, 3], [4, 5, 6]] and added.swc_type == 3
    assert store.history("demo", 1)[0].user == "annotator"
    v = ann.post("/projects/demo/undo", json={"base_version": answer["version"]}).json["version"]
    assert len(store.reconstruction("demo")) == n_paths
    ann.post("/projects/demo/redo", json={"base_version": v})
    assert len(store.reconstruction("demo")) == n_paths + 1
    # Bad edits: unknown op, a bad argument, a stale version, a viewer.
    first = store.reconstruction("demo").paths[0].id
    for bad, status in (({"op": "explode", "params": {}}, 400), ({"op": "move_node", "params": {"path_id": 0}}, 400),
                        ({"op": "delete_paths", "params": {"path_ids": [first]},
                          "base_version": _version(store) - 1}, 409)):
        response = ann.post("/projects/demo/edits", json={"base_version": _version(store), **bad})
        assert response.status_code == status and response.json["error"], response.json
    viewer = As(client, tokens["viewer"])
    response = viewer.post("/projects/demo/edits", json={**body, "base_version": _version(store)})
    assert response.status_code == 403
    assert len(store.reconstruction("demo")) == n_paths + 1


def test_members_owner_manages(client, tokens, store):
    owner = As(client, tokens["owner"])
    response = owner.put("/projects/demo/members", json={"name": "viewer", "role": "annotator",
                                                         "base_version": _version(store)})
    assert response.status_code == 200 and response.json["members"]["viewer"] == "annotator"
    response = owner.put("/projects/demo/members", json={"name": "ghost", "role": "viewer",
                                                         "base_version": _version(store)})
    assert response.status_code == 400 and "ghost" in response.json["error"]
    response = owner.put("/projects/demo/members", json={"name": "viewer", "role": "king",
                                                         "base_version": _version(store)})
    assert response.status_code == 400


def test_seed_and_warning_csvs_land_in_the_seed_table_and_the_assistant(client, tokens, store):
    ann = As(client, tokens["annotator"])
    bad = ann.post(f"/projects/demo/seeds?base_version={_version(store)}", data=b"X,Y,Z,Radius\n1,2,3,4\n")
    assert bad.status_code == 400 and "confidence" in bad.json["error"]
    # A posted seeds CSV lands in the seed table (the Seeds panel's), not as a file beside it; an unreadable
    # row is skipped and listed with its line, as SNT's importer does.
    good = ann.post(f"/projects/demo/seeds?base_version={_version(store)}",
                    data=b"X,Y,Z,Confidence,Radius\n1,2,3,0.5,1\n4,a,6,1,1\n4,5,6,0.7,2\n")
    assert good.status_code == 200, good.json
    assert (good.json["added"], good.json["skipped"]) == (2, 1)
    assert good.json["problems"] == [{"line": 3, "reason": "y 'a' is not a number"}]
    assert [kind for kind, *_ in store.attachments("demo")].count("seeds") == 0
    assert load_seeds(store, "demo").xyz.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    # Warnings posted to the older address land in the Curation Assistant, as DL-QC points.
    bad = ann.post("/projects/demo/warnings", data=b"check,severity\ngap,WARNING\n")
    assert bad.status_code == 400 and "x, y and z" in bad.json["error"]
    good = ann.post("/projects/demo/warnings",
                    data=b"check,severity,message,x,y,z\ngap,high,\"a gap, here\",1,2,3\n"
                         b"gap,WARNING,\"a gap, there\",4,5,6\n")
    assert good.status_code == 200 and good.json["added"] == 1
    assert good.json["errors"] == [{"row": 2, "reason": "severity must be INFO, WARNING or ERROR, not 'high'"}]
    assert [w["message"] for w in list_warnings(store, "demo", "annotator")] == ["a gap, there"]
    # Replacing the seeds from a view older than the last seed change would drop seeds unseen: refused.
    stale = ann.post("/projects/demo/seeds?base_version=0&replace=1", data=b"x,y,z,confidence,radius\n")
    assert stale.status_code == 409 and stale.json["current_version"] == _version(store)
    assert len(load_seeds(store, "demo")) == 2


def _tiff(shape) -> bytes:
    buffer = io.BytesIO()
    tifffile.imwrite(buffer, np.zeros(shape, np.float32), imagej=True, metadata={"axes": "ZYX"})
    return buffer.getvalue()


def test_probability_map_must_match_the_image(client, tokens, store):
    ann = As(client, tokens["annotator"])
    z, y, x = store.image("demo").shape_zyx
    bad = ann.post(f"/projects/demo/probability-map?base_version={_version(store)}", data=_tiff((z, y, x + 1)))
    assert bad.status_code == 400 and "probability map" in bad.json["error"] and str(x + 1) in bad.json["error"]
    bad = ann.post(f"/projects/demo/probability-map?base_version={_version(store)}", data=b"not a tiff")
    assert bad.status_code == 400
    good = ann.post(f"/projects/demo/probability-map?base_version={_version(store)}", data=_tiff((z, y, x)))
    assert good.status_code == 200, good.json
    # Float values within [0, 1]: a probability map, traced as one.
    assert good.json["kind"] == "probability-map" and good.json["values"] == "probability"


def test_unknown_endpoints_answer_json(client, tokens):
    owner = As(client, tokens["owner"])
    response = owner.get("/nope")
    assert response.status_code == 404 and "/api/v1/nope" in response.json["error"]
    response = owner.delete("/projects/demo")
    assert response.status_code == 404 and "DELETE /api/v1/projects/demo" in response.json["error"]
    assert owner.get("/projects/demo").status_code == 200


def test_jobs_submit_list_get_cancel(client, tokens, store):
    ann, viewer = As(client, tokens["annotator"]), As(client, tokens["viewer"])
    response = ann.post("/projects/demo/jobs", json={"kind": "export-reconstruction", "params": {"format": "swc"}})
    assert response.status_code == 202
    job = response.json
    assert (job["kind"], job["state"], job["user"], job["project_id"]) == ("export-reconstruction", "queued",
                                                                           "annotator", "demo")
    # No worker runs in this test: the job waits, listed and readable, until cancelled.
    assert [j["id"] for j in viewer.get("/projects/demo/jobs").json["jobs"]] == [job["id"]]
    assert viewer.get(f"/jobs/{job['id']}").json["state"] == "queued"
    assert viewer.post(f"/jobs/{job['id']}/cancel").status_code == 403
    cancelled = ann.post(f"/jobs/{job['id']}/cancel").json
    assert cancelled["state"] == "cancelled" and "annotator" in cancelled["message"]
    # Refusals: a viewer submitting, an unknown task, parameters the task does not take, an unknown job.
    assert viewer.post("/projects/demo/jobs", json={"kind": "export-reconstruction"}).status_code == 403
    for body in ({"kind": "explode"}, {"kind": "filter-layer", "params": {"colour": "red"}}, {"params": {}}):
        response = ann.post("/projects/demo/jobs", json=body)
        assert response.status_code == 400 and response.json["error"], body
    assert ann.get("/jobs/0123456789abcdef").status_code == 404


def test_session_auth_needs_csrf_for_writes(client, store):
    Accounts(store).add_user("sam", "password sam", role="annotator")
    client.get("/login")
    token = client.get_cookie("_csrf_token").value
    client.post("/login", data={"username": "sam", "password": "password sam", "csrf_token": token})
    path_id = store.reconstruction("demo").paths[0].id
    body = {"base_version": _version(store), "name": "by session"}
    assert client.patch(f"/api/v1/projects/demo/paths/{path_id}", json=body).status_code == 403
    token = client.get_cookie("_csrf_token").value
    response = client.patch(f"/api/v1/projects/demo/paths/{path_id}", json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_openapi_describes_every_route():
    spec = json.loads((REPO / "docs" / "openapi.json").read_text())
    assert spec["openapi"].startswith("3.1")
    from flask import Flask

    app = Flask("probe")
    app.register_blueprint(api.blueprint)
    described = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint.startswith("snt_web_api.no_endpoint"):
            continue
        path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in described, (path, method)
    # Every tree edit the store runs is offered, and no other.
    edit = spec["paths"]["/projects/{project_id}/edits"]["post"]["requestBody"]["content"]["application/json"]
    assert edit["schema"]["properties"]["op"]["enum"] == list(TREE_EDITS)
