"""Test volumes for radius fitting: smooth tubes of known, varying radius, and traces displaced off them.

The demo neuron (:mod:`.neuron`) tapers from 3-4 voxels to 1; fitting needs
the whole range of radii a confocal stack shows, on neurites far enough apart
that each cross-section sees one, and a traced path that is off the centre by
a known amount, as a click or a search through noisy voxels leaves it.
"""

from __future__ import annotations

import numpy as np

from ..io.image import Image
from ..model import Path, Tree, arc_lengths
from .render import add_noise, render_tree


def tube_phantom(seed: int = 0, shape_zyx=(40, 128, 128), spacing_zyx=(0.5, 0.5, 0.5), n_tubes: int = 4,
                 radius_voxels=(1.0, 6.0), psf_sigma_um=(0.3, 0.2, 0.2)) -> tuple[Image, Tree]:
    """Wavy tubes across the volume whose radius runs over ``radius_voxels``, imaged with blur and noise.

    Parameters
    ----------
    seed : int
        Seed of the tubes' shapes and of the noise.
    shape_zyx, spacing_zyx : sequence of 3
        Volume shape and voxel size (physical, array order).
    n_tubes : int
        Tubes, in parallel lanes along x, one above the other in y.
    radius_voxels : (float, float)
        Smallest and largest radius, in voxels of the finest axis; each
        tube's radius swings between them along its length.
    psf_sigma_um : sequence of 3 float
        Blur (z, y, x), physical.

    Returns
    -------
    image : Image
        uint8, ``(1, 1, z, y, x)``.
    truth : Tree
        One path per tube, nodes about one voxel apart, radii physical.
    """
    rng = np.random.default_rng(seed)
    shape = np.asarray(shape_zyx, dtype=int)
    spacing = np.asarray(spacing_zyx, dtype=float)
    voxel = float(spacing.min())
    extent = (shape - 1) * spacing  # z, y, x
    low, high = (r * voxel for r in radius_voxels)
    lane = extent[1] / n_tubes
    margin = high + 2 * voxel
    paths = []
    for k in range(n_tubes):
        x = np.arange(margin, extent[2] - margin, voxel)
        s = (x - x[0]) / max(x[-1] - x[0], voxel)
        phase = rng.uniform(0, 2 * np.pi, 3)
        y = (k + 0.5) * lane + 0.15 * lane * np.sin(2 * np.pi * s + phase[0])
        z = 0.5 * extent[0] + 0.2 * max(extent[0] / 2 - margin, 0) * np.sin(2 * np.pi * s + phase[1])
        radius = low + (high - low) * 0.5 * (1 + np.sin(2 * np.pi * (1.3 * s) + phase[2]))
        points = np.column_stack([x, y, z])
        # Resample to one node per voxel of arc length, as a tracer leaves them.
        arc = arc_lengths(points)
        at = np.arange(0, arc[-1], voxel)
        nodes = np.column_stack([np.interp(at, arc, points[:, j]) for j in range(3)])
        paths.append(Path(k, nodes, radii=np.interp(at, arc, radius), swc_type=3))
    truth = Tree(paths, spacing_xyz=tuple(spacing[::-1]), units="µm")
    occupancy = render_tree(truth, shape, spacing)
    pixels = add_noise(occupancy, rng, psf_sigma_zyx=tuple(np.asarray(psf_sigma_um) / spacing), dtype=np.uint8)
    image = Image(data=pixels[None, None], spacing=tuple(spacing), units="µm", name=f"tubes-seed{seed}.tif",
                  source_axes="ZYX")
    return image, truth


def displaced(tree: Tree, rng: np.random.Generator, max_shift: float) -> Tree:
    """A copy of ``tree`` whose nodes are pushed off the centreline by up to ``max_shift`` (physical), without radii.

    Each path moves perpendicular to itself, by an amount that varies
    smoothly between half and all of ``max_shift`` in a direction that turns
    slowly around it: what a path traced a little off centre looks like.
    """
    paths = []
    for path in tree.paths:
        n = len(path)
        s = np.linspace(0, 1, n)
        phase = rng.uniform(0, 2 * np.pi, 2)
        amount = max_shift * (0.75 + 0.25 * np.sin(2 * np.pi * s + phase[0]))
        angle = np.pi * s * 1.5 + phase[1]
        tangent = np.gradient(path.points, axis=0)
        tangent /= np.maximum(np.linalg.norm(tangent, axis=1, keepdims=True), 1e-12)
        helper = np.tile([0.0, 0.0, 1.0], (n, 1))
        helper[np.abs(tangent[:, 2]) > 0.9] = [0.0, 1.0, 0.0]
        u = np.cross(tangent, helper)
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        w = np.cross(tangent, u)
        offset = amount[:, None] * (np.cos(angle)[:, None] * u + np.sin(angle)[:, None] * w)
        paths.append(path.copy(points=path.points + offset, radii=None))
    return Tree(paths, spacing_xyz=tree.spacing_xyz, units=tree.units)


def distance_to_polyline(points, polyline) -> np.ndarray:
    """Distance from each point (n, 3) to the nearest point of a polyline's segments (m, 3), m ≥ 2.

    How far fitted or traced nodes lie from a truth path's centreline.
    """
    points, polyline = np.asarray(points, dtype=float), np.asarray(polyline, dtype=float)
    a, b = polyline[:-1], polyline[1:]
    ab = b - a
    t = np.einsum("kij,ij->ki", points[:, None, :] - a[None], ab) / np.maximum(np.einsum("ij,ij->i", ab, ab), 1e-12)
    nearest = a[None] + np.clip(t, 0, 1)[..., None] * ab[None]
    return np.linalg.norm(points[:, None, :] - nearest, axis=2).min(axis=1)
