"""Named kinds of synthetic data: presets of :class:`~snt_web.synth.conditions.Conditions`, some drawn per seed.

Constants of the tracer, autotracer, classifier and fit are chosen on a
corpus of these kinds and judged on held-out seeds of the same kinds, so
each kind is a condition real stacks show, not one that flatters a method.
Every kind is deterministic per (kind, seed). Each is a 48 x 256 x 256 stack
at 1 x 0.3 x 0.3 µm (the served demo's), 8-bit, with the demo's optics and
noise, unless it says otherwise; ranges are drawn per seed:

``demo``
    :func:`~snt_web.synth.make_demo` exactly: one bright neuron (core signal
    ~65 grey levels over a background of 25, SNR ~8), 4 primaries.
``bright``
    Clean as the demo, other neurons: 3-6 primaries branching to order 3-4,
    signal 100-140.
``faint``
    Brightness drifting by up to ±40% along neurites, and 35% of the
    branches (with their sub-branches) at 20-50% of their parent's
    brightness; 4-6 primaries.
``beaded``
    Varicosities every 3-6 µm along thin neurites (radius up to 1.6-2.2x,
    brightness up to 1.3-1.8x) and 3-5 gaps of 1-4 voxels per 100 µm.
``noisy``
    SNR 2-3 (16-bit, background 300, photon-limited noise) over an uneven
    background: a ramp of 50 grey levels and blobs at 10-30% of the core
    signal.
``dense``
    2-3 neurons of 6-8 primaries each, somata 12 µm or more apart, arbors
    overlapping and crossing above and below each other.
``anisotropic``
    z spacing 2-5 times the lateral 0.3 µm over a depth of 40 µm (28-68
    slices), and a long axial blur (PSF sigma 1.2 µm in z, 0.25 µm laterally).
``hard``
    Faint branches and drift as ``faint``, varicosities every 4 µm and 4
    gaps per 100 µm, at SNR 2.5 (16-bit), together.
"""

from __future__ import annotations

import zlib

import numpy as np

from .conditions import Conditions
from .volume import SyntheticVolume, render_volume

__all__ = ["DEMO_SHAPE", "KINDS", "kind_conditions", "make_volume"]

#: The served demo's stack (z, y, x), also the other kinds' (the anisotropic one adapts z).
DEMO_SHAPE = (48, 256, 256)
_LATERAL_UM = 0.3
# 16-bit stacks with a high background (a 12-bit detector's offset), so that
# noise at an SNR of 2-3 is not clipped at 0.
_DIM_16BIT = {"dtype": "uint16", "background": 300.0, "signal": 400.0, "gradient": 50.0}
# Faint branches and brightness drifting along neurites.
_FAINT = {"modulation": 0.4, "faint_share": 0.35}
# The anisotropic kind's stack depth (µm) and axially long point-spread function (µm, z y x).
_ANISOTROPIC_DEPTH_UM = 40.0
_STRONG_PSF_UM = (1.2, 0.25, 0.25)


# Each kind draws, for a seed, the fields of Conditions in which it differs from the demo.
def _demo(rng) -> dict:
    return {}


def _bright(rng) -> dict:
    return {"n_primary": int(rng.integers(3, 7)), "max_order": int(rng.integers(3, 5)),
            "signal": float(rng.uniform(100, 140))}


def _faint(rng) -> dict:
    return {**_FAINT, "n_primary": int(rng.integers(4, 7))}


def _beaded(rng) -> dict:
    return {"bead_spacing_um": float(rng.uniform(3, 6)), "gaps_per_100um": float(rng.uniform(3, 5))}


def _noisy(rng) -> dict:
    return {**_DIM_16BIT, "snr": float(rng.uniform(2, 3)), "blobs": (0.1, 0.3)}


def _dense(rng) -> dict:
    return {"n_cells": int(rng.integers(2, 4)), "n_primary": int(rng.integers(6, 9))}


def _anisotropic(rng) -> dict:
    ratio = float(rng.uniform(2, 5))
    z = ratio * _LATERAL_UM
    return {"spacing_zyx": (z, _LATERAL_UM, _LATERAL_UM), "psf_sigma_um": _STRONG_PSF_UM,
            "shape_zyx": (int(round(_ANISOTROPIC_DEPTH_UM / z)) + 1, *DEMO_SHAPE[1:])}


def _hard(rng) -> dict:
    return {**_DIM_16BIT, **_FAINT, "snr": 2.5, "bead_spacing_um": 4.0, "gaps_per_100um": 4.0}


#: Kind name -> the conditions it draws for a seed (see the module docstring).
KINDS = {"demo": _demo, "bright": _bright, "faint": _faint, "beaded": _beaded, "noisy": _noisy, "dense": _dense,
         "anisotropic": _anisotropic, "hard": _hard}


def kind_conditions(kind: str, seed: int = 0, shape_zyx=None) -> Conditions:
    """The conditions of ``kind`` for ``seed`` (its ranges drawn), optionally on another stack shape.

    Raises
    ------
    ValueError
        An unknown kind.

    Examples
    --------
    >>> kind_conditions("anisotropic", 3).anisotropy == kind_conditions("anisotropic", 3).anisotropy
    True
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    changes = KINDS[kind](np.random.default_rng((seed, _code(kind), 1)))
    if shape_zyx is not None:
        changes["shape_zyx"] = tuple(int(n) for n in shape_zyx)
    return Conditions(**changes)


def make_volume(kind: str = "demo", seed: int = 0, shape_zyx=None) -> SyntheticVolume:
    """A volume of ``kind`` (see :data:`KINDS`), the same for the same kind and seed.

    Parameters
    ----------
    kind : str
        A name of :data:`KINDS` (the module docstring says what each is). ``demo`` is :func:`~snt_web.synth.make_demo`'s
        stack exactly; the others grow other neurons than the demo's for
        the same seed.
    seed : int
    shape_zyx : sequence of 3 int, optional
        Another stack shape (the spacing stays the kind's).

    Returns
    -------
    SyntheticVolume
        Named ``<kind>-seed<seed>.tif``.

    Raises
    ------
    ValueError
        An unknown kind, or a shape too small for a neuron.

    Examples
    --------
    >>> volume = make_volume("beaded", 4, shape_zyx=(24, 96, 128))
    >>> volume.image.shape_zyx, len(volume.seeds_xyz)
    ((24, 96, 128), 1)
    """
    conditions = kind_conditions(kind, seed, shape_zyx)
    entropy = seed if kind == "demo" else (seed, _code(kind))
    return render_volume(conditions, entropy, name=f"{kind}-seed{seed}.tif")


def _code(kind: str) -> int:
    """A stable number for a kind's name, mixed into its seeds."""
    return zlib.crc32(kind.encode())
