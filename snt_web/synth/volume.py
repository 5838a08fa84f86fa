"""A synthetic stack under given conditions, with everything known about it: truth, somata, occupancy, noise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..io.image import Image
from ..model import Tree, physical_to_voxel
from ..seeds import Seeds
from .conditions import Conditions
from .labelling import Labelling, label_neurites
from .neuron import random_neuron
from .render import blurred_signal, illumination_ramp, measured, render_tree

__all__ = ["SyntheticVolume", "render_volume"]

# Several cells: somata drawn in this central part of the box (fractions of
# its lateral sides and of its depth), so that arbors overlap.
_SOMA_BOX_XY = (0.2, 0.8)
_SOMA_BOX_Z = (0.3, 0.7)
_PLACEMENT_TRIES = 200
# Background blobs: lateral standard deviation (µm) and its axial share.
_BLOB_SIGMA_UM = (3.0, 10.0)
_BLOB_AXIAL = 0.6


@dataclass(frozen=True, eq=False)
class SyntheticVolume:
    """A rendered stack and its truth.

    Attributes
    ----------
    image : Image
        ``(1, 1, z, y, x)``, calibrated in µm.
    truth : Tree
        Every cell's neurons, physical µm in the image's coordinates (node at
        voxel ``(z, y, x)`` = ``(x * sx, y * sy, z * sz)``), continuous
        through gaps, radii swollen at beads.
    cells : list of Tree
        Each cell alone (its own path ids).
    seeds_xyz : ndarray, shape (n_cells, 3)
        Soma centres, physical x, y, z.
    soma_radii : ndarray, shape (n_cells,)
        Soma radii, physical.
    occupancy : ndarray of float32, shape (z, y, x)
        The truth rendered (:func:`~snt_web.synth.render.render_tree`): the
        fraction of each voxel inside a neurite, gaps included; the
        volumetric truth is ``occupancy >= 0.5`` (:attr:`mask`).
    signal : ndarray of float32, shape (z, y, x)
        The noise-free signal above the background: the labelled neurites
        blurred by the point-spread function.
    background : ndarray of float32, shape (z, y, x)
        The noise-free background: level, ramp and blobs.
    conditions : Conditions
    core_signal : float
        Mean ``signal`` over the centreline voxels of neurites at nominal
        brightness (see :attr:`Conditions.snr`).
    noise_sigma : float
        Standard deviation of the noise in the background at its mean level.
    labelling : Labelling
        Where the gaps, beads and faint branches are (path ids of ``truth``).
    """

    image: Image
    truth: Tree
    cells: list
    seeds_xyz: np.ndarray
    soma_radii: np.ndarray
    occupancy: np.ndarray
    signal: np.ndarray
    background: np.ndarray
    conditions: Conditions
    core_signal: float
    noise_sigma: float
    labelling: Labelling

    @property
    def mask(self) -> np.ndarray:
        """The volumetric truth: voxels at least half inside a neurite."""
        return self.occupancy >= 0.5

    @property
    def snr(self) -> float:
        """Core signal over the background noise's standard deviation (:attr:`Conditions.snr`)."""
        return self.core_signal / self.noise_sigma

    def seeds(self) -> Seeds:
        """The somata as a seeds table (type ``soma``, source ``truth``)."""
        return Seeds.from_columns(self.seeds_xyz, radius=self.soma_radii, type="soma", source="truth")


def render_volume(conditions: Conditions, seed=0, name: str = "synthetic.tif") -> SyntheticVolume:
    """Grow neurons and image them under ``conditions``.

    Steps: the cells (:func:`~snt_web.synth.neuron.random_neuron`); their
    labelling (:func:`~snt_web.synth.labelling.label_neurites`); the truth's
    occupancy and the labelled neurites rendered as tubes; blur by the
    point-spread function and scaling to ``signal`` grey levels; background
    level, ramp and blobs; shot and read noise, at the gain that gives
    ``snr`` where one is asked (:attr:`Conditions.snr` defines it).

    With the default conditions this is the demo (:func:`~snt_web.synth.make_demo`):
    the neurons and the noise come from ``numpy.random.default_rng(seed)``
    as they always have; the conditions the demo lacks (placement of
    several cells, labelling, blobs) draw from streams spawned from the same
    seed, so they change nothing of it.

    Parameters
    ----------
    conditions : Conditions
    seed : int or sequence of int
        Entropy of every random draw: the same seed and conditions give the
        same volume.
    name : str
        The image's name.

    Returns
    -------
    SyntheticVolume

    Raises
    ------
    ValueError
        A stack too small to hold a neuron, or an SNR the read noise alone
        does not allow or whose noise the background is too low to hold.

    Examples
    --------
    >>> conditions = Conditions(shape_zyx=(24, 96, 128), dtype="uint16", background=300.0, snr=3.0)
    >>> volume = render_volume(conditions, seed=5)
    >>> round(volume.snr, 2), volume.image.dtype.name
    (3.0, 'uint16')
    """
    sequence = np.random.SeedSequence(seed)
    rng = np.random.default_rng(sequence)
    placement, marks, haze = (np.random.default_rng(s) for s in sequence.spawn(3))
    shape = np.asarray(conditions.shape_zyx, dtype=int)
    spacing = np.asarray(conditions.spacing_zyx, dtype=float)
    extent_xyz = ((shape - 1) * spacing)[::-1]
    somata = _somata(placement, conditions, extent_xyz) if conditions.n_cells > 1 else [None]
    grown = [random_neuron(rng, extent_xyz, n_primary=conditions.n_primary, spacing_xyz=tuple(spacing[::-1]),
                           max_order=conditions.max_order, soma_xyz=soma) for soma in somata]
    labellings = [label_neurites(cell, conditions, marks) for cell in grown]
    truth, labelling = _together(labellings)

    occupancy = render_tree(truth, shape, spacing)
    painted = occupancy if labelling.brightness is None else render_tree(truth, shape, spacing, labelling.brightness)
    signal = blurred_signal(painted, conditions.psf_sigma_voxels, conditions.signal)
    core = _core_signal(signal, truth, labelling, spacing)
    # In the demo's order (add_noise's): the ramp is the main stream's first draw after the neurons.
    mean = signal.copy()
    mean += conditions.background
    ramp = illumination_ramp(rng, shape, conditions.gradient)
    mean += ramp
    background = np.broadcast_to(np.float32(conditions.background) + ramp, tuple(shape)).copy()
    if conditions.blobs[1] > 0:
        blobs = _blobs(haze, conditions, core)
        mean += blobs
        background += blobs
    level = float(background.mean())
    if conditions.snr is None:
        gain = conditions.poisson_scale
        sigma = float(np.sqrt(gain * level + conditions.read_noise ** 2))
    else:
        sigma = core / conditions.snr
        if sigma <= conditions.read_noise:
            raise ValueError(f"an SNR of {conditions.snr:g} needs less noise than the read noise "
                             f"({conditions.read_noise:g} grey levels) alone")
        if level < 2 * sigma:  # the detector would clip the noise at 0, and the SNR would be missed
            raise ValueError(f"an SNR of {conditions.snr:g} needs noise of {sigma:.3g} grey levels: the background "
                             f"({level:.3g}) must be at least twice that (a higher background, 16-bit)")
        gain = (sigma ** 2 - conditions.read_noise ** 2) / level
    pixels = measured(mean, rng, poisson_scale=gain, gaussian_sigma=conditions.read_noise,
                      dtype=np.dtype(conditions.dtype))
    image = Image(data=pixels[None, None], spacing=tuple(spacing), units="µm", name=name, source_axes="ZYX")
    cells = [label.tree for label in labellings]
    seeds = np.array([cell.paths[0].points[0] for cell in cells])
    radii = np.array([cell.paths[0].radii[0] for cell in cells])
    return SyntheticVolume(image, truth, cells, seeds, radii, occupancy, signal, background, conditions, core, sigma,
                           labelling)


def _somata(rng, conditions: Conditions, extent_xyz: np.ndarray) -> list[np.ndarray]:
    """Soma centres of several cells: in the box's central part, apart laterally, at different depths."""
    low = np.array([_SOMA_BOX_XY[0], _SOMA_BOX_XY[0], _SOMA_BOX_Z[0]]) * extent_xyz
    high = np.array([_SOMA_BOX_XY[1], _SOMA_BOX_XY[1], _SOMA_BOX_Z[1]]) * extent_xyz
    apart = conditions.min_soma_distance_voxels * min(conditions.spacing_zyx)
    out: list[np.ndarray] = []
    for _ in range(_PLACEMENT_TRIES):
        centre = rng.uniform(low, high)
        if all(np.linalg.norm(centre[:2] - other[:2]) >= apart for other in out):
            out.append(centre)
            if len(out) == conditions.n_cells:
                return out
    raise ValueError(f"{conditions.n_cells} somata {apart:g} µm apart do not fit in {tuple(extent_xyz)} µm")


def _together(labellings: list[Labelling]) -> tuple[Tree, Labelling]:
    """One tree of every cell (path ids renumbered, names prefixed by the cell), and one labelling to match."""
    if len(labellings) == 1:
        return labellings[0].tree, labellings[0]
    paths, brightness, nominal, faint, gaps = [], {}, {}, {}, []
    for k, label in enumerate(labellings, 1):
        offset = len(paths)
        renumber = {p.id: offset + i for i, p in enumerate(label.tree.paths)}
        for path in label.tree.paths:
            new = renumber[path.id]
            paths.append(path.copy(id=new, parent_id=renumber.get(path.parent_id), name=f"Cell {k} {path.name}"))
            nominal[new] = label.nominal[path.id]
            if label.brightness is not None:
                brightness[new] = label.brightness[path.id]
        faint.update({renumber[i]: level for i, level in label.faint.items()})
        moved = label.gaps.copy()
        moved[:, 4] = [renumber[int(i)] for i in moved[:, 4]]
        gaps.append(moved)
    first = labellings[0].tree
    tree = Tree(paths, spacing_xyz=first.spacing_xyz, units=first.units)
    return tree, Labelling(tree, brightness or None, nominal, np.concatenate(gaps),
                           np.concatenate([label.beads for label in labellings]), faint)


def _core_signal(signal: np.ndarray, truth: Tree, labelling: Labelling, spacing: np.ndarray) -> float:
    """Mean of ``signal`` at the voxels nearest the nominal neurite nodes."""
    points = [p.points[labelling.nominal[p.id]] for p in truth.paths]
    zyx = physical_to_voxel(np.concatenate(points), spacing)
    zyx = np.clip(zyx, 0, np.asarray(signal.shape) - 1)
    return float(signal[tuple(zyx.T)].mean()) if len(zyx) else 0.0


def _blobs(rng, conditions: Conditions, core: float) -> np.ndarray:
    """Smooth background blobs: at each voxel the highest of ``n_blobs`` 3D Gaussians, as high as ``blobs`` x core."""
    shape = conditions.shape_zyx
    spacing = np.asarray(conditions.spacing_zyx)
    axes = [np.arange(n) * s for n, s in zip(shape, spacing)]
    field = np.zeros(shape, dtype=np.float32)
    for _ in range(conditions.n_blobs):
        centre = rng.uniform(0, 1, 3) * (np.asarray(shape) - 1) * spacing
        sigma = rng.uniform(*_BLOB_SIGMA_UM)
        sigmas = (sigma * _BLOB_AXIAL, sigma, sigma)
        height = rng.uniform(*conditions.blobs) * core
        profiles = [np.exp(-0.5 * ((a - c) / s) ** 2).astype(np.float32) for a, c, s in zip(axes, centre, sigmas)]
        np.maximum(field, height * profiles[0][:, None, None] * profiles[1][None, :, None] * profiles[2][None, None, :],
                   out=field)
    return field
