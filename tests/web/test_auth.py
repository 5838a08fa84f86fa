"""Login, sessions, CSRF, throttling, security headers and the three auth modes (Flask test client)."""

from __future__ import annotations

import re

import pytest
from security.pages import PASSWORD, csrf, login

from snt_web.auth.modes import AuthConfigError, auth_mode_for
from snt_web.auth.roles import PermissionDenied
from snt_web.store import LOCAL_USER, Accounts
from snt_web.web.app import create_app
from snt_web.web.auth import (
    CSRF_COOKIE,
    AuthConfig,
    current_user,
    require,
    safe_next,
    user_badge,
)

DASH_POST = {"output": "x.children", "outputs": {"id": "x", "property": "children"}, "inputs": [], "changedPropIds": []}


@pytest.fixture
def login_app(store):
    accounts = Accounts(store)
    accounts.add_user("ann", PASSWORD, role="annotator")
    accounts.add_user("vic", PASSWORD, role="viewer")
    return create_app(store, "demo", auth=AuthConfig(mode="login"))


# --- mode selection --------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"])
def test_loopback_without_users_is_single_user(host):
    assert auth_mode_for(host, has_users=False, demo_readonly=False) == "single-user"


def test_users_mean_login_and_demo_flag_wins():
    assert auth_mode_for("0.0.0.0", has_users=True, demo_readonly=False) == "login"
    assert auth_mode_for("127.0.0.1", has_users=True, demo_readonly=False) == "login"
    assert auth_mode_for("0.0.0.0", has_users=False, demo_readonly=True) == "demo-readonly"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "example.org", "::"])
def test_public_host_without_users_is_refused_in_one_sentence(host):
    with pytest.raises(AuthConfigError, match="snt-web user add") as info:
        auth_mode_for(host, has_users=False, demo_readonly=False)
    assert "\n" not in str(info.value) and host in str(info.value)


def test_unknown_mode_is_refused():
    with pytest.raises(AuthConfigError):
        AuthConfig(mode="open")


# --- login mode -------------------------------------------------------------------------------
def test_unauthenticated_requests_get_401_json_or_a_redirect(login_app):
    client = login_app.server.test_client()
    for url in ("/api/v1/projects", "/_dash-layout", "/_dash-dependencies", "/slice/demo/1/xy/0.png"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert "error" in response.json
    page = client.get("/?project=demo&x=1")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/%3Fproject%3Ddemo%26x%3D1"
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200


def test_login_then_pages_and_dash_work_and_logout_ends_the_session(login_app):
    client = login_app.server.test_client()
    response = login(client, form={"next": "/?project=demo"})
    assert response.status_code == 302 and response.headers["Location"] == "/?project=demo"
    session_cookie = client.get_cookie("snt_web_session")
    assert session_cookie is not None
    page = client.get("/")
    assert page.status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/api/v1/projects").json["projects"][0]["role"] == "annotator"
    assert client.post("/logout", headers={"X-CSRFToken": csrf(client)}).status_code == 302
    assert client.get("/api/v1/projects").status_code == 401


def test_session_cookie_flags(store):
    Accounts(store).add_user("ann", PASSWORD)
    app = create_app(store, "demo", auth=AuthConfig(mode="login", secure_cookies=True))
    client = app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "ann", "password": PASSWORD,
                                           "csrf_token": client.get_cookie(CSRF_COOKIE).value})
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("snt_web_session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" in session


def test_removed_user_loses_the_session(login_app, store):
    client = login_app.server.test_client()
    login(client, "vic")
    assert client.get("/api/v1/projects").status_code == 200
    Accounts(store).remove_user("vic")
    assert client.get("/api/v1/projects").status_code == 401


def test_wrong_password_is_refused(login_app):
    client = login_app.server.test_client()
    response = login(client, password="wrong password")
    assert response.status_code == 401 and b"Wrong user name or password" in response.data
    assert client.get("/api/v1/projects").status_code == 401


def test_brute_force_is_throttled_even_for_the_right_password(login_app, store):
    client = login_app.server.test_client()
    for _ in range(5):
        assert login(client, password="guess guess").status_code == 401
    response = login(client)  # the right password, too late
    assert response.status_code == 429 and b"Too many failed logins" in response.data
    assert client.get("/api/v1/projects").status_code == 401
    # Counted in the store, so another server process (another app) refuses as well.
    other = create_app(store, "demo", auth=AuthConfig(mode="login")).server.test_client()
    assert login(other).status_code == 429


def test_throttling_one_user_locks_out_nobody_else_at_the_address(login_app):
    client = login_app.server.test_client()
    for _ in range(5):
        assert login(client, name="ann", password="guess guess").status_code == 401
    assert login(client, name="ann").status_code == 429
    assert login(login_app.server.test_client(), name="vic").status_code == 302  # same address, another user


# --- CSRF ------------------------------------------------------------------------------------------
def test_login_post_without_csrf_token_is_refused(login_app):
    client = login_app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/api/v1/projects").status_code == 401
    assert login(client).status_code == 302


def test_dash_post_needs_the_csrf_header(login_app):
    client = login_app.server.test_client()
    login(client)
    refused = client.post("/_dash-update-component", json=DASH_POST)
    assert refused.status_code == 403 and "CSRF" in refused.json["error"]
    wrong = client.post("/_dash-update-component", json=DASH_POST, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 403
    accepted = client.post("/_dash-update-component", json=DASH_POST, headers={"X-CSRFToken": csrf(client)})
    assert accepted.status_code != 403  # past the CSRF check (Dash itself answers the dummy callback)


def test_csrf_cookie_is_readable_by_the_page_for_dashs_renderer(login_app):
    client = login_app.server.test_client()
    response = client.get("/login")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(CSRF_COOKIE + "="))
    assert "HttpOnly" not in cookie and "SameSite=Lax" in cookie
    config = login_app._config()
    assert config["csrf_token_name"] == CSRF_COOKIE and config["csrf_header_name"] == "X-CSRFToken"


def test_single_user_browser_posts_need_the_token_scripts_do_not(app):
    client = app.server.test_client()
    browser = {"Origin": "http://127.0.0.1:8050", "Sec-Fetch-Site": "same-origin"}
    assert client.post("/_dash-update-component", json=DASH_POST, headers=browser).status_code == 403
    client.get("/")
    headers = {**browser, "X-CSRFToken": client.get_cookie(CSRF_COOKIE).value}
    assert client.post("/_dash-update-component", json=DASH_POST, headers=headers).status_code != 403
    # A cross-site page cannot add the token; curl-like clients (no Origin) need none on loopback.
    record = client.get("/api/v1/projects/demo").json
    response = client.patch("/api/v1/projects/demo/paths/0", json={"base_version": record["version"], "name": "a"},
                            headers={"Origin": "http://evil.example"})
    assert response.status_code == 403
    response = client.patch("/api/v1/projects/demo/paths/0", json={"base_version": record["version"], "name": "a"})
    assert response.status_code == 200


def test_single_user_refuses_other_host_names(app):
    client = app.server.test_client()
    assert client.get("/api/v1/projects", headers={"Host": "rebound.example:8050"}).status_code == 400
    assert client.get("/api/v1/projects", headers={"Host": "127.0.0.1:8050"}).status_code == 200


# --- pages and headers ---------------------------------------------------------------------------
def test_login_page_escapes_next_and_user_name(login_app):
    client = login_app.server.test_client()
    evil = '"><script>alert(1)</script>'
    page = client.get("/login", query_string={"next": "/" + evil}).data.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    response = login(client, name=evil, password="nope nope")
    assert b"<script>alert(1)" not in response.data
    assert re.search(r'name="username"[^>]*value="&#34;&gt;&lt;script', response.data.decode())


@pytest.mark.parametrize("target, expected", [
    ("/?project=demo", "/?project=demo"),
    ("//evil.example/", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_next_is_same_site_only(target, expected):
    assert safe_next(target) == expected


def test_login_redirects_only_to_same_site_paths(login_app):
    client = login_app.server.test_client()
    response = login(client, form={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("mode", ["single-user", "login", "demo-readonly"])
def test_security_headers_on_every_response(store, mode):
    Accounts(store).add_user("ann", PASSWORD) if mode == "login" else None
    client = create_app(store, "demo", auth=AuthConfig(mode=mode)).server.test_client()
    for url in ("/", "/login", "/healthz", "/api/v1/projects", "/nope"):
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        scripts = csp.split("script-src", 1)[1].split(";")[0]
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_csp_allows_dashs_inline_renderer_script_by_hash(app):
    csp = app.server.test_client().get("/").headers["Content-Security-Policy"]
    for digest in app.csp_hashes():
        assert digest in csp


# --- the other modes ----------------------------------------------------------------------------------
def test_single_user_mode_has_no_login(app):
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/login").status_code == 302
    with app.server.test_request_context("/"):
        assert current_user() == LOCAL_USER
        assert require("demo", "manage") == "owner"


def test_demo_readonly_lets_anonymous_view_and_refuses_writes(store):
    app = create_app(store, "demo", auth=AuthConfig(mode="demo-readonly"))
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    projects = client.get("/api/v1/projects").json["projects"]
    assert projects == [{"id": "demo", "name": "Demo", "version": projects[0]["version"], "role": "viewer"}]
    version = projects[0]["version"]
    assert client.get("/api/v1/projects/demo/reconstruction?format=swc").status_code == 200
    response = client.patch("/api/v1/projects/demo/paths/0", json={"base_version": version, "name": "x"})
    assert response.status_code == 403
    assert client.post("/api/v1/projects/demo/undo", json={"base_version": version}).status_code == 403
    assert store.get("demo").version == version
    with app.server.test_request_context("/"):
        assert current_user() is None
        assert require("demo", "view") == "viewer"
        with pytest.raises(PermissionDenied):
            require("demo", "edit")


def test_user_badge_names_user_role_and_offers_logout(login_app, store):
    with login_app.server.test_request_context("/"):
        from flask import session

        session["sid"] = Accounts(store).create_session("ann")
        badge = str(user_badge("demo").to_plotly_json())
    assert "ann" in badge and "annotator" in badge and "/logout" in badge and "csrf_token" in badge


# --- Dash callbacks that write ------------------------------------------------------------------------
def _open_file_post(meta: dict, trigger: str, filename: str, data: bytes | None = None) -> dict:
    """The body Dash's renderer posts for the Files panel's open callback (upload or "Open")."""
    import base64

    contents = None if data is None else "data:application/octet-stream;base64," + base64.b64encode(data).decode()
    return {
        "output": "..project.data...files-message.children...files-message.className..",
        "outputs": [{"id": "project", "property": "data"}, {"id": "files-message", "property": "children"},
                    {"id": "files-message", "property": "className"}],
        "inputs": [{"id": "upload", "property": "contents", "value": contents},
                   {"id": "data-open", "property": "n_clicks", "value": 1 if trigger == "data-open" else None}],
        "changedPropIds": ["upload.contents" if trigger == "upload" else "data-open.n_clicks"],
        "state": [{"id": "upload", "property": "filename", "value": filename},
                  {"id": "data-files", "property": "value", "value": filename},
                  {"id": "project", "property": "data", "value": meta}],
    }


def _writes(store, image_path):
    """Every way the page writes to a project: (trigger, file name, bytes to upload or None)."""
    from snt_web.io.swc import format_swc

    swc = format_swc(store.reconstruction("demo")).encode()
    (store.files_dir / "other.swc").write_bytes(swc)
    return [("upload", "mine.swc", swc), ("upload", "mine.tif", image_path.read_bytes()),
            ("data-open", "other.swc", None)]


@pytest.mark.parametrize("mode", ["login", "demo-readonly"])
def test_dash_write_callbacks_refuse_a_viewer(store, demo_files, mode):
    accounts = Accounts(store)
    accounts.add_user("ann", PASSWORD, role="annotator")
    accounts.add_user("vic", PASSWORD, role="viewer")
    app = create_app(store, "demo", auth=AuthConfig(mode=mode))
    viewer = app.server.test_client()
    if mode == "login":
        assert login(viewer, "vic").status_code == 302
    else:
        viewer.get("/")  # an anonymous visitor: the page hands out the CSRF cookie
    headers = {"X-CSRFToken": csrf(viewer)}
    for trigger, filename, data in _writes(store, demo_files[0]):
        before = store.get("demo").version
        history = store.history("demo")
        meta = {"id": "demo", "version": before}
        response = viewer.post("/_dash-update-component", json=_open_file_post(meta, trigger, filename, data),
                               headers=headers)
        assert response.status_code == 200, (trigger, filename)
        answer = response.json["response"]
        assert "project" not in answer  # no new project state
        assert "Not allowed" in answer["files-message"]["children"], (trigger, filename)
        assert store.get("demo").version == before and store.history("demo") == history

    if mode == "login":  # the same requests from an annotator do write: the refusal above is the role's
        annotator = app.server.test_client()
        login(annotator, "ann")
        before = store.get("demo").version
        body = _open_file_post({"id": "demo", "version": before}, *_writes(store, demo_files[0])[0])
        response = annotator.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf(annotator)})
        assert response.json["response"]["project"]["data"]["version"] == before + 1
        assert store.history("demo")[0].user == "ann"
