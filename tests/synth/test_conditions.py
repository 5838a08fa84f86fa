"""Each condition of the synthetic generator does what it says, measured on the stack it renders."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from snt_web.synth import Conditions, make_demo, make_volume, render_volume
from snt_web.synth.kinds import KINDS, kind_conditions
from snt_web.synth.phantom import distance_to_polyline

SMALL = (24, 96, 128)
DIM_16BIT = {"dtype": "uint16", "background": 300.0, "signal": 400.0, "gradient": 50.0}


def voxels(points, spacing, shape) -> tuple:
    """Index arrays of the voxels nearest physical points (x, y, z)."""
    zyx = np.rint(np.asarray(points)[:, ::-1] / np.asarray(spacing)).astype(int)
    return tuple(np.clip(zyx, 0, np.asarray(shape) - 1).T)


def core_voxels(volume) -> tuple:
    """The centreline voxels of neurites at nominal brightness (the SNR's core)."""
    points = np.concatenate([p.points[volume.labelling.nominal[p.id]] for p in volume.truth.paths])
    return voxels(points, volume.image.spacing, volume.image.shape_zyx)


def pixels(volume) -> np.ndarray:
    return volume.image.volume().astype(float)


@pytest.mark.parametrize("snr", [2.0, 2.5, 3.0])
def test_measured_snr_is_the_requested_one(snr):
    volume = render_volume(Conditions(shape_zyx=SMALL, snr=snr, blobs=(0.1, 0.3), **DIM_16BIT), seed=1)
    residual = pixels(volume) - volume.background
    far = volume.signal < 0.01 * volume.core_signal  # background, away from every neurite's blur
    measured = residual[core_voxels(volume)].mean() / residual[far].std()
    assert measured == pytest.approx(snr, rel=0.15)
    assert volume.snr == pytest.approx(snr)


def test_the_demo_is_far_above_the_noise():
    volume = make_volume("demo", 0, SMALL)
    residual = pixels(volume) - volume.background
    assert residual[core_voxels(volume)].mean() / residual[volume.signal < 0.5].std() > 6


def test_gaps_are_at_background_while_the_truth_goes_through():
    volume = render_volume(Conditions(shape_zyx=SMALL, gaps_per_100um=20, gap_voxels=(4, 4)), seed=2)
    gaps = volume.labelling.gaps
    assert len(gaps) >= 4
    assert np.allclose(gaps[:, 3], 4 * 0.3)
    centres = voxels(gaps[:, :3], volume.image.spacing, volume.image.shape_zyx)
    # The neurite's signal is gone in the middle of each gap...
    dark = volume.signal[centres] / volume.core_signal
    assert np.median(dark) < 0.05 and dark.max() < 0.2
    residual = (pixels(volume) - volume.background)[centres]
    assert abs(residual.mean()) < 3 * volume.noise_sigma / np.sqrt(len(gaps))
    # ...but not a few voxels along (on one side at least: another gap may be on the
    # other), and the truth is continuous there.
    for x, y, z, _, path_id in gaps:
        path = volume.truth.path(int(path_id))
        assert distance_to_polyline(np.array([[x, y, z]]), path.points)[0] < 1e-6
        k = int(np.argmin(np.linalg.norm(path.points - [x, y, z], axis=1)))
        ahead = voxels(path.points[[max(k - 12, 0), min(k + 12, len(path) - 1)]], volume.image.spacing,
                       volume.image.shape_zyx)
        assert volume.signal[ahead].max() > 5 * volume.signal[voxels([[x, y, z]], volume.image.spacing,
                                                                     volume.image.shape_zyx)][0]
    zc, yc, xc = centres
    near_truth = [volume.mask[max(z - 1, 0):z + 2, max(y - 1, 0):y + 2, max(x - 1, 0):x + 2].any()
                  for z, y, x in zip(zc, yc, xc)]
    assert all(near_truth)


def test_faint_branches_are_a_fifth_to_half_their_parents_brightness():
    conditions = Conditions(shape_zyx=(32, 160, 160), faint_share=1.0)
    faint = render_volume(conditions, seed=3)
    plain = render_volume(Conditions(shape_zyx=(32, 160, 160)), seed=3)  # the same neuron, evenly labelled
    assert len(faint.labelling.faint) >= 3
    spacing, shape = faint.image.spacing, faint.image.shape_zyx
    for path_id, level in faint.labelling.faint.items():
        assert 0.2 <= level <= 0.5
        child = faint.truth.path(path_id)
        parent = faint.truth.path(child.parent_id)
        clear = np.linalg.norm(child.points[:, None] - parent.points[None], axis=2).min(axis=1)
        child_core = voxels(child.points[clear > parent.radii[child.branch_index] + 1.0][:20], spacing, shape)
        around = np.abs(np.arange(len(parent)) - child.branch_index)
        parent_core = voxels(parent.points[(around > 8) & (around < 25)], spacing, shape)

        def ratio(volume):
            return volume.signal[child_core].mean() / volume.signal[parent_core].mean()

        # The branch's core relative to its parent's, against the same geometry labelled evenly.
        assert ratio(faint) / ratio(plain) == pytest.approx(level, rel=0.1)


def test_varicosities_swell_thin_neurites_and_brighten_them():
    beaded = render_volume(Conditions(shape_zyx=SMALL, bead_spacing_um=3.0), seed=4)
    plain = render_volume(Conditions(shape_zyx=SMALL), seed=4)
    beads = beaded.labelling.beads
    assert len(beads) >= 5
    swell, brighter = [], []
    spacing, shape = beaded.image.spacing, beaded.image.shape_zyx
    for centre in beads:
        for before, after in zip(plain.truth.paths, beaded.truth.paths):
            k = int(np.argmin(np.linalg.norm(after.points - centre, axis=1)))
            if np.linalg.norm(after.points[k] - centre) < 0.2:
                assert before.radii[k] <= 1.05 * 2 * 0.3  # thin neurites only (the bead's nearest node)
                swell.append(after.radii[k] / before.radii[k])
                at = voxels(after.points[[k]], spacing, shape)
                brighter.append(beaded.signal[at][0] / plain.signal[at][0])
                break
    assert len(swell) == len(beads)
    assert 1.4 < np.median(swell) <= 2.2 and max(swell) <= 2.2 + 1e-9
    assert np.median(brighter) > 1.3


def test_brightness_drifts_smoothly_along_neurites():
    varying = render_volume(Conditions(shape_zyx=SMALL, modulation=0.4), seed=5)
    even = render_volume(Conditions(shape_zyx=SMALL), seed=5)
    spacing, shape = even.image.spacing, even.image.shape_zyx
    longest = max(even.truth.paths, key=len)
    core = voxels(longest.points[varying.labelling.nominal[longest.id]], spacing, shape)
    ratio = varying.signal[core] / even.signal[core]
    assert ratio.min() >= 0.6 - 0.05 and ratio.max() <= 1.4 + 0.05
    assert ratio.max() / ratio.min() > 1.3
    assert np.abs(np.diff(ratio)).mean() < 0.05  # low frequency: small steps from node to node


def test_background_blobs_are_smooth_and_a_tenth_to_a_third_of_the_signal():
    volume = render_volume(Conditions(shape_zyx=SMALL, blobs=(0.1, 0.3), gradient=0.0), seed=6)
    blobs = volume.background - volume.conditions.background
    assert 0.1 <= blobs.max() / volume.core_signal <= 0.3 + 1e-6
    assert np.abs(np.diff(blobs, axis=2)).max() < 0.02 * volume.core_signal


def test_several_cells_overlap_and_cross_at_other_depths():
    volume = render_volume(Conditions(shape_zyx=(32, 192, 192), n_cells=3, n_primary=7), seed=7)
    assert len(volume.cells) == 3 and len(volume.seeds_xyz) == 3
    assert volume.truth.n_nodes == sum(cell.n_nodes for cell in volume.cells)
    lateral = np.linalg.norm(volume.seeds_xyz[:, None, :2] - volume.seeds_xyz[None, :, :2], axis=2)
    assert lateral[np.triu_indices(3, 1)].min() >= 40 * 0.3
    spacing, shape = volume.image.spacing, volume.image.shape_zyx
    depth = []
    for cell in volume.cells:
        field = np.full(shape[1:], np.nan)
        for path in cell.paths[1:]:
            z, y, x = voxels(path.points, spacing, shape)
            field[y, x] = z
        depth.append(field)
    crossings = []
    for a in range(3):
        for b in range(a + 1, 3):
            both = ~np.isnan(depth[a]) & ~np.isnan(depth[b])
            crossings.extend(np.abs(depth[a] - depth[b])[both])
    assert len(crossings) >= 3  # arbors cross in xy...
    assert np.max(crossings) >= 3  # ...some at other depths


def test_the_anisotropic_kind_spans_1_to_2_to_1_to_5():
    ratios = []
    for seed in range(8):
        conditions = kind_conditions("anisotropic", seed)
        ratios.append(conditions.anisotropy)
        depth = (conditions.shape_zyx[0] - 1) * conditions.spacing_zyx[0]
        assert depth == pytest.approx(40.0, abs=conditions.spacing_zyx[0])
        assert conditions.psf_sigma_um[0] > 4 * conditions.psf_sigma_um[2]
    assert 2 <= min(ratios) and max(ratios) <= 5 and max(ratios) - min(ratios) > 1.5
    volume = make_volume("anisotropic", 1, shape_zyx=(12, 96, 128))
    assert volume.image.spacing[0] / volume.image.spacing[2] == pytest.approx(kind_conditions("anisotropic", 1)
                                                                              .anisotropy)


@pytest.mark.parametrize("seed, shape, digest", [
    (0, (48, 256, 256), "02cec25ccfab45f0da7c0b25b733dbc275c273ef2281a38ee840d7bbe06a9007"),
    (1, (24, 96, 128), "90fbd864c473c0cde576a87a34e68b507e0517a86b19b3bfb40191b725622ea8"),
])
def test_the_demo_is_byte_for_byte_what_it_was(seed, shape, digest):
    # The served demo, tests and screenshots rest on make_demo's exact output: the
    # digests are those of make_demo before the generator had conditions (main at 982a189).
    image, truth = make_demo(seed, shape_zyx=shape)
    h = hashlib.sha256(image.data.tobytes())
    for path in truth.paths:
        h.update(path.points.tobytes())
        h.update(path.radii.tobytes())
    assert h.hexdigest() == digest


def test_the_demo_kind_is_the_demo_and_kinds_are_deterministic():
    volume = make_volume("demo", 3, SMALL)
    image, truth = make_demo(3, shape_zyx=SMALL)
    np.testing.assert_array_equal(volume.image.data, image.data)
    assert [p.points.tolist() for p in volume.truth.paths] == [p.points.tolist() for p in truth.paths]
    again, other = make_volume("hard", 5, SMALL), make_volume("hard", 6, SMALL)
    first = make_volume("hard", 5, SMALL)
    np.testing.assert_array_equal(first.image.data, again.image.data)
    assert not np.array_equal(first.image.data, other.image.data)
    assert not np.array_equal(make_volume("bright", 3, SMALL).truth.paths[1].points, truth.paths[1].points)


def test_every_kind_renders_with_its_truth_somata_and_mask():
    for kind in KINDS:
        volume = make_volume(kind, 11, shape_zyx=(16, 96, 96) if kind != "anisotropic" else (12, 96, 96))
        assert volume.image.dtype.name == volume.conditions.dtype
        assert volume.image.name == f"{kind}-seed11.tif"
        soma = volume.truth.paths[0]
        assert np.allclose(volume.seeds_xyz[0], soma.points[0]) and volume.soma_radii[0] == soma.radii[0]
        inside = voxels(volume.seeds_xyz, volume.image.spacing, volume.image.shape_zyx)
        assert volume.mask[inside].all()
        assert volume.seeds().xyz.shape == (len(volume.cells), 3)


def test_conditions_refuse_nonsense():
    with pytest.raises(ValueError, match="dtype"):
        Conditions(dtype="float32")
    with pytest.raises(ValueError, match="faint_level"):
        Conditions(faint_level=(0.5, 0.2))
    with pytest.raises(ValueError, match="read noise"):
        render_volume(Conditions(shape_zyx=SMALL, snr=1000.0), seed=0)
    with pytest.raises(ValueError, match="background"):  # 8-bit at 25 grey levels: the noise would be clipped
        render_volume(Conditions(shape_zyx=SMALL, snr=2.5), seed=0)
    with pytest.raises(ValueError, match="kind"):
        make_volume("blurry", 0)
