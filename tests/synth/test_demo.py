"""The synthetic demo: a plausible neuron, rendered so that it is visible but noisy."""

from __future__ import annotations


import numpy as np
import pytest
from scipy import ndimage

from snt_web.model import Path, Tree
from snt_web.synth import add_noise, make_demo, random_neuron, render_tree

SMALL = (24, 96, 128)


@pytest.fixture(scope="module")
def demo():
    return make_demo(seed=0)


def neurites(tree: Tree) -> list[Path]:
    return [p for p in tree.paths if p.swc_type != 1]


def node_voxels(tree: Tree, spacing_zyx) -> np.ndarray:
    """(n, 3) voxel indices z, y, x of all neurite nodes."""
    points = np.concatenate([p.points for p in neurites(tree)])
    return np.rint(points[:, ::-1] / np.asarray(spacing_zyx)).astype(int)


def test_default_demo_is_a_small_anisotropic_8bit_stack(demo):
    image, truth = demo
    assert image.data.shape == (1, 1, 48, 256, 256)
    assert image.dtype == np.uint8
    assert image.units == "µm" and truth.units == "µm"
    sz, sy, sx = image.spacing
    assert sz > sy == sx  # z coarser than x and y
    assert truth.spacing_xyz == tuple(reversed(image.spacing))


def test_same_seed_same_data_other_seed_other_data():
    image_a, truth_a = make_demo(seed=3, shape_zyx=SMALL)
    image_b, truth_b = make_demo(seed=3, shape_zyx=SMALL)
    np.testing.assert_array_equal(image_a.data, image_b.data)
    assert len(truth_a) == len(truth_b)
    for p, q in zip(truth_a, truth_b):
        np.testing.assert_array_equal(p.points, q.points)
        np.testing.assert_array_equal(p.radii, q.radii)
    image_c, truth_c = make_demo(seed=4, shape_zyx=SMALL)
    assert not np.array_equal(image_a.data, image_c.data)
    assert not np.array_equal(truth_a.paths[1].points, truth_c.paths[1].points)


def test_truth_is_a_branching_neuron(demo):
    _, truth = demo
    (soma,) = truth.roots()
    assert soma.swc_type == 1
    primaries = truth.children(soma.id)
    assert len(primaries) >= 3
    assert sorted({p.swc_type for p in primaries}) == [2, 3]  # an axon and dendrites
    forks_on_neurites = [p for p in truth.paths if p.parent_id not in (None, soma.id)]
    assert len(forks_on_neurites) >= 3
    assert len(truth.branch_points()) >= 3
    for path in forks_on_neurites + primaries:
        parent = truth.path(path.parent_id)
        np.testing.assert_array_equal(path.points[0], parent.points[path.branch_index])


def test_radii_taper_from_a_few_voxels_to_one(demo):
    image, truth = demo
    voxel = image.spacing[2]
    for path in neurites(truth):
        radii = path.radii / voxel
        assert radii.min() >= 1 - 1e-9 and radii.max() <= 4 + 1e-9
        assert radii[-1] == pytest.approx(1.0)
        assert np.all(np.diff(radii) <= 1e-9)
    assert max(p.radii[0] for p in truth.children(0)) / voxel >= 3


def test_nodes_are_about_one_voxel_apart_and_inside_the_volume(demo):
    image, truth = demo
    steps = np.concatenate([np.linalg.norm(np.diff(p.points, axis=0), axis=1) for p in neurites(truth)])
    assert np.median(steps) == pytest.approx(image.spacing[2], rel=0.05)
    voxels = np.concatenate([np.rint(p.points[:, ::-1] / image.spacing) for p in truth.paths])
    assert voxels.min() >= 0
    assert np.all(voxels <= np.array(image.shape_zyx) - 1)


def test_neurites_stand_out_from_the_background(demo):
    image, truth = demo
    volume = image.volume()
    nodes = node_voxels(truth, image.spacing)
    on_node = np.zeros(volume.shape, bool)
    on_node[tuple(nodes.T)] = True
    far = ndimage.distance_transform_edt(~on_node) > 6
    background = volume[far]
    assert np.median(volume[tuple(nodes.T)]) > np.percentile(background, 95) + 20
    # ...but the image is noisy, not a clean mask
    assert background.std() > 3


def test_render_tree_tube_and_sphere():
    spacing = np.array([1.0, 0.5, 0.5])
    tube = Path(0, [[2.0, 10.0, 5.0], [18.0, 10.0, 5.0]], radii=[2.0, 2.0])
    ball = Path(1, [[10.0, 3.0, 5.0]], radii=[1.5])
    volume = render_tree(Tree([tube, ball]), (11, 30, 40), spacing)
    assert volume.dtype == np.float32
    assert volume.min() == 0.0 and volume.max() == 1.0
    assert volume[5, 20, 20] == 1.0  # on the tube's axis
    assert volume[5, 20 + 6, 20] == 0.0  # 3 units off it, radius 2
    assert volume[5, 6, 20] == 1.0  # centre of the ball
    assert volume[5, 6, 26] == 0.0
    # the tube's cross-section area, away from the ball, is about pi r^2
    area = volume[:, :, 30].sum() * spacing[0] * spacing[1]
    assert area == pytest.approx(np.pi * 4, rel=0.15)


def test_thin_neurite_between_slices_still_shows():
    # radius 0.3 halfway between two slices 1 unit apart
    path = Path(0, [[2.0, 5.0, 4.5], [8.0, 5.0, 4.5]], radii=[0.3, 0.3])
    volume = render_tree(Tree([path]), (10, 20, 20), (1.0, 0.3, 0.3))
    column = volume[:, int(round(5 / 0.3)), int(round(5 / 0.3))]
    assert column[4] > 0.1 and column[5] > 0.1


def test_add_noise_types_and_levels():
    rng = np.random.default_rng(0)
    volume = np.zeros((4, 50, 60), np.float32)
    volume[:, 20:30, 20:40] = 1
    out8 = add_noise(volume, rng, signal=100, background=20, gradient=0, psf_sigma_zyx=(0, 0, 0))
    assert out8.dtype == np.uint8
    assert out8[:, 22:28, 22:38].mean() == pytest.approx(120, abs=3)
    assert out8[:, :10].mean() == pytest.approx(20, abs=2)
    out16 = add_noise(volume, rng, signal=70000, background=100, dtype=np.uint16)
    assert out16.dtype == np.uint16 and out16.max() == 65535  # clipped, not wrapped


def test_random_neuron_rejects_a_box_too_small():
    with pytest.raises(ValueError, match="too small"):
        random_neuron(np.random.default_rng(0), (5.0, 5.0, 5.0))


def test_random_neuron_keeps_margin():
    rng = np.random.default_rng(7)
    extent = np.array([60.0, 50.0, 20.0])
    tree = random_neuron(rng, extent, spacing_xyz=(0.5, 0.5, 1.0), n_primary=5)
    points = np.concatenate([p.points for p in tree.paths])
    margin = np.array([3.0, 3.0, 3.0])  # 6 voxels of 0.5, and 2 z voxels < 3
    assert np.all(points >= margin - 1e-9) and np.all(points <= extent - margin + 1e-9)
    assert len(tree.children(0)) == 5
