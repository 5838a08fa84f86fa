"""Semi-automated tracing: filters and path search against scikit-image and dijkstra3d.

On the 64 x 512 x 512 demo neuron (spacing 1 x 0.3 x 0.3 µm), in one run:

- Tubeness at one scale against ``skimage.filters.sato`` at the same scale
  (in voxels; sato is isotropic) on the same volume;
- closed-form Hessian eigenvalues against ``skimage.feature.hessian_matrix_eigvals``
  on the same Hessian;
- a long (>= 150 voxels) and short (<= 60 voxels) path between two nodes of a
  truth path on the cached tubeness layer: ours (``trace_path``, statistics
  included) against ``skimage.graph.MCP_Geometric`` (constructor + ``find_costs``
  + ``traceback``) and ``dijkstra3d.dijkstra(..., bidirectional=True)``, both
  given the whole-volume cost array precomputed (as a cached layer would be);
- the peak working memory of one search, in bytes per voxel of the volume;
- the long path again with the goal clicked just beside the neurite, on the
  nearest voxel of zero tubeness: its own cost is then huge, which a one-sided
  search pays by expanding every cheaper voxel first (most of the volume).

Targets (tracing issue): tubeness >= 10x sato; long path >= 10x MCP and no
slower than dijkstra3d; short path >= 40x MCP.
"""

from __future__ import annotations

import dijkstra3d
import numpy as np
from skimage.feature import hessian_matrix_eigvals
from skimage.filters import sato
from skimage.graph import MCP_Geometric

from snt_web.filters import hessian_eigenvalues, hessian_matrix, tubeness
from snt_web.synth import make_demo
from snt_web.tracing import cost_model, trace_path, warm_up

from .timing import median_seconds

SHAPE = (64, 512, 512)
SCALE_UM = 0.6  # about the radius of the demo's thinner neurites
REPEATS = 5


def _seconds(fn, repeats=1) -> tuple[float, object]:
    return median_seconds(fn, repeats)


def _end_points(truth, spacing, shape, voxels_apart):
    """Start and goal voxels: two nodes of one neurite of the truth about ``voxels_apart`` voxel steps apart.

    The start is a few nodes into the path, clear of the soma or branch point
    it grows from, where a user would click.
    """
    for path in sorted((p for p in truth.paths if len(p) > 1), key=len, reverse=True):
        zyx = np.clip(np.round(path.points[:, ::-1] / spacing).astype(int), 0, np.array(shape) - 1)[10:]
        steps = np.concatenate([[0], np.cumsum(np.abs(np.diff(zyx, axis=0)).max(axis=1))])
        far = np.searchsorted(steps, voxels_apart)
        if far < len(zyx):
            return tuple(zyx[0].tolist()), tuple(zyx[far].tolist())
    raise RuntimeError(f"no truth path spans {voxels_apart} voxels")


def _beside(layer, voxel):
    """The voxel of zero response nearest to ``voxel`` in its z-slice: a click on the background."""
    z, y, x = voxel
    zeros = np.argwhere(layer[z] == 0)
    nearest = zeros[np.argmin(np.hypot(zeros[:, 0] - y, zeros[:, 1] - x))]
    return (z, int(nearest[0]), int(nearest[1]))


def _compare_search(layer, spacing, start, goal, costs) -> dict:
    ours_s, result = _seconds(lambda: trace_path(layer, start, goal, spacing=spacing), REPEATS)

    def mcp():
        graph = MCP_Geometric(costs, sampling=spacing)
        graph.find_costs([start], [goal])
        return graph.traceback(goal)

    mcp_s, _ = _seconds(mcp, 3)
    # dijkstra3d's bidirectional search ignores anisotropy (it falls back to the
    # one-sided search when given one), so it runs isotropic: its fastest mode.
    d3d_s, _ = _seconds(lambda: dijkstra3d.dijkstra(costs, start, goal, connectivity=26, bidirectional=True), 3)
    return {"voxels": len(result.path_zyx), "visited": result.n_visited, "ours_ms": ours_s * 1e3,
            "mcp_ms": mcp_s * 1e3, "d3d_ms": d3d_s * 1e3, "peak_bytes": result.peak_bytes}


def main() -> None:
    image, truth = make_demo(seed=0, shape_zyx=SHAPE)
    volume = image.volume()
    spacing = image.spacing
    print(f"demo volume {volume.shape} {volume.dtype}, spacing {spacing} µm")

    tubeness(volume[:4, :32, :32], SCALE_UM, spacing)  # load the compiled kernels
    ours_s, layer = _seconds(lambda: tubeness(volume, SCALE_UM, spacing), 3)
    sigma_px = SCALE_UM / spacing[2]
    sato_s, _ = _seconds(lambda: sato(volume, sigmas=[sigma_px], black_ridges=False))
    print(f"tubeness, 1 scale:     ours {ours_s:6.2f} s   skimage sato {sato_s:6.2f} s   ratio {sato_s / ours_s:5.1f}x")

    hessian = hessian_matrix(volume, SCALE_UM, spacing)
    ours_s, _ = _seconds(lambda: hessian_eigenvalues(hessian), 3)
    sk_s, _ = _seconds(lambda: hessian_matrix_eigvals(hessian))
    print(f"Hessian eigenvalues:   ours {ours_s:6.2f} s   skimage      {sk_s:6.2f} s   ratio {sk_s / ours_s:5.1f}x")
    del hessian

    warm_up()
    for label, apart in (("long path ", 175), ("short path", 50)):
        start, goal = _end_points(truth, np.array(spacing), volume.shape, apart)
        costs = cost_model(layer, start, goal)(layer)  # what MCP and dijkstra3d search, precomputed
        r = _compare_search(layer, spacing, start, goal, costs)
        del costs
        print(
            f"{label} ({r['voxels']} voxels, {r['visited']} visited): ours {r['ours_ms']:7.2f} ms   "
            f"MCP {r['mcp_ms']:8.1f} ms ({r['mcp_ms'] / r['ours_ms']:6.1f}x)   "
            f"dijkstra3d bidirectional {r['d3d_ms']:7.1f} ms ({r['d3d_ms'] / r['ours_ms']:5.1f}x)   "
            f"peak memory {r['peak_bytes'] / volume.size:.4f} B/voxel ({r['peak_bytes'] / 1024:.0f} kB)"
        )
    start, goal = _end_points(truth, np.array(spacing), volume.shape, 175)
    goal = _beside(layer, goal)
    ours_s, result = _seconds(lambda: trace_path(layer, start, goal, spacing=spacing), REPEATS)
    print(
        f"long path, goal on the background {goal}: ours {ours_s * 1e3:7.2f} ms, "
        f"{result.n_visited} visited, peak memory {result.peak_bytes / volume.size:.4f} B/voxel"
    )


if __name__ == "__main__":
    main()
