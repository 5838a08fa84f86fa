"""The filter bank a pixel classifier learns from, in the spirit of ilastik and Trainable Weka Segmentation.

At each of the user's physical scales ``s`` (Gaussian standard deviations,
``s / spacing`` voxels along each axis, so an anisotropic stack is filtered
isotropically in space), six groups of features:

``gaussian``
    the image smoothed at ``s``;
``gradient``
    the magnitude of its gradient;
``laplacian``
    its Laplacian (a Laplacian of Gaussian);
``dog``
    a difference of Gaussians: the next finer scale (the image itself before
    the finest) minus ``s``, bright on structures between the two scales;
``hessian``
    the three eigenvalues of its Hessian, decreasing;
``structure``
    the three eigenvalues, decreasing, of the structure tensor: outer
    products of its gradient smoothed at ``s / 2``.

One Gaussian per scale feeds every group (the difference of Gaussians pairs
neighbouring scales, so it costs no smoothing of its own), and all
derivatives are taken in physical units by the compiled kernels of
:mod:`.derivatives`. A volume with one z-slice (a 2D image) is filtered as a
volume constant along z: its z-derivatives are zero, so it has the same
features, one eigenvalue of each tensor being 0, and a model moves between
2D and 3D images without a special case.

Features of a block are computed on the block grown by the filters' reach
(:func:`feature_halo`), so they equal those of the whole volume exactly and
a volume larger than memory is processed block by block
(:func:`iter_feature_blocks`).
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from ..filters import gaussian
from ..filters.gaussian import as_spacing
from .blocks import iter_blocks, with_halo
from .derivatives import derivative_features, gradient_products, tensor_eigenvalues

__all__ = [
    "FEATURE_GROUPS",
    "FeatureSettings",
    "default_scales",
    "feature_names",
    "feature_halo",
    "feature_bytes",
    "compute_features",
    "block_features",
    "iter_feature_blocks",
]

#: Feature groups and the names of their components, in the order features are laid out.
_COMPONENTS = {
    "gaussian": ("",),
    "gradient": ("",),
    "laplacian": ("",),
    "dog": ("",),
    "hessian": ("1", "2", "3"),
    "structure": ("1", "2", "3"),
}
FEATURE_GROUPS = tuple(_COMPONENTS)

# The Gaussian's support in standard deviations: scipy's default, which
# snt_web.filters.gaussian uses. The halo must cover it for blocks to be exact.
_TRUNCATE = 4.0
# The structure tensor's outer scale, relative to its inner (gradient) scale.
_OUTER = 0.5


@dataclass(frozen=True)
class FeatureSettings:
    """Which features to compute, and at which scales.

    Parameters
    ----------
    scales : sequence of float
        Physical Gaussian standard deviations, in the image's unit; stored
        sorted and without repeats.
    groups : sequence of str
        Feature groups among :data:`FEATURE_GROUPS`; stored in that order.

    Examples
    --------
    >>> settings = FeatureSettings(scales=(1.2, 0.6), groups=("hessian", "gaussian"))
    >>> settings.scales, settings.groups
    ((0.6, 1.2), ('gaussian', 'hessian'))
    >>> FeatureSettings.from_json(settings.to_json()) == settings
    True
    """

    scales: tuple[float, ...]
    groups: tuple[str, ...] = FEATURE_GROUPS

    def __post_init__(self):
        scales = tuple(sorted({float(s) for s in self.scales}))
        if not scales or not all(math.isfinite(s) and s > 0 for s in scales):
            raise ValueError(f"scales must be one or more positive numbers, got {tuple(self.scales)}")
        unknown = set(self.groups) - set(FEATURE_GROUPS)
        if unknown or not self.groups:
            raise ValueError(f"groups must be among {', '.join(FEATURE_GROUPS)}, got {tuple(self.groups)}")
        object.__setattr__(self, "scales", scales)
        object.__setattr__(self, "groups", tuple(g for g in FEATURE_GROUPS if g in self.groups))

    @property
    def n_features(self) -> int:
        """Features per image channel."""
        return len(self.scales) * sum(len(_COMPONENTS[g]) for g in self.groups)

    def to_json(self) -> dict:
        """A JSON-ready dict, read back by :meth:`from_json`."""
        return {"scales": list(self.scales), "groups": list(self.groups)}

    @classmethod
    def from_json(cls, data: dict) -> "FeatureSettings":
        """Settings from :meth:`to_json`'s dict; ``ValueError`` when it is not one."""
        if not isinstance(data, dict) or set(data) != {"scales", "groups"}:
            raise ValueError(f"feature settings must have exactly 'scales' and 'groups', got {data!r}")
        if not all(isinstance(data[k], list) for k in data):
            raise ValueError(f"feature settings hold lists, got {data!r}")
        return cls(scales=tuple(data["scales"]), groups=tuple(data["groups"]))


def default_scales(spacing) -> tuple[float, ...]:
    """One, two, four and eight lateral voxels: from a thin neurite's radius to a soma's.

    Examples
    --------
    >>> default_scales((1.0, 0.3, 0.3))
    (0.3, 0.6, 1.2, 2.4)
    """
    voxel = float(min(spacing[1:]))
    return tuple(voxel * k for k in (1, 2, 4, 8))


def feature_names(settings: FeatureSettings) -> list[str]:
    """Names of the features in the order :func:`compute_features` lays them out: group, then scale.

    Examples
    --------
    >>> feature_names(FeatureSettings(scales=(0.5, 1.0), groups=("gaussian", "hessian")))[:4]
    ['gaussian 0.5', 'gaussian 1', 'hessian1 0.5', 'hessian2 0.5']
    """
    return [f"{group}{part} {scale:g}"
            for group in settings.groups for scale in settings.scales for part in _COMPONENTS[group]]


def feature_halo(spacing, settings: FeatureSettings) -> tuple[int, int, int]:
    """Voxels a block must be grown by, per axis, for its features to equal the whole volume's.

    The reach of the largest Gaussian (``4 s / spacing`` voxels, rounded as
    scipy does), one more for the derivatives' stencils, and for the structure
    tensor the reach of its outer smoothing on top.

    Examples
    --------
    >>> feature_halo((1.0, 0.3, 0.3), FeatureSettings(scales=(0.6,), groups=("gaussian",)))
    (2, 8, 8)
    """
    spacing = as_spacing(3, spacing)
    top = settings.scales[-1]
    return tuple(g + d for g, d in zip(_radii(top, spacing), _derivative_reach(top, spacing, settings)))


def feature_bytes(settings: FeatureSettings, spacing, block_shape, volume_shape, *, n_jobs: int = 1) -> int:
    """Working memory of :func:`block_features` for one block of one channel, its output excluded.

    Parameters
    ----------
    settings : FeatureSettings
    spacing : sequence of 3 float
    block_shape, volume_shape : sequence of 3 int
    n_jobs : int
        Threads, each filtering one scale at a time.

    Returns
    -------
    int
        Bytes, an upper bound: the slab read (as float32), each scale's
        smoothed block kept for the differences of Gaussians, and for the
        ``n_jobs`` costliest scales at once the smoothed slab they need and
        the six structure tensor components (one of them twice while it is
        smoothed).
    """
    spacing = as_spacing(3, spacing)

    def grown(reach) -> int:
        return math.prod(min(b + 2 * r, n) for b, r, n in zip(block_shape, reach, volume_shape))

    per_scale = []
    for scale in settings.scales:
        reach = _derivative_reach(scale, spacing, settings)
        smoothed = grown([g + r for g, r in zip(_radii(scale, spacing), reach)])
        tensor = grown(_radii(_OUTER * scale, spacing)) if "structure" in settings.groups else 0
        per_scale.append(smoothed + 7 * tensor)
    in_flight = sorted(per_scale)[-max(n_jobs, 1):]
    block = math.prod(block_shape)
    return 4 * (grown(feature_halo(spacing, settings)) + len(settings.scales) * block + sum(in_flight))


def compute_features(volume, spacing, settings: FeatureSettings, out=None, *, n_jobs: int = 1) -> np.ndarray:
    """The features of a whole volume.

    Parameters
    ----------
    volume : ndarray, shape (z, y, x)
        One channel, any real dtype (a memory map is read, not copied); a 2D
        image has one z-slice.
    spacing : sequence of 3 float
        Voxel size, z, y, x, in the unit of the scales.
    settings : FeatureSettings
    out : ndarray of float32, shape (n_features, z, y, x), optional
        Where to write; any strides (a voxel-major buffer transposed, say).
    n_jobs : int
        Threads.

    Returns
    -------
    ndarray of float32, shape (n_features, z, y, x)
        In the order of :func:`feature_names`.

    Examples
    --------
    >>> volume = np.zeros((1, 16, 16), np.uint8); volume[0, 8, :] = 200
    >>> settings = FeatureSettings(scales=(1.0,), groups=("gaussian", "hessian"))
    >>> features = compute_features(volume, (1.0, 1.0, 1.0), settings)
    >>> features.shape, bool(features[3, 0, 8, 4] < 0)  # across the line: negative curvature
    ((4, 1, 16, 16), True)
    """
    return block_features(volume, spacing, settings, None, out, n_jobs=n_jobs)


def block_features(volume, spacing, settings: FeatureSettings, block=None, out=None, *, n_jobs: int = 1,
                   scale_done=None):
    """The features of one block of a volume, equal to the whole volume's there.

    Only the block grown by :func:`feature_halo` is read.

    Parameters
    ----------
    volume, spacing, settings, n_jobs
        As for :func:`compute_features`.
    block : tuple of 3 slice, optional
        The block (explicit starts and stops, step 1); the whole volume when omitted.
    out : ndarray of float32, shape (n_features, bz, by, bx), optional
        Where to write; any strides.
    scale_done : callable, optional
        Called with no argument, in the calling thread, as each scale is
        filtered (a job's progress; an exception it raises stops the block).

    Returns
    -------
    ndarray of float32, shape (n_features, bz, by, bx)
    """
    if volume.ndim != 3:
        raise ValueError(f"volume must be 3D (z, y, x), got shape {volume.shape}")
    spacing = as_spacing(3, spacing)
    if block is None:
        block = tuple(slice(0, n) for n in volume.shape)
    slab, core = with_halo(block, feature_halo(spacing, settings), volume.shape)
    shape = (settings.n_features,) + tuple(c.stop - c.start for c in core)
    if out is None:
        out = np.empty(shape, dtype=np.float32)
    elif out.shape != shape or out.dtype != np.float32:
        raise ValueError(f"out must be float32 of shape {shape}, got {out.dtype} {out.shape}")
    # Read as float32 once: scipy filters other types through a float copy per call.
    _fill(np.asarray(volume[slab], dtype=np.float32), spacing, settings, core, out, n_jobs, scale_done)
    return out


def iter_feature_blocks(volume, spacing, settings: FeatureSettings, block_shape, *, n_jobs: int = 1):
    """The features of a volume block by block, for volumes whose features do not fit in memory.

    Parameters
    ----------
    volume, spacing, settings, n_jobs
        As for :func:`compute_features`.
    block_shape : sequence of 3 int
        Largest block; those at the far edges are cut short.

    Yields
    ------
    block : tuple of 3 slice
        Where the features lie in the volume.
    features : ndarray of float32, shape (n_features, bz, by, bx)
        Equal to ``compute_features(volume, ...)[(slice(None),) + block]``.
    """
    for block in iter_blocks(volume.shape, block_shape):
        yield block, block_features(volume, spacing, settings, block, n_jobs=n_jobs)


def _fill(slab, spacing, settings: FeatureSettings, core, out, n_jobs: int, scale_done=None) -> None:
    """Write the features of ``slab[core]``, computed on the slab, into ``out``.

    Each scale filters only the part of the slab its own filters reach: the
    finest scales reach, and so cost, the least.
    """
    rows = _rows(settings)
    inverse = 1.0 / np.asarray(spacing)

    def one_scale(i, scale):
        needed, _ = with_halo(core, _derivative_reach(scale, spacing, settings), slab.shape)
        source, _ = with_halo(needed, _radii(scale, spacing), slab.shape)
        smoothed = gaussian(slab[source], scale, spacing)
        at_core = _shifted(core, source)
        origin = [c.start for c in at_core]
        derivative_rows = [-1 if rows[g] is None else rows[g][i, k]
                           for g, k in (("gradient", 0), ("laplacian", 0), ("hessian", 0), ("hessian", 1),
                                        ("hessian", 2))]
        if max(derivative_rows) >= 0:
            derivative_features(smoothed, origin, inverse, derivative_rows, out)
        if rows["structure"] is not None:
            box, _ = with_halo(core, _radii(_OUTER * scale, spacing), slab.shape)
            # Smoothed one at a time, each product released as soon as its
            # smoothed copy exists: seven boxes at most, not twelve.
            products = gradient_products(smoothed, inverse, _shifted(box, source))
            for k in range(6):
                products[k] = gaussian(products[k], _OUTER * scale, spacing)
            tensor_eigenvalues(products, [c.start for c in _shifted(core, box)], rows["structure"][i], out)
        if rows["gaussian"] is not None:
            out[rows["gaussian"][i, 0]] = smoothed[at_core]
            return out[rows["gaussian"][i, 0]]
        return smoothed[at_core].copy()  # not a view: it would keep the whole smoothed slab

    with ThreadPoolExecutor(max(n_jobs, 1)) as pool:
        # The costliest (coarsest) scales first, so that no thread is left
        # with one at the end.
        order = sorted(range(len(settings.scales)), key=lambda i: -settings.scales[i])
        running = {i: pool.submit(one_scale, i, settings.scales[i]) for i in order}
        try:
            for finished in as_completed(running.values()):
                finished.result()
                if scale_done is not None:
                    scale_done()
        except BaseException:
            pool.shutdown(cancel_futures=True)  # a cancelled job waits for the scales under way only
            raise
        smoothed = [running[i].result() for i in range(len(settings.scales))]
    if rows["dog"] is not None:
        finer = [slab[core]] + smoothed[:-1]
        for i, (fine, coarse) in enumerate(zip(finer, smoothed)):
            np.subtract(fine, coarse, out=out[rows["dog"][i, 0]], dtype=np.float32)


def _derivative_reach(scale: float, spacing, settings: FeatureSettings) -> list[int]:
    """Voxels around a block the features at ``scale`` need the smoothed image at, per axis."""
    derivatives = set(settings.groups) - {"gaussian", "dog"}
    outer = _radii(_OUTER * scale, spacing) if "structure" in settings.groups else [0, 0, 0]
    return [int(bool(derivatives)) + r for r in outer]


def _radii(scale: float, spacing) -> list[int]:
    """Half-widths, per axis, of scipy's Gaussian kernel of physical standard deviation ``scale``."""
    return [int(_TRUNCATE * scale / step + 0.5) for step in spacing]


def _shifted(block, origin_block) -> tuple[slice, ...]:
    """``block`` in the coordinates of ``origin_block``, which holds it."""
    return tuple(slice(b.start - o.start, b.stop - o.start) for b, o in zip(block, origin_block))


def _rows(settings: FeatureSettings) -> dict:
    """Row of each feature: per group, an (n_scales, n_components) int array, or None for a group left out."""
    rows, first = {}, 0
    for group, parts in _COMPONENTS.items():
        if group in settings.groups:
            size = len(settings.scales) * len(parts)
            rows[group] = np.arange(first, first + size).reshape(len(settings.scales), len(parts))
            first += size
        else:
            rows[group] = None
    return rows
