"""Curation warnings and reviews persist with the project, on SQLite and PostgreSQL."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.auth.roles import PermissionDenied
from snt_web.curation import CurationSettings, CurationWarning, Severity, read_preset, seed_review_warnings
from snt_web.curation.exports import partition_by_review
from snt_web.model import Path, Tree
from snt_web.store import Accounts, ProjectStore, SetReconstruction, StaleVersionError, StoreError, apply
from snt_web.store.curation import (
    add_warnings,
    clear_warnings,
    list_warnings,
    project_settings,
    scan_measurements,
    scan_project,
    set_decision,
    set_project_settings,
    warnings_and_reviews,
)


def _line(start, direction, n):
    return np.asarray(start, float) + np.outer(np.arange(n), np.asarray(direction, float))


@pytest.fixture
def project(store):
    """A trunk, a branch leaving it at 5° (acute fork) and a path crossing the trunk 1 µm above it."""
    paths = [
        Path(0, _line((0, 0, 0), (1, 0, 0), 40), name="trunk", radii=np.linspace(2, 1, 40)),
        Path(1, _line((20, 0, 0), (np.cos(0.087), np.sin(0.087), 0), 15), name="twig", radii=np.full(15, 0.8),
             parent_id=0, branch_index=20),
        Path(2, _line((8, -8, 1), (0, 1, 0), 17), name="stray", radii=np.full(17, 0.8)),
    ]
    store.create("Curation", project_id="cur", tree=Tree(paths), user="local")
    return store


def test_scan_persists_and_a_rescan_keeps_decisions(project):
    store = project
    result = scan_project(store, "cur", "local")
    rows = list_warnings(store, "cur", "local")
    assert len(rows) == len(result.warnings) > 0
    assert {r["check"] for r in rows} >= {"Branch angle", "Crossovers"}
    assert rows[0]["severity"] == "WARNING" and all(r["decision"] is None for r in rows)
    assert "Branch angle" in scan_measurements(store, "cur")["measurements"]

    crossing = next(r for r in rows if r["check"] == "Crossovers")
    record = set_decision(store, "cur", "local", [crossing["key"]], "reject")
    # The affected paths are tagged, in the history, as a new version.
    tree = store.reconstruction("cur")
    assert {p.id for p in tree.paths if "cur:reject" in p.tags} == set(crossing["paths"])
    assert record.version == store.get("cur").version
    assert [p.id for p in partition_by_review(tree).negative] == sorted(crossing["paths"])

    # Re-scanning the tagged tree finds the crossover again: it keeps its decision, reviewer and time.
    scan_project(store, "cur", "local")
    again = {r["key"]: r for r in list_warnings(store, "cur", "local")}
    assert again[crossing["key"]]["decision"] == "reject"
    assert again[crossing["key"]]["reviewer"] == "local" and again[crossing["key"]]["decided"] > 0

    # Accept replaces the review tag; clearing takes it off.
    set_decision(store, "cur", "local", [crossing["key"]], "accept")
    assert all(store.reconstruction("cur").path(pid).tags == ["cur:accept"] for pid in crossing["paths"])
    set_decision(store, "cur", "local", [crossing["key"]], None)
    assert all(store.reconstruction("cur").path(pid).tags == [] for pid in crossing["paths"])
    assert {r["key"]: r for r in list_warnings(store, "cur", "local")}[crossing["key"]]["decision"] is None


def test_decisions_on_warnings_without_paths_and_undecided_ones_replaced(project):
    store = project
    far = seed_review_warnings([[500, 500, 0]], store.reconstruction("cur"), Severity.WARNING, confidences=[0.9])
    assert add_warnings(store, "cur", "local", far, source="seeds") == 1
    version = store.get("cur").version
    assert set_decision(store, "cur", "local", [far[0].key], "unsure") is None  # nothing to tag
    assert store.get("cur").version == version
    warnings, reviews = warnings_and_reviews(store, "cur", "local")
    assert reviews[far[0].key]["decision"] == "unsure" and warnings[0].check == "Seed Review"

    # A scan does not touch other sources; a second scan drops undecided findings that are gone.
    scan_project(store, "cur", "local")
    tree = store.reconstruction("cur")
    apply(store, "cur", "local", SetReconstruction(Tree([tree.path(0)])), store.get("cur").version)
    scan_project(store, "cur", "local")
    checks = [r["check"] for r in list_warnings(store, "cur", "local")]
    assert "Crossovers" not in checks and "Seed Review" in checks
    assert clear_warnings(store, "cur", "local", source="seeds") == 1


def test_roles_and_bad_input(project):
    store = project
    accounts = Accounts(store)
    accounts.add_user("vic", "longenough", role="viewer")
    accounts.add_user("rev", "longenough", role="reviewer")
    w = CurationWarning("DL-QC", "ERROR", "suspect", (10, 0, 0), (0,), 0.9)
    with pytest.raises(PermissionDenied):
        add_warnings(store, "cur", "vic", [w])
    add_warnings(store, "cur", "rev", [w], source="dlqc")
    assert [r["source"] for r in list_warnings(store, "cur", "vic")] == ["dlqc"]
    with pytest.raises(PermissionDenied):
        set_decision(store, "cur", "vic", [w.key], "accept")
    set_decision(store, "cur", "rev", [w.key], "accept")  # a reviewer may tag
    assert store.reconstruction("cur").path(0).tags == ["cur:accept"]
    with pytest.raises(StoreError, match="decision must be"):
        set_decision(store, "cur", "rev", [w.key], "maybe")
    with pytest.raises(StoreError, match="no warning"):
        set_decision(store, "cur", "rev", ["nope"], "accept")
    for source in ("elsewhere", "scan"):  # a scan's warnings come from the scan alone
        with pytest.raises(StoreError, match=f"not '{source}'"):
            add_warnings(store, "cur", "rev", [w], source=source)
    with pytest.raises(StaleVersionError):
        set_decision(store, "cur", "rev", [w.key], "reject", base_version=1)


def test_warnings_survive_reopening_the_store(tmp_path, database_url, project):
    w = CurationWarning("DL-QC", "INFO", "x", (1, 2, 3), (), 0.1)
    add_warnings(project, "cur", "local", [w])
    set_decision(project, "cur", "local", [w.key], "reject")
    reopened = ProjectStore(project.data_dir, database_url=database_url)
    try:
        assert [(r["key"], r["decision"]) for r in list_warnings(reopened, "cur", "local")] == [(w.key, "reject")]
    finally:
        reopened.engine.dispose()


def test_project_thresholds_from_a_preset_drive_the_scan(project, shared_data):
    assert project_settings(project, "cur") == CurationSettings()
    preset, _ = read_preset(shared_data / "snt" / "CA1 Dendrites (Mouse, DeFelipe).curation")
    set_project_settings(project, "cur", "local", preset)
    assert project_settings(project, "cur") == preset
    result = scan_project(project, "cur", "local")
    crossing = next(w for w in result.warnings if w.check == "Crossovers")
    assert crossing.threshold == pytest.approx(preset.crossover_proximity)
    # The preset's 16.4° minimum branch angle flags the 5° fork as the default 10° does.
    assert any(w.check == "Branch angle" and w.threshold == pytest.approx(preset.branch_angle_min)
               for w in result.warnings)


def test_a_bulk_decision_is_one_version_in_the_history(project):
    store = project
    scan_project(store, "cur", "local")
    rows = list_warnings(store, "cur", "local")
    paths = {p for r in rows for p in r["paths"]}
    assert len(paths) == 3
    version = store.get("cur").version
    set_decision(store, "cur", "local", [r["key"] for r in rows], "unsure")
    assert store.get("cur").version == version + 1
    entry = store.history("cur", 1)[0]
    assert (entry.action, entry.summary) == ("review paths", "tagged 3 paths {cur:unsure}")
    assert all(store.reconstruction("cur").path(p).tags == ["cur:unsure"] for p in paths)


def test_a_decision_replaces_any_earlier_review_tag_and_keeps_the_others(store):
    # As SNT's CurationTags: every {cur:...} tag goes first, whatever wrote it; other tags stay.
    store.create("Tags", project_id="tags", user="local",
                 tree=Tree([Path(0, _line((0, 0, 0), (1, 0, 0), 10), name="trunk{cur:followup}{soma-side}")]))
    w = CurationWarning("DL-QC", "WARNING", "suspect", (1, 0, 0), (0,), 0.5)
    add_warnings(store, "tags", "local", [w])
    set_decision(store, "tags", "local", [w.key], "accept")
    assert store.reconstruction("tags").path(0).tags == ["soma-side", "cur:accept"]
