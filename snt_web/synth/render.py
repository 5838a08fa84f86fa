"""Render a reconstruction as a microscope would see it: tubes, blur and noise."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..model import Tree


def render_tree(tree: Tree, shape_zyx, spacing_zyx, brightness=None) -> np.ndarray:
    """Rasterise a tree's paths as tubes: 1 inside, 0 outside, soft at the surface.

    Each pair of consecutive nodes becomes a frustum (a cone segment with
    rounded ends) whose radius is interpolated linearly between the nodes'
    radii; a one-node path (a soma point) becomes a sphere. The surface ramps
    from 1 to 0 over one voxel measured along the direction to the axis, an
    approximation of the fraction of each voxel inside the tube, so that a
    thin neurite between two widely spaced z-slices still shows in both.

    Parameters
    ----------
    tree : Tree
        Paths in physical x, y, z; nodes without radii get half the finest
        voxel size.
    shape_zyx : sequence of 3 int
        Shape of the volume.
    spacing_zyx : sequence of 3 float
        Voxel size, z, y, x, in the tree's units. Voxel ``(z, y, x)`` is
        centred at ``(x * sx, y * sy, z * sz)``.
    brightness : dict of int to array_like, optional
        Per-node brightness of the paths it names (path id to one value per
        node, interpolated along each segment as the radius is): each tube is
        painted at its brightness times its occupancy, so that a neurite can
        dim, swell or go dark along its length. Paths it leaves out, and every
        path when omitted, are painted at 1.

    Returns
    -------
    ndarray of float32, shape ``shape_zyx``
        Occupancy in [0, 1] (times the brightness, where given).
    """
    volume = np.zeros(tuple(int(n) for n in shape_zyx), dtype=np.float32)
    spacing = np.asarray(spacing_zyx, dtype=float)
    for path in tree.paths:
        points = path.points[:, ::-1]  # physical z, y, x
        radii = path.radii if path.radii is not None else np.full(len(path), spacing.min() / 2)
        level = np.ones(len(path)) if brightness is None or path.id not in brightness else brightness[path.id]
        if len(points) == 1:
            _paint_frustum(volume, spacing, points[0], points[0], radii[0], radii[0], level[0], level[0])
        for i in range(len(points) - 1):
            _paint_frustum(volume, spacing, points[i], points[i + 1], radii[i], radii[i + 1], level[i], level[i + 1])
    return volume


def _paint_frustum(volume, spacing, a, b, ra, rb, la=1.0, lb=1.0) -> None:
    """Max-composite the frustum from ``a`` (radius ``ra``, brightness ``la``) to ``b`` into ``volume``."""
    reach = max(ra, rb) + spacing  # radius plus the soft edge, per axis
    first = np.maximum(np.floor((np.minimum(a, b) - reach) / spacing).astype(int), 0)
    last = np.minimum(np.ceil((np.maximum(a, b) + reach) / spacing).astype(int) + 1, volume.shape)
    if np.any(last <= first):
        return
    # Offsets of voxel centres from a, one broadcastable array per axis.
    oz, oy, ox = (
        (np.arange(first[k], last[k]) * spacing[k] - a[k]).reshape([-1 if j == k else 1 for j in range(3)])
        for k in range(3)
    )
    axis = b - a
    length2 = float(axis @ axis)
    if length2 > 0:
        t = np.clip((oz * axis[0] + oy * axis[1] + ox * axis[2]) / length2, 0.0, 1.0)
    else:
        t = np.zeros((1, 1, 1))
    dz, dy, dx = oz - t * axis[0], oy - t * axis[1], ox - t * axis[2]
    distance = np.sqrt(dz * dz + dy * dy + dx * dx)
    # Width of a voxel projected on the direction to the axis: the distance
    # over which a voxel goes from wholly inside to wholly outside.
    width = (np.abs(dz) * spacing[0] + np.abs(dy) * spacing[1] + np.abs(dx) * spacing[2]) / np.maximum(
        distance, 1e-12
    )
    width = np.maximum(width, spacing.min())
    radius = ra + t * (rb - ra)
    value = np.clip((radius - distance) / width + 0.5, 0.0, 1.0)
    if la != 1.0 or lb != 1.0:
        value *= la + t * (lb - la)
    box = volume[first[0]:last[0], first[1]:last[1], first[2]:last[2]]
    np.maximum(box, value, out=box)


def add_noise(
    volume: np.ndarray,
    rng: np.random.Generator,
    *,
    signal: float = 120.0,
    background: float = 25.0,
    gradient: float = 15.0,
    psf_sigma_zyx=(1.0, 0.6, 0.6),
    poisson_scale: float = 2.0,
    gaussian_sigma: float = 3.0,
    dtype=np.uint8,
) -> np.ndarray:
    """Turn an occupancy volume into a noisy microscope image.

    The volume is blurred by a Gaussian point-spread function, scaled to
    ``signal`` grey levels over a background of ``background`` plus a linear
    ramp of ``gradient`` grey levels across the field (uneven illumination),
    and then measured: Poisson shot noise of ``poisson_scale`` grey levels
    per photon and Gaussian read noise, rounded and clipped to ``dtype``.

    Parameters
    ----------
    volume : ndarray, shape (z, y, x)
        Occupancy in [0, 1], e.g. from :func:`render_tree`.
    rng : numpy.random.Generator
        Source of the ramp direction and of the noise.
    signal, background, gradient : float
        Grey levels of a fully occupied voxel above background, of the mean
        background, and of the background ramp from one side to the other.
    psf_sigma_zyx : sequence of 3 float
        Standard deviation of the blur, in voxels of each axis.
    poisson_scale : float
        Grey levels per detected photon: the variance of the shot noise is
        ``poisson_scale`` times the mean.
    gaussian_sigma : float
        Standard deviation of the read noise, in grey levels.
    dtype : numpy dtype
        An unsigned integer type, e.g. ``np.uint8`` or ``np.uint16``.

    Returns
    -------
    ndarray of ``dtype``, shape of ``volume``
    """
    mean = blurred_signal(volume, psf_sigma_zyx, signal)
    mean += background
    mean += illumination_ramp(rng, volume.shape, gradient)
    return measured(mean, rng, poisson_scale=poisson_scale, gaussian_sigma=gaussian_sigma, dtype=dtype)


def blurred_signal(volume: np.ndarray, psf_sigma_zyx, signal: float) -> np.ndarray:
    """``volume`` blurred by a Gaussian point-spread function (voxels per axis) and scaled to ``signal`` grey levels.

    Returns
    -------
    ndarray of float32, shape of ``volume``
    """
    mean = ndimage.gaussian_filter(volume.astype(np.float32, copy=False), psf_sigma_zyx)
    mean *= signal
    return mean


def illumination_ramp(rng: np.random.Generator, shape_zyx, gradient: float) -> np.ndarray:
    """A linear ramp of ``gradient`` grey levels across the field, in a random direction in xy (uneven illumination).

    Returns
    -------
    ndarray of float32, shape ``(y, x)``
        Zero at the field's centre, broadcastable over z.
    """
    theta = rng.uniform(0, 2 * np.pi)
    ny, nx = shape_zyx[1:]
    ramp = np.cos(theta) * np.linspace(-0.5, 0.5, nx)[None, :] + np.sin(theta) * np.linspace(-0.5, 0.5, ny)[:, None]
    return (gradient * ramp).astype(np.float32)


def measured(mean: np.ndarray, rng: np.random.Generator, *, poisson_scale: float, gaussian_sigma: float,
             dtype=np.uint8) -> np.ndarray:
    """What a detector records of the expected grey levels ``mean``: shot and read noise, rounded and clipped.

    Poisson shot noise of ``poisson_scale`` grey levels per photon (variance
    ``poisson_scale`` times the mean) and Gaussian read noise of standard
    deviation ``gaussian_sigma``. ``mean`` is clipped at 0 in place.

    Returns
    -------
    ndarray of ``dtype``, shape of ``mean``
    """
    np.maximum(mean, 0.0, out=mean)
    counts = rng.poisson(mean / poisson_scale).astype(np.float32) * np.float32(poisson_scale)
    counts += rng.standard_normal(mean.shape, dtype=np.float32) * np.float32(gaussian_sigma)
    top = np.iinfo(dtype).max
    return np.clip(np.rint(counts), 0, top).astype(dtype)
