"""Overlay slices: colour from the colormap, opacity from the windowed value."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

from snt_web.imaging.overlay import COLORMAPS, lookup_table, render_overlay_png


def test_lookup_tables_run_from_the_first_to_the_last_anchor():
    for name, anchors in COLORMAPS.items():
        table = lookup_table(name)
        assert table.shape == (256, 3)
        assert "#%02x%02x%02x" % tuple(table[0]) == anchors[0]
        assert "#%02x%02x%02x" % tuple(table[-1]) == anchors[-1]


def test_background_is_transparent_and_signal_opaque():
    volume = np.zeros((3, 4, 5), np.float32)
    volume[1, 2, 3] = 1.0
    volume[1, 0, 0] = 0.5
    png = render_overlay_png(volume, "xy", 1, 0.0, 1.0, "green")
    rgba = np.asarray(PILImage.open(io.BytesIO(png)))
    assert rgba.shape == (4, 5, 4)
    assert rgba[2, 3, 3] == 255 and tuple(rgba[2, 3, :3]) == (0, 255, 0)
    assert 120 <= rgba[0, 0, 3] <= 135
    assert rgba[3, 4, 3] == 0  # background: fully transparent


def test_opaque_slices_have_the_see_through_slices_colours():
    """Shown instead of the image, a map keeps its colormap: same RGB, every voxel opaque."""
    volume = np.linspace(0.0, 1.0, 3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    for plane, index in (("xy", 1), ("xz", 2), ("zy", 3)):
        see_through = np.asarray(PILImage.open(io.BytesIO(render_overlay_png(volume, plane, index, 0.4, 0.6,
                                                                             "viridis"))))
        opaque = np.asarray(PILImage.open(io.BytesIO(render_overlay_png(volume, plane, index, 0.4, 0.6, "viridis",
                                                                        opaque=True))))
        assert np.array_equal(opaque[..., :3], see_through[..., :3])
        assert np.all(opaque[..., 3] == 255) and see_through[..., 3].min() == 0
        # In colour, not grey: viridis runs from purple through green to yellow.
        rgb = opaque[..., :3].astype(int)
        assert np.all(rgb.max(axis=-1) - rgb.min(axis=-1) > 20)
