"""Refine/Fit: nodes fitted per second and radius error, beside a distance-transform baseline, in one run.

On tube phantoms (:func:`snt_web.synth.phantom.tube_phantom`: wavy tubes whose
radius swings over 1-6 voxels, blurred, with shot and read noise), traced
2 voxels off their centreline (:func:`~snt_web.synth.phantom.displaced`):

- ours: :func:`~snt_web.fitting.fit_tree`, scope ``both``, from the
  displaced trace; median absolute radius error (voxels), share of nodes within
  1 voxel of the truth centreline, nodes per second;
- the baseline: Otsu threshold of the whole volume, its Euclidean distance
  transform in physical units (``scipy.ndimage.distance_transform_edt`` with
  the spacing), and the distance at each node's voxel as its radius: at the
  displaced nodes (what a user gets without centring) and at the true nodes
  (its best case). Its time covers threshold, transform and look-up.

Two volumes: isotropic (0.5 µm) and 3x coarser in z (0.75 x 0.25 x 0.25 µm).
Targets (issue 9): median radius error <= 0.5 voxel and >= 90% of nodes
within 1 voxel of the centreline.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu

from snt_web.fitting import fit_tree
from snt_web.synth.phantom import displaced, distance_to_polyline, tube_phantom

from .timing import median_seconds

CASES = {
    "isotropic 0.5 µm": ((60, 192, 192), (0.5, 0.5, 0.5)),
    "z 3x coarser": ((40, 384, 384), (0.75, 0.25, 0.25)),
}


def distance_transform_radii(volume, spacing_zyx, points) -> np.ndarray:
    """The baseline: the physical distance to the background of the Otsu-thresholded volume, at each node."""
    inside = volume > threshold_otsu(volume)
    distance = ndimage.distance_transform_edt(inside, sampling=spacing_zyx)
    index = np.rint(points[:, ::-1] / np.asarray(spacing_zyx)).astype(int)
    index = np.clip(index, 0, np.asarray(volume.shape) - 1)
    return distance[tuple(index.T)]


def _case(name, shape, spacing) -> None:
    image, truth = tube_phantom(11, shape_zyx=shape, spacing_zyx=spacing, n_tubes=5)
    volume = image.volume(0, 0)
    voxel = min(spacing)
    traced = displaced(truth, np.random.default_rng(11), 2 * voxel)
    n = traced.n_nodes
    true_radii = np.concatenate([p.radii for p in truth.paths])

    ours_s, fitted = median_seconds(lambda: fit_tree(volume, spacing, traced, scope="both"))
    ours_error = np.concatenate([np.abs(f.radii - p.radii) for f, p in zip(fitted, truth.paths)]) / voxel
    centred = np.concatenate([distance_to_polyline(f.points, p.points) for f, p in zip(fitted, truth.paths)])
    before = np.concatenate([distance_to_polyline(t.points, p.points) for t, p in zip(traced.paths, truth.paths)])

    traced_points = np.concatenate([p.points for p in traced.paths])
    base_s, base_radii = median_seconds(lambda: distance_transform_radii(volume, spacing, traced_points))
    base_error = np.abs(base_radii - true_radii) / voxel
    best_error = np.abs(distance_transform_radii(volume, spacing, np.concatenate([p.points for p in truth.paths]))
                        - true_radii) / voxel

    print(f"{name}: volume {volume.shape}, {n} nodes, radii {true_radii.min() / voxel:.1f}-"
          f"{true_radii.max() / voxel:.1f} voxels, trace {np.median(before) / voxel:.2f} voxels off centre (median)")
    print(f"  ours (fit_tree, both)        {n / ours_s:8.0f} nodes/s   median |radius error| "
          f"{np.median(ours_error):5.2f} voxel   within 1 voxel of centreline {np.mean(centred <= voxel):6.1%}")
    print(f"  distance transform, traced   {n / base_s:8.0f} nodes/s   median |radius error| "
          f"{np.median(base_error):5.2f} voxel   (at the true nodes: {np.median(best_error):.2f})")
    print(f"  ratio: radius error {np.median(base_error) / max(np.median(ours_error), 1e-9):5.1f}x smaller than "
          f"the baseline's; speed {ours_s / base_s:5.2f}x the baseline's time")


def main() -> None:
    print("Refine/Fit against a distance-transform radius baseline (one run)")
    for name, (shape, spacing) in CASES.items():
        _case(name, shape, spacing)


if __name__ == "__main__":
    main()
