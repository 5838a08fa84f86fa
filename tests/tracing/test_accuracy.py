"""A traced path follows the neurite it was traced along: the issue's accuracy targets."""

from pathlib import Path

import numpy as np
import pytest

from snt_web.filters import tubeness
from snt_web.synth import make_demo
from snt_web.tracing import trace_path

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TREEV = DATA / "snt" / "TreeV.tif"


def truth_segments(tree, spacing_zyx):
    """End points (a, b) of every segment of the tree, in voxel units (z, y, x), parent links included."""
    a, b = [], []
    for path in tree.paths:
        zyx = path.points[:, ::-1] / spacing_zyx
        if path.parent_id is not None and path.branch_index is not None:
            parent = tree.path(path.parent_id).points[path.branch_index, ::-1] / spacing_zyx
            zyx = np.vstack([parent, zyx])
        a.append(zyx[:-1] if len(zyx) > 1 else zyx)
        b.append(zyx[1:] if len(zyx) > 1 else zyx)
    return np.concatenate(a), np.concatenate(b)


def distances(points, a, b):
    """Distance from each point to the nearest of the segments (a, b)."""
    ab = b - a
    length2 = np.maximum((ab * ab).sum(axis=1), 1e-12)
    ap = points[:, None, :] - a[None]
    t = np.clip((ap * ab[None]).sum(axis=2) / length2, 0, 1)
    return np.linalg.norm(ap - t[..., None] * ab[None], axis=2).min(axis=1)


def fraction_within(path_zyx, segments, tolerance=2.0):
    return float(np.mean(distances(path_zyx.astype(float), *segments) <= tolerance))


@pytest.fixture(scope="module")
def demo():
    image, truth = make_demo(seed=0)
    spacing = np.array(image.spacing)
    layer = tubeness(image.volume(), scales=0.6, spacing=spacing)
    return layer, truth, spacing


def node_pairs(truth, spacing, shape, n_pairs=4):
    """Pairs of nodes 40-150 voxels apart on the longest neurites, clear of where they branch off."""
    pairs = []
    for path in sorted((p for p in truth.paths if len(p) > 60), key=len, reverse=True)[:n_pairs]:
        zyx = np.clip(np.round(path.points[:, ::-1] / spacing).astype(int), 0, np.array(shape) - 1)
        first, last = 10, min(len(zyx) - 1, 10 + 100)
        apart = np.abs(zyx[last] - zyx[first]).max()
        assert 40 <= apart <= 150
        pairs.append((tuple(zyx[first]), tuple(zyx[last])))
    return pairs


def test_demo_paths_follow_the_truth(demo):
    layer, truth, spacing = demo
    segments = truth_segments(truth, spacing)
    pairs = node_pairs(truth, spacing, layer.shape)
    assert len(pairs) >= 3
    for start, goal in pairs:
        result = trace_path(layer, start, goal, spacing=spacing)
        assert fraction_within(result.path_zyx, segments) >= 0.95, (start, goal)


@pytest.mark.skipif(not TREEV.exists(), reason=f"shared test data not found at {TREEV}")
@pytest.mark.parametrize("layer_name", ["raw", "tubeness"])
def test_treev_tip_to_tip_follows_the_truth(layer_name):
    from snt_web.io.swc import read_swc
    from snt_web.io.tiff import read_image

    image = read_image(TREEV)
    truth = read_swc(TREEV.with_suffix(".swc"))
    spacing = np.array(image.spacing)
    volume = np.asarray(image.volume())
    layer = volume if layer_name == "raw" else tubeness(volume, scales=1.0, spacing=spacing)
    segments = truth_segments(truth, spacing)
    tips = np.round(truth.tips()[:, ::-1] / spacing).astype(int)
    # Each of the first three tips with the tip farthest from it: long paths through branch points.
    apart = np.linalg.norm(tips[:, None] - tips[None], axis=2)
    pairs = [(tips[i], tips[np.argmax(apart[i])]) for i in range(3)]
    for start, goal in pairs:
        result = trace_path(layer, start, goal, spacing=spacing)
        assert len(result.path_zyx) > 40
        assert fraction_within(result.path_zyx, segments) >= 0.95, (start, goal)
