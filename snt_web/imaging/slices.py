"""Orthogonal slices of a (z, y, x) volume, windowed to 8 bits and encoded as PNG.

The views show slices in the layout of SNT's and ImageJ's orthogonal views:

- ``xy``: plane ``z = index``, rows y, columns x;
- ``xz``: plane ``y = index``, rows z, columns x (sits under XY, sharing x);
- ``zy``: plane ``x = index``, rows y, columns z (sits right of XY, sharing y).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

#: The three orthogonal planes, named by (horizontal, vertical) axis.
PLANES = ("xy", "xz", "zy")

#: For each plane, the (z, y, x) array axis its slider walks along.
SLICE_AXIS = {"xy": 0, "xz": 1, "zy": 2}


def extract_slice(volume: np.ndarray, plane: str, index: int) -> np.ndarray:
    """One orthogonal plane of a (z, y, x) volume, as (rows, columns).

    Parameters
    ----------
    volume : ndarray, shape (z, y, x)
    plane : {'xy', 'xz', 'zy'}
    index : int
        Position along the plane's normal axis, clipped to the volume.

    Returns
    -------
    ndarray
        ``(y, x)`` for ``xy``, ``(z, x)`` for ``xz`` and ``(y, z)`` for ``zy``.
    """
    axis = SLICE_AXIS[plane]
    index = int(np.clip(index, 0, volume.shape[axis] - 1))
    if plane == "xy":
        return np.asarray(volume[index])
    if plane == "xz":
        return np.asarray(volume[:, index, :])
    return np.asarray(volume[:, :, index]).T


def window_to_uint8(plane: np.ndarray, low: float, high: float) -> np.ndarray:
    """Map ``[low, high]`` linearly onto 0-255, clipping outside; NaN is black.

    Works in float32 because slices are small. A degenerate window
    (``high <= low``) thresholds at ``low``.
    """
    plane = plane.astype(np.float32, copy=False)
    span = float(high) - float(low)
    if span <= 0:
        return np.where(plane > low, 255, 0).astype(np.uint8)
    scaled = (plane - np.float32(low)) * np.float32(255.0 / span)
    return np.clip(np.nan_to_num(scaled, nan=0.0), 0, 255).astype(np.uint8)


def encode_png(plane8: np.ndarray, compress_level: int = 1) -> bytes:
    """Encode a 2D uint8 array as a grayscale PNG.

    Level 1 (fast zlib) with PNG's adaptive row filters is what keeps a noisy
    512 x 512 slice under ~250 kB and a few milliseconds: higher levels shave
    a few percent off the size for several times the time.
    """
    buf = io.BytesIO()
    PILImage.fromarray(np.ascontiguousarray(plane8), mode="L").save(
        buf, format="PNG", compress_level=compress_level
    )
    return buf.getvalue()


def auto_contrast(
    volume: np.ndarray, percentiles: tuple[float, float] = (1.0, 99.95), max_samples: int = 2_000_000
) -> tuple[float, float]:
    """Display window from intensity percentiles of a (strided) sample of the volume.

    A regular stride over whole planes, not random access, keeps this fast on
    memory-mapped files.
    """
    step = max(1, int(np.ceil((volume.size / max_samples) ** (1 / 3))))
    sample = np.asarray(volume[::step, ::step, ::step], dtype=np.float64)
    low, high = np.percentile(sample[np.isfinite(sample)], percentiles)
    if high <= low:
        high = low + 1.0
    return float(low), float(high)


def render_slice_png(
    volume: np.ndarray, plane: str, index: int, low: float, high: float
) -> bytes:
    """Extract, window and encode one slice: what the slice route serves."""
    return encode_png(window_to_uint8(extract_slice(volume, plane, index), low, high))
