"""Refine/Fit as a job: fit a whole reconstruction (or some paths) with progress per path.

The fit is computed from the version the job started on and saved through
the store's ``apply_fits`` tree edit, so it is one undoable step in the
history; if anybody changed the reconstruction in the meantime the save is
refused (stale version) rather than undoing their edit.
"""

from __future__ import annotations

from ..fitting import SCOPES, fit_params, fit_tree, fittable_ids
from ..store.commands import edit_tree
from ..store.layers import project_layer
from ..store.records import StoreError
from .params import boolean, choice, frame, id_list, length, optional, text
from .tasks import task


def fit_project_paths(store, project_id: str, tree, path_ids=None, *, scope: str = "radii", layer: str = "raw",
                      max_radius: float | None = None, frame: int | None = None, progress=None) -> list:
    """Fit paths of a project's reconstruction on its image (each path on its own channel and frame) or a layer.

    Parameters
    ----------
    store : ProjectStore
    project_id : str
    tree : Tree
        The reconstruction (of the version the fit is for).
    path_ids : iterable of int, optional
        All paths by default.
    scope, max_radius
        As :func:`~snt_web.fitting.fit_tree`.
    layer : str
        ``raw``: the image, each path on the channel it was traced on; else
        a filtered layer or ``map:<name>:<k>`` (:func:`~snt_web.store.layers.project_layer`).
    frame : int, optional
        0-based frame of the image for every path; by default each path's
        own (the frame it was traced on).
    progress : callable, optional
        ``progress(percent, message)``.

    Returns
    -------
    list of Path
        The fitted paths, in tree order.

    Raises
    ------
    StoreError
        No image, or a path id that is not in the reconstruction.
    """
    image = store.image(project_id)
    if image is None:
        raise StoreError(f"project {project_id!r} has no image to fit on")
    try:
        wanted = fittable_ids(tree, path_ids)
    except KeyError as err:
        raise StoreError(f"project {project_id!r} has no path {err.args[0]}") from None
    # The raw image is fitted volume by volume, each path on the channel and frame it was traced on (a path
    # of a channel or frame the image lacks, on the nearest it has).
    groups: dict[tuple[int, int], list[int]] = {}
    for path in tree.paths:
        if path.id in wanted:
            channel = min(max(path.channel - 1, 0), image.n_channels - 1) if layer == "raw" else 0
            at = min(max(path.frame - 1, 0), image.n_frames - 1) if frame is None else frame
            groups.setdefault((channel, at), []).append(path.id)
    total = max(sum(len(tree.path(i)) for ids in groups.values() for i in ids), 1)
    fitted, done = {}, 0
    for (channel, at), ids in groups.items():
        volume = project_layer(store, project_id, layer, channel=channel, frame=at)
        share = sum(len(tree.path(i)) for i in ids) / total

        def report(percent, message, start=done, share=share):
            if progress is not None:
                progress(100.0 * start + share * percent, message)

        for path in fit_tree(volume, image.spacing, tree, ids, scope=scope, max_radius=max_radius,
                             progress=report):
            fitted[path.id] = path
        done += share
    return [fitted[p.id] for p in tree.paths if p.id in fitted]


@task("fit-paths", path_ids=optional(id_list()), scope=choice(*SCOPES), layer=text(200),
      max_radius=optional(length(256)), replace=boolean(), frame=optional(frame()))
def fit_paths(context, path_ids=None, scope: str = "radii", layer: str = "raw", max_radius: float | None = None,
              replace: bool = False, frame: int | None = None) -> dict:
    """Fit the project's paths (``path_ids``, or all) on ``layer`` and save the result as one edit.

    Parameters
    ----------
    context : JobContext
    path_ids : list of int, optional
        The paths to fit; every path by default.
    scope : {'radii', 'positions', 'both'}
    layer : str
        ``raw`` (each path on its own channel), a filtered layer
        (``tubeness``...) or ``map:<name>:<k>``.
    max_radius : float, optional
        Search radius, physical; 10 finest voxels by default.
    replace : bool
        Overwrite the paths' nodes instead of keeping linked fitted versions.
    frame : int, optional
        0-based frame of the image for every path; each path's own by default.

    Returns
    -------
    dict
        ``paths``, ``nodes``, ``version`` (the project's version with the fit).
    """
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    store, project_id = context.store, context.project_id
    version = store.get(project_id).version
    tree = store.reconstruction(project_id, version)
    context.progress(0, f"fitting on layer {layer}")
    fitted = fit_project_paths(store, project_id, tree, path_ids, scope=scope, layer=layer, max_radius=max_radius,
                               frame=frame, progress=lambda p, m: context.progress(0.97 * p, m))
    if not fitted:
        raise StoreError(f"project {project_id!r} has no paths to fit")
    # The last chance to cancel: after this the project has changed.
    context.progress(98, f"saving the fit of {len(fitted)} paths")
    record, _ = edit_tree(store, project_id, context.user, "apply_fits",
                          {"fits": fit_params(fitted), "replace": bool(replace)}, version)
    return {"paths": len(fitted), "nodes": int(sum(len(p) for p in fitted)), "version": record.version}
