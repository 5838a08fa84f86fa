"""Seeds as every view draws them: a capped set of positions, radii and colours.

The slice views and the 3D view draw the same ``seed-marks`` store
(``assets/snt_web.js``: ``seedTraces``, ``seeds3d``). Like SNT, when more seeds
are visible than can be drawn smoothly only the most confident are sent
(SNT draws the top 20,000; a browser plot is slower, so fewer). Each slice
view shows the seeds within a few slices of its plane, fading with distance.
"""

from __future__ import annotations

import numpy as np

from ...imaging.overlay import lookup_table
from ...seeds import Seeds
from .path_lines import PALETTE

#: Seeds sent to the page at most, the most confident first.
MAX_DRAWN = 10_000
COLOR_MODES = ("confidence", "type", "source")


def seed_colors(seeds: Seeds, color_by: str) -> list[str]:
    """One ``#rrggbb`` per seed: viridis by confidence, or a palette colour per type or source."""
    if color_by not in COLOR_MODES:
        raise ValueError(f"color_by must be one of {COLOR_MODES}, got {color_by!r}")
    if color_by == "confidence":
        lut = lookup_table("viridis")
        rgb = lut[np.clip(np.round(seeds.confidence * 255), 0, 255).astype(int)]
        return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist()]
    values = getattr(seeds, color_by).astype(str)
    names = sorted(set(values.tolist()))
    index = {name: PALETTE[k % len(PALETTE)] for k, name in enumerate(names)}
    return [index[v] for v in values.tolist()]


def seed_marks(seeds: Seeds, color_by: str = "confidence", cap: int = MAX_DRAWN) -> dict:
    """What the views draw of ``seeds`` (those already filtered to the visible ones).

    Returns
    -------
    dict
        Columns ``id, x, y, z`` (physical), ``r`` (physical radius, 0
        unknown), ``color``, ``mark`` (-1, 0, 1), and ``n_visible`` /
        ``n_drawn``: how many seeds passed the filter and how many are sent.
    """
    drawn = seeds.top_by_confidence(cap)
    xyz = np.round(drawn.xyz, 4)
    return {
        "id": drawn.id.tolist(), "x": xyz[:, 0].tolist(), "y": xyz[:, 1].tolist(), "z": xyz[:, 2].tolist(),
        "r": np.round(drawn.radius, 4).tolist(), "color": seed_colors(drawn, color_by), "mark": drawn.mark.tolist(),
        "n_visible": len(seeds), "n_drawn": len(drawn),
    }
