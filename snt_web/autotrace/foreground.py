"""The image the autotracer works on and its threshold: smoothed as the noise calls for, background subtracted.

SNT thresholds the raw image at an estimate from its grey-level range
(:func:`~.threshold.auto_threshold`): right for a bright, clean stack, above
the faint branches of a dim one and inside the noise of a noisy one. Ours:

1. the noise is measured (:func:`~.denoise.noise_sigma`);
2. the image is smoothed at a reference width and its background's slow
   changes subtracted (:func:`~.background.subtract_background`), and the
   bright foreground's level read off it (:func:`signal_level`);
3. the smoothing's width is chosen from noise over signal
   (:func:`~.denoise.smoothing_sigma`) and the image smoothed to it;
4. the threshold is a few standard deviations of the smoothed noise
   (:func:`~.denoise.smoothed_noise`) above the background of 0, and at
   least a fraction of the signal: on a clean stack the noise alone would
   put it in the tails of the blur around bright neurites, which then grow
   fat and sprout parallel routes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .background import subtract_background
from .denoise import denoised, noise_sigma, smoothed_noise, smoothing_sigma
from .threshold import auto_threshold

__all__ = ["REFERENCE_SIGMA", "Prepared", "prepare", "signal_level"]

#: Smoothing (finest voxels) at which the signal is measured.
REFERENCE_SIGMA = 0.75
# Of the voxels above the noise threshold, this percentile is the signal.
_SIGNAL_PERCENTILE = 99.0
# Statistics on at most this many voxels (an even stride).
_SAMPLE = 1 << 22


@dataclass(frozen=True)
class Prepared:
    """The image to trace and what was measured to make it.

    Attributes
    ----------
    image : ndarray of float32 (z, y, x)
        Smoothed; its background subtracted unless a threshold was given.
    threshold : float
        Background level of ``image``.
    sigma : float
        Smoothing, finest voxels.
    noise : float
        Noise of the raw image (grey levels).
    signal : float
        Bright foreground's level above the background (grey levels), at
        :data:`REFERENCE_SIGMA`.
    """

    image: np.ndarray
    threshold: float
    sigma: float
    noise: float
    signal: float


def signal_level(image, floor: float) -> float:
    """The bright foreground's level: the 99th percentile of the voxels above ``floor``.

    Size-independent (a high percentile of the whole stack would fall into
    the background of a large, sparse one).

    Examples
    --------
    >>> image = np.zeros((4, 32, 32)); image[2, 16, :] = np.linspace(10, 100, 32)
    >>> round(signal_level(image, 5.0), 1)
    99.1
    """
    values = np.asarray(image).reshape(-1)
    values = values[:: max(1, values.size // _SAMPLE)]
    above = values[values > floor]
    return float(np.percentile(above, _SIGNAL_PERCENTILE)) if len(above) else 0.0


def prepare(volume, spacing_zyx, *, sigma: float | None, threshold: float | None, noise_sigmas: float,
            min_contrast: float, sigma_scale: float, flatten: bool = True) -> Prepared:
    """Smooth ``volume``, subtract its background and choose the threshold (module docstring).

    Parameters
    ----------
    volume : ndarray (z, y, x)
        Not modified.
    spacing_zyx : sequence of 3 float
    sigma : float or None
        Smoothing, finest voxels; None: :func:`~.denoise.smoothing_sigma`
        with ``sigma_scale``.
    threshold : float or None
        A threshold in the image's own grey levels: then the background is
        not subtracted (the threshold means what it says).
    noise_sigmas : float
        Threshold in standard deviations of the smoothed noise.
    min_contrast : float
        Least threshold as a fraction of the signal.
    sigma_scale : float
    flatten : bool
        Subtract the background (else the threshold is SNT's estimate of the
        smoothed image).

    Returns
    -------
    Prepared
    """
    spacing = np.asarray(spacing_zyx, dtype=float)
    noise = noise_sigma(volume)
    image = denoised(volume, spacing, REFERENCE_SIGMA)
    if threshold is not None or not flatten:
        chosen = REFERENCE_SIGMA if sigma is None else float(sigma)
        if chosen != REFERENCE_SIGMA:
            image = denoised(volume, spacing, chosen)
        if threshold is None:
            threshold = auto_threshold(image)
        return Prepared(image, float(threshold), chosen, noise, 0.0)
    subtract_background(image, spacing)
    signal = signal_level(image, noise_sigmas * smoothed_noise(noise, spacing, REFERENCE_SIGMA))
    chosen = smoothing_sigma(noise, signal, sigma_scale) if sigma is None else float(sigma)
    if chosen > REFERENCE_SIGMA:  # Gaussians compose: smooth the rest of the way in place
        extra = np.sqrt(chosen ** 2 - REFERENCE_SIGMA ** 2) * spacing.min() / spacing
        ndimage.gaussian_filter(image, extra, output=image, mode="nearest")
    elif chosen < REFERENCE_SIGMA:
        image[...] = volume
        if chosen > 0:
            ndimage.gaussian_filter(image, chosen * spacing.min() / spacing, output=image, mode="nearest")
        subtract_background(image, spacing)
    level = max(noise_sigmas * smoothed_noise(noise, spacing, chosen), min_contrast * signal)
    return Prepared(image, float(level), chosen, noise, signal)
