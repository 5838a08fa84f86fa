import pytest

from snt_web.store import LOCAL_USER, Accounts


@pytest.fixture
def accounts(store):
    store.create("p", project_id="p1")
    return Accounts(store)


def test_passwords_are_hashed_and_checked(accounts, store):
    accounts.add_user("ann", "correct horse", role="annotator")
    assert accounts.verify_password("ann", "correct horse").role == "annotator"
    assert accounts.verify_password("ann", "wrong horse") is None
    assert accounts.verify_password("nobody", "correct horse") is None
    with store.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT password_hash FROM snt_users").scalar()
    assert "correct horse" not in stored and stored.startswith("scrypt:")
    accounts.set_password("ann", "battery staple")
    assert accounts.verify_password("ann", "battery staple")


@pytest.mark.parametrize("name, password", [("a b", "longenough"), ("", "longenough"), ("ann", "short"),
                                            (LOCAL_USER, "longenough")])
def test_bad_names_and_short_passwords_are_refused(accounts, name, password):
    with pytest.raises(ValueError):
        accounts.add_user(name, password)


def test_tokens_are_stored_as_digests_and_revocable(accounts, store):
    accounts.add_user("ann", "correct horse")
    token = accounts.create_token("ann", "pipeline")
    assert accounts.verify_token(token).name == "ann"
    assert accounts.verify_token(token + "x") is None and accounts.verify_token("") is None
    with store.engine.connect() as conn:
        assert token not in str(conn.exec_driver_sql("SELECT * FROM snt_tokens").fetchall())
    accounts.revoke_tokens("ann")
    assert accounts.verify_token(token) is None


def test_roles_membership_overrides_site_role_and_local_is_single_user_only(accounts):
    assert accounts.role_of("p1", LOCAL_USER) == "owner"  # no accounts yet: single-user mode
    accounts.add_user("ann", "correct horse", role="viewer")
    assert accounts.role_of("p1", LOCAL_USER) is None
    assert accounts.role_of("p1", "ann") == "viewer"
    accounts.set_member("p1", "ann", "annotator")
    assert accounts.role_of("p1", "ann") == "annotator" and accounts.members("p1") == {"ann": "annotator"}
    accounts.set_member("p1", "ann", None)
    assert accounts.role_of("p1", "ann") == "viewer"
    assert accounts.role_of("p1", "ghost") is None and accounts.role_of("p1", None) is None
    with pytest.raises(ValueError):
        accounts.set_member("p1", "ann", "emperor")
    accounts.remove_user("ann")
    assert accounts.role_of("p1", "ann") is None


def test_login_attempts_are_counted_before_the_check_and_taken_back_on_success(accounts):
    limits = {"user@address:ann@10.0.0.1": 3, "user:ann": 5}
    attempts = [accounts.begin_login(limits, 300) for _ in range(4)]
    assert all(a is not None for a in attempts[:3]) and attempts[3] is None  # the 4th is refused, not counted
    assert accounts.login_failures("user@address:ann@10.0.0.1", 300) == 3
    assert accounts.login_failures("user:ann", 300) == 3 and accounts.login_failures("user:ann", -1) == 0
    accounts.login_succeeded(attempts[2], "user@address:ann@10.0.0.1")
    assert accounts.login_failures("user@address:ann@10.0.0.1", 300) == 0
    assert accounts.login_failures("user:ann", 300) == 2  # failures from elsewhere still count against ann


def test_secret_key_is_made_once(accounts, store):
    key = accounts.secret_key()
    assert len(key) == 32 and Accounts(store).secret_key() == key
