"""Points from elsewhere as warnings: DL-QC predictions (CSV or JSON) and seeds sent for review.

A DL-QC file lists suspect locations a model predicted: ``x, y, z`` (physical,
the reconstruction's unit) and ``score``, optionally ``check``, ``severity``,
``message``, ``threshold`` and ``paths`` (affected path ids, separated by
``;``, spaces or ``|`` in a CSV; a list in JSON). Where a row names no paths,
the paths passing within ``max_distance`` are taken, so the finding can be
tagged like any other. A bad row is reported by its line (CSV) or item (JSON)
number and the others are imported.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass

import numpy as np

from ..io.errors import SNTWebIOError
from ..model import Tree
from .warnings import CableAtStake, CurationWarning, ImpactKind, NearbyPaths, Severity

DLQC = "DL-QC"
SEED_REVIEW = "Seed Review"
#: How far (physical units) a point reaches for the paths it is about, when a row does not name them.
DEFAULT_REACH = 5.0


class InvalidPointsError(SNTWebIOError):
    """A DL-QC file cannot be read at all (not CSV/JSON, no x, y, z columns)."""


@dataclass(frozen=True)
class RowError:
    """A row that was not imported: its 1-based line (CSV) or item (JSON) number and why."""

    row: int
    reason: str

    def __str__(self):
        return f"row {self.row}: {self.reason}"


def _number(value, name: str, required: bool = True) -> float:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{name} is missing")
        return math.nan
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} is not a number: {value!r}") from None
    if required and not math.isfinite(number):
        raise ValueError(f"{name} is not finite: {value!r}")
    return number


def _path_ids(value, tree: Tree) -> tuple[int, ...] | None:
    if value is None or value == "" or value == []:
        return None
    items = value if isinstance(value, list) else [v for v in re.split(r"[;|\s,]+", str(value)) if v]
    try:
        ids = tuple(int(v) for v in items)
    except (TypeError, ValueError):
        raise ValueError(f"paths must be path ids, not {value!r}") from None
    known = {p.id for p in tree.paths}
    missing = [i for i in ids if i not in known]
    if missing:
        raise ValueError(f"no path {', '.join(map(str, missing))} in the reconstruction")
    return ids


def point_warning(tree: Tree, xyz, value: float, *, check: str = DLQC, severity=Severity.WARNING,
                  message: str = "", threshold: float = math.nan, paths=None,
                  max_distance: float = DEFAULT_REACH, stake: CableAtStake | None = None,
                  near: NearbyPaths | None = None) -> CurationWarning:
    """A warning at a point, about the paths near it unless told which.

    Parameters
    ----------
    tree : Tree
    xyz : sequence of 3 float
        Physical x, y, z.
    value : float
        The measured value (a model's score, a seed's confidence).
    check, severity, message, threshold
        As the warning shows them; the message defaults to the check and score.
    paths : sequence of int, optional
        Affected path ids; if omitted, the paths with a node within
        ``max_distance`` of ``xyz``, nearest first.
    max_distance : float
        Physical units.
    stake : CableAtStake, optional
    near : NearbyPaths, optional
        The tree's, to reuse across many points.

    Returns
    -------
    CurationWarning
        Its impact is the cable at stake in the affected paths' subtrees.
    """
    xyz = tuple(float(v) for v in xyz)
    ids = tuple(paths) if paths is not None else (near or NearbyPaths(tree))(xyz, max_distance)
    stake = stake or CableAtStake(tree)
    return CurationWarning(check, Severity.parse(severity), message or f"{check}: score {value:.2f}", xyz, ids,
                           value, threshold, stake(ids, ImpactKind.SUBTREE))


def _row_warning(tree: Tree, row: dict, max_distance: float, stake: CableAtStake, near: NearbyPaths
                 ) -> CurationWarning:
    row = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    xyz = [_number(row.get(k), k) for k in ("x", "y", "z")]
    score = _number(row.get("score", row.get("value")), "score", required=False)
    severity = row.get("severity") or "WARNING"
    # JSON items may hold numbers where a CSV holds text.
    return point_warning(tree, xyz, score, check=str(row.get("check") or DLQC).strip(),
                         severity=Severity.parse(severity), message=str(row.get("message") or "").strip(),
                         threshold=_number(row.get("threshold"), "threshold", required=False),
                         paths=_path_ids(row.get("paths"), tree), max_distance=max_distance, stake=stake,
                         near=near)


def _rows(text: str, source) -> list[tuple[int, object]]:
    """``(row number, row)``: CSV lines (numbered as in the file) or JSON items (numbered from 1)."""
    stripped = text.lstrip()
    if stripped[:1] in "[{":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidPointsError(source, f"not valid JSON: {error.msg}", error.lineno) from None
        items = data.get("warnings", data.get("points")) if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise InvalidPointsError(source, "JSON must be a list of points or {\"warnings\": [...]}")
        return list(enumerate(items, 1))
    reader = csv.DictReader(io.StringIO(text))
    fields = {f.strip().lower() for f in reader.fieldnames or ()}
    if not {"x", "y", "z"} <= fields:
        raise InvalidPointsError(source, "a DL-QC CSV needs x, y and z columns", 1)
    out = []
    for row in reader:
        if None in row:  # more cells than columns
            out.append((reader.line_num, ValueError(f"{len(row) - 1 + len(row[None])} cells for "
                                                    f"{len(reader.fieldnames)} columns")))
        elif any(v is not None and str(v).strip() for v in row.values()):
            out.append((reader.line_num, row))
    return out


def parse_points(text: str, tree: Tree, *, source="<upload>", max_distance: float = DEFAULT_REACH
                 ) -> tuple[list[CurationWarning], list[RowError]]:
    """Warnings from DL-QC CSV or JSON text, and the rows that could not be imported.

    Parameters
    ----------
    text : str
        A CSV with a header row (``x, y, z`` required, case-insensitive) or
        JSON: a list of objects, or ``{"warnings": [...]}`` / ``{"points": [...]}``.
    tree : Tree
        The reconstruction the points are about (paths named must exist).
    source : str or path-like
        Named in errors: the file or upload.
    max_distance : float
        Physical reach for the paths of a row that names none.

    Returns
    -------
    warnings : list of CurationWarning
    errors : list of RowError
        Each skipped row's line (CSV) or item number (JSON) and why.

    Raises
    ------
    InvalidPointsError
        The file as a whole is unreadable (bad JSON, no x, y, z columns).
    """
    warnings, errors = [], []
    stake, near = CableAtStake(tree), NearbyPaths(tree)
    for number, row in _rows(text, source):
        try:
            if isinstance(row, Exception):
                raise row
            if not isinstance(row, dict):
                raise ValueError("not an object with x, y, z")
            warnings.append(_row_warning(tree, row, max_distance, stake, near))
        except ValueError as error:
            errors.append(RowError(number, str(error)))
    return warnings, errors


def read_points(path, tree: Tree, max_distance: float = DEFAULT_REACH
                ) -> tuple[list[CurationWarning], list[RowError]]:
    """:func:`parse_points` of a CSV or JSON file (UTF-8).

    Raises
    ------
    InvalidPointsError
        Naming the file: it cannot be read, or is not a points table at all.
    """
    try:
        text = open(path, encoding="utf-8-sig").read()
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidPointsError(path, f"cannot read: {error}") from None
    return parse_points(text, tree, source=path, max_distance=max_distance)


def seed_review_warnings(seed_xyz_um, tree: Tree, severity=Severity.INFO, confidences=None, labels=None,
                         max_distance: float = DEFAULT_REACH) -> list[CurationWarning]:
    """Seeds sent to the Assistant: one "Seed Review" warning per seed, tagged paths resolved by proximity.

    Parameters
    ----------
    seed_xyz_um : array_like, shape (n, 3)
        Seed positions, physical x, y, z.
    tree : Tree
    severity : Severity or str
        As chosen when sending (advisory note = INFO, warning, error).
    confidences : array_like, shape (n,), optional
        Each seed's confidence (the warning's value); NaN if omitted.
    labels : sequence of str, optional
        Per seed, what to say about it (type, source); shown in the message.
    max_distance : float
        Paths with a node this close to a seed are its affected paths.

    Returns
    -------
    list of CurationWarning
        One per seed, in order: check "Seed Review", value the confidence,
        threshold 0; no affected paths where none is near (still reviewable).
    """
    points = np.asarray(seed_xyz_um, dtype=float).reshape(-1, 3)
    conf = np.full(len(points), np.nan) if confidences is None else np.asarray(confidences, dtype=float)
    out, stake, near = [], CableAtStake(tree), NearbyPaths(tree)
    for k, xyz in enumerate(points):
        detail = f", {labels[k]}" if labels is not None and labels[k] else ""
        out.append(point_warning(tree, xyz, float(conf[k]), check=SEED_REVIEW, severity=severity,
                                 message=f"Seed candidate: confidence {conf[k]:.2f}{detail}", threshold=0.0,
                                 max_distance=max_distance, stake=stake, near=near))
    return out
