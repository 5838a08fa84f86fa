"""Edits of a reconstruction: add, extend, delete, merge and split paths; move, insert and delete nodes.

Every edit takes a :class:`~snt_web.model.tree.Tree` and returns a new one; its
input is never changed, so a store can keep every version and a view its last
state. Paths an edit changes are copies (:meth:`Path.copy`); the others are
shared between the two trees.

Conventions, as in SNT:

* A child path hangs from node ``branch_index`` of its parent (the last node
  when unset). Edits that add or remove nodes re-index the children so each
  still hangs from the same physical node, or from the nearer neighbour of a
  deleted one.
* A fitted copy (``fitted_of``) matches its path only as long as the path's
  nodes do: an edit of the nodes drops the fitted copy and clears ``fitted_id``
  and ``use_fitted``. Fitted copies themselves are not edited.
* Per-node arrays (radii, values, tangents) stay aligned with the nodes: an
  inserted node takes the mean of its neighbours, nodes added at an end copy
  the end node.

Every edit raises ``KeyError`` (the id) for an unknown path and ``ValueError``,
with a sentence for the user, for anything else it cannot do.
"""

from __future__ import annotations

import operator
import re

import numpy as np

from .path import _TAG, Path
from .tree import Tree

_NODE_ARRAYS = ("radii", "values", "tangents")
_COLOR = re.compile(r"#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?")
_TAG_TEXT = re.compile(r"[^{}]{1,64}")
#: Nodes closer than this are one node when paths are merged.
_SAME_NODE = 1e-9


# --- paths ------------------------------------------------------------------
def add_path(tree: Tree, points, *, parent_id: int | None = None, branch_index: int | None = None,
             name: str | None = None, swc_type: int | None = None, channel: int = 1,
             frame: int = 1, radii=None) -> tuple[Tree, int]:
    """Add a path, either primary or branching from node ``branch_index`` of ``parent_id``.

    Parameters
    ----------
    tree : Tree
    points : array_like, shape (n, 3)
        Node positions, physical x, y, z; at least one.
    parent_id, branch_index : int, optional
        The path and node it branches from; both or neither.
    name : str, optional
        Full name, ``{tag}`` suffixes included; ``"Path (<id>)"`` by default.
    swc_type : int, optional
        0-7; by default the parent's type for a branch, 0 (undefined) for a
        primary path, as in SNT.
    channel, frame : int
        1-based channel and time frame it was traced on.
    radii : float or array_like, shape (n,), optional
        Node radii, physical units (one value for every node); unfitted
        (None) by default.

    Returns
    -------
    tree : Tree
    new_id : int
        The new path's id, ``tree.next_id()`` of the input.

    Examples
    --------
    >>> tree, trunk = add_path(Tree(), [[0, 0, 0], [10, 0, 0]])
    >>> tree, branch = add_path(tree, [[10, 2, 0], [10, 5, 0]], parent_id=trunk, branch_index=1)
    >>> tree.path(branch).parent_id, tree.path(branch).name, tree.path(branch).swc_type
    (0, 'Path (1)', 0)
    """
    nodes = _polyline(points)
    if name is not None and not isinstance(name, str):
        raise ValueError(f"a path name must be text, got {name!r}")
    if parent_id is None:
        if branch_index is not None:
            raise ValueError("a branch_index needs the parent_id of the path it is on")
        default_type = 0
    else:
        parent = _editable(tree, parent_id)
        if branch_index is None:
            raise ValueError(f"a branch of path {parent_id} needs the branch_index of its start node")
        branch_index = _integer(branch_index, f"the branch index on path {parent_id}", 0, len(parent) - 1)
        default_type = parent.swc_type
    new_id = tree.next_id()
    path = Path(
        new_id, nodes, name=name or "",
        swc_type=_integer(default_type if swc_type is None else swc_type, "the SWC type", 0, 7),
        channel=_integer(channel, "the channel", 1), frame=_integer(frame, "the frame", 1),
        parent_id=parent_id, branch_index=branch_index, radii=_radii(radii, len(nodes)),
    )
    return _rebuilt(tree, added=[path]), new_id


def _radii(radii, n: int) -> np.ndarray | None:
    if radii is None:
        return None
    try:
        values = np.broadcast_to(np.asarray(radii, dtype=float), (n,)).copy()
    except ValueError:
        raise ValueError(f"radii must be one value or one per node ({n})") from None
    if not np.all(np.isfinite(values) & (values >= 0)):
        raise ValueError("radii must be finite and not negative")
    return values


def extend_path(tree: Tree, path_id: int, points) -> Tree:
    """Append ``points`` (array_like, shape (n, 3)) to the end of path ``path_id``."""
    path = _editable(tree, path_id)
    return _reshaped(tree, path, _joined(_nodes(path), _bare_nodes(_polyline(points))))


def delete_paths(tree: Tree, path_ids) -> Tree:
    """Remove paths and their fitted copies; children of a removed path become primary paths, as in SNT.

    Deleting a fitted copy alone gives its path back its own nodes
    (``use_fitted`` cleared).

    Parameters
    ----------
    path_ids : iterable of int
        At least one; all must exist (KeyError otherwise, nothing removed).
    """
    ids = list(dict.fromkeys(int(i) for i in path_ids))
    if not ids:
        raise ValueError("no path to delete")
    for path_id in ids:
        tree.path(path_id)
    for path_id in ids:
        # A fitted copy goes with its path: it may be gone already.
        if any(p.id == path_id for p in tree.paths):
            path = tree.path(path_id)
            orphans = [c.copy(parent_id=None, branch_index=None) for c in tree.children(path_id)]
            unfitted = [p.copy(fitted_id=None, use_fitted=False) for p in tree.paths if p.id == path.fitted_of]
            tree = _rebuilt(tree, orphans + unfitted, removed={path_id, *_fits(tree, path_id)})
    return tree


def set_path_properties(tree: Tree, path_id: int, *, name: str | None = None, swc_type: int | None = None,
                        color: str | None = None, channel: int | None = None,
                        tags: list[str] | None = None) -> Tree:
    """Change a path's name, tags, type, colour or channel; None leaves a property as it is.

    Parameters
    ----------
    name : str, optional
        The base name, without ``{tag}`` suffixes; the path keeps its tags
        unless ``tags`` is given.
    swc_type : int, optional
        0-7.
    color : str, optional
        ``#rrggbb`` or ``#rrggbbaa``; ``""`` clears it.
    channel : int, optional
        1-based.
    tags : list of str, optional
        Replace all the tags: 1-64 characters each, no braces.
    """
    path = tree.path(path_id)
    changes = {}
    if name is not None or tags is not None:
        base = _TAG.sub("", path.name) if name is None else _base_name(name)
        changes["name"] = _tagged(base, path.tags if tags is None else _tags(tags))
    if swc_type is not None:
        changes["swc_type"] = _integer(swc_type, "the SWC type", 0, 7)
    if color is not None:
        changes["color"] = _color(color)
    if channel is not None:
        changes["channel"] = _integer(channel, "the channel", 1)
    return _rebuilt(tree, [path.copy(**changes)])


def merge_paths(tree: Tree, path_id: int, other_id: int) -> Tree:
    """Join path ``other_id`` onto the end of path ``path_id``, and remove it.

    Whichever end of ``other`` is nearer to the last node of ``path`` comes
    first (``other`` is reversed if that is its last node), and is not repeated
    where it is the same point. ``other``'s children move to the merged path,
    on the same physical nodes; its own parent link is dropped, as it is now
    part of ``path``.

    Raises
    ------
    ValueError
        ``other`` is ``path`` or one of its ancestors (joining it would make
        the path its own ancestor), or either is a fitted copy.
    """
    path, other = _editable(tree, path_id), _editable(tree, other_id)
    if other_id == path_id:
        raise ValueError(f"path {path_id} cannot be merged with itself")
    if other_id in _ancestors(tree, path):
        raise ValueError(f"path {other_id} is an ancestor of path {path_id}; merge them the other way round")
    end = path.points[-1]
    reverse = _distance(other.points[-1], end) < _distance(other.points[0], end)
    order = np.arange(len(other))[::-1] if reverse else np.arange(len(other))
    shared = _distance(other.points[order[0]], end) < _SAME_NODE
    tail = _taken(other, order[1:] if shared else order)
    if reverse and tail["tangents"] is not None:
        tail["tangents"] = -tail["tangents"]  # the path now runs the other way
    # Node i of other becomes node ``offset + position of i in order``; a shared
    # first node is the path's last node.
    offset = len(path) - int(shared)
    position = np.argsort(order)
    children = _relinked(tree, other, lambda i: (path_id, offset + int(position[i])))
    return _reshaped(tree, path, _joined(_nodes(path), tail), children,
                     removed={other_id, *_fits(tree, other_id)})


def split_path(tree: Tree, path_id: int, index: int) -> tuple[Tree, int]:
    """Cut path ``path_id`` after node ``index``: nodes ``index + 1`` on become a new branch.

    The new path branches from node ``index`` and has the path's type,
    channel, frame, colour and tags; its name is the path's with ``" (split)"``.
    Children hanging from the nodes that move go with them.

    Returns
    -------
    tree : Tree
    new_id : int
        The new path's id, ``tree.next_id()`` of the input.
    """
    path = _editable(tree, path_id)
    if len(path) < 2:
        raise ValueError(f"path {path_id} has a single node and cannot be split")
    index = _integer(index, f"the split node of path {path_id}", 0, len(path) - 2)
    new_id = tree.next_id()
    tail = path.copy(
        id=new_id, **_taken(path, np.arange(index + 1, len(path))),
        name=_tagged(_TAG.sub("", path.name) + " (split)", path.tags),
        parent_id=path_id, branch_index=index, fitted_id=None, fitted_of=None, use_fitted=False, spines=0,
    )
    children = _relinked(tree, path, lambda i: (new_id, i - index - 1) if i > index else (path_id, i))
    head = _taken(path, np.arange(index + 1))
    return _reshaped(tree, path, head, children, added=[tail]), new_id


# --- nodes ------------------------------------------------------------------
def move_node(tree: Tree, path_id: int, index: int, xyz) -> Tree:
    """Move node ``index`` of path ``path_id`` to ``xyz`` (physical x, y, z)."""
    path = _editable(tree, path_id)
    index = _node_index(path, index)
    nodes = _nodes(path)
    nodes["points"][index] = _point(xyz)
    return _reshaped(tree, path, nodes)


def insert_node(tree: Tree, path_id: int, index: int, xyz) -> Tree:
    """Insert a node at ``xyz`` so that it becomes node ``index`` (``len(path)`` appends).

    Its radius, value and tangent are the mean of its neighbours'; children
    hanging from node ``index`` or later shift with their nodes.
    """
    path = _editable(tree, path_id)
    index = _integer(index, f"the insertion index on path {path_id}", 0, len(path))
    neighbours = [i for i in (index - 1, index) if 0 <= i < len(path)]
    nodes = {"points": np.insert(path.points, index, _point(xyz), axis=0)}
    for key in _NODE_ARRAYS:
        values = getattr(path, key)
        nodes[key] = None if values is None else np.insert(values, index, _mean(values[neighbours]), axis=0)
    children = _relinked(tree, path, lambda i: (path_id, i + 1 if i >= index else i))
    return _reshaped(tree, path, nodes, children)


def delete_node(tree: Tree, path_id: int, index: int) -> Tree:
    """Delete node ``index`` of path ``path_id``.

    Children hanging from it move to the nearer of its neighbours along the
    path (the preceding one on a tie); later children shift with their nodes.
    A path's last node cannot be deleted: delete the path.
    """
    path = _editable(tree, path_id)
    if len(path) == 1:
        raise ValueError(f"path {path_id} has a single node; delete the path instead")
    index = _node_index(path, index)
    neighbours = [i for i in (index - 1, index + 1) if 0 <= i < len(path)]
    heir = min(neighbours, key=lambda i: _distance(path.points[i], path.points[index]))

    def where(i):
        i = heir if i == index else i
        return path_id, i - 1 if i > index else i

    kept = np.delete(np.arange(len(path)), index)
    return _reshaped(tree, path, _taken(path, kept), _relinked(tree, path, where))


def _rebuilt(tree: Tree, changed=(), *, removed=(), added=()) -> Tree:
    """``tree`` with paths replaced by their ``changed`` copies (same ids), ``removed`` dropped, ``added`` appended."""
    by_id = {p.id: p for p in changed}
    kept = [by_id.get(p.id, p) for p in tree.paths if p.id not in removed]
    return Tree(kept + list(added), spacing_xyz=tree.spacing_xyz, units=tree.units)


def _reshaped(tree: Tree, path: Path, nodes: dict, changed=(), *, removed=(), added=()) -> Tree:
    """:func:`_rebuilt`, with ``path``'s nodes replaced by ``nodes``: its fitted copy no longer fits, and goes."""
    new = path.copy(**nodes, fitted_id=None, use_fitted=False)
    return _rebuilt(tree, [new, *changed], removed={*removed, *_fits(tree, path.id)}, added=added)


def _fits(tree: Tree, path_id: int) -> set[int]:
    """Ids of the fitted copies of path ``path_id``."""
    return {p.id for p in tree.paths if p.fitted_of == path_id}


def _relinked(tree: Tree, parent: Path, where) -> list[Path]:
    """Copies of ``parent``'s children whose link changes; ``where(node) -> (parent_id, branch_index)``."""
    moved = []
    for child in tree.children(parent.id):
        node = len(parent) - 1 if child.branch_index is None else child.branch_index
        link = where(node)
        if link != (child.parent_id, child.branch_index):
            moved.append(child.copy(parent_id=link[0], branch_index=int(link[1])))
    return moved


def _ancestors(tree: Tree, path: Path) -> set[int]:
    by_id = {p.id: p for p in tree.paths}
    seen = set()
    while path.parent_id in by_id and path.parent_id not in seen:
        seen.add(path.parent_id)
        path = by_id[path.parent_id]
    return seen


def _arrays(path: Path) -> dict:
    """A path's per-node arrays by field name (None where it has none)."""
    return {key: getattr(path, key) for key in ("points", *_NODE_ARRAYS)}


def _nodes(path: Path) -> dict:
    """Copies of a path's per-node arrays, to be edited for its copy."""
    return {key: None if values is None else values.copy() for key, values in _arrays(path).items()}


def _bare_nodes(points: np.ndarray) -> dict:
    return {"points": points, **dict.fromkeys(_NODE_ARRAYS)}


def _taken(path: Path, rows: np.ndarray) -> dict:
    """The per-node arrays of ``path``'s nodes ``rows``, in that order."""
    return {key: None if values is None else values[rows] for key, values in _arrays(path).items()}


def _joined(first: dict, second: dict) -> dict:
    """Nodes ``first`` then ``second``.

    Where only one side has an array (radii, say), the other side's nodes copy
    its nearest end node, so the joined path keeps what it knew.
    """
    if not len(second["points"]):
        return first
    joined = {"points": np.concatenate([first["points"], second["points"]])}
    for key in _NODE_ARRAYS:
        a, b = first[key], second[key]
        if a is None and b is None:
            joined[key] = None
            continue
        a = np.repeat(b[:1], len(first["points"]), axis=0) if a is None else a
        b = np.repeat(a[-1:], len(second["points"]), axis=0) if b is None else b
        joined[key] = np.concatenate([a, b])
    return joined


def _mean(rows: np.ndarray) -> np.ndarray:
    """The value of a node between ``rows``: their mean; tangents (rows of 3) are unit vectors again."""
    mean = rows.mean(axis=0)
    if rows.ndim == 2:
        norm = np.linalg.norm(mean)
        # Opposite tangents average to nothing: keep the preceding node's.
        return mean / norm if norm > 0 else rows[0]
    return mean


def _distance(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


def _editable(tree: Tree, path_id: int) -> Path:
    """The path ``path_id``, unless it is a fitted copy: those follow their path and are not edited."""
    path = tree.path(path_id)
    if path.fitted_of is not None:
        raise ValueError(f"path {path_id} is the fitted version of path {path.fitted_of}; edit that path instead")
    return path


def _node_index(path: Path, index) -> int:
    return _integer(index, f"the node index on path {path.id}", 0, len(path) - 1)


def _integer(value, what: str, low: int, high: float = np.inf) -> int:
    """``value`` as an int within ``low..high``, or a ValueError naming ``what``."""
    try:
        number = None if isinstance(value, bool) else operator.index(value)
    except TypeError:
        number = None
    if number is None:
        raise ValueError(f"{what} must be an integer, got {value!r}")
    if not low <= number <= high:
        allowed = f"at least {low}" if high == np.inf else f"{low}-{high}"
        raise ValueError(f"{what} must be {allowed}, got {number}")
    return number


def _floats(value) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None  # the caller says what was expected


def _point(xyz) -> np.ndarray:
    point = _floats(xyz)
    if point is None or point.shape != (3,) or not np.isfinite(point).all():
        raise ValueError(f"a node position must be three finite numbers x, y, z, got {xyz!r}")
    return point


def _polyline(points) -> np.ndarray:
    nodes = _floats(points)
    if nodes is None or nodes.ndim != 2 or nodes.shape[1] != 3 or not len(nodes) or not np.isfinite(nodes).all():
        raise ValueError("points must be a non-empty list of x, y, z triples of finite numbers")
    return nodes


def _base_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError("a path name cannot be empty")
    if "{" in name or "}" in name:
        raise ValueError(f"path name {name!r}: no braces (tags are set apart)")
    return name.strip()


def _tagged(base: str, tags: list[str]) -> str:
    return base + "".join(f"{{{tag}}}" for tag in tags)


def _tags(tags) -> list[str]:
    if isinstance(tags, str):
        raise ValueError("tags must be a list of strings")
    for tag in tags:
        if not isinstance(tag, str) or not _TAG_TEXT.fullmatch(tag):
            raise ValueError(f"tag {tag!r}: 1-64 characters, no braces")
    return list(tags)


def _color(color: str) -> str | None:
    if color == "":
        return None
    if not isinstance(color, str) or not _COLOR.fullmatch(color):
        raise ValueError(f"colour {color!r}: #rrggbb or #rrggbbaa")
    return color
