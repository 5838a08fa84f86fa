import heapq
import itertools

import numpy as np
import pytest

from snt_web.tracing import COSTS, cost_model, snap_to_brightest, trace_path

OFFSETS = [d for d in itertools.product((-1, 0, 1), repeat=3) if d != (0, 0, 0)]


def dijkstra_cost(volume, start, goal, spacing, model):
    """Exhaustive Dijkstra over every voxel: the optimum A* must reach."""
    costs = model(volume)
    best = {start: 0.0}
    queue = [(0.0, start)]
    while queue:
        g, here = heapq.heappop(queue)
        if g > best[here]:
            continue
        for d in OFFSETS:
            there = tuple(h + o for h, o in zip(here, d))
            if not all(0 <= t < n for t, n in zip(there, volume.shape)):
                continue
            step = np.sqrt(sum((o * s) ** 2 for o, s in zip(d, spacing)))
            new = g + step * costs[there]
            if new < best.get(there, np.inf):
                best[there] = new
                heapq.heappush(queue, (new, there))
    return best[goal]


def path_cost(path, volume, spacing, model):
    steps = np.linalg.norm(np.diff(path, axis=0) * spacing, axis=1)
    return float(np.sum(steps * model(volume[tuple(path[1:].T)])))


CASES = [(seed, cost) for seed in range(6) for cost in COSTS]


@pytest.mark.parametrize("seed,cost", CASES)
def test_search_is_optimal(seed, cost):
    rng = np.random.default_rng(seed)
    shape = (1, 9, 11) if seed % 2 else (5, 7, 8)  # 2D and 3D
    spacing = (rng.uniform(0.5, 3), rng.uniform(0.2, 1), rng.uniform(0.2, 1))
    if seed < 4:
        volume = rng.integers(0, 256, size=shape).astype(np.uint8)
    else:  # half the voxels at the minimum: the huge costs where the two fronts prune most
        volume = (rng.random(shape) < 0.5).astype(np.float32) * 100
    start = tuple(int(rng.integers(n)) for n in shape)
    goal = tuple(int(rng.integers(n)) for n in shape)
    stats = "image" if seed == 3 else "subvolume"
    result = trace_path(volume, start, goal, spacing=spacing, cost=cost, stats=stats)
    model = cost_model(volume, start, goal, cost=cost, stats=stats)

    assert result.cost == pytest.approx(dijkstra_cost(volume, start, goal, spacing, model), rel=1e-9)
    path = result.path_zyx
    assert tuple(path[0]) == start and tuple(path[-1]) == goal
    assert np.abs(np.diff(path, axis=0)).max(initial=0) <= 1
    assert path_cost(path, volume, spacing, model) == pytest.approx(result.cost, rel=1e-9)


def test_search_follows_a_bright_detour_and_visits_little():
    volume = np.zeros((3, 40, 40), dtype=np.float32)
    volume[1, 5, 5:35] = 200
    volume[1, 5:35, 34] = 200
    volume[1, 34, 5:35] = 200
    result = trace_path(volume, (1, 5, 5), (1, 34, 5), spacing=(2.0, 0.5, 0.5))
    on_bright = volume[tuple(result.path_zyx.T)] == 200
    assert on_bright.all()
    assert result.n_visited < 0.2 * volume.size
    assert result.search_s >= 0 and result.peak_bytes > 0


def test_an_end_on_the_background_does_not_flood_the_volume():
    # A click beside the neurite on a tubeness layer: the goal sits in a patch
    # of zeros, each costing 1e6 per unit length, while the rest of the volume
    # is cheap. A one-sided search expands every voxel cheaper than that patch,
    # the whole volume, before it takes the goal.
    volume = np.full((8, 60, 60), 1.0, dtype=np.float32)
    volume[4, 20, 5:55] = 100.0
    volume[3:6, 24:27, 49:52] = 0.0
    result = trace_path(volume, (4, 20, 5), (4, 25, 50), spacing=(1.0, 0.3, 0.3))
    assert tuple(result.path_zyx[-1]) == (4, 25, 50)
    assert result.n_visited < 0.1 * volume.size
def test_same_start_and_goal():
    result = trace_path(np.ones((2, 3, 3)), (1, 1, 1), (1, 1, 1))
    assert result.path_zyx.tolist() == [[1, 1, 1]] and result.cost == 0


@pytest.mark.parametrize("kwargs", [{"cost": "nope"}, {"stats": "nope"}, {"spacing": (1, 0, 1)}])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        trace_path(np.ones((2, 3, 3)), (0, 0, 0), (1, 2, 2), **kwargs)


def test_end_outside_volume():
    with pytest.raises(ValueError, match="outside"):
        trace_path(np.ones((2, 3, 3)), (0, 0, 0), (2, 0, 0))


def test_snap_to_brightest_stays_on_the_slice_and_window():
    volume = np.zeros((3, 20, 20))
    volume[1, 3, 3] = 9  # outside the +-4 window of (10, 10)
    volume[0, 10, 10] = 9  # another slice
    volume[1, 13, 7] = 5
    assert snap_to_brightest(volume, (1, 10, 10)) == (1, 13, 7)
    assert snap_to_brightest(volume, (1, 10, 10), radius_xy=2) != (1, 13, 7)


def test_snap_ties_take_the_middle_one():
    volume = np.zeros((1, 20, 20))
    volume[0, 10, 6:13] = 7  # a flat-topped neurite across the window
    assert snap_to_brightest(volume, (0, 8, 8)) == (0, 10, 9)


def test_snap_clips_at_the_border():
    volume = np.zeros((1, 5, 5))
    volume[0, 0, 4] = 1
    assert snap_to_brightest(volume, (0, 1, 3)) == (0, 0, 4)
