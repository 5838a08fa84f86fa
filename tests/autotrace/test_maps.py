"""Autotracing a probability map: the loop of SNT's machine-learning page, trained on one volume, traced on another."""

import numpy as np
import pytest

from snt_web.autotrace import AutotraceSettings, autotrace, node_f1
from snt_web.autotrace.threshold import MAP_LEVELS, PROBABILITY_THRESHOLD, map_threshold
from snt_web.classify import FeatureSettings, apply, default_scales, samples_from_paths, train
from snt_web.model import Tree
from snt_web.synth import make_demo
from snt_web.synth.cells import make_cells


def test_a_sharp_map_is_traced_low_a_soft_or_hazy_one_at_one_half():
    rng = np.random.default_rng(0)
    sharp = np.zeros((8, 64, 64))
    sharp[4, 20:24, :] = 0.95
    sharp[4, 19, :] = sharp[4, 24, :] = 0.3  # a rim one voxel wide
    assert map_threshold(sharp) == MAP_LEVELS[-1]
    soft = sharp.copy()
    for k in range(1, 11):  # a rim ten voxels wide on each side, fading
        soft[4, 19 - k, :] = soft[4, 24 + k, :] = 0.45 - 0.035 * k
    assert map_threshold(soft) == 0.3
    hazy = sharp + rng.uniform(0, 0.25, sharp.shape)  # speckles of low probability everywhere
    assert map_threshold(np.clip(hazy, 0, 1)) >= 0.3
    assert map_threshold(np.full((4, 8, 8), 0.2)) == PROBABILITY_THRESHOLD  # nothing reaches 0.5


def _merged(truths) -> Tree:
    paths = [p.copy(id=p.id + 1000 * k, parent_id=None if p.parent_id is None else p.parent_id + 1000 * k)
             for k, truth in enumerate(truths) for p in truth.paths]
    return Tree(paths, truths[0].spacing_xyz, truths[0].units)


@pytest.fixture(scope="module")
def cells_map():
    """A classifier of demo seed 1 (panel defaults, 30 trees) applied to three other cells."""
    image, truth = make_demo(seed=1, shape_zyx=(24, 128, 128))
    spacing = image.spacing
    samples = samples_from_paths(truth, image.shape_zyx, spacing, mode="volume")
    classifier = train(image.volume(), spacing, samples, FeatureSettings(default_scales(spacing)), n_estimators=30,
                       n_jobs=2)
    cells, truths, _ = make_cells(3, seed=2, shape_zyx=(24, 128, 384))
    probability = apply(classifier, cells.volume(), spacing, classes=[0], n_jobs=2)[0]
    somas = np.array([t.paths[0].points[0] for t in truths])
    return probability, spacing, somas, _merged(truths)


def test_autotracing_a_map_of_another_volume_with_defaults_traces_the_cells(cells_map):
    probability, spacing, somas, truth = cells_map
    spacing_xyz = spacing[::-1]
    found = autotrace(probability, spacing, seeds_xyz=somas, multi_cell=True, probability_map=True)
    at_half = autotrace(probability, spacing, seeds_xyz=somas, multi_cell=True, probability_map=True,
                        settings=AutotraceSettings(threshold=0.5))
    assert found.threshold_reason == "probability map" and found.threshold == map_threshold(probability)
    assert at_half.threshold_reason == "given"
    f1, half_f1 = node_f1(found.tree, truth, spacing_xyz)["f1"], node_f1(at_half.tree, truth, spacing_xyz)["f1"]
    assert f1 >= 0.85 and f1 >= half_f1 - 0.02, (f1, half_f1)
    assert len(found.tree.roots()) == 3 and len(found.tree.paths) <= 3 * len(truth.paths)
    # The map scores its own nodes: the same trees as with it given as the score map.
    own = autotrace(probability, spacing, seeds_xyz=somas, multi_cell=True, probability_map=True,
                    score_map=probability)
    assert [len(p) for p in found.tree.paths] == [len(p) for p in own.tree.paths]
