"""Paths as polylines grouped by colour: the one drawing of a reconstruction.

The 3D view and the overlays of the slice views draw the same groups (few
traces, fast to draw), so a path looks the same everywhere. Coordinates stay
physical x, y, z; each view projects them itself.
"""

from __future__ import annotations

import numpy as np

from ...model import SWC_TYPES, Tree
from ...model.fitted import drawn_nodes

#: Colours for paths without their own colour (Okabe-Ito, colour-blind safe).
PALETTE = ["#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7", "#999999"]
TYPE_COLORS = dict(enumerate(["#bbbbbb", "#ffffff", "#4477aa", "#ee6677", "#228833", "#ccbb44", "#66ccee", "#aa3377"]))
SELECTED_COLOR = "#ffffff"


def line_groups(tree: Tree, color_by: str = "path", selected=()) -> list[dict]:
    """The reconstruction as a few polylines, one per colour.

    Parameters
    ----------
    tree : Tree
    color_by : {'path', 'type'}
        Each path's own colour (or a palette colour), or its SWC type.
    selected : collection of int
        Path ids drawn thicker and in white.

    Returns
    -------
    list of dict
        ``color``, ``width``, ``selected`` and physical ``x``, ``y``, ``z``
        lists (None between paths: Plotly's line break) with a hover ``text``
        per point; where any path of the group has radii, ``r``: physical
        node radii (None for nodes without). Fitted copies are left out: they
        stand for their original, drawn with their nodes when it uses them.
    """
    groups: dict[tuple[str, int], list] = {}
    selected = set(selected)
    for k, path in enumerate(p for p in tree.paths if p.fitted_of is None):
        if path.id in selected:
            key = (SELECTED_COLOR, 6)
        elif color_by == "type":
            key = (TYPE_COLORS.get(path.swc_type, "#bbbbbb"), 3)
        else:
            key = ((path.color or PALETTE[k % len(PALETTE)])[:7], 3)
        groups.setdefault(key, []).append(path)
    out = []
    for (color, width), paths in groups.items():
        xyz, text, radii = [], [], []
        for path in paths:
            pts, r = drawn_nodes(tree, path)
            xyz.append(np.vstack([pts, [np.nan] * 3]))
            radii.append(np.append(np.full(len(pts), np.nan) if r is None else r, np.nan))
            label = f"{path.id}: {path.name} ({SWC_TYPES.get(path.swc_type, '?')})"
            text += [label] * (len(pts) + 1)
        pts = np.concatenate(xyz)
        group = {
            "color": color,
            "width": width,
            "selected": color == SELECTED_COLOR and width == 6,
            "x": _nullable(pts[:, 0]),
            "y": _nullable(pts[:, 1]),
            "z": _nullable(pts[:, 2]),
            "text": text,
        }
        radii = np.concatenate(radii)
        if np.isfinite(radii).any():
            group["r"] = _nullable(np.where(radii > 0, radii, np.nan))
        out.append(group)
    return out


def _nullable(values: np.ndarray) -> list:
    """Floats rounded to 0.1 nm-ish precision, with NaN as null (Plotly's line break)."""
    return [None if np.isnan(v) else round(float(v), 4) for v in values]
