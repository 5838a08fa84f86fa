"""Coloured slices of a secondary layer (probability map): see-through, to lay over the image, or opaque.

Each voxel's colour comes from a colormap. Laid over the image, its opacity
comes from the same windowed value, so background (low probability) leaves
the image visible and neurites light up; shown instead of the image, every
voxel is opaque.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

from .slices import extract_slice, window_to_uint8

#: Colormaps as evenly spaced RGB anchors, interpolated to 256 entries.
#: Magma and viridis anchors are sampled from the perceptually uniform maps of
#: van der Walt and Smith; the single-hue maps suit a two-colour overlay.
COLORMAPS = {
    "magma": ["#000004", "#3b0f70", "#8c2981", "#de4968", "#fe9f6d", "#fcfdbf"],
    "viridis": ["#440154", "#414487", "#2a788e", "#22a884", "#7ad151", "#fde725"],
    "green": ["#002200", "#00ff00"],
    "magenta": ["#220022", "#ff00ff"],
    "gray": ["#000000", "#ffffff"],
}


def lookup_table(name: str) -> np.ndarray:
    """``(256, 3)`` uint8 RGB table of a colormap in :data:`COLORMAPS`."""
    anchors = np.array([[int(h[i:i + 2], 16) for i in (1, 3, 5)] for h in COLORMAPS[name]], dtype=float)
    at = np.linspace(0, 255, len(anchors))
    return np.stack([np.interp(np.arange(256), at, anchors[:, k]) for k in range(3)], axis=1).round().astype(np.uint8)


def render_overlay_png(volume: np.ndarray, plane: str, index: int, low: float, high: float,
                       cmap: str = "magma", opaque: bool = False) -> bytes:
    """One slice of ``volume`` windowed to ``[low, high]``, coloured by ``cmap``, as an RGBA PNG.

    Alpha is the windowed value itself: a voxel at or below ``low`` is fully
    transparent, one at or above ``high`` opaque. With ``opaque``, every voxel
    is opaque (the map shown instead of the image, in the same colours).
    """
    value = window_to_uint8(extract_slice(volume, plane, index), low, high)
    rgba = np.empty(value.shape + (4,), dtype=np.uint8)
    rgba[..., :3] = lookup_table(cmap)[value]
    rgba[..., 3] = 255 if opaque else value
    buf = io.BytesIO()
    PILImage.fromarray(rgba, mode="RGBA").save(buf, format="PNG", compress_level=1)
    return buf.getvalue()
