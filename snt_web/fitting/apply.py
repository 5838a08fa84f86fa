"""Put fitted paths into a reconstruction: as linked fitted versions, or in place of the nodes.

SNT keeps a fit as a separate path linked both ways (``fitted`` /
``fittedversionof``, ``usefitted`` on the original) and written right after
it in ``.traces``; "Replace existing nodes" overwrites the original instead.
A fit keeps the node count, so branches keep their fork nodes either way.
This is a pure tree edit, run through the store's ``EditTree`` so that a fit
is in the history and undoable; its parameters are JSON (:func:`fit_params`).
"""

from __future__ import annotations

import numpy as np

from ..model import Path, Tree


def fit_params(paths) -> list[dict]:
    """Fitted paths as the JSON-able ``fits`` of :func:`apply_fits`."""
    return [
        {
            "path_id": int(p.id),
            "points": np.asarray(p.points, dtype=float).tolist(),
            "radii": None if p.radii is None else np.asarray(p.radii, dtype=float).tolist(),
            "tangents": None if p.tangents is None else np.asarray(p.tangents, dtype=float).tolist(),
        }
        for p in paths
    ]


def apply_fits(tree: Tree, fits: list, replace: bool = False) -> Tree:
    """The reconstruction with fitted nodes for some paths.

    Parameters
    ----------
    tree : Tree
    fits : list of dict
        ``path_id``, ``points`` (n, 3; physical x, y, z), ``radii`` (n,) or
        None, ``tangents`` (n, 3) or None, one per fitted path, with the
        path's node count (:func:`fit_params` of :func:`~snt_web.fitting.fit_tree`'s result).
    replace : bool
        False (default): each fit becomes the path's fitted version, a new
        path (or its earlier fitted version, updated) linked to it with
        ``use_fitted`` set, so SWC export, labels and views use it while the
        traced nodes are kept. True: the fit overwrites the path's nodes and
        any fitted version goes.

    Returns
    -------
    Tree

    Raises
    ------
    KeyError
        A path id is not in the tree.
    ValueError
        A fit names a fitted copy, or its node count differs from the path's.
    """
    fitted = {}
    for fit in fits:
        path = tree.path(int(fit["path_id"]))
        if path.fitted_of is not None:
            raise ValueError(f"path {path.id} is the fitted version of path {path.fitted_of}; fit that path")
        nodes = {key: None if fit.get(key) is None else np.asarray(fit[key], dtype=float)
                 for key in ("points", "radii", "tangents")}
        if nodes["points"] is None or nodes["points"].shape != path.points.shape:
            raise ValueError(f"the fit of path {path.id} must have its {len(path)} nodes")
        fitted[path.id] = nodes
    if replace:
        return _replaced(tree, fitted)
    return _linked(tree, fitted)


def _replaced(tree: Tree, fitted: dict) -> Tree:
    dropped = {p.id for p in tree.paths if p.fitted_of in fitted}
    paths = []
    for p in tree.paths:
        if p.id in dropped:
            continue
        if p.id in fitted:
            p = p.copy(**fitted[p.id], fitted_id=None, use_fitted=False)
        paths.append(p)
    return Tree(paths, spacing_xyz=tree.spacing_xyz, units=tree.units)


def _linked(tree: Tree, fitted: dict) -> Tree:
    copies = {p.fitted_of: p.id for p in tree.paths if p.fitted_of in fitted}
    next_id = tree.next_id()
    paths = []
    for p in tree.paths:
        if p.fitted_of in fitted:
            continue  # replaced below, right after its path
        if p.id not in fitted:
            paths.append(p)
            continue
        copy_id = copies.get(p.id)
        if copy_id is None:
            copy_id, next_id = next_id, next_id + 1
        paths.append(p.copy(fitted_id=copy_id, use_fitted=True))
        paths.append(Path(copy_id, name=p.name, swc_type=p.swc_type, channel=p.channel, frame=p.frame,
                          color=p.color, fitted_of=p.id, **fitted[p.id]))
    return Tree(paths, spacing_xyz=tree.spacing_xyz, units=tree.units)
