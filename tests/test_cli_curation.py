"""``snt-web check | crossovers | curation-export | calibrate``: CSVs, JSON facts, one-line errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from snt_web.cli import main
from snt_web.curation import CurationWarning
from snt_web.io import read_reconstruction, write_reconstruction
from snt_web.model import Path, Tree
from snt_web.store import ProjectStore
from snt_web.store.curation import add_warnings, set_decision

PRESET = "CA1 Dendrites (Mouse, DeFelipe).curation"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _with_crossing(tree: Tree) -> tuple[Tree, Path]:
    """The tree plus a straight path laid 0.8 µm over the middle of its longest path."""
    longest = max(tree.paths, key=lambda p: p.length)
    k = len(longest) // 2
    across = np.cross(longest.points[k + 1] - longest.points[k - 1], (0, 0, 1.0))
    across /= np.linalg.norm(across)
    start = longest.points[k] + (0, 0, 0.8) - 8 * across
    laid = Path(tree.next_id(), start + np.outer(np.arange(33) * 0.5, across))
    return Tree(tree.paths + [laid], spacing_xyz=tree.spacing_xyz), laid


def test_check_writes_the_warnings_csv(capsys, tmp_path, shared_data, demo_files):
    tree, laid = _with_crossing(read_reconstruction(shared_data / "snt" / "21dpi_contra_infra_01.swc"))
    recon = tmp_path / "cell.swc"
    write_reconstruction(tree, recon)
    out = tmp_path / "warnings.csv"
    code, stdout, _ = run(capsys, "check", recon, "-o", out)
    assert code == 0
    facts = json.loads(stdout)
    table = pd.read_csv(out)
    assert list(table.columns[:10]) == ["check", "severity", "message", "x", "y", "z", "paths", "value", "threshold",
                                        "impact"]
    assert facts["warnings"] == len(table) and facts["image_checks"] is False
    crossing = table[table.check == "Crossovers"]
    assert len(crossing) == 1 and str(laid.id) in crossing.paths.iloc[0].split(";")
    assert crossing.severity.iloc[0] == "WARNING" and crossing.threshold.iloc[0] == 2

    # A preset changes thresholds: the CA1 preset's crossover proximity is 3.42 µm.
    code, _, _ = run(capsys, "check", recon, "--preset", shared_data / "snt" / PRESET, "-o", out)
    assert code == 0 and set(pd.read_csv(out).query("check == 'Crossovers'").threshold.round(2)) == {3.42}

    # With the image, the signal checks run too.
    image, truth = demo_files
    code, stdout, _ = run(capsys, "check", truth, "--image", image, "-o", out)
    assert code == 0 and json.loads(stdout)["image_checks"] is True
    assert "Path signal quality" not in set(pd.read_csv(out).check)  # the truth stands out everywhere


def test_crossovers_and_bundles_csv(capsys, tmp_path, shared_data):
    tree, laid = _with_crossing(read_reconstruction(shared_data / "snt" / "21dpi_contra_infra_01.swc"))
    recon = tmp_path / "cell.traces"
    write_reconstruction(tree, recon)
    events = tmp_path / "events.csv"
    code, stdout, _ = run(capsys, "crossovers", recon, "-o", events)
    table = pd.read_csv(events)
    assert code == 0 and json.loads(stdout)["events"] == len(table)
    assert list(table.columns) == ["x", "y", "z", "distance", "angle", "paths"]
    assert any(str(laid.id) in str(p).split(";") for p in table.paths)
    code, _, _ = run(capsys, "crossovers", recon, "--bundles", "-o", events)
    assert code == 0 and not any(str(laid.id) in str(p).split(";") for p in pd.read_csv(events).paths)


def test_errors_are_one_line(capsys, tmp_path, shared_data):
    bad = tmp_path / "bad.curation"
    bad.write_text("branchAngle.min=wide\n")
    code, _, err = run(capsys, "check", shared_data / "snt" / "TreeV.swc", "--preset", bad, "-o", tmp_path / "w.csv")
    assert code == 2 and err.strip() == f"snt-web: {bad}, line 1: branchAngle.min must be a number, not 'wide'"
    code, _, err = run(capsys, "check", tmp_path / "none.swc", "-o", tmp_path / "w.csv")
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, "calibrate", shared_data / "snt" / "TreeV.swc", "--lower", "96", "-o", bad)
    assert code == 2 and "percentiles" in err
    for proximity in ("-1", "0", "wide"):
        with pytest.raises(SystemExit) as stop:  # refused by the parser, before any file is read
            main(["crossovers", str(shared_data / "snt" / "TreeV.swc"), "--proximity", proximity, "-o",
                  str(tmp_path / "e.csv")])
        assert stop.value.code == 2 and "--proximity: expected a" in capsys.readouterr().err
    code, _, err = run(capsys, "curation-export", "-o", tmp_path / "out")
    assert code == 2 and "give a reconstruction file or --project" in err


def test_export_partitions_and_reviewed_warnings(capsys, tmp_path, shared_data):
    tree = read_reconstruction(shared_data / "snt" / "TreeV.swc")
    tagged = Tree([p.copy(name=p.name + "{cur:accept}") if p.id == tree.paths[0].id else p for p in tree.paths],
                  spacing_xyz=tree.spacing_xyz)
    recon = tmp_path / "treev.traces"
    write_reconstruction(tagged, recon)
    code, stdout, _ = run(capsys, "curation-export", recon, "-o", tmp_path / "out")
    facts = json.loads(stdout)
    assert code == 0 and set(facts["partitions"]) == {"positive", "unreviewed"}
    assert len(read_reconstruction(facts["partitions"]["positive"])) == 1

    data = tmp_path / "data"
    store = ProjectStore(data)
    store.create("T", project_id="treev", tree=tree, user="local")
    decided = CurationWarning("DL-QC", "WARNING", "suspect", tuple(tree.paths[1].points[0]), (tree.paths[1].id,), 0.9)
    undecided = decided.with_(location=(0, 0, 0), paths=())
    add_warnings(store, "treev", "local", [decided, undecided], source="dlqc")
    set_decision(store, "treev", "local", [decided.key], "reject")
    store.engine.dispose()
    code, stdout, _ = run(capsys, "curation-export", "--project", "treev", "--data-dir", data, "--format", "traces",
                          "-o", tmp_path / "proj")
    facts = json.loads(stdout)
    assert code == 0 and facts["reviewed_warnings"] == 1 and set(facts["partitions"]) == {"negative", "unreviewed"}
    rows = pd.read_csv(facts["warnings_csv"])
    assert list(rows.decision) == ["reject"] and list(rows.reviewer) == ["local"] and rows.x[0] == decided.location[0]


def test_calibrate_writes_a_preset_check_reads(capsys, tmp_path, shared_data):
    refs = [shared_data / "real" / "snt" / f"AA000{k}.swc" for k in (1, 2)]
    preset = tmp_path / "mine.curation"
    code, _, _ = run(capsys, "calibrate", *refs, "-o", preset)
    assert code == 0 and "Calibrated from 2 reconstructions" in preset.read_text()
    shutil.copy(refs[0], tmp_path / "a.swc")
    code, _, _ = run(capsys, "check", tmp_path / "a.swc", "--preset", preset, "-o", tmp_path / "w.csv")
    assert code == 0
