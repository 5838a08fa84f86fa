"""Seeds from labels images: balls of known centre and radius, real masks, real reconstructions drawn as labels."""

from __future__ import annotations

import numpy as np
import pytest

from snt_web.io import read_image, read_reconstruction
from snt_web.labels import render_labels
from snt_web.seeds import is_binary_mask, seeds_from_label_image, seeds_from_labels, seeds_from_mask

SPACING = (2.0, 0.5, 0.5)  # z, y, x: anisotropic, as confocal stacks are


def _balls(centres_xyz, radii, shape=(40, 160, 160), ids=None):
    """A labels volume of physical balls; ids default to 1..n."""
    zz, yy, xx = np.indices(shape, dtype=np.float64)
    labels = np.zeros(shape, dtype=np.int32)
    for k, ((x, y, z), r) in enumerate(zip(centres_xyz, radii)):
        inside = ((xx * SPACING[2] - x) ** 2 + (yy * SPACING[1] - y) ** 2 + (zz * SPACING[0] - z) ** 2) <= r * r
        labels[inside] = k + 1 if ids is None else ids[k]
    return labels


CENTRES = [(20.0, 20.0, 30.0), (55.0, 40.0, 40.0), (30.0, 60.0, 50.0)]
RADII = [6.0, 10.0, 8.0]


def test_one_seed_per_label_at_its_centre_with_its_radius_and_volume_confidence():
    labels = _balls(CENTRES, RADII)
    seeds = seeds_from_labels(labels, SPACING, name="cells.tif", min_confidence=0.1, channel=1, frame=1)
    assert len(seeds) == 3
    np.testing.assert_allclose(seeds.xyz, CENTRES, atol=0.05)
    np.testing.assert_allclose(seeds.radius, RADII, rtol=0.03)  # a voxelised ball's volume is close to 4/3 π r³
    # Smallest label 0.1, largest 1.0, the middle one in proportion to its volume.
    counts = np.bincount(labels.ravel())[1:]
    expected = 0.1 + 0.9 * (counts - counts.min()) / (counts.max() - counts.min())
    np.testing.assert_allclose(seeds.confidence, expected)
    assert seeds.confidence[[0, 1]].tolist() == [0.1, 1.0]
    assert set(seeds.type) == {"soma"} and set(seeds.source) == {"labels-image:cells.tif"}
    assert seeds.channel.tolist() == [1, 1, 1]


def test_order_is_by_label_id_even_for_sparse_and_huge_ids():
    labels = _balls(CENTRES, RADII, ids=[900_000_000, 5, 70])
    seeds = seeds_from_labels(labels.astype(np.int64), SPACING, name="sparse")
    np.testing.assert_allclose(seeds.xyz, [CENTRES[1], CENTRES[2], CENTRES[0]], atol=0.05)


def test_equal_labels_get_confidence_one_and_single_planes_count_a_unit_slab():
    labels = np.zeros((1, 20, 20), dtype=np.uint16)
    labels[0, 2:6, 2:6] = 1
    labels[0, 10:14, 12:16] = 2
    seeds = seeds_from_labels(labels, (5.0, 1.0, 1.0), name="2d")
    assert seeds.confidence.tolist() == [1.0, 1.0]
    np.testing.assert_allclose(seeds.radius, np.cbrt(3 * 16 / (4 * np.pi)))  # z spacing ignored
    np.testing.assert_allclose(seeds.xyz, [[3.5, 3.5, 0], [13.5, 11.5, 0]])


def test_a_binary_mask_is_split_into_26_connected_components():
    mask = np.zeros((5, 9, 9), dtype=bool)
    mask[1, 1, 1] = mask[2, 2, 2] = True  # touch at a corner: one component
    mask[3, 6:8, 6:8] = True
    assert is_binary_mask(mask.astype(np.uint8) * 255)
    seeds = seeds_from_label_image(mask.astype(np.uint8) * 255, (1, 1, 1), name="m")
    assert len(seeds) == 2 and seeds.source[0] == "labels-image:m (CCA from binary mask)"
    np.testing.assert_allclose(seeds.xyz[0], [1.5, 1.5, 1.5])
    single = seeds_from_label_image(mask, (1, 1, 1), name="m", binary="single")
    assert len(single) == 1 and single.source[0] == "labels-image:m"
    assert not is_binary_mask(np.zeros((2, 2, 2))) and not is_binary_mask(np.array([[[1, 2]]]))


def test_bad_labels_are_refused():
    with pytest.raises(ValueError, match="whole numbers"):
        seeds_from_labels(np.full((1, 2, 2), 0.5), (1, 1, 1), name="x")
    with pytest.raises(ValueError, match="min_confidence"):
        seeds_from_labels(np.ones((1, 2, 2), int), (1, 1, 1), name="x", min_confidence=2)
    assert len(seeds_from_labels(np.zeros((2, 3, 3), int), (1, 1, 1), name="empty")) == 0


def test_real_2d_mask_components_cover_the_mask(shared_data):
    image = read_image(shared_data / "snt" / "ddaC.tif")
    mask = image.volume()
    seeds = seeds_from_mask(mask, image.spacing, name=image.name)
    assert len(seeds) >= 1
    # Equivalent-disc volumes add up to the mask's area (unit-depth slab).
    area = 4 / 3 * np.pi * seeds.radius**3
    assert area.sum() == pytest.approx(np.count_nonzero(mask) * image.spacing[1] * image.spacing[2], rel=1e-9)
    assert seeds.confidence.max() == 1.0
    # The largest component's centroid is the mean of its pixels.
    biggest = seeds.xyz[np.argmax(seeds.radius)]
    from scipy import ndimage

    comps, _ = ndimage.label(mask > 0, structure=np.ones((3, 3, 3)))
    sizes = np.bincount(comps.ravel())
    sizes[0] = 0
    z, y, x = np.nonzero(comps == np.argmax(sizes))
    np.testing.assert_allclose(biggest, [x.mean() * image.spacing[2], y.mean() * image.spacing[1], 0], atol=1e-9)


def test_a_real_reconstruction_drawn_one_label_per_path_gives_one_seed_per_path(shared_data):
    tree = read_reconstruction(shared_data / "snt" / "CIL_Dataset_#701.traces")
    spacing = tuple(reversed(tree.spacing_xyz))
    _, top = tree.bounding_box()
    shape = tuple(int(n) + 1 for n in np.ceil(top[::-1] / np.asarray(spacing)))
    labels = render_labels(tree, shape, spacing, mode="skeleton", classes="path")
    seeds = seeds_from_labels(labels, spacing, name="cil")
    present = np.unique(labels[labels > 0])
    assert len(seeds) == len(present)
    for k in (0, len(present) // 2, len(present) - 1):
        z, y, x = np.nonzero(labels == present[k])
        np.testing.assert_allclose(seeds.xyz[k], np.array([x.mean(), y.mean(), z.mean()]) * spacing[::-1])
