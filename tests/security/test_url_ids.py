"""Issue #17, point 10: every id in a URL (or a body) has its shape checked before it names anything."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.ids import PATTERNS, InvalidIdError, check_id
from snt_web.store import StoreError, maps

from .pages import login

SECRET = "secret-0123abcd"


@pytest.fixture
def secret_map(store):
    """A map file outside every project: ``<data_dir>/maps/secret-0123abcd.npy``."""
    folder = store.data_dir / "maps"
    folder.mkdir()
    image = store.image("demo")
    np.save(folder / f"{SECRET}.npy", np.ones((1, *image.shape_zyx), np.float32))
    return folder / f"{SECRET}.npy"


@pytest.mark.parametrize("url", [
    f"/map/../{SECRET}/0/xy/0.png",
    f"/map/%2e%2e/{SECRET}/0/xy/0.png",
])
def test_a_map_outside_every_project_cannot_be_read(login_app, accounts, secret_map, url):
    viewer = login_app.server.test_client()
    assert login(viewer, "vic").status_code == 302
    response = viewer.get(url)
    assert response.status_code == 400 and not response.data.startswith(b"\x89PNG")
    assert b"project id" in response.data and b"is malformed" in response.data


def test_the_store_refuses_a_traversing_project_id_itself(store, secret_map):
    with pytest.raises(StoreError):
        maps.map_file_volume(store, "..", SECRET)
    with pytest.raises(StoreError):
        store.project_dir("../maps")


@pytest.mark.parametrize("url, needle", [
    ("/api/v1/projects/..", "project id '..' is malformed"),
    ("/api/v1/projects/demo%0A", "project id 'demo\\n' is malformed"),
    ("/api/v1/projects/DEMO/history", "project id 'DEMO' is malformed"),
    ("/api/v1/projects/demo%00/seeds", "project id 'demo\\x00' is malformed"),
    ("/api/v1/jobs/..", "job id '..' is malformed: expected 16 hex digits"),
    ("/api/v1/jobs/0123456789abcdeg", "job id '0123456789abcdeg' is malformed"),
])
def test_api_ids_are_checked_with_a_reason(login_app, accounts, url, needle):
    client = login_app.server.test_client()
    assert login(client, "own").status_code == 302
    response = client.get(url)
    assert response.status_code == 400 and needle in response.json["error"]


@pytest.mark.parametrize("url", ["/slice/../1/xy/0.png", "/slice/demo%0A/1/xy/0.png"])
def test_slice_ids_are_checked(login_app, accounts, url):
    client = login_app.server.test_client()
    assert login(client, "vic").status_code == 302
    response = client.get(url)
    assert response.status_code == 400 and b"is malformed" in response.data


def test_ids_are_checked_after_authentication(login_app, accounts):
    """Nobody learns anything from an id's shape before logging in."""
    response = login_app.server.test_client().get(f"/map/../{SECRET}/0/xy/0.png")
    assert response.status_code == 401


def test_member_names_in_a_body_are_checked(login_app, accounts, store):
    client = login_app.server.test_client()
    assert login(client, "own").status_code == 302
    token = client.get_cookie("_csrf_token").value
    response = client.put("/api/v1/projects/demo/members", json={"name": "../../x", "role": "viewer",
                                                                  "base_version": store.get("demo").version},
                          headers={"X-CSRFToken": token})
    assert response.status_code == 400 and "user id '../../x' is malformed" in response.json["error"]


@pytest.mark.parametrize("kind, good, bad", [
    ("project", ["demo", "a1b2c3d4e5f6", "my_project-2"], ["", "..", "Demo", "demo\n", "-x", "a" * 65, "a/b"]),
    ("map file", ["probs-0123abcd", "a.b_c-0123abcd"], [".hidden-0123abcd", "x-0123ABCD", "../x-0123abcd", "x"]),
    ("job", ["0123456789abcdef"], ["0123456789abcde", "0123456789abcdef\n", "../../../etc/x"]),
    ("user", ["ann", "a.b-c_d"], ["", "a b", "ann\n", "a/b", "x" * 65, "é"]),
    ("token", ["0123456789ab"], ["0123456789a", "0123456789abc", "../0123456789"]),
])
def test_one_place_defines_each_id_shape(kind, good, bad):
    assert kind in PATTERNS
    for value in good:
        assert check_id(kind, value) == value
    for value in [*bad, None, 7]:
        with pytest.raises(InvalidIdError, match=f"^{kind} id .* is malformed: expected"):
            check_id(kind, value)


def test_a_user_name_with_a_trailing_newline_is_refused(accounts):
    with pytest.raises(ValueError, match="user name"):
        accounts.add_user("eve\n", "correct horse battery")
