"""Several demo neurons side by side in one stack, with a labels image of their somas (cellpose-style)."""

from __future__ import annotations

import numpy as np

from ..io.image import Image
from ..model import Tree
from . import PSF_SIGMA_UM
from .neuron import random_neuron
from .render import add_noise, render_tree


def make_cells(n_cells: int = 3, seed: int = 0, shape_zyx=(32, 160, 480),
               spacing_zyx=(1.0, 0.3, 0.3)) -> tuple[Image, list[Tree], np.ndarray]:
    """A stack of ``n_cells`` neurons, each grown in its own slab of the x axis, and their truth.

    Parameters
    ----------
    n_cells : int
    seed : int
        Seed of the neurons and the noise.
    shape_zyx, spacing_zyx : sequence of 3
        The stack; each cell gets ``x / n_cells`` voxels of it.

    Returns
    -------
    image : Image
        uint8, shape ``(1, 1, z, y, x)``, µm.
    truths : list of Tree
        Each cell's neuron in the stack's physical coordinates.
    labels : ndarray of uint16 (z, y, x)
        Cell ``k`` (1-based) labels its soma's sphere.

    Examples
    --------
    >>> image, truths, labels = make_cells(2, shape_zyx=(24, 96, 256))
    >>> len(truths), sorted(np.unique(labels).tolist())
    (2, [0, 1, 2])
    """
    rng = np.random.default_rng(seed)
    shape = np.asarray(shape_zyx, dtype=int)
    spacing = np.asarray(spacing_zyx, dtype=float)
    width = shape[2] // n_cells
    extent_xyz = np.array([(width - 1) * spacing[2], (shape[1] - 1) * spacing[1], (shape[0] - 1) * spacing[0]])
    truths = []
    for k in range(n_cells):
        neuron = random_neuron(rng, extent_xyz, spacing_xyz=tuple(spacing[::-1]))
        shift = np.array([k * width * spacing[2], 0.0, 0.0])
        truths.append(Tree([p.copy(points=p.points + shift) for p in neuron.paths],
                           spacing_xyz=neuron.spacing_xyz, units=neuron.units))
    occupancy = np.zeros(tuple(shape), dtype=np.float32)
    labels = np.zeros(tuple(shape), dtype=np.uint16)
    for k, truth in enumerate(truths, 1):
        np.maximum(occupancy, render_tree(truth, shape, spacing), out=occupancy)
        soma = truth.paths[0]
        inside = render_tree(Tree([soma], truth.spacing_xyz, truth.units), shape, spacing) >= 0.5
        labels[inside & (labels == 0)] = k
    pixels = add_noise(occupancy, rng, psf_sigma_zyx=tuple(PSF_SIGMA_UM / spacing), dtype=np.uint8)
    image = Image(data=pixels[None, None], spacing=tuple(spacing), units="µm", name=f"cells-seed{seed}.tif",
                  source_axes="ZYX")
    return image, truths, labels
