"""Issue #17, point 8: sessions and tokens that can be ended (logout, password change, removal, revoke)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import text

from snt_web import cli
from snt_web.store import Accounts, ProjectStore
from snt_web.store.accounts import token_id

from .pages import PASSWORD, SESSION_COOKIE, copy_cookie, csrf, login

NEW_PASSWORD = "a brand new password"


def _logged_in(app, name="ann"):
    client = app.server.test_client()
    assert login(client, name).status_code == 302
    return client


def _can_read(client, **kwargs) -> int:
    return client.get("/api/v1/projects/demo", **kwargs).status_code


def _rename(client, name: str, **kwargs) -> int:
    """A write: rename path 0 (the CSRF token of the client's session, when it has one)."""
    version = client.get("/api/v1/projects/demo", **kwargs).json.get("version", 0)
    headers = {"X-CSRFToken": csrf(client), **kwargs.pop("headers", {})}
    response = client.patch("/api/v1/projects/demo/paths/0", json={"base_version": version, "name": name},
                            headers=headers, **kwargs)
    return response.status_code


def _bearer(token: str) -> dict:
    return {"headers": {"Authorization": f"Bearer {token}"}}


def test_a_copied_cookie_stops_working_at_logout(login_app, accounts, store):
    owner = _logged_in(login_app)
    thief = login_app.server.test_client()
    copy_cookie(owner, thief)
    assert _can_read(thief) == 200 and _rename(thief, "stolen before") == 200
    assert owner.post("/logout", headers={"X-CSRFToken": csrf(owner)}).status_code == 302
    assert _can_read(thief) == 401 and _rename(thief, "stolen after") == 401
    assert thief.get("/api/v1/projects").json["error"].startswith("log in first")
    assert store.reconstruction("demo").paths[0].name == "stolen before"


def test_a_password_change_ends_every_session_and_keeps_or_revokes_tokens(login_app, accounts):
    laptop, desktop = _logged_in(login_app), _logged_in(login_app)
    kept = accounts.create_token("ann", "kept")
    assert accounts.set_password("ann", NEW_PASSWORD) == {"sessions": 2, "tokens": 0, "tokens_kept": 1}
    assert _can_read(laptop) == 401 and _can_read(desktop) == 401
    assert _can_read(login_app.server.test_client(), **_bearer(kept)) == 200
    assert login(login_app.server.test_client(), "ann", PASSWORD).status_code == 401
    fresh = login_app.server.test_client()
    assert login(fresh, "ann", NEW_PASSWORD).status_code == 302 and _can_read(fresh) == 200
    assert accounts.set_password("ann", PASSWORD, revoke_tokens=True) == {"sessions": 1, "tokens": 1,
                                                                          "tokens_kept": 0}
    refused = login_app.server.test_client().get("/api/v1/projects", **_bearer(kept))
    assert refused.status_code == 401 and refused.json["error"] == "invalid or revoked API token"


def test_removing_a_user_and_adding_the_name_again_revives_nothing(login_app, accounts):
    old = _logged_in(login_app)
    token = accounts.create_token("ann")
    accounts.remove_user("ann")
    accounts.add_user("ann", PASSWORD, role="owner")  # someone else, given the name later
    assert _can_read(old) == 401
    assert _can_read(login_app.server.test_client(), **_bearer(token)) == 401


def test_a_cookie_naming_no_live_session_is_refused(login_app, accounts):
    """Even signed with the server's key (leaked, say): the session id must be a live one."""
    server = login_app.server
    sign = server.session_interface.get_signing_serializer(server).dumps
    for forged in ({"sid": "guessed-session-id"}, {"user": "ann"}, {"sid": ["a", "list"]}):
        client = server.test_client()
        client.set_cookie(SESSION_COOKIE, sign(forged))
        assert _can_read(client) == 401
    tampered = server.test_client()
    tampered.set_cookie(SESSION_COOKIE, _logged_in(login_app).get_cookie(SESSION_COOKIE).value[:-2] + "xx")
    assert _can_read(tampered) == 401


def test_login_replaces_the_session_it_came_with(login_app, accounts):
    client = _logged_in(login_app, "vic")
    before = login_app.server.test_client()
    copy_cookie(client, before)
    assert login(client, "ann").status_code == 302
    assert _can_read(before) == 401  # vic's session ended when the browser logged in as ann
    assert client.get("/api/v1/projects").json["projects"][0]["role"] == "annotator"


# --- the command line ---------------------------------------------------------------------------------
def run(capsys, monkeypatch, *argv, stdin=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data_dir(store, monkeypatch):
    monkeypatch.delenv("SNT_WEB_DATABASE_URL", raising=False)
    return str(store.data_dir)


def test_token_list_and_revoke_by_id(capsys, monkeypatch, login_app, accounts, data_dir):
    code, out, err = run(capsys, monkeypatch, "user", "token", "add", "ann", "--label", "ci", "--data-dir", data_dir)
    ci = out.strip()
    assert code == 0 and f"its id, to revoke it: {token_id(ci)}" in err
    laptop = accounts.create_token("ann", "laptop")
    bob = accounts.create_token("vic", "")
    assert _can_read(login_app.server.test_client(), **_bearer(laptop)) == 200  # last use noted

    code, out, _ = run(capsys, monkeypatch, "user", "token", "list", "ann", "--data-dir", data_dir)
    lines = [line.split("\t") for line in out.splitlines()]
    assert code == 0 and lines[0] == ["id", "user", "label", "created", "last used"]
    assert [(r[0], r[1], r[2], r[4] == "never") for r in lines[1:]] == [
        (token_id(ci), "ann", "ci", True), (token_id(laptop), "ann", "laptop", False)]
    assert ci not in out and laptop not in out
    code, out, _ = run(capsys, monkeypatch, "user", "token", "list", "--data-dir", data_dir)
    everyone = [line.split("\t")[:2] for line in out.splitlines()[1:]]
    assert code == 0 and [token_id(bob), "vic"] in everyone and len(everyone) == len(accounts.tokens())

    code, out, _ = run(capsys, monkeypatch, "user", "token", "revoke", token_id(laptop), "--data-dir", data_dir)
    assert code == 0 and out == f"revoked token {token_id(laptop)} of ann (laptop)\n"
    assert _can_read(login_app.server.test_client(), **_bearer(laptop)) == 401
    assert _can_read(login_app.server.test_client(), **_bearer(ci)) == 200
    code, _, err = run(capsys, monkeypatch, "user", "token", "revoke", token_id(laptop), "--data-dir", data_dir)
    assert code == 2 and err == f"snt-web: no token {token_id(laptop)!r}\n"


@pytest.mark.parametrize("flag, answer, revoked", [
    ("--revoke-tokens", None, True), ("--keep-tokens", None, False), (None, "y", True), (None, "", False)])
def test_passwd_ends_sessions_and_offers_to_revoke_tokens(capsys, monkeypatch, login_app, accounts, data_dir,
                                                          flag, answer, revoked):
    session = _logged_in(login_app)
    token = accounts.create_token("ann", "ci")
    typed = iter([NEW_PASSWORD, NEW_PASSWORD])
    monkeypatch.setattr(cli.accounts.getpass, "getpass", lambda prompt="": next(typed))
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt="": asked.append(prompt) or answer)
    code, out, err = run(capsys, monkeypatch, "user", "passwd", "ann", *([flag] if flag else []),
                         "--data-dir", data_dir)
    assert code == 0 and err == ""
    assert asked == ([] if flag else ["ann has 1 API token: revoke them too? [y/N] "])
    assert out == (f"password of ann changed; 1 browser sessions ended; {int(revoked)} API tokens revoked, "
                   f"{int(not revoked)} kept\n")
    assert _can_read(session) == 401
    assert _can_read(login_app.server.test_client(), **_bearer(token)) == (401 if revoked else 200)


def test_passwd_from_stdin_keeps_tokens_unless_told(capsys, monkeypatch, accounts, data_dir):
    token = accounts.create_token("ann")
    code, out, _ = run(capsys, monkeypatch, "user", "passwd", "ann", "--password-stdin", "--data-dir", data_dir,
                       stdin=NEW_PASSWORD + "\n")
    assert code == 0 and "0 API tokens revoked, 1 kept" in out and accounts.verify_token(token) is not None
    code, out, _ = run(capsys, monkeypatch, "user", "passwd", "ann", "--password-stdin", "--revoke-tokens",
                       "--data-dir", data_dir, stdin=NEW_PASSWORD + "\n")
    assert code == 0 and "1 API tokens revoked, 0 kept" in out and accounts.verify_token(token) is None


def test_user_remove_ends_the_users_sessions(capsys, monkeypatch, login_app, accounts, data_dir):
    session = _logged_in(login_app, "vic")
    assert run(capsys, monkeypatch, "user", "remove", "vic", "--data-dir", data_dir)[0] == 0
    assert _can_read(session) == 401


# --- databases made before sessions and token ids ------------------------------------------------------
def test_an_older_database_gains_sessions_and_token_use_and_keeps_its_tokens(tmp_path, database_url):
    store = ProjectStore(tmp_path / "data", database_url)
    accounts = Accounts(store)
    accounts.add_user("ann", PASSWORD)
    token = accounts.create_token("ann", "old")
    with store.engine.begin() as conn:  # the schema as it was: no sessions, tokens without last use
        conn.execute(text("DROP TABLE snt_sessions"))
        conn.execute(text("ALTER TABLE snt_tokens DROP COLUMN last_used"))
    store.engine.dispose()
    store = ProjectStore(tmp_path / "data", database_url)
    try:
        accounts = Accounts(store)
        assert accounts.verify_token(token).name == "ann"
        (listed,) = accounts.tokens("ann")
        assert listed.id == token_id(token) and listed.label == "old" and listed.last_used is not None
        session = accounts.create_session("ann")
        assert accounts.session_user(session) == "ann"
        accounts.end_session(session)
        assert accounts.session_user(session) is None
    finally:
        store.engine.dispose()
