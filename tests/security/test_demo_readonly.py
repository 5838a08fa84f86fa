"""Issue #17, point 13: a read-only demo's visitors read everything a viewer may, curation warnings included."""

from __future__ import annotations

import pytest

from snt_web.curation.dlqc import parse_points
from snt_web.store import LOCAL_USER
from snt_web.store.curation import add_warnings
from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig
from snt_web.web.panels.curation import SEVERITIES
from snt_web.web.state import project_meta

from .pages import callback_post, csrf


@pytest.fixture
def demo_app(store):
    return create_app(store, "demo", auth=AuthConfig(mode="demo-readonly"))


@pytest.fixture
def warned(store):
    """Two DL-QC warnings at nodes of the demo reconstruction (added before the demo opens)."""
    tree = store.reconstruction("demo")
    (x0, y0, z0), (x1, y1, z1) = tree.paths[0].points[0], tree.paths[-1].points[-1]
    text = f"x,y,z,score,message\n{x0},{y0},{z0},0.9,bad fork\n{x1},{y1},{z1},0.7,odd tip\n"
    warnings, errors = parse_points(text, tree)
    assert not errors
    assert add_warnings(store, "demo", LOCAL_USER, warnings, source="dlqc") == 2
    return store


READS = ["/api/v1/projects", "/api/v1/projects/demo", "/api/v1/projects/demo/reconstruction?format=swc",
         "/api/v1/projects/demo/history", "/api/v1/projects/demo/seeds", "/api/v1/projects/demo/seeds?format=csv",
         "/api/v1/projects/demo/jobs", "/api/v1/projects/demo/curation/warnings"]


@pytest.mark.parametrize("url", READS)
def test_every_read_of_the_api_works_for_a_visitor(warned, demo_app, url):
    assert demo_app.server.test_client().get(url).status_code == 200


def test_a_visitor_sees_the_curation_warnings(warned, demo_app):
    rows = demo_app.server.test_client().get("/api/v1/projects/demo/curation/warnings").json["warnings"]
    assert sorted(r["message"] for r in rows) == ["bad fork", "odd tip"]


def test_the_curation_panel_lists_the_warnings_for_a_visitor(warned, demo_app):
    client = demo_app.server.test_client()
    client.get("/")  # the page hands out the CSRF cookie
    values = {"project.data": project_meta(warned, "demo"), "curation-severity.value": SEVERITIES,
              "curation-check.value": []}
    body = callback_post(demo_app, "project.data", values, output="warnings-table.rowData")
    response = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf(client)})
    assert response.status_code == 200
    out = response.json["response"]
    rows = out["warnings-table"]["rowData"]
    assert len(rows) == 2 and out["curation-summary"]["children"].startswith("2 of 2 shown")


def test_a_visitor_still_cannot_review(warned, demo_app):
    client = demo_app.server.test_client()
    keys = [r["key"] for r in client.get("/api/v1/projects/demo/curation/warnings").json["warnings"]]
    response = client.post("/api/v1/projects/demo/curation/decisions", json={"keys": keys, "decision": "accept"})
    assert response.status_code == 403
    assert all(r["decision"] is None for r in client.get("/api/v1/projects/demo/curation/warnings").json["warnings"])
