"""DL-QC points and seed reviews as warnings; partitions by review tag and the warnings CSV."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import numpy as np
import pytest

from snt_web.curation import CurationWarning, Severity, parse_points, read_points, seed_review_warnings
from snt_web.curation.dlqc import InvalidPointsError
from snt_web.curation.exports import partition_by_review, partitions_zip, warnings_csv, write_partitions
from snt_web.io.reconstruction import read_reconstruction, read_reconstruction_bytes
from snt_web.model import Tree

from .trees import clean_tree


def test_csv_with_a_malformed_row_reports_it_and_imports_the_rest(tmp_path):
    tree = clean_tree()
    f = tmp_path / "qc.csv"
    f.write_text(
        "x,y,z,score,check,severity,message,paths\n"
        "10,0.5,0,0.93,,,,\n"  # line 2: paths resolved by distance
        "abc,1,1,0.5,,,,\n"  # line 3: bad x
        "20,5,0,0.7,Merge error,ERROR,two cells merged,0;1\n"  # line 4: its own check, severity and paths
        "1,2,3,0.1,,,,,extra\n"  # line 5: a cell too many
        "40,0,0,0.2,,loud,,\n"  # line 6: bad severity
        "50,0,0,0.3,,,,99\n"  # line 7: no such path
    )
    warnings, errors = read_points(f, tree)
    assert [e.row for e in errors] == [3, 5, 6, 7]
    assert "x is not a number" in errors[0].reason and "severity" in errors[2].reason
    assert "no path 99" in errors[3].reason
    first, second = warnings
    assert (first.check, first.severity, first.value) == ("DL-QC", Severity.WARNING, 0.93)
    assert first.paths[0] == 0 and first.location == (10.0, 0.5, 0.0)
    assert (second.check, second.severity, second.paths, second.message) == (
        "Merge error", Severity.ERROR, (0, 1), "two cells merged")


def test_json_points_and_unreadable_files(tmp_path):
    tree = clean_tree()
    text = json.dumps({"warnings": [{"x": 30, "y": 0, "z": 0, "score": 0.5, "paths": [0]}, {"x": 1},
                                    {"x": 40, "y": 0, "z": 0, "check": 7, "message": 0.5, "severity": 2}]})
    warnings, errors = parse_points(text, tree)
    assert len(warnings) == 2 and warnings[0].paths == (0,)
    assert [(e.row, "y is missing" in e.reason) for e in errors] == [(2, True)]
    # JSON numbers where a CSV has text are taken as text (a model's class id as the check).
    assert (warnings[1].check, warnings[1].message, warnings[1].severity) == ("7", "0.5", Severity.ERROR)
    with pytest.raises(InvalidPointsError, match="x, y and z columns"):
        parse_points("a,b\n1,2\n", tree)
    with pytest.raises(InvalidPointsError, match="not valid JSON"):
        parse_points("[{", tree)


def test_seed_reviews_resolve_paths_by_proximity():
    tree = clean_tree()
    seeds = np.array([[20.0, 1.0, 0.0], [500.0, 500.0, 0.0]])
    found = seed_review_warnings(seeds, tree, "ERROR", confidences=[0.8, 0.4], labels=["type=TIP", ""])
    assert [w.check for w in found] == ["Seed Review"] * 2
    assert found[0].severity is Severity.ERROR and set(found[0].paths) == {0, 1}  # the trunk and the branch
    assert "confidence 0.80, type=TIP" in found[0].message and found[0].value == 0.8
    assert found[1].paths == ()  # nothing near: it can still be reviewed, not tagged


def test_partition_by_review_and_export(tmp_path, shared_data):
    tree = read_reconstruction(shared_data / "snt" / "21dpi_contra_infra_01.swc")
    paths = tree.paths
    tagged = [paths[0].copy(name="soma{cur:accept}"), paths[1].copy(name="d{cur:unsure}{cur:reject}")] + paths[2:]
    tree = Tree(tagged, spacing_xyz=tree.spacing_xyz)
    part = partition_by_review(tree)
    assert [p.id for p in part.positive] == [paths[0].id] and [p.id for p in part.negative] == [paths[1].id]
    assert len(part.unsure) == 0 and part.total == len(paths) and part.reviewed == 2
    # A path whose parent is in another part stands alone there.
    assert all(p.parent_id is None or p.parent_id in {q.id for q in part.unreviewed} for p in part.unreviewed)
    written = write_partitions(tree, tmp_path, "swc", stem="cell")
    assert set(written) == {"positive", "negative", "unreviewed"}
    back = read_reconstruction(written["unreviewed"])
    assert back.n_nodes == sum(len(p) for p in paths[2:])
    traces = write_partitions(tree, tmp_path, "traces")
    assert "cur:reject" in read_reconstruction(traces["negative"]).paths[0].name


def test_warnings_csv_with_decisions():
    w = CurationWarning("Crossovers", "WARNING", "a, b cross", (1, 2, 3), (4, 5), 0.5, 2.0, 0.25)
    plain = list(csv.DictReader(warnings_csv([w]).splitlines()))
    assert plain == [{"check": "Crossovers", "severity": "WARNING", "message": "a, b cross", "x": "1", "y": "2",
                      "z": "3", "paths": "4;5", "value": "0.5", "threshold": "2", "impact": "0.25"}]
    other = w.with_(location=(9, 9, 9))
    reviews = {w.key: {"decision": "reject", "reviewer": "ana", "time": 1.5}}
    rows = list(csv.DictReader(warnings_csv([w, other], reviews, reviewed_only=True).splitlines()))
    assert [(r["decision"], r["reviewer"], r["key"]) for r in rows] == [("reject", "ana", w.key)]


def test_partitions_zip_holds_each_part(shared_data):
    tree = read_reconstruction(shared_data / "snt" / "TreeV.swc")
    tagged = Tree([tree.paths[0].copy(name="a{cur:unsure}")] + tree.paths[1:], spacing_xyz=tree.spacing_xyz)
    with zipfile.ZipFile(io.BytesIO(partitions_zip(tagged, "traces", stem="treev"))) as archive:
        assert sorted(archive.namelist()) == ["treev-unreviewed.traces", "treev-unsure.traces"]
        unsure = read_reconstruction_bytes(archive.read("treev-unsure.traces"), "treev-unsure.traces")
    assert [p.name for p in unsure.paths] == ["a{cur:unsure}"]
