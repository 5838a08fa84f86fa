"""Curation warnings and their reviews, kept with the project.

Two tables (:mod:`.database`): ``snt_curation_warnings`` (one row per
warning and project, keyed by :attr:`CurationWarning.key`, with where it came
from and its review: decision, reviewer, time) and ``snt_curation_scans`` (the
measured distributions of the latest full scan and live check, for the
histograms, and the project's thresholds, under source ``settings``). Unlike
SNT, decisions outlive the session, and every warning has its own, whether or
not it names paths (seed reviews, DL-QC points).

A re-scan replaces the undecided warnings of the scan; a warning found again
keeps its decision (same key), and decided warnings are never dropped. A
decision on a warning that names paths also tags those paths
(``{cur:accept}``...) through :func:`.commands.apply`, so the tags are in the
reconstruction's history and travel with ``.traces`` files.

Every change is a command run by :func:`.commands.apply` (adding warnings,
scanning and deciding need ``review``); reading checks ``view`` with the same
:func:`.commands.require`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from sqlalchemy import and_, delete, insert, select, update

from ..curation import CurationSettings, ScanResult, full_scan, live_checks
from ..curation.exports import DECISION_TAGS
from ..curation.scan import live_measurements
from ..curation.warnings import CurationWarning, sort_warnings
from ..model import edit
from . import database as db
from .commands import CURATION_TAGS, apply, require
from .records import StoreError
from .text import check_text

#: Where a warning came from.
SOURCES = ("scan", "live", "dlqc", "seeds", "api")
#: The sources :func:`add_warnings` takes; the others are the scans', which replace their undecided warnings.
ADDED_SOURCES = ("dlqc", "seeds", "api")
DECISIONS = tuple(DECISION_TAGS)


def _upsert(conn, project_id: str, warnings, source: str, now: float) -> int:
    t = db.curation_warnings
    by_key = {w.key: w for w in warnings}
    existing = set(conn.execute(select(t.c.key).where(t.c.project_id == project_id)).scalars())
    for key, w in by_key.items():
        values = {"source": source, "severity": int(w.severity), "data": json.dumps(w.to_dict())}
        if key in existing:
            conn.execute(update(t).where(and_(t.c.project_id == project_id, t.c.key == key)).values(**values))
        else:
            conn.execute(insert(t).values(project_id=project_id, key=key, added=now, **values))
    return len(by_key)


def add_warnings(store, project_id: str, user: str | None, warnings, source: str = "api") -> int:
    """Add warnings (DL-QC points, seed reviews, a pipeline's findings) beside the others.

    A warning already present (same key) is updated and keeps its review.

    Returns
    -------
    int
        How many distinct warnings were added or updated.

    Raises
    ------
    PermissionDenied
        The user may not review this project.
    StoreError
        A ``source`` not in :data:`ADDED_SOURCES`.
    """
    if source not in ADDED_SOURCES:
        # "scan" and "live" warnings are scan_project's: a re-scan would silently drop added ones.
        raise StoreError(f"warnings can be added from {', '.join(ADDED_SOURCES)}, not {source!r}")
    return apply(store, project_id, user, AddWarnings(tuple(warnings), source), None)


@dataclass(frozen=True)
class AddWarnings:
    """:func:`add_warnings` as a command."""

    warnings: tuple
    source: str
    action = "review"

    def run(self, store, project_id, user, base_version) -> int:
        store.get(project_id)  # an unknown project is refused, not given rows of its own
        check_text([{"check": w.check, "message": w.message} for w in self.warnings], "warnings")
        with db.transaction(store.engine) as conn:
            return _upsert(conn, project_id, self.warnings, self.source, time.time())


def replace_scan(store, project_id: str, user: str | None, result, *, source: str = "scan", version: int | None = None,
                 settings: dict | None = None) -> int:
    """Store a full scan (or live check) result: its warnings replace the undecided ones of that source.

    Parameters
    ----------
    result : snt_web.curation.ScanResult
    source : str
        ``"scan"`` or ``"live"``.
    version : int, optional
        The project version that was scanned.
    settings : dict, optional
        The thresholds used, kept with the measurements.

    Returns
    -------
    int
        Number of warnings of the scan.
    """
    if source not in ("scan", "live"):
        raise StoreError(f"a scan's source is scan or live, not {source!r}")
    return apply(store, project_id, user, ReplaceScan(result, source, version, settings or {}), None)


@dataclass(frozen=True)
class ReplaceScan:
    """:func:`replace_scan` as a command."""

    result: ScanResult
    source: str
    version: int | None
    settings: dict
    action = "review"

    def run(self, store, project_id, user, base_version) -> int:
        version = store.get(project_id).version if self.version is None else self.version
        source, t, now = self.source, db.curation_warnings, time.time()
        keys = {w.key for w in self.result.warnings}
        with db.transaction(store.engine) as conn:
            stale = conn.execute(select(t.c.key).where(and_(t.c.project_id == project_id, t.c.source == source,
                                                            t.c.decision.is_(None)))).scalars().all()
            gone = [k for k in stale if k not in keys]
            if gone:
                conn.execute(delete(t).where(and_(t.c.project_id == project_id, t.c.key.in_(gone))))
            count = _upsert(conn, project_id, self.result.warnings, source, now)
            s = db.curation_scans
            conn.execute(delete(s).where(and_(s.c.project_id == project_id, s.c.source == source)))
            conn.execute(insert(s).values(project_id=project_id, source=source, time=now, user=user, version=version,
                                          data=json.dumps({"measurements": self.result.measurements,
                                                           "settings": self.settings})))
        return count


def list_warnings(store, project_id: str, user: str | None = None, *, check_role: bool = True) -> list[dict]:
    """Every warning of the project, most severe first, as JSON-ready rows.

    Each row is :meth:`CurationWarning.to_dict` plus ``source``, ``decision``,
    ``reviewer`` and ``decided`` (seconds since the epoch, or None).
    """
    if check_role:
        store.get(project_id)  # an unknown project is reported as such, not as a permission refused
        require(store, project_id, user, "view")
    t = db.curation_warnings
    with store.engine.connect() as conn:
        rows = conn.execute(select(t).where(t.c.project_id == project_id)).mappings().all()
    by_key = {r["key"]: r for r in rows}
    ordered = sort_warnings(CurationWarning.from_dict(json.loads(r["data"])) for r in rows)
    out = []
    for w in ordered:
        r = by_key[w.key]
        out.append({**json.loads(r["data"]), "key": r["key"], "source": r["source"], "decision": r["decision"],
                    "reviewer": r["reviewer"], "decided": r["decided"]})
    return out


def warnings_and_reviews(store, project_id: str, user: str | None = None, *, check_role: bool = True
                         ) -> tuple[list[CurationWarning], dict]:
    """``(warnings, {key: {decision, reviewer, time}})``: what the warnings CSV export needs.

    ``check_role=False`` is for tools with direct access to the database (the CLI) and for callers that
    checked the role themselves (the web layer, which knows a read-only demo's visitors are viewers).
    """
    rows = list_warnings(store, project_id, user, check_role=check_role)
    reviews = {r["key"]: {"decision": r["decision"], "reviewer": r["reviewer"], "time": r["decided"]} for r in rows}
    return [CurationWarning.from_dict(r) for r in rows], reviews


def scan_measurements(store, project_id: str, source: str = "scan") -> dict:
    """``{"measurements", "settings", "version", "time"}`` of the latest scan; empty if none."""
    s = db.curation_scans
    with store.engine.connect() as conn:
        row = conn.execute(select(s).where(and_(s.c.project_id == project_id, s.c.source == source))).mappings().first()
    if row is None:
        return {}
    return {**json.loads(row["data"]), "version": row["version"], "time": row["time"]}


def clear_warnings(store, project_id: str, user: str | None, source: str | None = None) -> int:
    """Remove the warnings of ``source`` (all if None), decided or not; how many went."""
    return apply(store, project_id, user, ClearWarnings(source), None)


@dataclass(frozen=True)
class ClearWarnings:
    """:func:`clear_warnings` as a command."""

    source: str | None
    action = "review"

    def run(self, store, project_id, user, base_version) -> int:
        store.get(project_id)  # an unknown project is refused, not given rows of its own
        t = db.curation_warnings
        where = t.c.project_id == project_id
        if self.source is not None:
            where = and_(where, t.c.source == self.source)
        with db.transaction(store.engine) as conn:
            return conn.execute(delete(t).where(where)).rowcount


@dataclass(frozen=True)
class ReviewPaths:
    """Give several paths one review tag (``cur:accept``...), or take their review tags off (``tag=None``).

    One new version for all of them, with the ``review`` role (a reviewer may
    also clear); a path already so tagged is left alone, and a path deleted
    since the warning was found is passed over. ``run`` returns None when no
    path changes.
    """

    path_ids: tuple
    tag: str | None
    action = "review"

    def run(self, store, project_id, user, base_version):
        if self.tag is not None and self.tag not in CURATION_TAGS:
            raise StoreError(f"review tag {self.tag!r}: one of {', '.join(CURATION_TAGS)}")
        base = store.get(project_id).version if base_version is None else base_version
        tree = store.reconstruction(project_id, base)
        changed = []
        for path in tree.paths:
            if path.id not in self.path_ids:
                continue
            # Any earlier review tag goes, as SNT's markPositive/Negative/Unsure drop every {cur:...} first.
            tags = [t for t in path.tags if not t.startswith("cur:")] + ([self.tag] if self.tag else [])
            if tags != path.tags:
                tree = edit.set_path_properties(tree, path.id, tags=tags)
                changed.append(path.id)
        if not changed:
            return None
        what = f"path {changed[0]}" if len(changed) == 1 else f"{len(changed)} paths"
        summary = f"tagged {what} {{{self.tag}}}" if self.tag else f"cleared the review tags of {what}"
        return store._set_reconstruction(project_id, tree, base_version=base, user=user, action="review paths",
                                        summary=summary)


def set_decision(store, project_id: str, user: str | None, keys, decision: str | None, *,
                 tag_paths: bool = True, base_version: int | None = None):
    """Record ``user``'s decision on the warnings ``keys`` and tag their affected paths.

    Parameters
    ----------
    keys : collection of str
        Warning keys.
    decision : {"accept", "reject", "unsure"} or None
        None clears the review and the review tags of the paths.
    tag_paths : bool
        Also tag the affected paths ``{cur:accept}`` / ``{cur:reject}`` / ``{cur:unsure}``.
    base_version : int, optional
        The project version the reviewer saw; tagging refuses a stale one.

    Returns
    -------
    ProjectRecord or None
        The project after tagging, or None when no path was tagged.

    Raises
    ------
    PermissionDenied, StaleVersionError, StoreError
    """
    if decision is not None and decision not in DECISIONS:
        raise StoreError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    return apply(store, project_id, user, Decide(tuple(dict.fromkeys(keys)), decision, tag_paths), base_version)


@dataclass(frozen=True)
class Decide:
    """:func:`set_decision` as a command: the decision, and the review tags of the warnings' paths."""

    keys: tuple
    decision: str | None
    tag_paths: bool = True
    action = "review"

    def run(self, store, project_id, user, base_version):
        store.get(project_id)  # an unknown project is refused, not given rows of its own
        t = db.curation_warnings
        with store.engine.connect() as conn:
            rows = conn.execute(select(t.c.key, t.c.data).where(and_(t.c.project_id == project_id,
                                                                       t.c.key.in_(self.keys)))).all()
        missing = set(self.keys) - {r.key for r in rows}
        if missing:
            raise StoreError(f"project {project_id!r} has no warning {', '.join(sorted(missing))}")
        paths = [pid for r in rows for pid in json.loads(r.data)["paths"]]
        record = None
        if self.tag_paths and paths:
            # ReviewPaths needs the same role as this command, which apply has checked.
            tag = None if self.decision is None else DECISION_TAGS[self.decision]
            record = ReviewPaths(tuple(dict.fromkeys(paths)), tag).run(store, project_id, user, base_version)
        with db.transaction(store.engine) as conn:
            conn.execute(update(t).where(and_(t.c.project_id == project_id, t.c.key.in_(self.keys))).values(
                decision=self.decision, reviewer=None if self.decision is None else user,
                decided=None if self.decision is None else time.time()))
        return record


def set_project_settings(store, project_id: str, user: str | None, settings: CurationSettings) -> None:
    """Keep ``settings`` (e.g. from a ``.curation`` preset) as the thresholds of the project's scans."""
    apply(store, project_id, user, SetCurationSettings(settings), None)


@dataclass(frozen=True)
class SetCurationSettings:
    """:func:`set_project_settings` as a command."""

    settings: CurationSettings
    action = "review"

    def run(self, store, project_id, user, base_version) -> None:
        s = db.curation_scans
        version = store.get(project_id).version
        with db.transaction(store.engine) as conn:
            conn.execute(delete(s).where(and_(s.c.project_id == project_id, s.c.source == "settings")))
            conn.execute(insert(s).values(project_id=project_id, source="settings", time=time.time(), user=user,
                                          version=version, data=json.dumps({"settings": self.settings.to_dict()})))


def project_settings(store, project_id: str) -> CurationSettings:
    """The project's thresholds: the last ones set, else SNT's defaults."""
    kept = scan_measurements(store, project_id, "settings").get("settings")
    return CurationSettings.from_dict(kept) if kept else CurationSettings()


def scan_project(store, project_id: str, user: str | None, settings=None, *, live_only: bool = False,
                 progress=None):
    """Scan the project's current reconstruction (and image) and store the result.

    Parameters
    ----------
    settings : CurationSettings, optional
        The project's (:func:`project_settings`) if omitted.
    live_only : bool
        Run only the live checks (what live monitoring re-runs after each
        edit); stored as source ``live``, beside the last full scan.
    progress : callable, optional
        ``progress(fraction, message)``.

    Returns
    -------
    ScanResult
    """
    return apply(store, project_id, user, ScanProject(settings, live_only, progress), None)


@dataclass(frozen=True)
class ScanProject:
    """:func:`scan_project` as a command: the role is checked before the scan, not after its minutes of work."""

    settings: CurationSettings | None = None
    live_only: bool = False
    progress: object = None
    action = "review"

    def run(self, store, project_id, user, base_version) -> ScanResult:
        settings = self.settings or project_settings(store, project_id)
        version = store.get(project_id).version
        tree = store.reconstruction(project_id, version)
        if self.live_only:
            result = ScanResult(sort_warnings(live_checks(tree, settings)), live_measurements(tree, settings))
        else:
            result = full_scan(tree, settings, store.image(project_id), self.progress)
        source = "live" if self.live_only else "scan"
        ReplaceScan(result, source, version, settings.to_dict()).run(store, project_id, user, base_version)
        return result
