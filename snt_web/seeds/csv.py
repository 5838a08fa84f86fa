"""Seeds as CSV, with SNT's columns and rules (``ImportSeedPointsCmd``, ``SeedOverlay.saveAs``).

Reading: a header is required; names are case-insensitive and trimmed, in any
order. ``x, y, z, confidence, radius`` are required, ``channel, frame, type,
source`` optional (and ``mark``, which we add: a review mark). Coordinates are
physical (default) or voxel indices (× spacing; radius × min(sx, sy)).
Confidence is clamped to [0, 1] (empty or NaN → 1), a negative radius becomes
0, integers may be written ``1.0``. A row that cannot be read (too few fields,
a non-number, non-finite x, y or z) is skipped and reported with its line
number; nothing is dropped without a count.

Writing: ``x,y,z,confidence,radius``, then ``channel,frame`` if any seed has
either set, ``type`` / ``source`` if any is non-empty (``mark`` if any seed is
marked); numbers ``%.6f``; strings quoted only when they must be, and with a ``'`` in front where a
spreadsheet would take them for a formula (:mod:`snt_web.io.csv_safe`).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..io.atomic import atomic_write
from ..io.csv_safe import csv_writer
from ..io.errors import SNTWebIOError
from .table import MARK_NAMES, MARKS, UNSET, Seeds, whole_number

REQUIRED = ("x", "y", "z", "confidence", "radius")
OPTIONAL = ("channel", "frame", "type", "source", "mark")
UNITS = ("physical", "voxel")
#: Problems listed one by one; beyond this only counted.
MAX_LISTED = 100


class InvalidSeedsError(SNTWebIOError):
    """A seeds CSV cannot be read at all (no header, a required column missing)."""


@dataclass
class SeedsRead:
    """What :func:`read_seeds_csv` found.

    Attributes
    ----------
    seeds : Seeds
        The rows read, ids 0..n-1 in file order.
    skipped : int
        Rows that could not be read.
    problems : list of (int, str)
        ``(line number, reason)`` of the first :data:`MAX_LISTED` skipped rows.
    clamped : int
        Seeds whose confidence or radius was brought into range.
    out_of_bounds : int
        Seeds outside the image (kept), when its shape was given.
    """

    seeds: Seeds
    skipped: int = 0
    problems: list = field(default_factory=list)
    clamped: int = 0
    out_of_bounds: int = 0

    def report(self) -> str:
        """One sentence on what was read, skipped and clamped (lines of the first problems)."""
        parts = [f"{len(self.seeds)} seeds read"]
        if self.skipped:
            listed = "; ".join(f"line {line}: {why}" for line, why in self.problems[:5])
            more = f"; {self.skipped - 5} more" if self.skipped > 5 else ""
            parts.append(f"{self.skipped} rows skipped ({listed}{more})")
        if self.clamped:
            parts.append(f"{self.clamped} confidences or radii clamped")
        if self.out_of_bounds:
            parts.append(f"{self.out_of_bounds} seeds outside the image")
        return ", ".join(parts)


def read_seeds_csv(source, *, name: str | None = None, units: str = "physical", spacing_xyz=(1.0, 1.0, 1.0),
                   shape_zyx=None) -> SeedsRead:
    """Read a seeds CSV.

    Parameters
    ----------
    source : path-like, str or bytes
        A file, or the CSV's text or bytes (an upload) when ``name`` is given.
    name : str, optional
        The name errors use for ``source`` given as text or bytes.
    units : {'physical', 'voxel'}
        What ``x, y, z, radius`` are in; voxel indices are multiplied by
        ``spacing_xyz`` (radius by min(sx, sy), as SNT does).
    spacing_xyz : (float, float, float)
        The image's voxel size, x, y, z.
    shape_zyx : (int, int, int), optional
        The image's shape, to count seeds outside it.

    Returns
    -------
    SeedsRead

    Raises
    ------
    InvalidSeedsError
        No header, a required column missing or named twice, an empty file, not text.
    """
    if units not in UNITS:
        raise ValueError(f"units must be one of {UNITS}, got {units!r}")
    label, text = _text(source, name)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise InvalidSeedsError(label, "empty file; expected a header with x,y,z,confidence,radius")
    names = [h.strip().lower() for h in header]
    # A column named twice would otherwise be read from whichever comes last, silently.
    twice = sorted({n for n in names if n in REQUIRED + OPTIONAL and names.count(n) > 1})
    if twice:
        raise InvalidSeedsError(label, f"column(s) {', '.join(twice)} appear more than once in the header", line=1)
    columns = {n: i for i, n in enumerate(names)}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InvalidSeedsError(label, f"missing column(s) {', '.join(missing)}; the header is "
                                       f"{','.join(header)!r} and x,y,z,confidence,radius are required", line=1)
    result = SeedsRead(Seeds.empty())
    rows = {c: [] for c in REQUIRED + OPTIONAL}
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        try:
            values = _row(row, columns)
        except ValueError as err:
            result.skipped += 1
            if len(result.problems) < MAX_LISTED:
                result.problems.append((reader.line_num, str(err)))
            continue
        for c, v in values.items():
            rows[c].append(v)
    conf = np.array(rows["confidence"], dtype=np.float64)
    radius = np.array(rows["radius"], dtype=np.float64)
    result.clamped = int(np.count_nonzero((conf < 0) | (conf > 1) | (radius < 0)))
    xyz = np.array([rows["x"], rows["y"], rows["z"]], dtype=np.float64).T.reshape(-1, 3)
    if units == "voxel":
        xyz = xyz * np.asarray(spacing_xyz, dtype=np.float64)
        radius = radius * min(spacing_xyz[0], spacing_xyz[1])
    result.seeds = Seeds.from_columns(xyz, confidence=conf, radius=radius, channel=rows["channel"],
                                      frame=rows["frame"], type=rows["type"], source=rows["source"],
                                      mark=[MARKS[m] for m in rows["mark"]])
    if shape_zyx is not None:
        extent = (np.asarray(shape_zyx[::-1], dtype=np.float64) - 1) * np.asarray(spacing_xyz, dtype=np.float64)
        result.out_of_bounds = int(np.count_nonzero(((xyz < 0) | (xyz > extent)).any(axis=1)))
    return result


def _text(source, name) -> tuple[str, str]:
    if isinstance(source, (bytes, str)) and name is not None:
        data, label = source, name
    else:
        label = str(source)
        data = Path(source).read_bytes()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidSeedsError(label, "not a text (UTF-8) CSV file") from None
    return label, data


def _number(row, columns, name) -> float:
    text = row[columns[name]].strip() if columns[name] < len(row) else ""
    if not text:
        raise ValueError(f"no {name}")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None


def _channel_or_frame(text: str, name: str) -> int:
    """A channel or frame: a whole number, also written ``1.0`` (SNT's importer reads them so), kept as int32."""
    try:
        number = whole_number(text)
    except (ValueError, OverflowError):  # OverflowError: "inf"
        raise ValueError(f"{name} {text!r} is not a whole number") from None
    if not UNSET <= number < 2**31:
        raise ValueError(f"{name} {text!r} is out of range")
    return number


def _row(row, columns) -> dict:
    """The values of one data row; ValueError says why it cannot be read."""
    if len(row) < len(columns):
        raise ValueError(f"{len(row)} fields, the header has {len(columns)}")
    out = {c: _number(row, columns, c) for c in ("x", "y", "z")}
    if not all(math.isfinite(v) for v in out.values()):
        raise ValueError("x, y and z must be finite")
    conf_text = row[columns["confidence"]].strip()
    out["confidence"] = _number(row, columns, "confidence") if conf_text else math.nan
    radius = _number(row, columns, "radius") if row[columns["radius"]].strip() else 0.0
    out["radius"] = radius if math.isfinite(radius) else 0.0
    for c in ("channel", "frame"):
        text = row[columns[c]].strip() if c in columns else ""
        out[c] = _channel_or_frame(text, c) if text else UNSET
    for c in ("type", "source"):
        out[c] = row[columns[c]].strip() if c in columns else ""
    mark = row[columns["mark"]].strip().lower() if "mark" in columns else ""
    if mark and mark not in MARKS:
        raise ValueError(f"mark {mark!r} is not one of {', '.join(MARKS)}")
    out["mark"] = mark or "none"
    return out


def seeds_csv_text(seeds: Seeds) -> str:
    """The CSV text of ``seeds`` as SNT writes it (see the module docstring)."""
    columns = list(REQUIRED)
    if (seeds.channel != UNSET).any() or (seeds.frame != UNSET).any():
        columns += ["channel", "frame"]
    columns += [c for c in ("type", "source") if any(getattr(seeds, c))]
    if seeds.mark.any():
        columns.append("mark")
    cells = {
        "x": seeds.xyz[:, 0], "y": seeds.xyz[:, 1], "z": seeds.xyz[:, 2], "confidence": seeds.confidence,
        "radius": seeds.radius,
    }
    formatted = {c: [f"{v:.6f}" for v in cells[c].tolist()] for c in REQUIRED}
    formatted.update({c: getattr(seeds, c).tolist() for c in ("channel", "frame", "type", "source")})
    formatted["mark"] = [MARK_NAMES[int(m)] for m in seeds.mark]
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows(zip(*(formatted[c] for c in columns)))
    return out.getvalue()


def write_seeds_csv(seeds: Seeds, path) -> int:
    """Write :func:`seeds_csv_text` to ``path`` atomically; return the number of seeds."""
    with atomic_write(path, "w") as fh:
        fh.write(seeds_csv_text(seeds))
    return len(seeds)
