"""The autotracer's parts: distance transform, fast marching and gaps, radii, pruning, paths, soma, branches,
territory."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.graph import MCP

from snt_web.autotrace.branching import drop_enclosed, tune_branches
from snt_web.autotrace.cells import claim, detect_somas
from snt_web.autotrace.marching import MarchArrays, gray_weighted_distance, march
from snt_web.autotrace.paths import NodePath, decompose, resample, smooth
from snt_web.autotrace.pruning import hierarchical_prune, prune_terminal_segments
from snt_web.autotrace.radius import node_radii
from snt_web.autotrace.soma import soma_centre, through_soma
from snt_web.autotrace.threshold import auto_threshold
from snt_web.synth import make_demo


def test_gwdt_equals_least_sums_of_grey_levels_from_the_background():
    image, _ = make_demo(1, shape_zyx=(16, 64, 64))
    volume = image.volume(0, 0)
    threshold = auto_threshold(volume)
    ours = gray_weighted_distance(volume, threshold, connectivity=26)
    # skimage's MCP: cost of a route = sum of the costs of the voxels on it;
    # background voxels are free sources.
    costs = np.where(volume > threshold, np.maximum(volume.astype(float), 1e-6), 0.0)
    reference, _ = MCP(costs, fully_connected=True).find_costs(np.argwhere(volume <= threshold))
    np.testing.assert_allclose(ours, reference, rtol=1e-5)
    assert ours.max() > 2 * float(volume.max())  # thick neurites are several voxels deep


def test_threshold_is_snts_on_a_dark_background_and_above_an_offset_one():
    rng = np.random.default_rng(0)
    dark = np.zeros((4, 64, 64)); dark[2, 30:34, :] = 200
    assert auto_threshold(dark) == pytest.approx(0.5 * (0.05 * 200 + 0.0))
    offset = rng.normal(100, 5, (4, 64, 64)); offset[2, 30:34, :] = 300
    assert 110 < auto_threshold(offset) < 120


def _line(gap_at=(), length=40):
    volume = np.zeros((1, 5, length), dtype=np.float32)
    volume[0, 2, :] = 100
    volume[0, 2, list(gap_at)] = 0
    return volume


@pytest.mark.parametrize("gap_penalty", [0.0, 1.0])
@pytest.mark.parametrize("gap, max_gap, bridged", [(2, 3, True), (3, 3, True), (4, 3, False), (1, 0, False)])
def test_fast_marching_bridges_short_straight_gaps(gap, max_gap, bridged, gap_penalty):
    volume = _line(gap_at=range(20, 20 + gap))
    gwdt = gray_weighted_distance(volume, 10.0)
    arrays = MarchArrays(volume.shape)
    settled, touched = march(gwdt, float(gwdt.max()), (0, 2, 0), (1, 1, 1), arrays, threshold=10.0,
                             max_gap=max_gap, gap_penalty=gap_penalty)
    end = np.ravel_multi_index((0, 2, 39), volume.shape)
    assert (end in settled) == bridged
    assert set(settled) <= set(touched)
    arrays.reset(touched)
    assert np.isinf(arrays.dist).all() and (arrays.parent == -1).all() and not arrays.state.any()


def test_a_penalised_gap_is_bridged_only_where_the_foreground_route_round_costs_more():
    # A gap of 3 dark voxels in a line, and a dim arc of foreground round it.
    volume = _line(gap_at=range(21, 24))
    volume[0, [3, 4, 3], [21, 22, 23]] = 30
    gwdt = gray_weighted_distance(volume, 10.0)
    beyond = np.ravel_multi_index((0, 2, 24), volume.shape)

    def parent_beyond(**kwargs):
        arrays = MarchArrays(volume.shape)
        march(gwdt, float(gwdt.max()), (0, 2, 0), (1, 1, 1), arrays, threshold=10.0, max_gap=3, **kwargs)
        return np.unravel_index(arrays.parent[beyond], volume.shape)[1:]

    # SNT's rule: a jumped voxel costs as one just above the threshold, less
    # than the dim arc's; with the penalty, the route keeps to the foreground.
    assert parent_beyond(gap_penalty=0.0) == (2, 20)
    assert parent_beyond(gap_penalty=1.0) == (3, 23)
    with pytest.raises(ValueError, match="gap penalty"):
        parent_beyond(gap_penalty=-1.0)


def test_fast_marching_keeps_out_of_other_cells_and_beyond_its_reach():
    volume = _line()
    gwdt = gray_weighted_distance(volume, 10.0)
    territory = np.zeros(volume.shape, dtype=np.int16)
    territory[0, 2, 30] = 2
    settled, _ = march(gwdt, float(gwdt.max()), (0, 2, 0), (1, 1, 1), MarchArrays(volume.shape), threshold=10.0,
                       max_gap=0, territory=territory, reach=10.5)
    xs = np.unravel_index(settled, volume.shape)[2]
    assert xs.max() == 10
    settled, _ = march(gwdt, float(gwdt.max()), (0, 2, 0), (1, 1, 1), MarchArrays(volume.shape), threshold=10.0,
                       max_gap=0, territory=territory)
    assert np.unravel_index(settled, volume.shape)[2].max() == 29


def test_radii_follow_the_tube_in_physical_units():
    image, truth = make_demo(0)
    volume = image.volume(0, 0)
    path = truth.paths[1]
    spacing_xyz = np.asarray(image.spacing[::-1])
    nodes = np.rint(path.points[5:40] / spacing_xyz).astype(int)[:, ::-1]
    radii = node_radii(volume, nodes, image.spacing, auto_threshold(volume))
    # Within a voxel or two of the rendered radius (the blur widens it a little).
    assert np.median(np.abs(radii - path.radii[5:40])) < 2 * min(image.spacing)


def test_hierarchical_pruning_drops_short_and_redundant_branches_and_keeps_protected_ones():
    # A trunk of 30 nodes along x; a 3-node spur (short) and a 10-node
    # parallel twin one voxel beside the trunk (redundant), both from node 5.
    trunk = [(0, 5, x) for x in range(30)]
    spur = [(0, 6 + k, 5) for k in range(1, 4)]
    twin = [(0, 6, 5 + k) for k in range(1, 11)]
    nodes = np.array(trunk + spur + twin)
    parent = np.array([-1] + list(range(29)) + [5, 30, 31] + [5] + list(range(33, 42)))
    intensity = np.full(len(nodes), 200.0)
    radii = np.full((len(nodes), 3), 1.5)

    def prune(protected):
        covered = np.zeros((1, 20, 40), dtype=np.uint8)
        return hierarchical_prune(parent, np.ones(len(nodes), bool), intensity, nodes, radii, protected, covered,
                                  imax=255.0)

    keep = prune(np.zeros(len(nodes), bool))
    assert keep[:30].all() and not keep[30:].any()
    protected = np.zeros(len(nodes), bool)
    protected[[0, 1, 2, 3, 4, 5, 30, 31, 32]] = True
    keep = prune(protected)
    assert keep[:33].all() and not keep[33:].any()


def test_terminal_segments_go_when_dark_on_average_or_in_part():
    # A trunk 0-5 and, from node 2, a 10-node branch 6-15; the threshold is 10.
    parent = np.array([-1, 0, 1, 2, 3, 4, 2] + list(range(6, 15)))
    nobody = np.zeros(len(parent), bool)

    def survivors(branch):
        intensity = np.r_[np.full(6, 100.0), branch]
        return prune_terminal_segments(parent, np.ones(len(parent), bool), intensity, 10.0, nobody, nobody)

    assert survivors(np.full(10, 30.0)).all()
    # One dark node in ten (under 20%), but a mean at the threshold: SNT's mean rule removes the branch.
    dim = survivors(np.r_[np.full(9, 10.5), 0.0])
    assert dim[:6].all() and not dim[6:].any()
    # Two dark nodes in ten (20%) over a bright mean: the dark-fraction rule removes it.
    assert not survivors(np.r_[np.full(8, 100.0), 5.0, 5.0])[6:].any()
    # A protected node keeps the whole segment.
    guarded = nobody.copy()
    guarded[10] = True
    intensity = np.r_[np.full(6, 100.0), np.full(10, 0.0)]
    assert prune_terminal_segments(parent, np.ones(len(parent), bool), intensity, 10.0, nobody, guarded).all()


def test_paths_stay_attached_through_smoothing_and_resampling():
    rng = np.random.default_rng(0)
    trunk = np.c_[np.arange(40.0), rng.normal(0, 0.3, 40), np.zeros(40)]
    branch = np.c_[np.full(15, 17.0), 1.0 + np.arange(15.0), np.zeros(15)]
    points = np.concatenate([trunk, branch])
    parent = np.concatenate([[-1], np.arange(39), [17], 40 + np.arange(14)])
    paths = decompose(points, np.ones(len(points)), parent)
    assert [(p.parent, p.branch_index) for p in paths] == [(None, None), (0, 17)]
    out = resample(smooth(paths, 5), 2.0)
    main, side = out
    assert np.array_equal(side.points[0], main.points[side.branch_index])
    steps = np.linalg.norm(np.diff(main.points, axis=0), axis=1)
    assert steps.max() <= 2.0 + 1e-9 and len(main.points) >= 20
    assert np.allclose(main.points[[0, -1]], paths[0].points[[0, -1]])


def test_claims_never_overlap_and_somas_are_the_strongest_maxima():
    territory = np.zeros((5, 30, 30), dtype=np.int16)
    first = claim(territory, 1, [[2, 10, 10]], [[2.0, 2.0, 2.0]], 5)
    second = claim(territory, 2, [[2, 12, 12]], [[2.0, 2.0, 2.0]], 5)
    assert first > 0 and second == 0  # wholly inside the first cell's buffer
    assert set(np.unique(territory[territory > 0]).tolist()) == {1}
    gwdt = np.zeros((3, 40, 40), dtype=np.float32)
    gwdt[1, 10, 10], gwdt[1, 30, 30], gwdt[1, 12, 12] = 10, 9, 8
    assert detect_somas(gwdt, (1, 1, 1), 8.0).tolist() == [[1, 10, 10], [1, 30, 30]]


@pytest.mark.parametrize("seed", [0, 3, 5])
def test_the_soma_centre_is_the_rendered_somas_not_the_brightest_voxels(seed):
    image, truth = make_demo(seed)
    volume, spacing = image.volume(0, 0), np.asarray(image.spacing)
    threshold = auto_threshold(volume)
    gwdt = gray_weighted_distance(volume, threshold, connectivity=18)
    root = np.array(np.unravel_index(int(np.argmax(gwdt)), gwdt.shape))  # where fast marching starts
    radius = node_radii(volume, root[None], spacing, threshold)[0]
    centre = soma_centre(volume, root, radius, spacing, threshold)
    true_centre = truth.paths[0].points[0]
    # Noise puts the deepest voxel 0.3-1.1 µm off the centre; the inscribed sphere's centre is within 0.25 µm.
    assert np.linalg.norm(centre - true_centre) < 0.25
    assert np.linalg.norm(centre - true_centre) < np.linalg.norm(root[::-1] * spacing[::-1] - true_centre)


def test_nodes_beyond_the_soma_hang_from_the_root_once_those_inside_are_gone():
    # root 0; 1-2-3 inside the soma, then 4-5 outside; 6 a leaf on 2, inside; 7 beyond it.
    parent = np.array([-1, 0, 1, 2, 3, 4, 2, 6])
    inside = np.array([0, 1, 1, 1, 0, 0, 1, 0], bool)
    new = through_soma(parent, np.ones(8, bool), inside)
    assert new[[4, 5, 7]].tolist() == [0, 4, 0]
    # Pruned nodes are left alone: nothing hangs from them.
    keep = np.array([1, 1, 1, 1, 1, 1, 0, 0], bool)
    assert through_soma(parent, keep, inside)[[4, 5]].tolist() == [0, 4]


def _straight(start, end, n, radius):
    return np.linspace(start, end, n), np.full(n, float(radius))


def test_a_branch_hugging_its_parent_leaves_it_in_a_straight_line_and_its_own_branches_follow():
    parent = NodePath(*_straight([0.0, 0, 0], [20.0, 0, 0], 21, 1.0))
    # Traced: along the parent from x = 4 to 9, then off at 45° (the true fork is at x = 8).
    hugging = np.array([[4.0, 0, 0], [6, 0.3, 0], [8, 0.6, 0], [9, 1.5, 0], [10, 2, 0], [11, 3, 0], [12, 4, 0],
                        [13, 5, 0], [14, 6, 0]])
    branch = NodePath(hugging, np.full(9, 0.5), parent=0, branch_index=4)
    twig = NodePath(np.array([[6.0, 0.3, 0], [6, -3, 0], [6, -6, 0]]), np.full(3, 0.3), parent=1, branch_index=1)
    out = tune_branches([parent, branch, twig], step=1.0)
    assert out[0] is parent
    tuned = out[1]
    assert tuned.branch_index == 8 and np.allclose(tuned.points[0], parent.points[8])
    np.testing.assert_allclose(tuned.points[-4:], hugging[-4:])  # outside the parent: as traced
    # The new start is the line y = x - 8 from the parent's axis to the first node outside (11, 3).
    start = tuned.points[:len(tuned.points) - 4]
    np.testing.assert_allclose(start[:, 1], start[:, 0] - 8, atol=1e-9)
    assert np.all(np.linalg.norm(np.diff(tuned.points[:len(start) + 1], axis=0), axis=1) <= 1.0 + 1e-9)
    # The twig hung from a replaced node: it hangs from the nearest new one, and starts there.
    assert out[2].parent == 1 and out[2].branch_index == int(np.argmin(np.linalg.norm(start - [6, 0.3, 0], axis=1)))
    np.testing.assert_allclose(out[2].points[0], tuned.points[out[2].branch_index])
    np.testing.assert_allclose(out[2].points[1:], twig.points[1:])


def test_branches_that_leave_at_once_from_the_soma_or_that_miss_the_parent_are_kept_as_traced():
    parent = NodePath(*_straight([0.0, 0, 0], [20.0, 0, 0], 21, 1.0))
    at_once = NodePath(np.array([[5.0, 0, 0], [5, 3, 0], [5, 6, 0], [5, 9, 0], [5, 12, 0]]), np.full(5, 0.5), 0, 5)
    # Hugs the root path as the tuned branch above does, but from its first node (the soma).
    from_soma = NodePath(np.array([[0.0, 0, 0], [2, 0.3, 0], [4, 0.6, 0], [5, 1.5, 0], [6, 2, 0], [7, 3, 0],
                                   [8, 4, 0], [9, 5, 0], [10, 6, 0]]), np.full(9, 0.5), 0, 0)
    # Runs along the parent, then away parallel to it: its line never meets the parent's axis.
    parallel = NodePath(np.array([[10.0, 0, 0], [11, 1, 0], [12, 3, 0], [13, 3, 0], [14, 3, 0], [15, 3, 0]]),
                        np.full(6, 0.5), 0, 10)
    paths = [parent, at_once, from_soma, parallel]
    assert all(a is b for a, b in zip(tune_branches(paths, step=1.0), paths))
    # Moved off the soma's node, the same branch is tuned.
    assert tune_branches([parent, NodePath(from_soma.points + [1, 0, 0], from_soma.radii, 0, 1)], 1.0)[1].branch_index > 1


def test_a_fork_moves_no_farther_than_the_route_it_replaces():
    # The parent goes out along y = 0 and comes back along y = 10; the branch hugs the way back.
    out_and_back = np.concatenate([_straight([0.5, 0, 0], [20.5, 0, 0], 21, 1.0)[0],
                                   _straight([20.0, 10, 0], [0.0, 10, 0], 21, 1.0)[0]])
    parent = NodePath(out_and_back, np.full(42, 1.0))
    hugging = np.array([[12.0, 10, 0], [10, 10.3, 0], [8, 10.6, 0], [7, 11.5, 0], [6, 12, 0], [5, 13, 0],
                        [4, 14, 0], [3, 15, 0], [2, 16, 0]]) + [0.5, 0, 0]
    tuned = tune_branches([parent, NodePath(hugging, np.full(9, 0.5), 0, 29)], step=1.0)[1]
    # Its line, x + y = 18.5, carried back runs through a node of the outward arm (18.5, 0) and between two
    # of the way back: the fork stays on the way back.
    assert parent.points[tuned.branch_index].tolist() in ([8.0, 10, 0], [9.0, 10, 0])


def test_an_end_branch_wholly_inside_other_paths_is_dropped_and_the_others_renumbered():
    main = NodePath(*_straight([0.0, 0, 0], [30.0, 0, 0], 31, 1.0))
    side = NodePath(*_straight([10.0, 0, 0], [10.0, 10, 0], 11, 0.5), parent=0, branch_index=10)
    beside = NodePath(np.array([[20.0, 0, 0], [22, 1.5, 0], [25, 1.5, 0], [28, 1, 0]]), np.full(4, 0.4), 0, 20)
    # Inside the side branch and the main path in turn, and it has a branch of its own: kept.
    corner = NodePath(np.array([[10.0, 5, 0], [11, 1, 0], [14, 1, 0]]), np.full(3, 0.4), 1, 5)
    leaf = NodePath(*_straight([14.0, 1, 0], [14.0, -8, 0], 10, 0.3), parent=3, branch_index=2)
    out = drop_enclosed([main, side, beside, corner, leaf])
    assert [len(p.points) for p in out] == [31, 11, 3, 10]
    assert [p.parent for p in out] == [None, 0, 1, 2]
    # An end branch inside its parent only up to its tip is kept.
    tip_out = NodePath(np.array([[20.0, 0, 0], [22, 1.5, 0], [25, 2.5, 0]]), np.full(3, 0.4), 0, 20)
    assert len(drop_enclosed([main, tip_out])) == 2


def test_an_end_branch_held_only_by_one_that_goes_is_kept_and_bumps_on_the_soma_go():
    main = NodePath(*_straight([0.0, 0, 0], [30.0, 0, 0], 31, 1.0))
    # Reaches y = 3.2, outside the main path (2 radii) but inside the wide branch beside it, which is inside main:
    # one of the two goes (the shorter, first), and the other then holds its tip.
    reaching = NodePath(np.array([[10.0, 0, 0], [12, 3.2, 0], [16, 3.2, 0]]), np.full(3, 0.3), 0, 10)
    wide = NodePath(np.array([[8.0, 0, 0], [10, 1.8, 0], [18, 1.8, 0]]), np.full(3, 0.8), 0, 8)
    for order in ([main, reaching, wide], [main, wide, reaching]):
        kept = drop_enclosed(order)
        assert len(kept) == 2 and np.allclose(kept[1].points, wide.points)
    # A neurite leaving the soma node goes when it ends within two soma radii (a bump), not beyond.
    soma = NodePath(np.array([[0.0, 0, 0], [4, 0, 0], [10, 0, 0]]), np.array([4.0, 1.0, 1.0]))
    bump = NodePath(np.array([[0.0, 0, 0], [0, 4, 0], [0, 6, 0]]), np.full(3, 0.5), 0, 0)
    stub = NodePath(np.array([[0.0, 0, 0], [0, 4, 0], [0, 9, 0]]), np.full(3, 0.5), 0, 0)
    assert len(drop_enclosed([soma, bump])) == 1 and len(drop_enclosed([soma, stub])) == 2
