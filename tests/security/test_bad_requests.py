"""Issue #17, point 12: bad requests answer 400 with a reason (never 500); the CLI ends bad input in one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile

from snt_web import cli
from snt_web.web.app import create_app
from snt_web.web.state import project_meta

from .pages import callback_post, csrf, layout_values, server_callbacks

SWC = b"1 1 0 0 0 1 -1\n2 1 5 0 0 1 1\n"


@pytest.fixture
def owner(store):
    """A curl-like client of a single-user server (the owner of everything; no CSRF token needed)."""
    return create_app(store, "demo").server.test_client()


def _version(store) -> int:
    return store.get("demo").version


# --- the API ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("base", [10**30, -1, 2**63, 1e308, 1.5, "12abc"])
def test_a_base_version_out_of_range_is_400(owner, store, base):
    before = _version(store)
    response = owner.patch("/api/v1/projects/demo/paths/0", json={"base_version": base, "name": "x"})
    assert response.status_code == 400 and response.json["error"].startswith("base_version must be")
    assert _version(store) == before


@pytest.mark.parametrize("url", [
    "/api/v1/projects/demo/history?limit=9223372036854775808",
    "/api/v1/projects/demo/reconstruction?version=99999999999999999999",
])
def test_query_integers_beyond_the_database_are_400(owner, url):
    response = owner.get(url)
    assert response.status_code == 400 and "must be between 0 and 9223372036854775807" in response.json["error"]


def test_put_with_a_huge_base_version_is_400(owner, store):
    response = owner.put("/api/v1/projects/demo/reconstruction?format=swc&base_version=9223372036854775808", data=SWC)
    assert response.status_code == 400 and "base_version must be between 0 and" in response.json["error"]


@pytest.mark.parametrize("raw", [b'{"base_version": 1e999}', b'{"a":' * 5000])
def test_json_beyond_numbers_or_nesting_is_400(owner, raw):
    response = owner.post("/api/v1/projects/demo/undo", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"] in ("base_version must be an integer, got inf", "the JSON body is nested too deeply")


@pytest.mark.parametrize("arg", ["c=nan", "t=inf", "c=1.5", "lo=nan", "hi=inf"])
def test_slice_arguments_that_are_no_numbers_are_400(owner, store, arg):
    response = owner.get(f"/slice/demo/{store.get('demo').image_revision}/xy/0.png?{arg}")
    assert response.status_code == 400 and arg.split("=")[0].encode() + b" must be" in response.data


def test_a_seed_channel_beyond_int32_is_a_skipped_row(owner):
    body = b"x,y,z,confidence,radius,channel\n1,2,3,1,1,99999999999999999999\n4,5,6,1,1,1\n"
    response = owner.post("/api/v1/projects/demo/seeds", data=body)
    assert response.status_code == 200 and response.json["added"] == 1 and response.json["skipped"] == 1
    assert response.json["problems"] == [{"line": 2, "reason": "channel '99999999999999999999' is out of range"}]


# --- the Dash callbacks -----------------------------------------------------------------------------
def _post(client, body, **kwargs):
    return client.post("/_dash-update-component", headers={"X-CSRFToken": csrf(client)}, **kwargs,
                       **({"json": body} if not isinstance(body, bytes) else {"data": body,
                                                                                 "content_type": "application/json"}))


@pytest.fixture
def page(store):
    """A browser on the single-user app: (client, app, the layout's values with the page's stores filled in)."""
    app = create_app(store, "demo")
    client = app.server.test_client()
    client.get("/")
    values = layout_values(app)
    values["project.data"] = project_meta(store, "demo")
    values["cursor.data"] = {"z": 3, "y": 40, "x": 50}
    values["display.data"] = {"c": 0, "t": 0, "lo": 0, "hi": 255, "paths": True}
    return client, app, values


def _files_open(page, changes: dict):
    """The Files panel's "Open" button, with ``changes`` to what the page sends."""
    client, app, values = page
    body = callback_post(app, "data-open.n_clicks", {**values, "data-open.n_clicks": 1, **changes},
                         output="files-message.children")
    return _post(client, body)


def test_a_nul_in_a_data_file_name_is_reported_in_the_panel(page, store):
    before = _version(store)
    response = _files_open(page, {"data-files.value": "trees\x00.swc"})
    assert response.status_code == 200
    assert response.json["response"]["files-message"]["children"] == (
        "Could not open: no file 'trees\\x00.swc' in the data directory. Nothing was changed.")
    assert _version(store) == before


@pytest.mark.parametrize("missing", ["version", "id"])
def test_incomplete_page_state_is_400_naming_what_is_missing(page, store, missing):
    (store.files_dir / "t.swc").write_bytes(SWC)
    meta = dict(project_meta(store, "demo"))
    del meta[missing]
    before = _version(store)
    response = _files_open(page, {"data-files.value": "t.swc", "project.data": meta})
    assert response.status_code == 400
    assert response.json["error"] == (f"the page sent project.data.{missing} that the server cannot use: "
                                      "Field required (reload the page)")
    assert _version(store) == before


def test_a_page_of_a_project_that_is_gone_says_so_in_the_panel(page, store):
    meta = {**project_meta(store, "demo"), "id": "elsewhere"}
    (store.files_dir / "t.swc").write_bytes(SWC)
    response = _files_open(page, {"data-files.value": "t.swc", "project.data": meta})
    assert response.status_code == 200
    assert response.json["response"]["files-message"]["children"] == (
        "Could not open: no project 'elsewhere'. Nothing was changed.")


@pytest.mark.parametrize("body, reason", [
    (b"[1, 2]", "a callback request is a JSON object"),
    ({"output": "nothing.children", "inputs": []}, "no server callback for output 'nothing.children'"),
    ({"output": "..view-3d.figure..", "inputs": []}, "no server callback"),
])
def test_callback_requests_of_the_wrong_shape_are_400(page, body, reason):
    client, app, _ = page
    if isinstance(body, dict) and body["output"].startswith(".."):  # a clientside callback's real key
        body["output"] = next(k for k, e in app.callback_map.items() if "callback" not in e)
    response = _post(client, body)
    assert response.status_code == 400 and response.json["error"].startswith(reason)


def test_inputs_that_do_not_match_the_callback_are_400(page):
    client, app, values = page
    body = callback_post(app, "data-open.n_clicks", values, output="files-message.children")
    body["inputs"] = body["inputs"][:1]
    response = _post(client, body)
    assert response.status_code == 400 and "'inputs' is not a list of 2" in response.json["error"]


def _hostile(value):
    """Values a forged page might send for a prop that held ``value``."""
    out = [None, "x", 10**30, [], {"x": None}]
    if isinstance(value, dict):  # a store: each key missing in turn (incomplete state), one of the wrong type
        out += [{k: v for k, v in value.items() if k != key} for key in value]
        out += [{**value, key: "x"} for key in list(value)[:1]]
    return out


def test_no_callback_input_a_page_can_send_answers_500(page):
    """Every server callback, every input and state, each hostile value in turn, the rest as the page has them."""
    client, app, values = page
    served = []
    for key, entry in server_callbacks(app).items():
        # Components made by callbacks (pattern-matching ids) are not on the page yet: none are sent.
        inputs = [f"{d['id']}.{d['property']}" for d in entry["inputs"] if not str(d["id"]).startswith("{")]
        states = [f"{d['id']}.{d['property']}" for d in entry["state"] if not str(d["id"]).startswith("{")]
        for slot in inputs + states if inputs else ():  # (fired by generated components only: not from here)
            for value in _hostile(values.get(slot)):
                # An input fires its callback itself; a state goes with the first input.
                body = callback_post(app, slot if slot in inputs else inputs[0], {**values, slot: value}, output=key)
                for part in ("inputs", "state"):
                    body[part] = [[] if str(item["id"]).startswith("{") else item for item in body[part]]
                response = _post(client, body)
                served.append(response.status_code)
                assert response.status_code < 500, (key, slot, value, response.data[:300])
                if response.status_code == 400:
                    assert "(reload the page)" in response.json["error"]
    assert len(served) > 800 and served.count(400) > 100  # the sweep reached the callbacks


# --- the command line -------------------------------------------------------------------------------
def test_running_out_of_memory_is_one_line_and_exit_2(tmp_path, capsys):
    code = cli.main(["demo-data", str(tmp_path / "big"), "--shape", "48,256,100000000000"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("snt-web: demo-data: not enough memory (Unable to allocate")


@pytest.mark.parametrize("corrupt, reason", [
    (lambda good: good[:4] + b"\xff\xff\xff\x7f" + good[8:], "the TIFF file holds no image"),
    (lambda good: good[:8], "the TIFF file holds no image"),
    (lambda good: b"II*\x00\x08\x00\x00\x00\x01\x00" + b"\xff" * 12 + b"\x00" * 4, "have no Y and X image plane"),
])
def test_info_on_a_corrupt_tiff_prints_only_our_line(tmp_path, capfd, corrupt, reason):
    good = tmp_path / "good.tif"
    tifffile.imwrite(good, np.zeros((4, 16, 16), np.uint8), photometric="minisblack")
    bad = tmp_path / "bad.tif"
    bad.write_bytes(corrupt(good.read_bytes()))
    code = cli.main(["info", str(bad)])
    out, err = capfd.readouterr()
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"snt-web: {bad}: ") and reason in err


def test_info_on_a_good_tiff_still_prints_its_facts(tmp_path, capfd):
    good = tmp_path / "good.tif"
    tifffile.imwrite(good, np.zeros((4, 16, 16), np.uint8), photometric="minisblack")
    assert cli.main(["info", str(good)]) == 0
    out, err = capfd.readouterr()
    assert err == "" and json.loads(out)["shape"]["x"] == 16
