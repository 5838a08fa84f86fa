"""Issue #17, point 2: a writing route checks the role before it reads the body, and limits the body.

A viewer's 230 KB gzipped ``.traces`` (80 MB of XML, 16 s to parse) must be
refused before it is inflated; an anonymous demo visitor cannot push a TIFF
bomb as a probability map; every route refuses a body over its own limit
before reading it (or while reading it, when no length is declared); and the
page's uploads are refused to viewers before their base64 is decoded.
"""

from __future__ import annotations

import gzip
import io

import pytest

from snt_web.web.app import create_app
from snt_web.web.auth import AuthConfig

from .conftest import As, answer, callback_post
from .hostile import MB, cheaply, data_url, declared_tiff

#: A refusal reads nothing: well under a parse, and no memory to speak of.
MAX_SECONDS = 0.5
MAX_GROWTH = 20 * MB


@pytest.fixture(scope="module")
def traces_bomb() -> bytes:
    point = b'<point x="1" y="2" z="3" xd="1.0" yd="2.0" zd="3.0"/>'
    xml = b'<?xml version="1.0"?><tracings><path id="0" swctype="0" name="p">' + point * 1_500_000 + \
        b"</path></tracings>"
    return gzip.compress(xml, 6)


def _cheap(call):
    return cheaply(call, seconds=MAX_SECONDS, growth=MAX_GROWTH)


def test_a_viewer_is_refused_before_the_body_is_read(login_app, store, tokens, traces_bomb):
    assert len(traces_bomb) < 300_000
    viewer = As(login_app.server.test_client(), tokens["viewer"])
    version = store.get("demo").version
    bomb_tiff = declared_tiff(100_000, 100_000)
    for method, url, body in [
        ("put", f"/projects/demo/reconstruction?base_version={version}", traces_bomb),
        ("post", f"/projects/demo/probability-map?base_version={version}", bomb_tiff),
        ("post", "/projects/demo/seeds", b"x,y,z\n" + b"1,2,3\n" * 200_000),
        ("post", "/projects/demo/curation/warnings", b"x,y,z\n" + b"1,2,3\n" * 200_000),
        ("post", "/projects/demo/jobs", b'{"kind": "filter-layer", "params": {"layer": "tubeness"}}'),
        ("post", "/projects/demo/edits", b'{"op": "add_path", "params": {}}'),
    ]:
        response = _cheap(lambda: getattr(viewer, method)(url, data=body, content_type="application/json"
                                                          if body.startswith(b"{") else "text/plain"))
        assert response.status_code == 403, (url, response.json)
        assert "viewer may not" in response.json["error"]
    assert store.get("demo").version == version


def test_an_anonymous_demo_visitor_cannot_push_a_tiff_bomb(store):
    app = create_app(store, "demo", upload_limit_bytes=4 * MB, auth=AuthConfig(mode="demo-readonly"))
    client = app.server.test_client()
    client.get("/")  # the page hands out the CSRF cookie, as to any visitor
    headers = {"X-CSRFToken": client.get_cookie("_csrf_token").value}
    version = store.get("demo").version
    response = _cheap(lambda: client.post(f"/api/v1/projects/demo/probability-map?base_version={version}",
                                          data=declared_tiff(100_000, 100_000), headers=headers))
    assert response.status_code == 403 and "may not edit" in response.json["error"]
    assert store.get("demo").version == version


def test_each_route_refuses_a_body_over_its_limit_before_reading_it(login_app, store, tokens, monkeypatch):
    monkeypatch.setenv("SNT_WEB_MAX_JSON_BYTES", str(64 * 1024))
    owner = As(login_app.server.test_client(), tokens["owner"])
    version = store.get("demo").version
    big_json = b'{"name": "' + b"a" * (100 * 1024) + b'", "base_version": 1}'
    response = _cheap(lambda: owner.patch("/projects/demo/paths/0", data=big_json, content_type="application/json"))
    assert response.status_code == 413 and "65536" in response.json["error"]
    # The upload routes take files up to the upload limit (4 MiB here), no more.
    too_big = b"#" * (4 * MB + 1)
    response = _cheap(lambda: owner.put(f"/projects/demo/reconstruction?format=swc&base_version={version}",
                                        data=too_big))
    assert response.status_code == 413 and str(4 * MB) in response.json["error"]
    # Without a declared length (chunked), reading stops at the limit.
    response = owner.put(f"/projects/demo/reconstruction?format=swc&base_version={version}",
                         input_stream=io.BytesIO(too_big), headers={"Transfer-Encoding": "chunked"},
                         environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert store.get("demo").version == version


def _page_client(app, store, user):
    from .conftest import PASSWORD

    client = app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": user, "password": PASSWORD,
                                           "csrf_token": client.get_cookie("_csrf_token").value})
    assert response.status_code == 302
    return client, {"X-CSRFToken": client.get_cookie("_csrf_token").value}


@pytest.mark.parametrize("component, filename, message", [
    ("upload", "bomb.tif", "files-message"),
    ("map-upload", "bomb.tif", "maps-message"),
    ("seeds-upload", "labels.tif", "seeds-message"),
])
def test_page_uploads_of_a_viewer_are_refused_before_decoding(login_app, store, component, filename, message):
    client, headers = _page_client(login_app, store, "viewer")
    meta = {"id": "demo", "version": store.get("demo").version, "shape": list(store.image("demo").shape_zyx),
            "spacing": list(store.image("demo").spacing)}
    values = {f"{component}.contents": data_url(declared_tiff(100_000, 100_000)),
              f"{component}.filename": filename, "project.data": meta}
    response = _cheap(lambda: client.post("/_dash-update-component", headers=headers,
                                          json=callback_post(login_app, f"{component}.contents", values)))
    assert "Not allowed" in answer(response, message) and "viewer may not edit" in answer(response, message)
    # A page request bigger than a JSON body is not even read from someone who may write nowhere.
    values[f"{component}.contents"] = data_url(b"\0" * (3 * MB))
    response = _cheap(lambda: client.post("/_dash-update-component", headers=headers,
                                          json=callback_post(login_app, f"{component}.contents", values)))
    assert response.status_code == 413
    assert store.get("demo").version == meta["version"]


def test_an_annotator_still_uploads_through_the_page(login_app, store, demo_files):
    client, headers = _page_client(login_app, store, "annotator")
    meta = {"id": "demo", "version": store.get("demo").version}
    swc = demo_files[1].read_bytes()
    assert len(data_url(swc)) > 0
    values = {"upload.contents": data_url(swc), "upload.filename": "mine.swc", "project.data": meta}
    response = client.post("/_dash-update-component", headers=headers,
                           json=callback_post(login_app, "upload.contents", values))
    assert "Opened mine.swc" in answer(response, "files-message")
    assert store.get("demo").version == meta["version"] + 1
