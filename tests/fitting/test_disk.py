"""The bright-disk fit on cross-sections of known disks: sub-pixel centres and radii, rejects."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from snt_web.fitting.disk import fit_disks


def _sections(rng, n, blur=0.6, noise=6.0):
    yy, xx = np.mgrid[-10:11, -10:11].astype(float)
    truth = np.column_stack([rng.uniform(-2, 2, n), rng.uniform(-2, 2, n), rng.uniform(1, 6, n)])
    sections = []
    for cx, cy, r in truth:
        disk = np.clip(r - np.hypot(yy - cx, xx - cy) + 0.5, 0, 1)  # area-weighted edge
        sections.append(ndimage.gaussian_filter(disk, blur) * 100 + 25 + rng.normal(0, noise, disk.shape))
    return np.array(sections), truth


def test_centres_and_radii_of_blurred_noisy_disks_are_found_to_a_tenth_of_a_pixel():
    sections, truth = _sections(np.random.default_rng(1), 120)
    fit = fit_disks(sections)
    assert fit.ok.all()
    assert np.median(np.abs(fit.radius - truth[:, 2])) < 0.1
    assert np.median(np.hypot(*(fit.centre - truth[:, :2]).T)) < 0.1
    # Not whole pixels: a hard-edged template would give radii on a pixel grid.
    assert np.median(np.abs(fit.radius - np.round(fit.radius))) > 0.1


def test_a_brighter_neighbour_at_the_edge_does_not_capture_the_fit():
    yy, xx = np.mgrid[-10:11, -10:11].astype(float)
    section = 20 + 60 * (np.hypot(yy, xx - 1) <= 2.5) + 200 * (np.hypot(yy - 9, xx + 9) <= 3)
    fit = fit_disks(section[None])
    assert fit.ok[0]
    assert np.allclose(fit.centre[0], [0, 1], atol=0.25) and abs(fit.radius[0] - 2.5) < 0.4


def test_a_flat_or_dark_section_is_rejected():
    rng = np.random.default_rng(2)
    yy, xx = np.mgrid[-10:11, -10:11].astype(float)
    flat = 30 + rng.normal(0, 5, (21, 21))
    hole = 100 - 70 * (np.hypot(yy, xx) <= 4) + rng.normal(0, 2, (21, 21))
    assert not fit_disks(np.array([flat, hole])).ok.any()


def _blurred_disk(cx, cy, r, blur=1.0):
    yy, xx = np.mgrid[-10:11, -10:11].astype(float)
    return ndimage.gaussian_filter(np.clip(r - np.hypot(yy - cx, xx - cy) + 0.5, 0, 1), blur)


def test_a_neighbour_merged_into_one_blob_is_split_off_at_the_valley():
    # Two neurites 5.5 px apart whose blurred sections run into each other (the valley between them
    # stays above half their height): the fit is of the one at the centre, not of the pair.
    rng = np.random.default_rng(4)
    sections = []
    for k in range(20):
        angle = rng.uniform(0, 2 * np.pi)
        other = 5.5 * np.array([np.cos(angle), np.sin(angle)])
        image = 100 * np.maximum(_blurred_disk(0.3, -0.2, 2.5), _blurred_disk(*other, 2.5)) + 20
        sections.append(image + rng.normal(0, 3, image.shape))
    fit = fit_disks(np.array(sections))
    assert fit.ok.all()
    assert np.max(np.hypot(*(fit.centre - [0.3, -0.2]).T)) < 0.3
    assert np.median(np.abs(fit.radius - 2.5)) < 0.3


def test_samples_the_caller_leaves_out_do_not_count():
    # A neighbour brighter than the neurite and touching it, left out by the caller: the fit is the
    # neurite's as if the neighbour were not there.
    yy, xx = np.mgrid[-10:11, -10:11].astype(float)
    neurite = 100 * _blurred_disk(0.0, 0.5, 3.0) + 20
    section = np.maximum(neurite, 400 * _blurred_disk(0.0, 6.0, 2.0) + 20)
    ignore = xx > 3.5
    alone = fit_disks(neurite[None])
    fit = fit_disks(section[None], ignore=ignore[None])
    assert fit.ok[0] and np.allclose(fit.centre, alone.centre, atol=0.1)
    assert abs(fit.radius[0] - alone.radius[0]) < 0.15
