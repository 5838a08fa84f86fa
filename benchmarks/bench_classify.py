"""Pixel classification: our filter bank and blockwise forest against scikit-image's features, in one run.

On the 64 x 256 x 256 demo neuron (spacing 1 x 0.3 x 0.3 µm), on 2 cores
(our ``n_jobs=2``, scikit-image's ``workers=2``, the forests' prediction
threads 2):

- feature throughput (features x voxels per second): ours at 4 physical
  scales (0.3-2.4 µm: 1-8 lateral voxels), 10 features each (Gaussian,
  gradient magnitude, Laplacian, difference of Gaussians, 3 Hessian and 3
  structure tensor eigenvalues), against ``skimage.feature.multiscale_basic_features``
  at the same 4 scales in voxels (intensity, edges and Hessian eigenvalues: 5
  each; it knows no anisotropic spacing);
- classifying the whole volume with a 100-tree forest trained on the truth's
  paths (volume labels, automatic background): ours (``apply``: blockwise
  features on 40 features and prediction) against the naive pipeline,
  ``multiscale_basic_features`` and ``predict_proba`` of a 100-tree forest
  trained on its own features at the same voxels, both on the whole volume;
- peak memory (``tracemalloc``: every NumPy allocation, the memory maps
  excluded) of ``apply`` on a float32 image memory-mapped from disk that is 4
  times a 16 MiB budget, its probabilities written to a memory map; with a
  forest on 3 scales (0.3-1.2 µm, 30 features), whose halo a block this
  small can afford (the 4-scale one runs too, 2-3x slower).

Timings are medians; ours and the naive pipeline alternate, so that a
machine whose load changes during the run slows both alike.

Targets (classifier issue): features >= 3x multiscale_basic_features;
apply >= 0.3 Mvox/s and >= 2x the naive pipeline; peak memory within the budget.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
from joblib import parallel_config
from sklearn.ensemble import RandomForestClassifier
from skimage.feature import multiscale_basic_features

from snt_web.classify import FeatureSettings, apply, compute_features, default_scales, samples_from_paths, train
from snt_web.synth import make_demo

from .timing import median_seconds

SHAPE = (64, 256, 256)
CORES = 2
REPEATS = 3
BUDGET = 16 * 2**20
MEMORY_SCALES = (0.3, 0.6, 1.2)


def _seconds(fn, repeats=REPEATS) -> tuple[float, object]:
    return median_seconds(fn, repeats)


def _skimage_features(volume, scales_voxels):
    return multiscale_basic_features(volume, sigma_min=scales_voxels[0], sigma_max=scales_voxels[-1],
                                     num_sigma=len(scales_voxels), workers=CORES)


def _naive_pipeline(volume, samples, scales_voxels):
    """``predict_proba`` of a forest trained on scikit-image's features, on the whole volume; its timed part."""
    features = _skimage_features(volume, scales_voxels)
    z, y, x = samples.coords.T
    forest = RandomForestClassifier(100, class_weight="balanced", n_jobs=CORES, random_state=0)
    forest.fit(features[z, y, x], samples.labels)

    def run():
        flat = _skimage_features(volume, scales_voxels).reshape(-1, features.shape[-1])
        return forest.predict_proba(flat)

    return run


def _peak_memory(classifier, workdir: Path) -> tuple[float, tuple, float]:
    """Peak traced bytes of ``apply`` on a memory-mapped float32 volume of 4x the budget, and its seconds."""
    shape = (64, 256, 4 * BUDGET // 4 // (64 * 256))
    image, _ = make_demo(seed=1, shape_zyx=shape)
    spacing = image.spacing
    np.save(workdir / "image.npy", image.volume().astype(np.float32))
    del image
    volume = np.load(workdir / "image.npy", mmap_mode="r")
    out = np.lib.format.open_memmap(workdir / "probabilities.npy", mode="w+", dtype=np.float32,
                                    shape=(len(classifier.class_names),) + shape)
    apply(classifier, volume[:, :64, :64], spacing, memory_budget_bytes=BUDGET, n_jobs=CORES)  # load the kernels
    tracemalloc.start()
    began = time.perf_counter()
    apply(classifier, volume, spacing, memory_budget_bytes=BUDGET, out=out, n_jobs=CORES)
    seconds = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, shape, seconds


def main() -> None:
    image, truth = make_demo(seed=0, shape_zyx=SHAPE)
    volume, spacing = image.volume(), image.spacing
    settings = FeatureSettings(default_scales(spacing))
    scales_voxels = [s / spacing[2] for s in settings.scales]
    print(f"demo volume {volume.shape} {volume.dtype}, spacing {spacing} µm, {CORES} cores")

    compute_features(volume[:8, :32, :32], spacing, settings)  # load the compiled kernels
    ours_s, ours = _seconds(lambda: compute_features(volume, spacing, settings, n_jobs=CORES))
    ours_rate = ours.size / ours_s
    del ours
    sk_s, sk = _seconds(lambda: _skimage_features(volume, scales_voxels))
    sk_rate = sk.size / sk_s
    print(f"features: ours {settings.n_features} in {ours_s:5.2f} s ({ours_rate / 1e6:5.1f} M feature-voxels/s)   "
          f"multiscale_basic_features {sk.shape[-1]} in {sk_s:5.2f} s ({sk_rate / 1e6:5.1f} M/s)   "
          f"ratio {ours_rate / sk_rate:4.1f}x (target >= 3x)")
    del sk

    samples = samples_from_paths(truth, SHAPE, spacing, mode="volume")
    classifier = train(volume, spacing, samples, settings, n_jobs=CORES)
    naive = _naive_pipeline(volume, samples, scales_voxels)
    ours_times, naive_times = [], []
    with parallel_config(n_jobs=CORES):
        for _ in range(REPEATS):
            ours_times.append(_seconds(lambda: apply(classifier, volume, spacing, n_jobs=CORES), 1)[0])
            naive_times.append(_seconds(naive, 1)[0])
    ours_s, naive_s = statistics.median(ours_times), statistics.median(naive_times)
    mvox = volume.size / 1e6
    print(f"apply, 100 trees, {samples.counts}: ours {ours_s:5.2f} s ({mvox / ours_s:4.2f} Mvox/s, target >= 0.3)   "
          f"naive {naive_s:5.2f} s ({mvox / naive_s:4.2f} Mvox/s)   ratio {naive_s / ours_s:4.1f}x (target >= 2x)")

    small = train(volume, spacing, samples, FeatureSettings(MEMORY_SCALES), n_jobs=CORES)
    with tempfile.TemporaryDirectory() as tmp:
        peak, shape, seconds = _peak_memory(small, Path(tmp))
    print(f"memory: float32 image {shape} ({4 * np.prod(shape) / 2**20:.0f} MiB, memory-mapped), "
          f"{small.n_features} features, {BUDGET / 2**20:.0f} MiB budget: peak {peak / 2**20:.1f} MiB traced "
          f"({'within' if peak <= BUDGET else 'OVER'} the budget), {np.prod(shape) / seconds / 1e6:.2f} Mvox/s")


if __name__ == "__main__":
    main()
