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
