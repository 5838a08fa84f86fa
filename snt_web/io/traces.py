"""SNT ``.traces`` files: gzip-compressed (or plain) XML holding paths and their links.

Reading is defensive: the input is sniffed for gzip (magic ``1f 8b``),
inflated in bounded steps so a gzip bomb is refused before it fills memory,
and parsed with :mod:`defusedxml`, which accepts SNT's internal DTD (element
and attribute declarations only) but refuses entity declarations and
external references.

Decisions where SNT's writers, readers and files disagree:

* Branch links: ``startson`` names the parent path; ``startsindex`` (when it
  fits the parent) gives ``branch_index``, otherwise the parent node nearest
  to ``startsx/y/z`` (or SNT's own spelling ``startx/y/z``), otherwise the one
  nearest to the child's first point. A ``startson`` that names no path, the
  path itself, or closes a loop is dropped: the path becomes a root and a
  message goes to ``warnings`` (SNT crashed on such files, issue #270).
* Legacy ``endson``/``endsindex``/``endsx…`` attributes are read past and
  ignored, as SNT does; ``<fill>`` elements and ``<imagesize>`` are ignored too
  (the model holds neither, and ``imagesize`` is known to disagree with the
  coordinates in real files). ``primary`` is derived from the links, not read.
* Colours: ``#rrggbb``, ``#rrggbbaa``, ``#rgb``, bare hex, ``0x…`` and
  ``java.awt.Color[r=,g=,b=]`` are accepted and stored as lowercase
  ``#rrggbb``/``#rrggbbaa``; ``None`` or anything else becomes no colour (the
  latter with a warning). They are written back as stored, so files round-trip.
* Points: ``xd/yd/zd`` (physical) are used when present, else ``x·spacing``.
  ``r``, ``tx/ty/tz`` and ``v`` are each optional and each read and written
  on its own (SNT writes ``v`` only beside ``r``); a value missing on some
  points of a path that has it on others reads as 0.
* SWC types outside 0-7 are stored as 0 with the original in
  ``path.extra['swc_type_original']`` (see :mod:`snt_web.io.swc`); the writer
  keeps it in an extra ``swctypeoriginal`` attribute, which SNT ignores.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape

import defusedxml
import defusedxml.ElementTree as safe_et
import numpy as np

from ..model.coords import physical_to_voxel
from ..model.path import SWC_TYPES, Path
from ..model.tree import Tree
from .atomic import atomic_write
from .errors import InvalidTracesError

#: Largest XML document (after decompression) that is read, in bytes.
MAX_XML_BYTES = 512 * 1024 * 1024

GZIP_MAGIC = b"\x1f\x8b"

# Columns of the per-point table built while parsing; NaN marks a missing attribute.
_POINT_ATTRS = ("x", "y", "z", "xd", "yd", "zd", "tx", "ty", "tz", "r", "v")

_ATTR_ESCAPES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
_HEX = re.compile(r"[0-9a-f]+")
_JAVA_COLOR = re.compile(r"r=(\d+),\s*g=(\d+),\s*b=(\d+)")

_DTD = """<!DOCTYPE tracings [
  <!ELEMENT tracings       (samplespacing,imagesize?,path*,fill*)>
  <!ELEMENT imagesize      EMPTY>
  <!ELEMENT samplespacing  EMPTY>
  <!ELEMENT path           (point+)>
  <!ELEMENT point          EMPTY>
  <!ELEMENT fill           (node*)>
  <!ELEMENT node           EMPTY>
  <!ATTLIST samplespacing  x CDATA #REQUIRED y CDATA #REQUIRED z CDATA #REQUIRED units CDATA #REQUIRED>
  <!ATTLIST imagesize      width CDATA #REQUIRED height CDATA #REQUIRED depth CDATA #REQUIRED>
  <!ATTLIST path           id CDATA #REQUIRED swctype CDATA #IMPLIED color CDATA #IMPLIED
                           channel CDATA #IMPLIED frame CDATA #IMPLIED spines CDATA #IMPLIED
                           primary CDATA #IMPLIED usefitted (true|false) #IMPLIED
                           fitted CDATA #IMPLIED fittedversionof CDATA #IMPLIED
                           startson CDATA #IMPLIED startsindex CDATA #IMPLIED
                           startx CDATA #IMPLIED starty CDATA #IMPLIED startz CDATA #IMPLIED
                           startsx CDATA #IMPLIED startsy CDATA #IMPLIED startsz CDATA #IMPLIED
                           endson CDATA #IMPLIED endsindex CDATA #IMPLIED
                           endsx CDATA #IMPLIED endsy CDATA #IMPLIED endsz CDATA #IMPLIED
                           name CDATA #IMPLIED reallength CDATA #IMPLIED
                           swctypeoriginal CDATA #IMPLIED>
  <!ATTLIST point          x CDATA #REQUIRED y CDATA #REQUIRED z CDATA #REQUIRED
                           xd CDATA #IMPLIED yd CDATA #IMPLIED zd CDATA #IMPLIED
                           tx CDATA #IMPLIED ty CDATA #IMPLIED tz CDATA #IMPLIED
                           r CDATA #IMPLIED v CDATA #IMPLIED>
  <!ATTLIST fill           id CDATA #REQUIRED frompaths CDATA #IMPLIED metric CDATA #REQUIRED
                           threshold CDATA #REQUIRED volume CDATA #IMPLIED>
  <!ATTLIST node           id CDATA #REQUIRED x CDATA #REQUIRED y CDATA #REQUIRED z CDATA #REQUIRED
                           previousid CDATA #IMPLIED distance CDATA #REQUIRED
                           status (open|closed) #REQUIRED>
]>"""


# --- reading ------------------------------------------------------------------
def read_traces(source, *, name=None, warnings=None, max_bytes: int = MAX_XML_BYTES) -> Tree:
    """Read an SNT ``.traces`` file (gzip-compressed or plain XML).

    Parameters
    ----------
    source : str, os.PathLike, bytes or binary file object
        A file name, the file's content, or an open binary file.
    name : str, optional
        Name used in messages (e.g. an upload's file name); defaults to the
        file name.
    warnings : list, optional
        Human-readable notes about problems that were worked around (links to
        unknown paths, unreadable colours) are appended to it.
    max_bytes : int
        Refuse documents larger than this once decompressed.

    Returns
    -------
    Tree

    Raises
    ------
    InvalidTracesError
        Corrupt or truncated gzip data, an over-large document, malformed XML,
        entity declarations, or missing/non-numeric required values.
    """
    label, data = _load(source, name, max_bytes)
    return parse_traces_bytes(data, label, warnings=warnings, max_bytes=max_bytes)


def parse_traces_bytes(data: bytes, source: str = "<traces>", *, warnings=None,
                       max_bytes: int = MAX_XML_BYTES) -> Tree:
    """Parse the bytes of a ``.traces`` file; see :func:`read_traces`."""
    xml = _inflate(bytes(data), source, max_bytes)
    spacing, units, records = _parse_xml(xml, source)
    return _build_tree(records, spacing, units, source, [] if warnings is None else warnings)


def _load(source, name, max_bytes):
    if isinstance(source, (bytes, bytearray, memoryview)):
        return name or "<traces>", bytes(source)
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            label, data = name or os.fspath(source), fh.read(max_bytes + 1)
    else:
        label, data = name or getattr(source, "name", "<traces>"), source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InvalidTracesError(label, f"file is larger than the {max_bytes}-byte limit")
    return label, data


def _inflate(data: bytes, source: str, max_bytes: int) -> bytes:
    """Decompress gzip data, reading at most ``max_bytes + 1`` bytes of output."""
    if data[:2] != GZIP_MAGIC:
        if len(data) > max_bytes:
            raise InvalidTracesError(source, f"XML is larger than the {max_bytes}-byte limit")
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            xml = gz.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise InvalidTracesError(source, f"corrupt or truncated gzip data ({error})") from None
    if len(xml) > max_bytes:
        raise InvalidTracesError(
            source, f"decompressed XML exceeds the {max_bytes}-byte limit; not inflated further"
        )
    return xml


class _PathRecord:
    """A ``<path>`` element's attributes and its points, as parsed."""

    def __init__(self, attrs: dict):
        self.attrs = attrs
        self.points: list[list[float]] = []


def _parse_xml(xml: bytes, source: str):
    spacing, units, records, current = (1.0, 1.0, 1.0), "µm", [], None
    try:
        events = safe_et.iterparse(io.BytesIO(xml), events=("start", "end"))
        for index, (event, elem) in enumerate(events):
            if index == 0 and elem.tag != "tracings":
                raise InvalidTracesError(source, f"not an SNT tracings file (root element <{elem.tag}>)")
            if event == "start":
                if elem.tag == "path":
                    current = _PathRecord(dict(elem.attrib))
                    records.append(current)
                elif elem.tag == "samplespacing":
                    spacing, units = _sample_spacing(elem.attrib, source)
                continue
            if elem.tag == "point" and current is not None:
                current.points.append(_point_row(elem.attrib, current, source))
            elif elem.tag == "path":
                current = None
            if elem.tag != "tracings":
                elem.clear()  # keep memory flat on large files
    except defusedxml.DefusedXmlException as error:
        raise InvalidTracesError(source, f"unsafe XML refused ({error})") from None
    except ParseError as error:
        line = getattr(error, "position", (None,))[0]
        raise InvalidTracesError(source, f"malformed XML ({error})", line) from None
    return spacing, units, records


def _sample_spacing(attrs, source):
    try:
        spacing = tuple(float(attrs[k]) for k in ("x", "y", "z"))
    except (KeyError, ValueError):
        raise InvalidTracesError(source, f"<samplespacing> needs numeric x, y, z, got {attrs}") from None
    if not all(np.isfinite(spacing)) or min(spacing) <= 0:
        raise InvalidTracesError(source, f"<samplespacing> must be positive, got {spacing}")
    return spacing, attrs.get("units", "µm")


def _point_row(attrs, record: _PathRecord, source) -> list[float]:
    try:
        return [float(attrs[k]) if k in attrs else np.nan for k in _POINT_ATTRS]
    except ValueError:
        raise InvalidTracesError(
            source, f"path {record.attrs.get('id')!r}, point {len(record.points)}: "
            f"non-numeric value in {dict(attrs)}"
        ) from None


def _build_tree(records, spacing, units, source, warnings) -> Tree:
    paths, links = [], {}
    for record in records:
        path, link = _make_path(record, spacing, source, warnings)
        if path is None:
            continue
        if path.id in links:
            raise InvalidTracesError(source, f"path id {path.id} is used twice")
        paths.append(path)
        links[path.id] = link
    by_id = {p.id: p for p in paths}
    for p in paths:
        _link(p, links[p.id], by_id, source, warnings)
    _break_cycles(paths, by_id, source, warnings)
    return Tree(paths, spacing_xyz=spacing, units=units)


def _make_path(record: _PathRecord, spacing, source, warnings):
    attrs = record.attrs
    if "id" not in attrs:
        raise InvalidTracesError(source, "a <path> has no id")
    path_id = _int(attrs, "id", None, source)
    if not record.points:
        warnings.append(f"{source}: path {path_id} has no points and was skipped")
        return None, None
    table = np.array(record.points)
    xyz = table[:, 3:6]
    missing = np.isnan(xyz)
    xyz[missing] = (table[:, 0:3] * np.asarray(spacing))[missing]
    bad = ~np.isfinite(xyz).all(axis=1)
    if bad.any():
        row = int(np.argmax(bad))
        raise InvalidTracesError(source, f"path {path_id}, point {row} has no finite coordinates")

    swc_type = _int(attrs, "swctype", 0, source, path_id)
    extra = {}
    if "swctypeoriginal" in attrs:
        extra["swc_type_original"] = _int(attrs, "swctypeoriginal", None, source, path_id)
    if swc_type not in SWC_TYPES:
        extra["swc_type_original"] = swc_type
        swc_type = 0

    color = normalize_color(attrs.get("color"))
    if color is None and attrs.get("color", "None").strip().lower() not in ("none", "null", ""):
        warnings.append(f"{source}: path {path_id} colour {attrs['color']!r} not understood; ignored")

    path = Path(
        path_id,
        xyz,
        radii=_optional_column(table[:, 9]),
        values=_optional_column(table[:, 10]),
        tangents=_optional_column(table[:, 6:9]),
        name=attrs.get("name", ""),
        swc_type=swc_type,
        channel=_int(attrs, "channel", 1, source, path_id),
        frame=_int(attrs, "frame", 1, source, path_id),
        color=color,
        fitted_id=_int(attrs, "fitted", None, source, path_id),
        fitted_of=_int(attrs, "fittedversionof", None, source, path_id),
        use_fitted=attrs.get("usefitted", "false").strip().lower() == "true",
        spines=_int(attrs, "spines", 0, source, path_id),
        extra=extra,
    )
    return path, _start_link(attrs, source, path_id)


def _optional_column(values: np.ndarray):
    if np.isnan(values).all():
        return None
    return np.nan_to_num(values, nan=0.0)


def _int(attrs, key, default, source, path_id=None):
    if key not in attrs:
        return default
    text = attrs[key].strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        value = np.nan
    if not value.is_integer():
        where = "path" if path_id is None else f"path {path_id}"
        raise InvalidTracesError(source, f"{where}: {key}={attrs[key]!r} is not an integer")
    return int(value)


def _start_link(attrs, source, path_id):
    """``(parent_id, startsindex, start_point)`` from a path's attributes, or None."""
    if "startson" not in attrs:
        return None
    parent = _int(attrs, "startson", None, source, path_id)
    index = _int(attrs, "startsindex", None, source, path_id)
    point = None
    for keys in (("startsx", "startsy", "startsz"), ("startx", "starty", "startz")):
        if all(k in attrs for k in keys):
            try:
                point = np.array([float(attrs[k]) for k in keys])
            except ValueError:
                raise InvalidTracesError(source, f"path {path_id}: non-numeric {keys}") from None
            break
    return parent, index, point


def _link(path: Path, link, by_id, source, warnings) -> None:
    for attr in ("fitted_id", "fitted_of"):
        target = getattr(path, attr)
        if target is not None and (target not in by_id or target == path.id):
            warnings.append(
                f"{source}: path {path.id} refers to unknown fitted path {target}; link dropped"
            )
            setattr(path, attr, None)
    if link is None:
        return
    parent_id, index, point = link
    parent = by_id.get(parent_id)
    if parent is None or parent_id == path.id:
        warnings.append(
            f"{source}: path {path.id} starts on unknown path {parent_id}; it is kept as a root"
        )
        return
    path.parent_id = parent_id
    if index is not None and 0 <= index < len(parent):
        path.branch_index = index
    else:
        target = point if point is not None else path.points[0]
        path.branch_index = int(np.argmin(np.linalg.norm(parent.points - target, axis=1)))


def _break_cycles(paths, by_id, source, warnings) -> None:
    """Make a path a root where following parents would come back to it."""
    for p in paths:
        seen, node = {p.id}, p
        while node.parent_id is not None:
            if node.parent_id in seen:
                warnings.append(
                    f"{source}: paths starting on each other form a loop; "
                    f"path {node.id} is kept as a root"
                )
                node.parent_id = node.branch_index = None
                break
            seen.add(node.parent_id)
            node = by_id[node.parent_id]


def normalize_color(text: str | None) -> str | None:
    """A colour attribute as lowercase ``#rrggbb``/``#rrggbbaa``, or None if not understood.

    Examples
    --------
    >>> normalize_color("#FFB300"), normalize_color("#fb0"), normalize_color("None")
    ('#ffb300', '#ffbb00', None)
    """
    if text is None:
        return None
    value = text.strip().lower()
    match = _JAVA_COLOR.search(value)
    if match:
        rgb = [int(v) for v in match.groups()]
        return "#" + "".join(f"{v:02x}" for v in rgb) if max(rgb) <= 255 else None
    for prefix in ("#", "0x"):
        value = value.removeprefix(prefix)
    if not _HEX.fullmatch(value):
        return None
    if len(value) in (3, 4):
        return "#" + "".join(c * 2 for c in value)
    return "#" + value if len(value) in (6, 8) else None


# --- writing ------------------------------------------------------------------
def write_traces(tree: Tree, path, *, compress: bool = True, image_shape_zyx=None) -> None:
    """Write ``tree`` as an SNT ``.traces`` file, atomically.

    Parameters
    ----------
    tree : Tree
    path : str or os.PathLike
    compress : bool
        Gzip the XML, as SNT does by default.
    image_shape_zyx : tuple of int, optional
        Written as ``<imagesize>`` when given.
    """
    data = traces_bytes(tree, compresslevel=6 if compress else None, image_shape_zyx=image_shape_zyx)
    with atomic_write(path, "wb") as fh:
        fh.write(data)


def traces_bytes(tree: Tree, *, compresslevel: int | None = 6, image_shape_zyx=None) -> bytes:
    """The bytes of a ``.traces`` file for ``tree``: gzipped XML, or plain XML when ``compresslevel`` is None.

    ``mtime=0``: the output depends on the content only. Level 6 is ~3x faster
    than 9 for about the same size; level 1 is faster still.
    """
    data = format_traces(tree, image_shape_zyx=image_shape_zyx).encode("utf-8")
    return data if compresslevel is None else gzip.compress(data, compresslevel=compresslevel, mtime=0)


def format_traces(tree: Tree, *, image_shape_zyx=None) -> str:
    """The XML text of a ``.traces`` file for ``tree``, in SNT's layout.

    Branch links are written both as SNT's current writer does
    (``startx/y/z`` + ``startsindex``) and as its DTD and older readers expect
    (``startsx/y/z``). Links to unknown paths are left out, as SNT does.
    """
    sx, sy, sz = (float(v) for v in tree.spacing_xyz)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', _DTD, "", "<tracings>"]
    out.append(
        f"  <samplespacing x={_q(sx)} y={_q(sy)} z={_q(sz)} units={_quote(tree.units)}/>"
    )
    if image_shape_zyx is not None:
        depth, height, width = (int(v) for v in image_shape_zyx)
        out.append(f'  <imagesize width="{width}" height="{height}" depth="{depth}"/>')
    by_id = {p.id: p for p in tree.paths}
    for p in tree.paths:
        out.append(f"  <path {_path_attrs(p, by_id)}>")
        out.extend(_point_lines(p, (sx, sy, sz)))
        out.append("  </path>")
    out.append("</tracings>")
    return "\n".join(out) + "\n"


def _path_attrs(p: Path, by_id: dict) -> str:
    attrs = [("id", str(p.id)), ("swctype", str(p.swc_type))]
    if p.color is not None:
        attrs.append(("color", p.color))
    attrs += [("channel", str(p.channel)), ("frame", str(p.frame)), ("spines", str(p.spines))]
    parent = by_id.get(p.parent_id) if p.parent_id != p.id else None
    if parent is None and p.fitted_of is None:
        attrs.append(("primary", "true"))
    attrs.append(("usefitted", "true" if p.use_fitted else "false"))
    if p.fitted_id is not None:
        attrs.append(("fitted", str(p.fitted_id)))
    if p.fitted_of is not None:
        attrs.append(("fittedversionof", str(p.fitted_of)))
    if parent is not None and len(parent):
        index = p.branch_index
        if index is None or not 0 <= index < len(parent):
            index = int(np.argmin(np.linalg.norm(parent.points - p.points[0], axis=1)))
        x, y, z = (_num(v) for v in parent.points[index])
        attrs += [("startson", str(parent.id)), ("startx", x), ("starty", y), ("startz", z),
                  ("startsx", x), ("startsy", y), ("startsz", z), ("startsindex", str(index))]
    attrs += [("name", p.name), ("reallength", _num(p.length))]
    if "swc_type_original" in p.extra:
        attrs.append(("swctypeoriginal", str(int(p.extra["swc_type_original"]))))
    return " ".join(f"{k}={_quote(v)}" for k, v in attrs)


def _point_lines(p: Path, spacing_xyz) -> list[str]:
    voxels = physical_to_voxel(p.points, spacing_xyz[::-1])[:, ::-1]  # x, y, z, as the attributes
    lines = []
    for i, (point, voxel) in enumerate(zip(p.points, voxels)):
        parts = [f'x="{voxel[0]}" y="{voxel[1]}" z="{voxel[2]}"',
                 f'xd="{_num(point[0])}" yd="{_num(point[1])}" zd="{_num(point[2])}"']
        if p.tangents is not None:
            tx, ty, tz = (_num(v) for v in p.tangents[i])
            parts.append(f'tx="{tx}" ty="{ty}" tz="{tz}"')
        if p.radii is not None:
            parts.append(f'r="{_num(p.radii[i])}"')
        if p.values is not None:
            parts.append(f'v="{_num(p.values[i])}"')
        lines.append(f"    <point {' '.join(parts)}/>")
    return lines


def _num(value) -> str:
    """Shortest text that reads back as the same double (Java's spelling for non-finite)."""
    value = float(value)
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def _q(value: float) -> str:
    return f'"{_num(value)}"'


def _quote(text: str) -> str:
    """A double-quoted attribute value; whitespace escaped so parsers keep it as is."""
    return '"' + escape(text, _ATTR_ESCAPES) + '"'
