"""SWC reconstructions: read them into a :class:`~snt_web.model.tree.Tree`, write them back.

An SWC file lists nodes, one per line: ``id type x y z radius parent``.
Reading follows SNT's import rules: a path continues through the first child
of the same type; other children, and a change of type, start a new path
whose ``parent_id``/``branch_index`` point at the SWC parent node (the fork
node is not duplicated, as in SNT 5). Several roots give several arbors.

Decisions where files and tools disagree:

* Separators: whitespace; commas are separators too, except in lines that have
  seven whitespace-separated fields and no ``.`` anywhere, where they are
  decimal commas (``1 1 -3,048 -11,592 -2,512 3,760 -1``, written by European
  locales). Fields beyond the seventh are ignored; ``#`` starts a comment
  anywhere on a line.
* Types outside SNT's 0-7 (Vaa3D writes e.g. 274; NeuroMorpho uses 5-19 for
  custom types) become 0 ("undefined") and the original is kept in
  ``path.extra['swc_type_original']``; the writers put it back as long as the
  path's type is still 0, so such files round-trip unchanged.
* Ids are 64-bit integers read exactly from the text (``1.0`` reads as 1; a
  float beyond 2**53, which no longer names one integer, is an error).
* A parent id that names no node (a "dangling" parent) makes that node a
  root; a message naming the line is appended to ``warnings``, which
  ``snt-web info`` and the Files panel show. Repeated ids, no root at all,
  parent cycles, non-numeric fields and lines with fewer than seven fields are
  errors naming the line, because any guess would silently change the tree.
* A non-finite radius (``NaN``) reads as 0, as in SNT.
"""

from __future__ import annotations

import io
import os
import re
from collections import deque
from datetime import datetime
from importlib import metadata

import numpy as np

from ..model.path import SWC_TYPES, Path
from ..model.tree import Tree
from .atomic import atomic_write
from .errors import InvalidSWCError

#: Column names of an SWC line, for messages.
SWC_COLUMNS = ("id", "type", "x", "y", "z", "radius", "parent")

_SPLIT = re.compile(r"[\s,]+")
_VOXEL_SEPARATION = re.compile(r"voxel separation \(x,\s*y,\s*z\):\s*(.+)", re.IGNORECASE)
_UNITS = re.compile(r"all positions and radii in\s+(.+)", re.IGNORECASE)


# --- reading ------------------------------------------------------------------
def read_swc(path_or_file, *, name=None, voxel_spacing_xyz=None, warnings=None) -> Tree:
    """Read an SWC file.

    Parameters
    ----------
    path_or_file : str, os.PathLike, bytes or file object
        A file name, the file's content, or an open (binary or text) file.
    name : str, optional
        Name used in error messages (e.g. an upload's file name); defaults to
        the file name.
    voxel_spacing_xyz : tuple of float, optional
        "Assume voxel coordinates": multiply x, y, z by this spacing and radii
        by its smallest value, and record it as the tree's spacing.
    warnings : list, optional
        Human-readable notes about problems that were worked around (dangling
        parent ids) are appended to it.

    Returns
    -------
    Tree

    Raises
    ------
    InvalidSWCError
        The content is not a valid SWC reconstruction (the message names the
        file and, where it can, the line).
    """
    source, data = _load(path_or_file, name)
    return parse_swc_text(
        _decode(data), source, voxel_spacing_xyz=voxel_spacing_xyz, warnings=warnings
    )


def parse_swc_text(text: str, source: str = "<swc>", *, voxel_spacing_xyz=None, warnings=None) -> Tree:
    """Parse SWC text; see :func:`read_swc` for the parameters and rules.

    Examples
    --------
    >>> tree = parse_swc_text("1 1 0 0 0 2 -1\\n2 3 0 5 0 1 1\\n")
    >>> [len(p) for p in tree.paths]
    [1, 1]
    """
    rows, lines, header = _split_lines(text, source)
    if not rows:
        raise InvalidSWCError(source, "no nodes: the file holds only comments or blank lines")
    table = _to_numbers(rows, lines, source)
    ids, types, parents = (_integers(table, rows, c, lines, source) for c in (0, 1, 6))
    xyz = table[:, 2:5]
    bad = ~np.isfinite(xyz).all(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        raise InvalidSWCError(source, "coordinates must be finite numbers", lines[row])
    radii = np.where(np.isfinite(table[:, 5]), table[:, 5], 0.0)

    spacing = header.get("spacing", (1.0, 1.0, 1.0))
    if voxel_spacing_xyz is not None:
        spacing = _check_spacing(voxel_spacing_xyz)
        xyz = xyz * np.asarray(spacing)
        radii = radii * min(spacing)

    parent_rows = _parent_rows(ids, parents, lines, source, warnings)
    paths = _build_paths(ids, types, xyz, radii, parent_rows, lines, source)
    return Tree(paths, spacing_xyz=spacing, units=header.get("units", "µm"))


def _load(path_or_file, name):
    if isinstance(path_or_file, (bytes, bytearray, memoryview)):
        return name or "<swc>", bytes(path_or_file)
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "rb") as fh:
            return name or os.fspath(path_or_file), fh.read()
    data = path_or_file.read()
    return name or getattr(path_or_file, "name", "<swc>"), data


def _decode(data) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Old exporters wrote "µm" in Latin-1; every byte sequence decodes in it.
        return data.decode("latin-1")


def _split_lines(text: str, source: str):
    """Data rows (first seven fields), their 1-based line numbers, and header metadata."""
    rows, lines, header = [], [], {}
    for number, raw in enumerate(text.splitlines(), start=1):
        content, _, comment = raw.partition("#")
        content = content.strip()
        if not content:
            if comment:
                _read_header(comment, header)
            continue
        fields = _fields(content)
        if len(fields) < 7:
            raise InvalidSWCError(
                source, f"expected 7 fields (id type x y z radius parent), found {len(fields)}", number
            )
        rows.append(fields[:7])
        lines.append(number)
    return rows, lines, header


def _fields(content: str) -> list[str]:
    if "," not in content:
        return content.split()
    parts = content.split()
    if "." not in content and len(parts) >= 7:
        return [p.replace(",", ".") for p in parts]
    return [p for p in _SPLIT.split(content) if p]


def _read_header(comment: str, header: dict) -> None:
    """Pick up the units and voxel spacing that SNT (and we) write in the header."""
    match = _VOXEL_SEPARATION.search(comment)
    if match:
        try:
            header["spacing"] = _check_spacing([float(v) for v in match.group(1).split(",")])
        except ValueError:
            pass  # a malformed header line is only a comment
    match = _UNITS.search(comment)
    if match:
        header["units"] = match.group(1).strip()


def _check_spacing(spacing) -> tuple[float, float, float]:
    values = tuple(float(v) for v in spacing)
    if len(values) != 3 or not all(np.isfinite(values)) or min(values) <= 0:
        raise ValueError(f"voxel spacing must be three positive numbers, got {spacing!r}")
    return values


def _to_numbers(rows, lines, source) -> np.ndarray:
    try:
        return np.array(rows, dtype=float)
    except ValueError:
        pass
    # Slow path, only to name the offending line and field.
    for row, number in zip(rows, lines):
        for column, token in zip(SWC_COLUMNS, row):
            try:
                float(token)
            except ValueError:
                raise InvalidSWCError(
                    source, f"field '{column}' is not a number: {token!r}", number
                ) from None
    raise InvalidSWCError(source, "unreadable numbers")


def _integers(table, rows, column: int, lines, source) -> np.ndarray:
    """Column ``column`` as 64-bit integers, read exactly; ``1.0`` is read as 1 (some writers use floats)."""
    values = table[:, column]
    # Whole floats below 2**53 are the integers written; beyond, floats skip integers and an id would be
    # rounded onto its neighbour's, so those columns are read again from the text.
    if np.all(np.abs(values) < 2**53) and np.all(values == np.round(values)):
        return values.astype(np.int64)
    tokens = [row[column] for row in rows]
    return np.array([_integer(t, SWC_COLUMNS[column], source, n) for t, n in zip(tokens, lines)], dtype=np.int64)


def _integer(token: str, name: str, source, line: int) -> int:
    try:
        value = int(token)
    except ValueError:
        value = float(token)  # a number, as _to_numbers found
        # Beyond 2**53 a float holds no exact integer: the id it was written as is lost.
        if not (np.isfinite(value) and value == round(value) and abs(value) < 2**53):
            raise InvalidSWCError(source, f"field '{name}' must be an integer, got {token!r}", line) from None
        value = int(value)
    if not -(2**63) <= value < 2**63:
        raise InvalidSWCError(source, f"field '{name}' is out of range (beyond 64-bit integers): {token!r}", line)
    return value


def _parent_rows(ids, parents, lines, source, warnings) -> np.ndarray:
    """Row index of each node's parent; -1 for roots (negative or dangling parent ids)."""
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    repeated = np.flatnonzero(sorted_ids[1:] == sorted_ids[:-1])
    if repeated.size:
        second = order[repeated + 1]
        row = int(second[np.argmin(np.asarray(lines)[second])])
        first = int(order[np.searchsorted(sorted_ids, ids[row])])
        raise InvalidSWCError(
            source, f"node id {ids[row]} is repeated (first defined on line {lines[first]})", lines[row]
        )
    pos = np.minimum(np.searchsorted(sorted_ids, parents), len(ids) - 1)
    found = sorted_ids[pos] == parents
    rows = np.where(found, order[pos], -1)
    dangling = np.flatnonzero(~found & (parents >= 0))
    if warnings is not None:
        for row in dangling:
            warnings.append(
                f"{source}, line {lines[row]}: parent id {parents[row]} of node {ids[row]} "
                "does not exist; the node starts a new tree"
            )
    return rows


def _build_paths(ids, types, xyz, radii, parent_rows, lines, source) -> list[Path]:
    n = len(ids)
    has_parent = parent_rows >= 0
    # Children of each node in file order, as CSR: kids[start[i]:start[i + 1]].
    by_parent = np.argsort(parent_rows, kind="stable")[n - int(has_parent.sum()):]
    start = np.concatenate([[0], np.cumsum(np.bincount(parent_rows[has_parent], minlength=n))])
    kids, start, type_of = by_parent.tolist(), start.tolist(), types.tolist()

    roots = np.flatnonzero(~has_parent).tolist()
    if not roots:
        raise InvalidSWCError(
            source, "no root node: every node has a parent, so parents form a cycle "
            "(a root has parent -1)", lines[0]
        )
    visited = np.zeros(n, dtype=bool)
    paths: list[Path] = []
    for root in roots:
        queue = deque([(root, None, None)])
        while queue:
            node, parent_id, branch_index = queue.popleft()
            nodes = _walk(node, kids, start, type_of, visited, queue, len(paths))
            path = _make_path(len(paths), nodes, type_of[node], xyz, radii, parent_id, branch_index)
            paths.append(path)
    if not visited.all():
        row = int(np.argmin(visited))
        raise InvalidSWCError(
            source, f"node {ids[row]} is on a parent cycle and not connected to any root", lines[row]
        )
    return paths


def _walk(node, kids, start, type_of, visited, queue, path_id) -> list[int]:
    """Follow first same-type children from ``node``; queue the other children as new paths."""
    nodes = [node]
    while True:
        visited[node] = True
        follow = None
        for child in kids[start[node]:start[node + 1]]:
            if follow is None and type_of[child] == type_of[node]:
                follow = child
            else:
                queue.append((child, path_id, len(nodes) - 1))
        if follow is None:
            return nodes
        nodes.append(follow)
        node = follow


def _make_path(path_id, nodes, swc_type, xyz, radii, parent_id, branch_index) -> Path:
    extra = {}
    if swc_type not in SWC_TYPES:
        extra["swc_type_original"] = swc_type
        swc_type = 0
    return Path(
        path_id,
        xyz[nodes],
        radii=radii[nodes],
        swc_type=swc_type,
        parent_id=parent_id,
        branch_index=branch_index,
        extra=extra,
    )


# --- writing ------------------------------------------------------------------
def write_swc(tree: Tree, path, *, comment: str | None = None) -> None:
    """Write ``tree`` as SWC, atomically.

    Parameters
    ----------
    tree : Tree
        Several primary paths give several trees (several ``-1`` parents).
    path : str or os.PathLike
        Destination file.
    comment : str, optional
        Extra header text; each of its lines becomes a ``#`` comment.

    Notes
    -----
    See :func:`swc_table` for how paths become nodes.
    """
    text = format_swc(tree, comment=comment)
    with atomic_write(path, "w") as fh:
        fh.write(text)


def format_swc(tree: Tree, *, comment: str | None = None) -> str:
    """The SWC text :func:`write_swc` writes: an SNT-style header, then one line per node."""
    out = io.StringIO()
    out.write(f"# Exported from snt-web{_version()} on {datetime.now().isoformat(timespec='seconds')}\n")
    out.write(f"# All positions and radii in {tree.units}\n")
    if tree.units.strip().lower() in ("pixel", "pixels", "px", ""):
        out.write("# Warning: the reconstruction is not calibrated; coordinates are pixels\n")
    spacing = ", ".join(repr(float(v)) for v in tree.spacing_xyz)
    out.write(f"# Voxel separation (x,y,z): {spacing}\n")
    for line in (comment or "").splitlines():
        out.write(f"# {line}\n")
    out.write("#\n")
    for row in swc_table(tree):
        out.write("%d %d %.6f %.6f %.6f %.6f %d\n" % tuple(row))
    return out.getvalue()


def swc_table(tree: Tree) -> np.ndarray:
    """The SWC node table of ``tree``: rows ``id type x y z radius parent``.

    Paths are visited breadth-first from each primary path; ids run from 1.
    Every node gets its path's type. A child path's first node gets as parent
    the node at ``branch_index`` on its parent path (the nearest node to the
    child's first point when the index is unknown or does not fit). Fitted
    copies are skipped, but a path with ``use_fitted`` is written with its
    fitted version's nodes and radii. Paths without radii get radius 0.

    Returns
    -------
    ndarray, shape (n, 7)
    """
    by_id = {p.id: p for p in tree.paths}
    written = [p for p in tree.paths if p.fitted_of is None]
    wanted = {p.id for p in written}
    children: dict[int, list[Path]] = {}
    for p in written:
        if p.parent_id in wanted and p.parent_id != p.id:
            children.setdefault(p.parent_id, []).append(p)

    blocks, first_row, points_of = [], {}, {}
    next_row = 0

    def emit(p: Path, parent_row: int) -> bool:
        nonlocal next_row
        points, radii = _written_nodes(p, by_id)
        n = len(points)
        if not n:
            return False
        points_of[p.id] = points
        rows = np.arange(next_row, next_row + n)
        block = np.empty((n, 7))
        block[:, 0] = rows + 1
        block[:, 1] = _written_type(p)
        block[:, 2:5] = points
        block[:, 5] = radii
        block[:, 6] = rows  # the previous node's id (1-based id = row + 1)
        block[0, 6] = parent_row + 1 if parent_row >= 0 else -1
        blocks.append(block)
        first_row[p.id] = next_row
        next_row += n
        return True

    # Roots first; paths whose parent is missing or unreachable (a cycle) also
    # start a tree of their own rather than being dropped.
    tops = [p for p in written if p.parent_id not in wanted or p.parent_id == p.id]
    for top in tops + written:
        if top.id in first_row or not emit(top, -1):
            continue
        queue = deque([top])
        while queue:
            parent = queue.popleft()
            for child in children.get(parent.id, []):
                index = _attach_index(child, parent, points_of[parent.id])
                if child.id not in first_row and emit(child, first_row[parent.id] + index):
                    queue.append(child)
    return np.concatenate(blocks) if blocks else np.empty((0, 7))


def _written_nodes(p: Path, by_id: dict) -> tuple[np.ndarray, np.ndarray]:
    source = p
    if p.use_fitted and p.fitted_id in by_id:
        source = by_id[p.fitted_id]
    radii = source.radii if source.radii is not None else np.zeros(len(source))
    return source.points, radii


def _written_type(p: Path) -> int:
    original = p.extra.get("swc_type_original")
    return int(original) if original is not None and p.swc_type == 0 else int(p.swc_type)


def _attach_index(child: Path, parent: Path, parent_points: np.ndarray) -> int:
    """Node of the written parent that the child's first node hangs from."""
    index = child.branch_index
    if index is not None and 0 <= index < len(parent_points) and len(parent_points) == len(parent):
        return int(index)
    return int(np.argmin(np.linalg.norm(parent_points - child.points[0], axis=1)))


def _version() -> str:
    try:
        return " v" + metadata.version("snt-web")
    except metadata.PackageNotFoundError:
        return ""
