"""The autotracer as a job: trace the project's image (or a layer of it) and add the cells as new paths.

A probability map (a map whose recorded values are probabilities,
:func:`snt_web.store.maps.map_values`) is traced at a probability threshold
(:func:`~snt_web.autotrace.threshold.map_threshold`; 0.5 for a map that the
classifier which made it called too wide, where lower levels trace its haze)
and scores its own nodes, unless the job says otherwise; the result says
which threshold was used and why.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..autotrace import ROLES, AutotraceSettings, autotrace
from ..autotrace.threshold import PROBABILITY_THRESHOLD
from ..model.graft import path_records
from ..store.commands import edit_tree
from ..store.layers import MAP_PREFIX, layer_values, parse_map_layer, project_layer
from ..store.maps import map_description
from ..store.records import StoreError
from .params import boolean, channel, choice, frame, number, number_list, optional, scales, text
from .tasks import task


#: Why a map is traced at 0.5: the classifier that made it found it far wider than the traced paths.
TOO_WIDE = "probability map called too wide"


def _called_too_wide(store, project_id: str, layer: str) -> bool:
    """Whether the classifier that made the map ``layer`` warned that it covers far more than the paths predict."""
    coverage = map_description(store, project_id, parse_map_layer(layer)[0]).get("coverage") or {}
    return bool(coverage.get("warning"))


def _seed_table(seeds) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """``(xyz, confidence)`` from ``[[x, y, z, confidence], ...]`` (confidence optional, 1)."""
    if seeds is None:
        return None, None
    rows = [list(row) for row in seeds] if isinstance(seeds, list) else None
    if rows is None or any(len(row) not in (3, 4) for row in rows):
        raise ValueError("seeds must be a list of [x, y, z] or [x, y, z, confidence] (µm)")
    table = np.array([row + [1.0] * (4 - len(row)) for row in rows], dtype=float).reshape(-1, 4)
    return table[:, :3], table[:, 3]


@task("autotrace", seeds=optional(number_list((3, 4))), role=choice(*ROLES), layer=text(200),
      score_map=optional(text(200)), multi_cell=boolean(), channel=channel(), frame=frame(),
      connectivity=choice(6, 18, 26), centre=boolean(), gap_penalty=optional(number(0, 1000)), scales=scales())
def autotrace_task(context, seeds=None, role: str = "root", layer: str = "raw", score_map: str | None = "auto",
                   multi_cell: bool = False, channel: int = 0, frame: int = 0, connectivity: int = 18,
                   centre: bool = True, gap_penalty: float | None = None, scales=None) -> dict:
    """Autotrace the project's image and add one arbor per cell to the reconstruction (one undoable edit).

    Parameters
    ----------
    context : JobContext
    seeds : list of [x, y, z, confidence], optional
        Physical (µm) seed positions; None: detect the soma(s).
    role : {'root', 'tip', 'waypoint'}
    layer : str
        What is traced: ``raw`` (the image), a filtered layer (``tubeness``,
        ``frangi``, ``gaussian``) or a probability map class ``map:<name>:<k>``;
        a probability map is traced at a probability threshold
        (:func:`~snt_web.autotrace.threshold.map_threshold`).
    score_map : {'auto', 'tubeness', 'frangi'} or ``map:<name>:<k>`` or None
        Branch scores: a filter of the traced volume, or a probability map;
        ``auto``: the traced probability map itself, or tubeness.
    multi_cell : bool
        Cells with territory limits (see :func:`snt_web.autotrace.autotrace`).
    channel, frame : int
        0-based.
    connectivity : {6, 18, 26}
        Fast marching's neighbourhood (SNT's 18 by default).
    centre : bool
        Put the result on the centrelines (ours): one-node soma, centred
        nodes, straight forks, no branch inside another path.
    gap_penalty : float, optional
        Extra cost of each dark voxel bridged (ours, 1 by default; 0 and
        ``centre`` False give SNT's output).
    scales : list of float, optional
        Physical scales of a filtered ``layer`` (the Tracing panel's);
        :func:`~snt_web.tracing.layers.default_scales` by default.

    Returns
    -------
    dict
        ``n_trees``, ``n_paths``, ``n_nodes``, ``path_ids`` (the new paths),
        ``threshold``, ``threshold_reason`` (``given``, ``estimated from the
        image``, ``probability map`` or ``probability map called too wide``),
        ``warnings``, ``elapsed_s``.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    xyz, confidence = _seed_table(seeds)
    gap = {} if gap_penalty is None else {"gap_penalty": float(gap_penalty)}
    settings = AutotraceSettings(connectivity=int(connectivity), centre=bool(centre), **gap)
    image = context.store.image(context.project_id)
    if image is None:
        raise StoreError(f"project {context.project_id!r} has no image to trace")
    context.progress(0, f"loading layer {layer}")
    volume = project_layer(context.store, context.project_id, layer, channel=channel, frame=frame,
                           scales=[float(s) for s in scales] if scales else None)
    scores = score_map
    if score_map is not None and score_map.startswith(MAP_PREFIX):
        scores = project_layer(context.store, context.project_id, score_map, channel=channel, frame=frame)
    probability = layer_values(context.store, context.project_id, layer) == "probability"
    too_wide = probability and _called_too_wide(context.store, context.project_id, layer)
    if too_wide:
        settings = replace(settings, threshold=PROBABILITY_THRESHOLD)
    context.progress(5, "tracing")
    result = autotrace(volume, image.spacing, seeds_xyz=xyz, confidence=confidence, role=role,
                       multi_cell=bool(multi_cell), score_map=scores, settings=settings, units=image.units,
                       source=f"autotrace:{role}", channel=channel + 1, frame=frame + 1,
                       probability_map=probability,
                       progress=lambda percent, message: context.progress(5 + 0.9 * percent, message))
    tree = result.tree
    path_ids: list[int] = []
    if len(tree.paths):
        # The last chance to cancel: after this the project has changed.
        context.progress(96, f"adding {len(tree.paths)} paths")
        # No base version: the new arbors are added to whatever the
        # reconstruction is by now, so edits made while this ran are kept.
        _, first = edit_tree(context.store, context.project_id, context.user, "add_trees",
                                  {"paths": path_records(tree)}, None)
        path_ids = list(range(first, first + len(tree.paths)))
    return {"n_trees": len(tree.roots()), "n_paths": len(tree.paths), "n_nodes": tree.n_nodes, "path_ids": path_ids,
            "threshold": result.threshold, "threshold_reason": TOO_WIDE if too_wide else result.threshold_reason,
            "warnings": result.warnings,
            "elapsed_s": round(result.elapsed_s, 3)}
