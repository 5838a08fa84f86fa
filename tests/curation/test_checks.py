"""Each known defect is found, with SNT's severity; a clean tree gets no WARNING or ERROR."""

from __future__ import annotations

import math

import numpy as np
import pytest

from snt_web.curation import CurationSettings, Severity, full_scan, live_checks
from snt_web.curation.live import BRANCH_ANGLE, DIRECTION, RADIUS_CONTINUITY, TERMINAL_LENGTH
from snt_web.curation.scan import CROSSOVERS, INVALID_RADIUS, MISSED_FORK, RADIUS_JUMPS
from snt_web.io.reconstruction import read_reconstruction
from snt_web.model import Path, Tree

from .trees import clean_tree, line, with_paths


def _found(warnings, check):
    return [w for w in warnings if w.check == check]


def test_clean_tree_has_no_warning_or_error():
    result = full_scan(clean_tree())
    assert [w for w in result.warnings if w.severity >= Severity.WARNING] == []
    # The measures were taken all the same: the histograms have data.
    assert len(result.measurements[BRANCH_ANGLE]["values"]) == 2


def test_unjoined_paths_crossing_within_one_micron_are_a_crossover():
    base = clean_tree()
    # Passes 1 µm above the trunk at x = 10, across it, joined to nothing.
    crossing = Path(3, line((10, -10, 1), (0, 1, 0), 20), radii=np.full(21, 0.6), swc_type=3)
    found = _found(full_scan(with_paths(base, crossing)).warnings, CROSSOVERS)
    assert len(found) == 1
    w = found[0]
    assert w.severity is Severity.WARNING and set(w.paths) == {0, 3}
    assert w.value <= 2.0 and w.threshold == 2.0
    assert np.allclose(w.location, (10, 0, 0.5), atol=0.6)
    # The impact is the larger arbor at stake: the trunk with its branches.
    total = with_paths(base, crossing).total_length
    assert w.impact == pytest.approx(base.total_length / total)


def test_one_micron_terminal_branch_is_info():
    base = clean_tree()
    stub = Path(3, line(base.path(0).points[50], (0, 0, 1), 1.0), radii=[0.5, 0.5], swc_type=3, parent_id=0,
                branch_index=50)
    found = _found(full_scan(with_paths(base, stub)).warnings, TERMINAL_LENGTH)
    assert [(w.severity, w.paths, w.value) for w in found] == [(Severity.INFO, (3,), pytest.approx(1.0))]


def test_radius_jump_of_four_is_a_warning():
    tree = clean_tree()
    trunk = tree.path(0)
    radii = trunk.radii.copy()
    radii[30:] = radii[30:] * 4  # nodes 29 -> 30: four times thicker
    jumped = Tree([trunk.copy(radii=radii)] + tree.paths[1:])
    found = _found(full_scan(jumped).warnings, RADIUS_JUMPS)
    assert len(found) == 1
    assert found[0].severity is Severity.WARNING and found[0].paths == (0,)
    assert found[0].value == pytest.approx(radii[30] / radii[29]) and found[0].value > 3.9
    assert np.allclose(found[0].location, (29.5, 0, 0))


def test_acute_fork_is_a_warning():
    base = clean_tree()
    at = base.path(0).points[50]
    acute = Path(3, line(at, (np.cos(np.radians(5)), np.sin(np.radians(5)), 0), 15), radii=np.full(16, 0.6),
                 swc_type=3, parent_id=0, branch_index=50)
    found = _found(live_checks(with_paths(base, acute)), BRANCH_ANGLE)
    assert len(found) == 1
    assert found[0].severity is Severity.WARNING and found[0].paths == (0, 3)
    assert found[0].value == pytest.approx(5.0, abs=0.01)
    # Its subtree is the branch alone.
    assert found[0].impact == pytest.approx(acute.length / with_paths(base, acute).total_length)


def test_branch_doubling_back_is_an_error_and_thick_child_a_warning():
    base = clean_tree()
    at = base.path(0).points[30]
    back = Path(3, line(at, (-1, 0.05, 0), 10), radii=np.full(11, 1.6 * 1.6), swc_type=3, parent_id=0,
                branch_index=30)
    warnings = live_checks(with_paths(base, back), path_ids=[3])
    direction = _found(warnings, DIRECTION)
    assert [w.severity for w in direction] == [Severity.ERROR]
    ratio = _found(warnings, RADIUS_CONTINUITY)
    assert [w.severity for w in ratio] == [Severity.WARNING] and ratio[0].value == pytest.approx(1.6, rel=0.01)
    # Only the forks of the path asked about were checked.
    assert all(3 in w.paths for w in warnings)


def test_invalid_radius_and_missed_fork():
    base = clean_tree()
    # Ends 1 µm from the trunk without joining it.
    near = Path(3, line((30, 11, 0), (0, -1, 0), 10), radii=[0.5] * 10 + [0.0], swc_type=3)
    warnings = full_scan(with_paths(base, near)).warnings
    assert [(w.severity, w.value) for w in _found(warnings, INVALID_RADIUS)] == [(Severity.WARNING, 1.0)]
    missed = _found(warnings, MISSED_FORK)
    assert [(w.severity, w.paths) for w in missed] == [(Severity.INFO, (3, 0))]
    assert missed[0].value == pytest.approx(1.0)


def test_disabled_checks_do_not_run_and_soma_distance_is_opt_in():
    base = clean_tree()
    far = Path(3, line((600, 0, 0), (1, 0, 0), 10), swc_type=3, parent_id=0, branch_index=59)
    tree = with_paths(base, far)
    assert not [w for w in live_checks(tree) if w.check == "Soma distance"]
    settings = CurationSettings(soma_distance_enabled=True, soma_max_distance=100, branch_angle_enabled=False)
    found = [w for w in live_checks(tree, settings) if w.check == "Soma distance"]
    assert [(w.paths, w.severity) for w in found] == [((3,), Severity.ERROR)]  # > 3 x the threshold
    assert not [w for w in live_checks(tree, settings) if w.check == BRANCH_ANGLE]


def test_real_reconstructions_scan_to_well_formed_warnings(shared_data):
    tree = read_reconstruction(shared_data / "snt" / "CIL_Dataset_#701.traces")
    result = full_scan(tree)
    ids = {p.id for p in tree.paths}
    assert result.warnings
    for w in result.warnings:
        assert set(w.paths) <= ids and w.location is not None
        assert math.isnan(w.impact) or 0 <= w.impact <= 1
    # Sorted most severe first, as the table shows them.
    severities = [w.severity for w in result.warnings]
    assert severities == sorted(severities, reverse=True)
    # The file's paths without radii written as 0 are what "Invalid radius" is for.
    invalid = _found(result.warnings, INVALID_RADIUS)
    assert {w.paths[0] for w in invalid} == {p.id for p in tree.paths
                                             if p.has_radii and (p.radii <= 0).any() and p.fitted_of is None}


def test_paths_using_their_fitted_version_are_checked_with_its_radii():
    tree = clean_tree()
    trunk = tree.path(0)
    fitted_radii = trunk.radii.copy()
    fitted_radii[30:] *= 4  # the fit found a jump the traced radii did not have
    fitted = trunk.copy(id=9, radii=fitted_radii, fitted_of=0, name="trunk fitted")
    uses = trunk.copy(fitted_id=9, use_fitted=True, radii=np.full(len(trunk), 1.0))
    with_fit = Tree([uses] + tree.paths[1:] + [fitted])
    jumps = _found(full_scan(with_fit).warnings, RADIUS_JUMPS)
    assert [w.paths for w in jumps] == [(0,)]  # the original's id, the fitted radii; the copy is not checked twice
    constant = _found(full_scan(Tree([uses.copy(use_fitted=False)] + tree.paths[1:] + [fitted])).warnings,
                      "Constant radii")
    assert [w.paths for w in constant] == [(0,)]
