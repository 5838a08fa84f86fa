"""Issue #17, point 11: SWC ids read exactly, and a parent id naming no node said out loud."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from snt_web import cli
from snt_web.io.errors import InvalidSWCError
from snt_web.io.swc import parse_swc_text
from snt_web.web.app import create_app
from snt_web.web.state import project_meta

from .pages import callback_post, csrf

BIG = 2**53  # the first integer after which floats skip integers


def _swc(rows) -> str:
    return "".join(f"{i} {t} {x} {y} {z} 1 {p}\n" for i, t, (x, y, z), p in rows)


def _shape(tree):
    """Each path's points and where it hangs: what a wrong parent would change."""
    return [(p.points.tolist(), p.parent_id, p.branch_index) for p in tree.paths]


def test_ids_beyond_two_to_the_53_keep_their_parents():
    # Read as floats, BIG + 1 is BIG: node 2 would repeat node 1, and node 4 would hang off node 1.
    big = _swc([(BIG, 1, (0, 0, 0), -1), (BIG + 1, 3, (10, 0, 0), BIG), (BIG + 2, 3, (20, 0, 0), BIG + 1),
                (BIG + 3, 3, (10, 10, 0), BIG + 1)])
    small = _swc([(1, 1, (0, 0, 0), -1), (2, 3, (10, 0, 0), 1), (3, 3, (20, 0, 0), 2), (4, 3, (10, 10, 0), 2)])
    warnings = []
    assert _shape(parse_swc_text(big, "big.swc", warnings=warnings)) == _shape(parse_swc_text(small))
    assert warnings == []


def test_a_parent_id_rounded_onto_a_real_node_is_a_dangling_parent_with_its_line():
    text = _swc([(BIG, 1, (0, 0, 0), -1), (BIG + 2, 3, (10, 0, 0), BIG), (BIG + 3, 3, (20, 0, 0), BIG + 1)])
    warnings = []
    tree = parse_swc_text(text, "rounded.swc", warnings=warnings)
    assert [p.points.tolist() for p in tree.roots()] == [[[0.0, 0.0, 0.0]], [[20.0, 0.0, 0.0]]]
    assert warnings == [f"rounded.swc, line 3: parent id {BIG + 1} of node {BIG + 3} does not exist; "
                        "the node starts a new tree"]


@pytest.mark.parametrize("text, message", [
    ("99999999999999999999 1 0 0 0 1 -1\n",
     "big.swc, line 1: field 'id' is out of range (beyond 64-bit integers): '99999999999999999999'"),
    ("1 1 0 0 0 1 -1\n2 1 1 0 0 1 1e300\n", "big.swc, line 2: field 'parent' must be an integer, got '1e300'"),
    ("1 1 0 0 0 1 -1\n2 1 1 0 0 1 1.5\n", "big.swc, line 2: field 'parent' must be an integer, got '1.5'"),
])
def test_ids_that_are_no_exact_integer_are_errors_naming_the_line(text, message):
    with pytest.raises(InvalidSWCError) as info:
        parse_swc_text(text, "big.swc")
    assert str(info.value) == message


def test_integers_written_as_floats_still_read():
    tree = parse_swc_text("1.0 1 0 0 0 1 -1.0\n2.0 1 5 0 0 1 1.0\n")
    assert [len(p) for p in tree.paths] == [2]


DANGLING = _swc([(1, 1, (0, 0, 0), -1), (2, 1, (5, 0, 0), 1), (3, 3, (9, 9, 0), 7)])
WARNING = "line 3: parent id 7 of node 3 does not exist; the node starts a new tree"


def test_info_lists_the_dangling_parent_and_nothing_goes_to_stderr(tmp_path, capsys):
    path = tmp_path / "dangling.swc"
    path.write_text(DANGLING)
    assert cli.main(["info", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out)["warnings"] == [f"{path}, {WARNING}"]
    clean = tmp_path / "clean.swc"
    clean.write_text(_swc([(1, 1, (0, 0, 0), -1), (2, 1, (5, 0, 0), 1)]))
    assert cli.main(["info", str(clean)]) == 0
    assert "warnings" not in json.loads(capsys.readouterr().out)


def test_the_files_panel_says_a_node_started_a_new_tree(store):
    app = create_app(store, "demo")
    client = app.server.test_client()
    client.get("/")
    upload = "data:application/octet-stream;base64," + base64.b64encode(DANGLING.encode()).decode()
    values = {"upload.contents": upload, "upload.filename": "dangling.swc",
              "project.data": project_meta(store, "demo")}
    body = callback_post(app, "upload.contents", values, output="files-message.children")
    response = client.post("/_dash-update-component", json=body,
                           headers={"X-CSRFToken": csrf(client), "Origin": "http://127.0.0.1"})
    assert response.status_code == 200
    message = response.json["response"]["files-message"]["children"]
    assert message == f"Opened dangling.swc: 2 paths, 3 nodes. Warning: dangling.swc, {WARNING}."
    assert len(store.reconstruction("demo").roots()) == 2
    assert np.allclose(store.reconstruction("demo").roots()[1].points, [[9, 9, 0]])
