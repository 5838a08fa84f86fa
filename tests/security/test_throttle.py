"""Issue #17, point 7: login throttling that parallel attempts cannot race, per user, behind proxies."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from snt_web import cli
from snt_web.store import Accounts, ProjectStore
from snt_web.web.app import create_app
from snt_web.web.auth import LOGIN_MAX_FAILURES, LOGIN_MAX_FAILURES_USER, LOGIN_WINDOW_S, AuthConfig
from snt_web.web.proxies import TrustedProxies

from .pages import PASSWORD, csrf, login

WRONG = "not the password"


@pytest.fixture
def verified(monkeypatch):
    """Every password check the server makes, as (name, password): the slow step throttling must ration."""
    seen, lock = [], threading.Lock()
    check = Accounts.verify_password

    def counting(self, name, password):
        with lock:
            seen.append((name, password))
        return check(self, name, password)

    monkeypatch.setattr(Accounts, "verify_password", counting)
    return seen


def _burst(app, passwords, *, right_after=None):
    """Log in as ann with each password at once (one browser each), all released together.

    ``right_after``: (accounts, key, n): the last attempt waits until n attempts are counted against key,
    so it comes "then", while the others are still being checked.
    """
    clients = [app.server.test_client() for _ in passwords]
    for client in clients:
        csrf(client)
    start = threading.Barrier(len(passwords))

    def attempt(k):
        start.wait()
        if right_after is not None and k == len(passwords) - 1:
            accounts, key, n = right_after
            deadline = time.monotonic() + 30
            while accounts.login_failures(key, LOGIN_WINDOW_S) < n and time.monotonic() < deadline:
                time.sleep(0.005)
        return login(clients[k], "ann", passwords[k])

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, range(len(passwords))))


def test_forty_parallel_attempts_get_five_password_checks_and_the_right_one_is_refused(login_app, accounts, store,
                                                                                    verified):
    passwords = [WRONG] * 39 + [PASSWORD]
    key = "user@address:ann@127.0.0.1"
    responses = _burst(login_app, passwords, right_after=(Accounts(store), key, LOGIN_MAX_FAILURES))
    codes = [r.status_code for r in responses]
    assert len(verified) == LOGIN_MAX_FAILURES == 5
    assert codes.count(401) == 5 and codes.count(429) == 35
    assert codes[-1] == 429 and b"Too many failed logins: wait 5 minutes" in responses[-1].data
    assert all(b"Wrong user name or password" in r.data for r in responses if r.status_code == 401)
    # Refused attempts were not counted: the lock lasts one window from the checked ones, not longer.
    assert Accounts(store).login_failures(key, LOGIN_WINDOW_S) == 5


def test_the_right_password_alone_in_a_burst_of_right_ones_logs_in(login_app, accounts, verified):
    codes = [r.status_code for r in _burst(login_app, [PASSWORD] * 8)]
    assert codes.count(302) >= 5 and set(codes) <= {302, 429}  # successes take their count back


def test_check_and_count_are_one_step_on_each_database(tmp_path, database_url):
    """Forty threads (a server's worth of processes) counting attempts on SQLite and PostgreSQL at once."""
    store = ProjectStore(tmp_path / "data", database_url)
    accounts = Accounts(store)
    limits = {"user@address:ann@10.0.0.1": 5, "user:ann": 20}
    start = threading.Barrier(40)

    def attempt(_):
        start.wait()
        return accounts.begin_login(limits, LOGIN_WINDOW_S)

    try:
        with ThreadPoolExecutor(40) as pool:
            attempts = list(pool.map(attempt, range(40)))
        assert sum(a is not None for a in attempts) == 5
        assert accounts.login_failures("user:ann", LOGIN_WINDOW_S) == 5
    finally:
        store.engine.dispose()


# --- per user, per user at an address -----------------------------------------------------------------
def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_a_locked_user_locks_out_nobody_else_behind_the_same_address(login_app, accounts):
    attacker = login_app.server.test_client()
    for _ in range(5):
        assert login(attacker, "ann", WRONG, **_from("192.0.2.10")).status_code == 401
    assert login(attacker, "ann", PASSWORD, **_from("192.0.2.10")).status_code == 429
    colleague = login_app.server.test_client()
    assert login(colleague, "vic", PASSWORD, **_from("192.0.2.10")).status_code == 302
    # ann herself, from her own address, is not locked out by one address's guesses.
    assert login(login_app.server.test_client(), "ann", PASSWORD, **_from("198.51.100.4")).status_code == 302


def test_guessing_one_user_from_many_addresses_is_throttled_per_user(login_app, accounts):
    client = login_app.server.test_client()
    addresses = [f"203.0.113.{k}" for k in range(LOGIN_MAX_FAILURES_USER // LOGIN_MAX_FAILURES)]
    for address in addresses:
        for _ in range(LOGIN_MAX_FAILURES):
            assert login(client, "ann", WRONG, **_from(address)).status_code == 401
    response = login(client, "ann", PASSWORD, **_from("203.0.113.200"))
    assert response.status_code == 429 and b"Too many failed logins" in response.data
    assert login(client, "vic", PASSWORD, **_from("203.0.113.200")).status_code == 302


def test_a_users_typos_are_forgiven_when_they_log_in(login_app, accounts):
    client = login_app.server.test_client()
    for _ in range(4):
        assert login(client, "ann", WRONG).status_code == 401
    assert login(client, "ann", PASSWORD).status_code == 302
    for _ in range(4):
        assert login(login_app.server.test_client(), "ann", WRONG).status_code == 401
    assert login(login_app.server.test_client(), "ann", PASSWORD).status_code == 302


# --- behind a reverse proxy -------------------------------------------------------------------------------
def _via_proxy(client_address: str, proxy="127.0.0.1") -> dict:
    return {"environ_base": {"REMOTE_ADDR": proxy}, "headers": {"X-Forwarded-For": client_address}}


def _proxy_app(store, trusted: str):
    proxies = TrustedProxies.parse(trusted)
    return create_app(store, "demo", auth=AuthConfig(mode="login", trusted_proxies=proxies))


@pytest.mark.parametrize("trusted, locked_for_the_other_client", [("127.0.0.1", False), ("", True)])
def test_behind_a_proxy_clients_are_told_apart_only_when_it_is_trusted(store, accounts, trusted,
                                                                        locked_for_the_other_client):
    """Trusted: each client's address counts on its own. Not: every client is the proxy, one address."""
    client = _proxy_app(store, trusted).server.test_client()
    for _ in range(5):
        assert login(client, "ann", WRONG, **_via_proxy("198.51.100.7")).status_code == 401
    assert login(client, "ann", PASSWORD, **_via_proxy("198.51.100.7")).status_code == 429
    other = login(client, "ann", PASSWORD, **_via_proxy("198.51.100.8")).status_code
    assert other == (429 if locked_for_the_other_client else 302)
    seen_as = "127.0.0.1" if locked_for_the_other_client else "198.51.100.7"
    assert Accounts(store).login_failures(f"user@address:ann@{seen_as}", LOGIN_WINDOW_S) == 5


def test_a_forged_forwarded_for_from_elsewhere_does_not_escape_the_lock(store, accounts):
    app = _proxy_app(store, "10.0.0.0/8")
    client = app.server.test_client()
    for k in range(5):
        assert login(client, "ann", WRONG, **_via_proxy(f"192.0.2.{k}", proxy="198.51.100.66")).status_code == 401
    response = login(client, "ann", PASSWORD, **_via_proxy("192.0.2.99", proxy="198.51.100.66"))
    assert response.status_code == 429


@pytest.mark.parametrize("trusted, peer, forwarded, client", [
    ("", "10.0.0.5", "1.2.3.4", "10.0.0.5"),
    ("10.0.0.5", "10.0.0.5", "1.2.3.4", "1.2.3.4"),
    ("10.0.0.5", "10.0.0.6", "1.2.3.4", "10.0.0.6"),                     # not our proxy: header ignored
    ("10.0.0.0/8", "10.0.0.5", "1.2.3.4, 10.9.9.9", "1.2.3.4"),           # two proxies of ours
    ("10.0.0.0/8", "10.0.0.5", "6.6.6.6, 1.2.3.4, 10.9.9.9", "1.2.3.4"),  # the client's own forgery stays left
    ("10.0.0.0/8", "10.0.0.5", "evil, 10.9.9.9", "10.9.9.9"),             # not an address: nothing left of it
    ("10.0.0.5", "10.0.0.5", "", "10.0.0.5"),
    ("1", "10.0.0.5", "6.6.6.6, 1.2.3.4", "1.2.3.4"),                     # ProxyFix(x_for=1)
    ("2", "10.0.0.5", "6.6.6.6, 1.2.3.4", "6.6.6.6"),                     # ProxyFix(x_for=2)
    ("2", "10.0.0.5", "1.2.3.4", "10.0.0.5"),                             # fewer hops than proxies
    ("1", "10.0.0.5", "<script>", "10.0.0.5"),
    ("::1", "::1", "2001:db8::7", "2001:db8::7"),
])
def test_client_address_follows_only_trusted_hops(trusted, peer, forwarded, client):
    assert TrustedProxies.parse(trusted).client(peer, forwarded) == client


def test_a_bad_trusted_proxies_setting_stops_serve_in_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SNT_WEB_TRUSTED_PROXIES", "10.0.0.5,proxy.example")
    monkeypatch.setattr("dash.Dash.run", lambda self, **kwargs: pytest.fail("the server started"))
    code = cli.main(["serve", "--data-dir", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert "SNT_WEB_TRUSTED_PROXIES: 'proxy.example' is neither a number of proxies nor an address" in err
