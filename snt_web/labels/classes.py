"""Which label each path gets, and what each label is called.

Label 0 is background (or unlabelled: a label image made from paths says
nothing about the voxels away from them). The other labels depend on the
class scheme:

``"binary"``
    1 for every path: neurite.
``"channel"``
    The path's 1-based channel: one class per image channel.
``"path"``
    ``1 + i`` for the ``i``-th path in tree order, counting every path except
    fitted copies (:func:`path_label_ids`). A subset of paths keeps the labels
    it has in the whole tree, so label images of different subsets agree.

Fitted copies (``fitted_of`` set) never get a label: they duplicate their
path, which is labelled in their place. Nor do paths without nodes.
"""

from __future__ import annotations

import numpy as np

from ..model import Path, Tree

#: Class schemes :func:`path_labels` knows.
CLASS_SCHEMES = ("binary", "channel", "path")


def drawable_paths(tree: Tree, paths=None) -> list[Path]:
    """The paths a label image is made of, in tree order: all but fitted copies and empty paths.

    Parameters
    ----------
    tree : Tree
    paths : iterable of int, optional
        Ids of the paths wanted; all by default. Ids of fitted copies are
        accepted and left out.

    Raises
    ------
    ValueError
        An id in ``paths`` is not in the tree.
    """
    wanted = None if paths is None else set(paths)
    if wanted is not None:
        unknown = wanted - {p.id for p in tree.paths}
        if unknown:
            raise ValueError(f"no path with id {', '.join(map(str, sorted(unknown)))} in the reconstruction")
    return [p for p in tree.paths if p.fitted_of is None and len(p) and (wanted is None or p.id in wanted)]


def path_label_ids(tree: Tree) -> dict[int, int]:
    """The label of each path under the ``"path"`` scheme: ``{path id: 1 + index}``.

    Examples
    --------
    >>> from snt_web.model import Path, Tree
    >>> tree = Tree([Path(7, [[0, 0, 0]]), Path(8, [[0, 0, 0]], fitted_of=7), Path(9, [[1, 0, 0]])])
    >>> path_label_ids(tree)
    {7: 1, 9: 2}
    """
    return {p.id: i + 1 for i, p in enumerate(drawable_paths(tree))}


def path_labels(tree: Tree, classes: str = "binary", paths=None, *, dtype=np.uint16) -> list[tuple[Path, int]]:
    """Each path to draw with its label, in tree order.

    Parameters
    ----------
    tree : Tree
    classes : {"binary", "channel", "path"}
        Class scheme (see the module documentation).
    paths : iterable of int, optional
        Ids of the paths to draw; all by default.
    dtype : numpy integer type
        Type of the label image, whose range the labels must fit.

    Raises
    ------
    ValueError
        An unknown scheme or path id, a channel below 1, or a label too large
        for ``dtype``.
    """
    _check_scheme(classes)
    drawn = drawable_paths(tree, paths)
    if classes == "binary":
        labelled = [(p, 1) for p in drawn]
    elif classes == "channel":
        labelled = [(p, int(p.channel)) for p in drawn]
    else:
        ids = path_label_ids(tree)
        labelled = [(p, ids[p.id]) for p in drawn]
    top = np.iinfo(dtype).max
    for path, label in labelled:
        if not 1 <= label <= top:
            raise ValueError(f"path {path.id} would get label {label}, outside 1-{top} ({np.dtype(dtype).name})")
    return labelled


def channel_count(tree: Tree, n_channels: int | None = None) -> int:
    """Channels to name classes for: those of the image, or at least those paths use."""
    used = max((int(p.channel) for p in drawable_paths(tree)), default=1)
    return max(used, n_channels or 1)


def class_names(tree: Tree, classes: str = "binary", *, n_channels: int | None = None) -> list[str]:
    """Names of the labels :func:`path_labels` gives, indexed by label value.

    Parameters
    ----------
    tree : Tree
    classes : {"binary", "channel", "path"}
    n_channels : int, optional
        Channels of the image, so that a channel no path was traced on still
        has its class (``"channel"`` scheme).

    Returns
    -------
    list of str
        ``names[0] == "background"``; then ``"neurite"``, ``"channel 1"``…
        or the paths' names.
    """
    _check_scheme(classes)
    if classes == "binary":
        return ["background", "neurite"]
    if classes == "channel":
        return ["background"] + [f"channel {c}" for c in range(1, channel_count(tree, n_channels) + 1)]
    return ["background"] + [p.name for p in drawable_paths(tree)]


def _check_scheme(classes: str) -> None:
    if classes not in CLASS_SCHEMES:
        raise ValueError(f"unknown classes {classes!r} (expected one of {', '.join(CLASS_SCHEMES)})")
