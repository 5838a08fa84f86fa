"""Curation Assistant: the crossover search's hash grid against SciPy's k-d tree, and full-scan throughput.

- candidate pairs (every node and segment midpoint of different paths within
  the proximity, 2 µm): our uniform hash grid (``candidate_pairs``, the grid
  SNT's ``CrossoverFinder`` uses) against ``scipy.spatial.cKDTree.query_pairs``
  on the same points, on real reconstructions and on a dense synthetic tangle;
  both must find the same pairs;
- full scans (every default check, no image) in nodes per second, and the
  crossover search alone.

The grid is compiled with numba (cached on disk); it is warmed up before timing.

Target (curation issue): a full scan of a 5,000-node reconstruction well under
a second, so that it runs in the panel without a job; candidate pairs at
least as fast as the k-d tree where there are many of them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from snt_web.curation import find_crossovers, full_scan
from snt_web.curation.crossovers import candidate_pairs, probe_points
from snt_web.io.reconstruction import read_reconstruction
from snt_web.model import Path as TracedPath
from snt_web.model import Tree

from .timing import median_seconds

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL = ("snt/CIL_Dataset_#701.traces", "real/snt/AA0001.swc", "snt/21dpi_contra_infra_01.swc")


def tangle(n_paths: int = 400, nodes: int = 200, box: float = 200.0, seed: int = 5) -> Tree:
    """Random smooth walks (1 µm steps) in a cube: many crossings, like a dense field of axons."""
    rng = np.random.default_rng(seed)
    paths = []
    for k in range(n_paths):
        steps = rng.normal(size=(nodes, 3))
        steps = np.cumsum(steps, axis=0) / np.sqrt(np.arange(1, nodes + 1))[:, None]
        steps /= np.linalg.norm(steps, axis=1, keepdims=True)
        paths.append(TracedPath(k, rng.uniform(0, box, 3) + np.cumsum(steps, axis=0)))
    return Tree(paths)


def _compare(name: str, tree: Tree, proximity: float = 2.0) -> None:
    positions = probe_points(tree)[0]
    ours_s, (i, j) = median_seconds(lambda: candidate_pairs(positions, proximity), repeats=3)
    peer_s, peer = median_seconds(lambda: cKDTree(positions).query_pairs(proximity, output_type="ndarray"),
                                  repeats=3)
    same = {tuple(p) for p in np.sort(np.c_[i, j], axis=1).tolist()} == {tuple(p) for p in np.sort(peer, 1).tolist()}
    scan_s, result = median_seconds(lambda: full_scan(tree))
    cross_s, events = median_seconds(lambda: find_crossovers(tree, proximity))
    print(f"{name:34s} {tree.n_nodes:7d} nodes {len(i):8d} pairs  grid {ours_s * 1e3:7.1f} ms  "
          f"k-d tree {peer_s * 1e3:7.1f} ms  ratio {peer_s / ours_s:5.2f}x  same pairs {same}")
    print(f"{'':34s} full scan {scan_s * 1e3:7.0f} ms ({tree.n_nodes / scan_s:9.0f} nodes/s, "
          f"{len(result.warnings)} warnings)  crossovers {cross_s * 1e3:6.0f} ms ({len(events)} events)")


def main() -> None:
    candidate_pairs(np.random.default_rng(0).uniform(0, 10, (100, 3)), 2.0)  # compile (or load) the grid
    print("Curation: candidate pairs, hash grid vs scipy cKDTree.query_pairs (ratio > 1: ours faster); full scans")
    for name in REAL:
        if (DATA / name).is_file():
            _compare(Path(name).name, read_reconstruction(DATA / name))
    _compare("synthetic tangle (400 x 200 nodes)", tangle())


if __name__ == "__main__":
    main()
