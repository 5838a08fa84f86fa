"""The conditions a synthetic stack is imaged under: the stack, the cells, the labelling, the optics and the noise.

One frozen :class:`Conditions` describes a kind of data; its defaults are the
demo's (:func:`snt_web.synth.make_demo`). :func:`~snt_web.synth.volume.render_volume`
turns conditions and a seed into a volume.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

__all__ = ["DTYPES", "PSF_SIGMA_UM", "Conditions"]

#: A confocal point-spread function (standard deviation, µm, z y x): axially
#: about four times longer than laterally. The demo's stacks are blurred by it.
PSF_SIGMA_UM = np.array([0.6, 0.15, 0.15])

#: Pixel types of the stacks: 8-bit as many confocal stacks traced in SNT are,
#: 16-bit (12-bit detectors) where a high background leaves room for noise.
DTYPES = ("uint8", "uint16")


@dataclass(frozen=True)
class Conditions:
    """How a synthetic stack is made; the defaults make the demo.

    Lengths are physical (µm) unless a name says voxels; a "voxel" of a
    length along a neurite is the finest (lateral) voxel size.

    Attributes
    ----------
    shape_zyx : tuple of 3 int
        Shape of the stack.
    spacing_zyx : tuple of 3 float
        Voxel size, z coarser than x and y as in a confocal stack (the
        anisotropy is ``spacing_zyx[0] / spacing_zyx[2]``).
    dtype : {'uint8', 'uint16'}
    n_cells : int
        Neurons in the stack. One is grown near the centre, as the demo's;
        several are grown in the whole stack from somata at least
        :attr:`min_soma_distance_voxels` apart laterally and at different
        depths, so that their arbors overlap and cross above and below each
        other.
    n_primary : int
        Neurites leaving each soma.
    max_order : int
        Highest branch order that still sprouts branches.
    min_soma_distance_voxels : float
        Lateral distance between somata, finest voxels (several cells only).
    signal : float
        Grey levels of a fully occupied voxel above the background, before
        the blur: thin neurites' cores come out dimmer (see ``snr``).
    background : float
        Mean grey level of the background.
    gradient : float
        Grey levels of a linear ramp across the field (uneven illumination).
    blobs : tuple of 2 float
        Smooth background blobs (out-of-focus haze, autofluorescence): each
        a 3D Gaussian 3-10 µm wide laterally whose height is drawn in this
        range, as a fraction of the core signal (see ``snr``); the field is
        the largest of them at each voxel. ``(0, 0)``: none.
    n_blobs : int
        Number of blobs (when ``blobs`` is not zero).
    psf_sigma_um : tuple of 3 float
        Standard deviation of the Gaussian point-spread function, z, y, x.
    snr : float, optional
        Signal-to-noise ratio to hit: the *core signal* (the mean, over the
        centreline voxels of neurites at their nominal brightness, of the
        noise-free signal above the background there; centreline voxels are
        the voxels nearest the nodes, those of somata, faint branches,
        varicosities and gaps left out) over the standard deviation of the
        noise in the background at its mean level. The noise is then
        photon-limited: the gain ``poisson_scale`` is chosen so that shot and
        read noise together have that standard deviation (the background
        must be at least twice it, or the noise would be clipped at 0).
        None: the noise is ``poisson_scale`` and ``read_noise`` as given.
    poisson_scale : float
        Grey levels per detected photon (when ``snr`` is None).
    read_noise : float
        Standard deviation of the Gaussian read noise, grey levels.
    modulation : float
        Brightness varying along neurites: each path's brightness is
        ``1 + modulation * u(s)``, ``u`` a smooth function of arc length in
        [-1, 1] (two sinusoids of 8-30 µm wavelength), 0: constant.
    faint_share : float
        Chance that a branch (a path growing from another neurite, not from
        the soma) is faint, unless one of its ancestors already is: it and
        its sub-branches are drawn at a level in ``faint_level`` of its
        parent's.
    faint_level : tuple of 2 float
        Range of a faint branch's brightness relative to its parent's.
    bead_spacing_um : float
        Varicosities: mean distance between beads along thin neurites
        (radius at most :attr:`thin_voxels`), drawn 0.5-1.5 times it. A bead
        is a Gaussian swelling along the path (standard deviation 0.35-0.6
        µm) of the radius (up to 1.6-2.2 times) and of the brightness (up to
        1.3-1.8 times); the truth's radii swell with it. 0: none.
    thin_voxels : float
        Radius (finest voxels) below which a neurite is thin enough to bead.
    gaps_per_100um : float
        Short gaps: their mean number per 100 µm of neurite, at least 3 µm
        from path ends and forks. Over a gap the neurite is not labelled
        (its signal drops to the background); the truth goes on through it.
    gap_voxels : tuple of 2 int
        Range of a gap's length along the neurite, finest voxels.
    """

    shape_zyx: tuple = (48, 256, 256)
    spacing_zyx: tuple = (1.0, 0.3, 0.3)
    dtype: str = "uint8"
    n_cells: int = 1
    n_primary: int = 4
    max_order: int = 3
    min_soma_distance_voxels: float = 40.0
    signal: float = 120.0
    background: float = 25.0
    gradient: float = 15.0
    blobs: tuple = (0.0, 0.0)
    n_blobs: int = 6
    psf_sigma_um: tuple = tuple(PSF_SIGMA_UM.tolist())
    snr: float | None = None
    poisson_scale: float = 2.0
    read_noise: float = 3.0
    modulation: float = 0.0
    faint_share: float = 0.0
    faint_level: tuple = (0.2, 0.5)
    bead_spacing_um: float = 0.0
    thin_voxels: float = 2.0
    gaps_per_100um: float = 0.0
    gap_voxels: tuple = (1, 4)

    def __post_init__(self):
        for name in ("shape_zyx", "spacing_zyx", "psf_sigma_um"):
            value = tuple(getattr(self, name))
            if len(value) != 3:
                raise ValueError(f"{name} must have 3 values (z, y, x), got {value}")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "shape_zyx", tuple(int(n) for n in self.shape_zyx))
        for name in ("spacing_zyx", "psf_sigma_um", "blobs", "faint_level"):
            object.__setattr__(self, name, tuple(float(v) for v in getattr(self, name)))
        object.__setattr__(self, "gap_voxels", tuple(int(v) for v in self.gap_voxels))
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if min(self.shape_zyx) < 1 or min(self.spacing_zyx) <= 0:
            raise ValueError(f"shape and spacing must be positive, got {self.shape_zyx}, {self.spacing_zyx}")
        if self.n_cells < 1 or self.n_primary < 1 or self.max_order < 1:
            raise ValueError("n_cells, n_primary and max_order must be at least 1")
        if self.snr is not None and not self.snr > 0:
            raise ValueError(f"snr must be positive, got {self.snr}")
        if min(self.psf_sigma_um) < 0 or self.poisson_scale <= 0 or self.read_noise < 0:
            raise ValueError("psf_sigma_um and read_noise must be at least 0, poisson_scale positive")
        for name in ("blobs", "faint_level", "gap_voxels"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"{name} must be a range (low, high) with 0 <= low <= high, got {(low, high)}")
        if not 0 <= self.modulation < 1 or not 0 <= self.faint_share <= 1:
            raise ValueError("modulation must be in [0, 1) and faint_share in [0, 1]")
        if self.bead_spacing_um < 0 or self.gaps_per_100um < 0 or self.gap_voxels[0] < 1:
            raise ValueError("bead_spacing_um and gaps_per_100um must be at least 0, gaps at least 1 voxel")

    @property
    def anisotropy(self) -> float:
        """z spacing over lateral spacing."""
        return self.spacing_zyx[0] / self.spacing_zyx[2]

    @property
    def psf_sigma_voxels(self) -> tuple[float, float, float]:
        """The point-spread function's standard deviation in voxels of each axis."""
        return tuple(float(s) for s in np.asarray(self.psf_sigma_um) / np.asarray(self.spacing_zyx))

    @property
    def labelling_varies(self) -> bool:
        """Whether neurites are drawn at other than uniform brightness."""
        return bool(self.modulation or self.faint_share or self.bead_spacing_um or self.gaps_per_100um)

    def to_json(self) -> dict:
        """A JSON-ready dict of every field."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}
