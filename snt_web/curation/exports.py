"""Training data from reviews: the reconstruction split by review tag, and the reviewed warnings as a table.

Review tags are SNT's CurationTags on path names: ``{cur:accept}`` (positive),
``{cur:reject}`` (negative), ``{cur:unsure}``; untagged paths are unreviewed.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path as FilePath

from ..io.atomic import atomic_write
from ..io.csv_safe import csv_writer
from ..io.reconstruction import reconstruction_bytes, write_reconstruction
from ..model import Path, Tree
from .warnings import CurationWarning

#: Review tag → partition name.
PARTITIONS = {"cur:accept": "positive", "cur:reject": "negative", "cur:unsure": "unsure"}
#: Decision names as the store keeps them → review tag.
DECISION_TAGS = {"accept": "cur:accept", "reject": "cur:reject", "unsure": "cur:unsure"}

WARNING_COLUMNS = ("check", "severity", "message", "x", "y", "z", "paths", "value", "threshold", "impact")
REVIEW_COLUMNS = ("decision", "reviewer", "time", "key")


@dataclass
class Partition:
    """Paths by review status, in file order (SNT's ``CurationTags.Partition``)."""

    positive: Tree
    negative: Tree
    unsure: Tree
    unreviewed: Tree

    def items(self):
        """``(status, Tree)`` pairs, in SNT's order."""
        return {"positive": self.positive, "negative": self.negative, "unsure": self.unsure,
                "unreviewed": self.unreviewed}.items()

    @property
    def reviewed(self) -> int:
        return len(self.positive) + len(self.negative) + len(self.unsure)

    @property
    def total(self) -> int:
        return self.reviewed + len(self.unreviewed)


def review_status(path: Path) -> str:
    """``positive``, ``negative``, ``unsure`` or ``unreviewed``, from the path's last review tag."""
    found = [PARTITIONS[t] for t in path.tags if t in PARTITIONS]
    return found[-1] if found else "unreviewed"


def partition_by_review(tree: Tree) -> Partition:
    """Split the reconstruction by review status.

    A path whose parent falls in another partition becomes a primary path of
    its own, so each part is a valid reconstruction to write. Fitted copies go
    with their original.

    Parameters
    ----------
    tree : Tree

    Returns
    -------
    Partition
        Paths tagged ``{cur:accept}`` (positive), ``{cur:reject}``
        (negative), ``{cur:unsure}``, and the rest; the last tag decides.
    """
    groups = {name: [] for name in ("positive", "negative", "unsure", "unreviewed")}
    status = {}
    for path in tree.paths:
        origin = tree.path(path.fitted_of) if path.fitted_of is not None else path
        status[path.id] = review_status(origin)
    for path in tree.paths:
        group = status[path.id]
        linked = {}
        if path.parent_id is not None and status.get(path.parent_id) != group:
            linked = {"parent_id": None, "branch_index": None}
        groups[group].append(path.copy(**linked) if linked else path)
    return Partition(**{name: Tree(paths, spacing_xyz=tree.spacing_xyz, units=tree.units)
                        for name, paths in groups.items()})


def _named_parts(tree: Tree, fmt: str, stem: str):
    """``(status, file name, part)`` of each non-empty partition."""
    if fmt not in ("swc", "traces"):
        raise ValueError(f"format must be swc or traces, not {fmt!r}")
    return [(name, f"{stem}-{name}.{fmt}", part) for name, part in partition_by_review(tree).items() if len(part)]


def write_partitions(tree: Tree, outdir, fmt: str = "swc", stem: str = "reconstruction") -> dict[str, str]:
    """Write each non-empty partition as ``<stem>-<status>.<fmt>`` in ``outdir``.

    Parameters
    ----------
    tree : Tree
        Paths tagged ``{cur:accept}``, ``{cur:reject}``, ``{cur:unsure}`` or not at all.
    outdir : path-like
    fmt : {"swc", "traces"}
    stem : str

    Returns
    -------
    dict
        ``{status: file written}``.
    """
    written = {}
    for name, filename, part in _named_parts(tree, fmt, stem):
        target = FilePath(outdir) / filename
        write_reconstruction(part, target)
        written[name] = str(target)
    return written


def partitions_zip(tree: Tree, fmt: str = "swc", stem: str = "reconstruction") -> bytes:
    """The non-empty partitions as ``<stem>-<status>.<fmt>`` files in one zip archive (for a download)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for _, filename, part in _named_parts(tree, fmt, stem):
            archive.writestr(filename, reconstruction_bytes(part, fmt, compresslevel=None))
    return buffer.getvalue()


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def warnings_csv(warnings: list[CurationWarning], reviews: dict | None = None, reviewed_only: bool = False) -> str:
    """The warnings as CSV text; with ``reviews`` (key → ``{decision, reviewer, time}``) also their decisions.

    Parameters
    ----------
    warnings : list of CurationWarning
    reviews : dict, optional
        Warning key → ``{"decision", "reviewer", "time"}`` (as
        :func:`snt_web.store.curation.warnings_and_reviews` gives them); adds
        the columns ``decision, reviewer, time, key``.
    reviewed_only : bool
        Keep the warnings with a decision: the training set for a QC classifier.

    Returns
    -------
    str
        Columns ``check, severity, message, x, y, z, paths, value, threshold,
        impact`` (x, y, z physical; paths ``;``-separated; NaN as empty).
    """
    columns = WARNING_COLUMNS + (REVIEW_COLUMNS if reviews is not None else ())
    buffer = io.StringIO()
    writer = csv_writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for w in warnings:
        review = (reviews or {}).get(w.key) or {}
        if reviewed_only and not review.get("decision"):
            continue
        x, y, z = w.location if w.location is not None else (None, None, None)
        row = [w.check, w.severity.name, w.message, x, y, z, ";".join(map(str, w.paths)), w.value, w.threshold,
               w.impact]
        if reviews is not None:
            row += [review.get("decision"), review.get("reviewer"), review.get("time"), w.key]
        writer.writerow([_cell(v) for v in row])
    return buffer.getvalue()


def write_warnings_csv(warnings: list[CurationWarning], path, reviews: dict | None = None,
                       reviewed_only: bool = False) -> None:
    """:func:`warnings_csv` to a file, atomically."""
    with atomic_write(path, "w") as fh:
        fh.write(warnings_csv(warnings, reviews, reviewed_only))
