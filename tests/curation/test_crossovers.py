"""The crossover detector's stages on known geometry, and on a real reconstruction with a path laid across it."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.curation import find_bundles, find_crossovers
from snt_web.curation.crossovers import candidate_pairs, monotonic_runs
from snt_web.io.reconstruction import read_reconstruction
from snt_web.model import Path, Tree

from .trees import line


def test_hash_grid_finds_exactly_the_close_pairs():
    rng = np.random.default_rng(3)
    points = rng.uniform(0, 30, (600, 3))
    i, j = candidate_pairs(points, 2.0)
    d = np.linalg.norm(points[:, None] - points[None], axis=2)
    expected = {(a, b) for a, b in zip(*np.nonzero(np.triu(d <= 2.0, 1)))}
    assert set(zip(i.tolist(), j.tolist())) == expected


def test_monotonic_runs_split_where_indices_jump():
    pairs = np.array([[10, 20], [12, 22], [12, 20], [14, 24], [40, 2], [42, 4]])
    runs = sorted(monotonic_runs(pairs), key=len)
    assert [len(r) for r in runs] == [2, 4]
    assert {tuple(p) for p in runs[0]} == {(40, 2), (42, 4)}


def test_x_crossing_t_junction_parallel_and_far_paths():
    a = Path(0, line((-10, 0, 0), (1, 0, 0), 20))
    x = Path(1, line((0.3, -10, 1), (0, 1, 0), 20))  # crosses 1 µm above
    t = Path(2, line((5, 8, 0), (0, -1, 0), 7.5))  # stops 0.5 µm short of path 0
    far = Path(3, line((-10, 30, 0), (1, 0, 0), 20))
    events = find_crossovers(Tree([a, x, t, far]))
    by_paths = {e.paths: e for e in events}
    assert set(by_paths) == {(0, 1), (0, 2)}
    cross = by_paths[(0, 1)]
    assert cross.angle == pytest.approx(90, abs=1) and cross.distance < 1.5
    assert np.allclose(cross.location, (0.3, 0, 0.5), atol=0.6)
    tee = by_paths[(0, 2)]
    assert tee.distance < 2.0 and np.linalg.norm(np.asarray(tee.location) - (5, 0.5, 0)) < 1.0


def test_joined_paths_are_vetoed_unless_asked():
    parent = Path(0, line((0, 0, 0), (1, 0, 0), 20))
    child = Path(1, line((10, 0, 0), (0, 1, 0), 10), parent_id=0, branch_index=10)
    sibling = Path(2, line((10, 0, 0), (0, -1, 0), 10), parent_id=0, branch_index=10)
    tree = Tree([parent, child, sibling])
    assert find_crossovers(tree) == []
    # Asked to, the child is reported where it leaves its parent (and its sibling, joined there too, with it).
    assert any({0, 1} <= set(e.paths) for e in find_crossovers(tree, include_direct_children=True))


def test_merge_and_channels():
    a = Path(0, line((-10, 0, 0), (1, 0, 0), 20))
    b = Path(1, line((0, -10, 0.5), (0, 1, 0), 20))
    c = Path(2, line((0.5, -10, -0.5), (0, 1, 0), 20))
    events = find_crossovers(Tree([a, b, c]))
    # Three paths through one spot: one event with every participant.
    assert [e.paths for e in events] == [(0, 1, 2)]
    other_frame = Path(1, b.points, frame=2)
    assert find_crossovers(Tree([a, other_frame])) == []
    assert len(find_crossovers(Tree([a, other_frame]), same_channel_frame=False)) == 1


def test_bundles_are_long_parallel_runs_only():
    a = Path(0, line((0, 0, 0), (1, 0, 0), 30))
    beside = Path(1, line((0, 1.5, 0), (1, 0, 0), 30))
    across = Path(2, line((15, -10, 1), (0, 1, 0), 20))
    events = find_bundles(Tree([a, beside, across]))
    assert [e.paths for e in events] == [(0, 1)]
    assert events[0].angle == pytest.approx(0, abs=1) and events[0].distance == pytest.approx(1.5, abs=0.01)


def test_a_path_laid_across_a_real_arbor_is_found(shared_data):
    tree = read_reconstruction(shared_data / "snt" / "21dpi_contra_infra_01.swc")
    before = {e.paths for e in find_crossovers(tree)}
    # A straight path through a node in the middle of the longest path, 0.8 µm off it, joined to nothing.
    longest = max(tree.paths, key=lambda p: p.length)
    k = len(longest) // 2
    tangent = longest.points[k + 1] - longest.points[k - 1]
    across = np.cross(tangent, (0, 0, 1.0))
    across /= np.linalg.norm(across)
    start = longest.points[k] + (0, 0, 0.8) - 10 * across
    laid = Path(tree.next_id(), line(start, across, 20, step=0.5))
    found = find_crossovers(Tree(tree.paths + [laid], spacing_xyz=tree.spacing_xyz))
    new = [e for e in found if laid.id in e.paths]
    assert len(new) == 1 and longest.id in new[0].paths
    assert np.linalg.norm(np.asarray(new[0].location) - longest.points[k]) < 1.5
    assert {e.paths for e in found if laid.id not in e.paths} == before
