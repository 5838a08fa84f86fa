"""The built-in demo dataset: a synthetic neuron, its confocal-like image and its truth.

The image is 8-bit: it is what many confocal stacks traced in SNT are, the
demo's dynamic range (background ~25, neurites ~60-150 grey levels) fits it,
and it keeps the default stack at 3 MB.
"""

from __future__ import annotations

import numpy as np

from ..io.image import Image
from ..model import Tree
from .neuron import random_neuron
from .render import add_noise, render_tree

__all__ = ["PSF_SIGMA_UM", "make_demo", "random_neuron", "render_tree", "add_noise"]

#: A confocal point-spread function (standard deviation, µm, z y x): axially
#: about four times longer than laterally. Every synthetic stack is blurred by it.
PSF_SIGMA_UM = np.array([0.6, 0.15, 0.15])


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
    rng = np.random.default_rng(seed)
    shape = np.asarray(shape_zyx, dtype=int)
    spacing = np.asarray(spacing_zyx, dtype=float)
    extent_xyz = ((shape - 1) * spacing)[::-1]
    truth = random_neuron(rng, extent_xyz, spacing_xyz=tuple(spacing[::-1]))
    occupancy = render_tree(truth, shape, spacing)
    pixels = add_noise(occupancy, rng, signal=signal, psf_sigma_zyx=tuple(PSF_SIGMA_UM / spacing),
                       dtype=np.uint8)
    image = Image(
        data=pixels[None, None],
        spacing=tuple(spacing),
        units="µm",
        name=f"demo-seed{seed}.tif",
        source_axes="ZYX",
    )
    return image, truth
