"""Seeds kept with a project: one database row per seed, edited row by row.

SNT loses its seeds when the image changes; here they are project state,
written through the command layer (:func:`.commands.apply`: role-checked, one
transaction, one history entry per change) in SQLite or PostgreSQL alike.

Many users may curate the same seeds at once, so a change is not refused
because the *project* moved on (someone traced a path, someone else marked
other seeds): each row records the version that last wrote it, and a change
based on ``base_version`` is refused with :class:`SeedConflictError` only if a
seed it touches was written after that version (or is gone). Additions never
conflict. Seed ids are stable: a seed keeps its id until it is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import and_, bindparam, delete, func, insert, select, update

from ..seeds import MARKS, Seeds, edited
from . import database as db
from .commands import apply
from .projects import ProjectStore
from .records import ProjectRecord, StoreError

_T = db.seeds
_COLUMNS = ("x", "y", "z", "confidence", "radius", "channel", "frame", "type", "source", "mark")
#: Rows per statement where ids are listed in SQL (SQLite's bound-parameter limit is lower than a bulk edit).
_CHUNK = 500


class SeedConflictError(StoreError):
    """Seeds a change touches were changed or deleted by someone else since the change's base version."""


def load_seeds(store: ProjectStore, project_id: str) -> Seeds:
    """The project's seeds now, ordered by id (cached per process until they change)."""
    store.get(project_id)
    where = _T.c.project_id == project_id
    with store.engine.connect() as conn:
        newest, count = conn.execute(select(func.max(_T.c.version), func.count()).where(where)).one()
    # Rows are only ever inserted, rewritten (with a newer version) or
    # deleted (fewer rows), so the pair names one state of the table.
    key = ("seeds", project_id, newest, count)

    def read():
        with store.engine.connect() as conn:
            return _read(conn, project_id)

    return store.cached(key, read)


def _selected_rows(conn, query, ids) -> list:
    """The rows of ``query`` for all seeds (``ids`` None), or for the seeds ``ids``, a chunk of ids at a time."""
    if ids is None:
        return conn.execute(query).all()
    return [row for start in range(0, len(ids), _CHUNK)
            for row in conn.execute(query.where(_T.c.id.in_(ids[start:start + _CHUNK]))).all()]


def _read(conn, project_id, ids=None) -> Seeds:
    """The project's seeds (or only those ``ids``, so that editing one seed of 50,000 reads one row), by id."""
    query = select(_T.c.id, *(_T.c[c] for c in _COLUMNS)).where(_T.c.project_id == project_id)
    rows = sorted(_selected_rows(conn, query, ids), key=lambda row: row[0])
    if not rows:
        return Seeds.empty()
    seed_ids, x, y, z, conf, radius, channel, frame, kind, source, mark = zip(*rows)
    return Seeds.from_columns(np.column_stack([x, y, z]), confidence=conf, radius=radius, channel=channel,
                              frame=frame, type=list(kind), source=list(source), mark=mark, id=seed_ids)


def _rows(project_id, seeds: Seeds, version: int) -> list[dict]:
    return [
        {"project_id": project_id, "id": i, "x": x, "y": y, "z": z, "confidence": c, "radius": r, "channel": ch,
         "frame": fr, "type": t, "source": s, "mark": m, "version": version}
        for i, (x, y, z), c, r, ch, fr, t, s, m in zip(
            seeds.id.tolist(), seeds.xyz.tolist(), seeds.confidence.tolist(), seeds.radius.tolist(),
            seeds.channel.tolist(), seeds.frame.tolist(), seeds.type.tolist(), seeds.source.tolist(),
            seeds.mark.tolist())
    ]


def _check_current(conn, project_id, ids, base_version) -> None:
    """Refuse a change to seeds that are gone, or were written after ``base_version``."""
    query = select(_T.c.id, _T.c.version).where(_T.c.project_id == project_id)
    versions = dict(_selected_rows(conn, query, ids))
    gone = [i for i in ids if i not in versions]
    if gone:
        raise SeedConflictError(f"{len(gone)} of the seeds (first: id {gone[0]}) no longer exist in project "
                                f"{project_id!r}; someone deleted them")
    if base_version is not None:
        newer = [i for i in ids if versions[i] > base_version]
        if newer:
            raise SeedConflictError(
                f"{len(newer)} of the seeds (first: id {newer[0]}) were changed by someone else since version "
                f"{base_version} of project {project_id!r}; reload and try again")


def _ids(ids) -> list[int]:
    out = list(dict.fromkeys(int(i) for i in np.asarray(ids).reshape(-1).tolist()))
    if not out:
        raise StoreError("no seeds given")
    return out


@dataclass(frozen=True)
class AddSeeds:
    """Add seeds (with new ids), or replace all of the project's seeds with them."""

    seeds: Seeds
    replace: bool = False
    origin: str = ""
    action = "edit"

    def run(self, store, project_id, user, base_version):
        def write(conn, version):
            if self.replace:
                if base_version is not None:
                    newest = conn.execute(select(func.max(_T.c.version)).where(_T.c.project_id == project_id))
                    if (newest.scalar() or 0) > base_version:
                        raise SeedConflictError(f"the seeds of project {project_id!r} were changed by someone "
                                                f"else since version {base_version}; reload and try again")
                conn.execute(delete(_T).where(_T.c.project_id == project_id))
            # An id freed by a delete may come back, but never unnoticed: the
            # new row's version is newer than any page that knew the old seed.
            last = conn.execute(select(func.max(_T.c.id)).where(_T.c.project_id == project_id)).scalar()
            start = 0 if last is None else last + 1
            seeds = self.seeds.with_ids(np.arange(start, start + len(self.seeds)))
            if len(seeds):
                conn.execute(insert(_T), _rows(project_id, seeds, version))

        verb = "replaced the seeds with" if self.replace else "added"
        origin = f" from {self.origin}" if self.origin else ""
        return store._commit(project_id, None, user=user, action="add seeds",
                             summary=f"{verb} {len(self.seeds)} seeds{origin}", extra=write)


@dataclass(frozen=True)
class UpdateSeeds:
    """Set columns (``changes``: name → one value) on the seeds ``ids``; a mark alone is a review."""

    ids: tuple
    changes: dict

    @property
    def action(self):
        return "review" if set(self.changes) == {"mark"} else "edit"

    def run(self, store, project_id, user, base_version):
        ids = _ids(self.ids)
        if not self.changes:
            raise StoreError("no seed columns to change")

        def write(conn, version):
            _check_current(conn, project_id, ids, base_version)
            current = _read(conn, project_id, ids)
            try:
                changed = edited(current, np.arange(len(current)), self.changes)
            except ValueError as err:
                raise StoreError(str(err)) from None
            rows = _rows(project_id, changed, version)
            stmt = (update(_T).where(and_(_T.c.project_id == bindparam("p_project"), _T.c.id == bindparam("p_id")))
                    .values({c: bindparam(c) for c in (*_COLUMNS, "version")}))
            conn.execute(stmt, [{**r, "p_project": r["project_id"], "p_id": r["id"]} for r in rows])

        what = ", ".join(f"{k} = {v!r}" for k, v in self.changes.items())
        return store._commit(project_id, None, user=user, action="mark seeds" if self.action == "review"
                             else "edit seeds", summary=f"set {what} on {_count(ids)}", extra=write)


@dataclass(frozen=True)
class DeleteSeeds:
    """Delete the seeds ``ids``; refused if someone changed one of them since the base version."""

    ids: tuple
    action = "edit"

    def run(self, store, project_id, user, base_version):
        ids = _ids(self.ids)

        def write(conn, version):
            _check_current(conn, project_id, ids, base_version)
            for start in range(0, len(ids), _CHUNK):
                conn.execute(delete(_T).where(and_(_T.c.project_id == project_id,
                                                   _T.c.id.in_(ids[start:start + _CHUNK]))))

        return store._commit(project_id, None, user=user, action="delete seeds", summary=f"deleted {_count(ids)}",
                             extra=write)


def _count(ids) -> str:
    return f"seed {ids[0]}" if len(ids) == 1 else f"{len(ids)} seeds"


def add_seeds(store, project_id, user, seeds: Seeds, base_version=None, *, replace=False,
              origin: str = "") -> ProjectRecord:
    """Add ``seeds`` (they get new ids), or with ``replace`` make them the project's only seeds.

    Raises
    ------
    PermissionDenied
        The user may not edit the project.
    SeedConflictError
        ``replace`` from a ``base_version`` after which someone changed the seeds.
    """
    return apply(store, project_id, user, AddSeeds(seeds, replace, origin), base_version)


def update_seeds(store, project_id, user, ids, changes: dict, base_version=None) -> ProjectRecord:
    """Set ``changes`` (column → value, e.g. ``{"type": "tip"}``) on the seeds ``ids`` in one version.

    Raises
    ------
    PermissionDenied, SeedConflictError, StoreError
        Not allowed; a seed changed or deleted since ``base_version``; a bad column or value.
    """
    return apply(store, project_id, user, UpdateSeeds(tuple(_ids(ids)), dict(changes)), base_version)


def mark_seeds(store, project_id, user, ids, mark: str, base_version=None) -> ProjectRecord:
    """Mark the seeds ``ids`` accepted, rejected or unmarked (``"none"``); reviewers may do this."""
    if mark not in MARKS:
        raise StoreError(f"seed mark {mark!r}: one of {', '.join(MARKS)}")
    return update_seeds(store, project_id, user, ids, {"mark": mark}, base_version)


def delete_seeds(store, project_id, user, ids, base_version=None) -> ProjectRecord:
    """Delete the seeds ``ids`` in one version."""
    return apply(store, project_id, user, DeleteSeeds(tuple(_ids(ids))), base_version)
