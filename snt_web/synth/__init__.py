"""Synthetic data with known truth: the built-in demo, and kinds of data for choosing and judging constants.

:func:`make_demo` is the demo: a synthetic neuron, its confocal-like image
and its truth. The image is 8-bit: it is what many confocal stacks traced in
SNT are, the demo's dynamic range (background ~25, neurites ~60-150 grey
levels) fits it, and it keeps the default stack at 3 MB.

:func:`make_volume` renders a named kind (:data:`KINDS`: faint branches,
varicosities and gaps, low SNR, dense cells, anisotropy...), each a preset
of :class:`Conditions` that :func:`render_volume` images, with its truth,
soma seeds and volumetric occupancy (:class:`SyntheticVolume`).
"""

from __future__ import annotations

from ..io.image import Image
from ..model import Tree
from .conditions import PSF_SIGMA_UM, Conditions
from .kinds import KINDS, make_volume
from .neuron import random_neuron
from .render import add_noise, render_tree
from .volume import SyntheticVolume, render_volume

__all__ = ["KINDS", "PSF_SIGMA_UM", "Conditions", "SyntheticVolume", "make_demo", "make_volume", "random_neuron",
           "render_tree", "render_volume", "add_noise"]


def make_demo(
    seed: int = 0,
    shape_zyx=(48, 256, 256),
    spacing_zyx=(1.0, 0.3, 0.3),
    signal: float = 120.0,
) -> tuple[Image, Tree]:
    """The demo image and the neuron it shows.

    Parameters
    ----------
    seed : int
        Seed of the neuron and of the noise; the same seed gives the same data.
    shape_zyx : sequence of 3 int
        Shape of the stack.
    spacing_zyx : sequence of 3 float
        Voxel size in µm, z coarser than x and y as in a confocal stack.
    signal : float
        Grey levels of a neurite's core above the background of 25: the
        default is a bright stack; a third of it, a dim one where noise
        breaks thin neurites up (the neuron is the same for a seed).

    Returns
    -------
    image : Image
        uint8, shape ``(1, 1, z, y, x)``, calibrated in µm.
    truth : Tree
        The rendered neuron in µm, in the image's coordinates (node at voxel
        ``(z, y, x)`` = ``(x * sx, y * sy, z * sz)``), with ``spacing_xyz``
        the image's spacing reversed.

    Examples
    --------
    >>> image, truth = make_demo(seed=1, shape_zyx=(24, 96, 128))
    >>> image.data.shape, image.dtype.name, truth.units
    ((1, 1, 24, 96, 128), 'uint8', 'µm')
    """
    volume = render_volume(Conditions(shape_zyx=tuple(shape_zyx), spacing_zyx=tuple(spacing_zyx), signal=signal),
                           seed, name=f"demo-seed{seed}.tif")
    return volume.image, volume.truth
