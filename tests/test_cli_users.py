"""``snt-web user ...``, ``member set`` and ``serve``'s refusal to expose projects without accounts."""

import io

import pytest

from snt_web import cli
from snt_web.cli import main
from snt_web.store import Accounts, ProjectStore


def run(capsys, monkeypatch, *argv, stdin=None):
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.delenv("SNT_WEB_DATABASE_URL", raising=False)
    return str(tmp_path / "data")


def test_user_add_list_passwd_token_remove(capsys, monkeypatch, data):
    code, out, _ = run(capsys, monkeypatch, "user", "add", "ann", "--role", "reviewer", "--password-stdin",
                       "--data-dir", data, stdin="first password\n")
    assert code == 0 and "ann" in out
    accounts = Accounts(ProjectStore(data))
    assert accounts.verify_password("ann", "first password").role == "reviewer"
    assert run(capsys, monkeypatch, "user", "list", "--data-dir", data)[1] == "ann\treviewer\n"
    code, _, _ = run(capsys, monkeypatch, "user", "passwd", "ann", "--password-stdin", "--data-dir", data,
                     stdin="second password\n")
    assert code == 0 and accounts.verify_password("ann", "second password") is not None
    assert accounts.verify_password("ann", "first password") is None
    code, out, err = run(capsys, monkeypatch, "user", "token", "add", "ann", "--label", "ci", "--data-dir", data)
    token = out.strip()
    assert code == 0 and len(out.splitlines()) == 1 and "only once" in err
    assert accounts.verify_token(token).name == "ann"
    assert run(capsys, monkeypatch, "user", "remove", "ann", "--data-dir", data)[0] == 0
    assert accounts.user("ann") is None and accounts.verify_token(token) is None


def test_user_add_asks_twice_without_stdin(capsys, monkeypatch, data):
    answers = iter(["a long password", "another password"])
    monkeypatch.setattr(cli.accounts.getpass, "getpass", lambda prompt="": next(answers))
    code, out, err = run(capsys, monkeypatch, "user", "add", "bob", "--data-dir", data)
    assert code == 2 and "differ" in err and len(err.strip().splitlines()) == 1
    answers = iter(["a long password", "a long password"])
    assert run(capsys, monkeypatch, "user", "add", "bob", "--data-dir", data)[0] == 0
    assert Accounts(ProjectStore(data)).user("bob").role == "annotator"


@pytest.mark.parametrize("argv, stdin, needle", [
    (["user", "add", "x", "--password-stdin"], "short\n", "at least"),
    (["user", "add", "bad/name", "--password-stdin"], "long enough pw\n", "bad/name"),
    (["user", "passwd", "ghost", "--password-stdin"], "long enough pw\n", "ghost"),
    (["user", "token", "add", "ghost"], None, "ghost"),
    (["user", "token", "list", "ghost"], None, "ghost"),
    (["user", "token", "revoke", "0123456789ab"], None, "0123456789ab"),
    (["user", "token", "revoke", "../etc"], None, "12 hex digits"),
    (["user", "remove", "ghost"], None, "ghost"),
    (["member", "set", "nope", "ann", "viewer"], None, "nope"),
])
def test_account_errors_are_one_line(capsys, monkeypatch, data, argv, stdin, needle):
    code, out, err = run(capsys, monkeypatch, *argv, "--data-dir", data, stdin=stdin)
    assert code == 2 and needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_member_set(capsys, monkeypatch, data):
    store = ProjectStore(data)
    store.create("P", project_id="p1")
    run(capsys, monkeypatch, "user", "add", "ann", "--role", "viewer", "--password-stdin", "--data-dir", data,
        stdin="long enough pw\n")
    code, out, _ = run(capsys, monkeypatch, "member", "set", "p1", "ann", "owner", "--data-dir", data)
    assert code == 0 and Accounts(store).role_of("p1", "ann") == "owner"
    assert run(capsys, monkeypatch, "member", "set", "p1", "ann", "none", "--data-dir", data)[0] == 0
    assert Accounts(store).members("p1") == {}
    assert Accounts(store).role_of("p1", "ann") == "viewer"


def test_database_url_is_honoured(capsys, monkeypatch, tmp_path, data):
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    monkeypatch.setenv("SNT_WEB_DATABASE_URL", url)
    run(capsys, monkeypatch, "user", "add", "ann", "--password-stdin", "--data-dir", data, stdin="long enough pw\n")
    assert (tmp_path / "elsewhere.db").exists()
    assert Accounts(ProjectStore(data, url)).user("ann") is not None
    assert Accounts(ProjectStore(data)).user("ann") is None


@pytest.fixture
def no_server(monkeypatch):
    """Record what serve would start instead of starting it."""
    started = {}

    def fake_run(self, **kwargs):
        started.update(kwargs, auth=self.server.config["SNT_WEB_AUTH"])

    monkeypatch.setattr("dash.Dash.run", fake_run)
    return started


def test_serve_refuses_a_public_host_without_accounts(capsys, monkeypatch, data, no_server):
    code, out, err = run(capsys, monkeypatch, "serve", "--host", "0.0.0.0", "--data-dir", data)
    assert code == 2 and out == "" and "snt-web user add" in err and len(err.strip().splitlines()) == 1
    assert no_server == {}


def test_serve_picks_the_mode(capsys, monkeypatch, data, no_server):
    demo = dict(stdin=None)
    code, out, _ = run(capsys, monkeypatch, "serve", "--host", "0.0.0.0", "--demo-readonly", "--data-dir", data,
                       **demo)
    assert code == 0 and no_server["auth"].mode == "demo-readonly"
    no_server.clear()
    run(capsys, monkeypatch, "serve", "--data-dir", data)
    assert no_server["auth"].mode == "single-user" and no_server["host"] == "127.0.0.1"
    run(capsys, monkeypatch, "user", "add", "ann", "--password-stdin", "--data-dir", data, stdin="long enough pw\n")
    no_server.clear()
    code, out, _ = run(capsys, monkeypatch, "serve", "--host", "0.0.0.0", "--data-dir", data)
    assert code == 0 and no_server["auth"].mode == "login" and "login" in out
