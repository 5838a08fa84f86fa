"""The project store: server-side state of every project, in a database.

A project is a row of ``snt_projects`` with a version counter, its history
(one row per version: user, time, action, summary), its reconstructions (one
gzipped SNT ``.traces`` per version that changed it, so any version can be read
back and restored) and attachments. Images stay files: opened where they are,
or uploaded into ``<data_dir>/projects/<id>/``.

Every write names the version it was based on. The check and the write are one
conditional ``UPDATE ... WHERE version = base`` inside one transaction, so a
write based on a stale version is refused with :class:`StaleVersionError`
whatever process or machine made the other write, and a committed write is
durable (SQLite ``synchronous=FULL``, PostgreSQL's WAL).

Projects of the earlier file-based store (``project.json`` folders) get their
rows when a store first opens the data directory (:mod:`.legacy`).
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections import OrderedDict
from pathlib import Path

from sqlalchemy import and_, exc, func, insert, select, update

from ..ids import is_valid
from ..io.atomic import atomic_write
from ..io.image import Image
from ..io.tiff import read_image
from ..io.traces import parse_traces_bytes, traces_bytes
from ..model import Tree
from . import database as db
from .accounts import Accounts
from .legacy import import_legacy_projects
from .records import (
    HistoryEntry,
    ProjectExistsError,
    ProjectNotFoundError,
    ProjectRecord,
    StaleVersionError,
    StoreError,
)

ATTACHMENT_KINDS = ("seeds", "warnings", "probability-map", "export", "classifier")


class ProjectStore:
    """Projects under a data directory, their state in a database.

    Its public methods read, and create projects; every change to a project
    (reconstruction, image, undo, restore, attachments) is a private method
    run by a command of :mod:`.commands`, so no caller can write past
    :func:`.commands.apply`'s role and text checks.

    Parameters
    ----------
    data_dir : path-like
        Root folder (``--data-dir``; ``~/.snt-web`` by default) for images,
        ``files/`` and the default SQLite database.
    database_url : str, optional
        SQLAlchemy URL; ``sqlite:///<data_dir>/snt-web.db`` by default, or e.g.
        ``postgresql+psycopg://user@host/db`` for several app servers.
    cache_size : int
        Images and reconstructions kept per process, least recently used
        dropped first. Keys include versions, so no process serves stale state.
    """

    def __init__(self, data_dir, database_url: str | None = None, cache_size: int = 4):
        self.data_dir = Path(data_dir).expanduser()
        self.projects_dir = self.data_dir / "projects"
        self.files_dir = self.data_dir / "files"
        self.projects_dir.mkdir(parents=True, exist_ok=True)
        self.files_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'snt-web.db'}"
        self.engine = db.make_engine(self.database_url)
        import_legacy_projects(self.engine, self.projects_dir)
        self._cache: OrderedDict = OrderedDict()
        self._cache_size = cache_size

    # --- records ----------------------------------------------------------
    @staticmethod
    def _check_id(project_id: str) -> str:
        if not is_valid("project", project_id):
            raise ProjectNotFoundError(project_id)
        return project_id

    def project_dir(self, project_id: str) -> Path:
        """The folder of a project's files (uploads, layers, maps, models); the id is checked first."""
        return self.projects_dir / self._check_id(project_id)

    def get(self, project_id: str) -> ProjectRecord:
        """The current record of a project."""
        self._check_id(project_id)
        with self.engine.connect() as conn:
            row = conn.execute(select(db.projects).where(db.projects.c.id == project_id)).mappings().first()
        if row is None:
            raise ProjectNotFoundError(project_id)
        return ProjectRecord(**row)

    def list(self, user: str | None = None) -> list[ProjectRecord]:
        """Projects, most recently updated first; with ``user``, those they may see."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(db.projects).order_by(db.projects.c.updated.desc())).mappings().all()
        records = [ProjectRecord(**row) for row in rows]
        if user is None:
            return records
        accounts = Accounts(self)
        return [r for r in records if accounts.role_of(r.id, user) is not None]

    # --- create -------------------------------------------------------------
    def create(
        self, name: str, *, project_id: str | None = None, image_path=None, tree: Tree | None = None,
        user: str | None = None,
    ) -> ProjectRecord:
        """Create a project, optionally opening an image file in place.

        Parameters
        ----------
        name : str
            Display name.
        project_id : str, optional
            Lower-case id (letters, digits, ``-``, ``_``); random if omitted.
        image_path : path-like, optional
            An image file to open where it is (it is not copied).
        tree : Tree, optional
            An initial reconstruction (version 1).
        user : str, optional
            The creator, who becomes the project's owner.

        Raises
        ------
        ProjectExistsError
            A project with ``project_id`` exists already.
        """
        project_id = self._check_id(project_id or secrets.token_hex(6))
        now = time.time()
        image = None if image_path is None else Path(image_path).resolve()
        try:
            # One transaction, so no process ever sees the project without its
            # initial reconstruction.
            with db.transaction(self.engine) as conn:
                conn.execute(
                    insert(db.projects).values(
                        id=project_id, name=name, version=0 if tree is None else 1,
                        image_path=None if image is None else str(image),
                        image_name=None if image is None else image.name,
                        image_revision=0 if image is None else 1, created=now, updated=now,
                    )
                )
                if user is not None:
                    conn.execute(insert(db.members).values(project_id=project_id, user=user, role="owner"))
                if tree is not None:
                    _record(conn, project_id, 1, user=user, when=now, action="create",
                            summary=_tree_summary("created with", tree), blob=_compress(tree))
        except exc.IntegrityError:
            raise ProjectExistsError(f"project {project_id!r} exists already") from None
        return self.get(project_id)

    def open_or_create(self, project_id: str, name: str, **kwargs) -> ProjectRecord:
        """The project ``project_id``, created with ``kwargs`` if it does not exist.

        Safe when several server processes start at once: one creates it, the
        others open it.
        """
        try:
            return self.get(project_id)
        except ProjectNotFoundError:
            pass
        try:
            return self.create(name, project_id=project_id, **kwargs)
        except ProjectExistsError:
            return self.get(project_id)

    # --- the one write path ----------------------------------------------------
    def _commit(self, project_id, base_version, *, user, action, summary, tree=None, undoes=None,
                record_changes=None, extra=None) -> ProjectRecord:
        """Check the version, bump it and record the change, in one transaction.

        Parameters
        ----------
        base_version : int or None
            The version the change was based on; None: whatever is current
            (for scripts and the CLI, which have no stale view to protect).
        tree : Tree, optional
            The new reconstruction, if the change makes one.
        record_changes : dict, optional
            Other columns of the project row to set (values or SQL expressions).
        extra : callable, optional
            ``extra(conn, version)`` writes more rows in the same transaction.

        Raises
        ------
        StaleVersionError
            The project is no longer at ``base_version``; nothing was written.
        """
        self._check_id(project_id)
        now = time.time()
        blob = None if tree is None else _compress(tree)
        version_of = select(db.projects.c.version).where(db.projects.c.id == project_id)
        with db.transaction(self.engine) as conn:
            # FOR UPDATE (PostgreSQL; SQLite holds its write lock already)
            # queues writers here, so the version read is the one updated.
            current = conn.execute(version_of.with_for_update()).scalar()
            if current is None:
                raise ProjectNotFoundError(project_id)
            base = current if base_version is None else int(base_version)
            # The check and the bump are one statement: under concurrent
            # writers exactly one UPDATE from a given base matches a row.
            done = conn.execute(
                update(db.projects)
                .where(and_(db.projects.c.id == project_id, db.projects.c.version == base))
                .values(dict(record_changes or {}, version=base + 1, updated=now))
            )
            if done.rowcount != 1:
                raise StaleVersionError(project_id, base, conn.execute(version_of).scalar())
            _record(conn, project_id, base + 1, user=user, when=now, action=action, summary=summary, blob=blob,
                    undoes=undoes)
            if extra is not None:
                extra(conn, base + 1)
            # Read back inside the transaction: after it, another writer may
            # already have moved the project on, and the caller must learn the
            # version *its* write made.
            row = conn.execute(select(db.projects).where(db.projects.c.id == project_id)).mappings().first()
        if tree is not None:
            # The next read of this version (the writer's own page, usually)
            # need not parse back what was just formatted.
            self.cached(("tree", project_id, base + 1), lambda: tree)
        return ProjectRecord(**row)

    # --- image ----------------------------------------------------------------
    def image(self, project_id: str) -> Image | None:
        """The project's image (memory-mapped where possible), or None."""
        record = self.get(project_id)
        if record.image_path is None:
            return None
        key = ("image", project_id, record.image_revision)
        path = Path(record.image_path)
        path = path if path.is_absolute() else self.project_dir(project_id) / path
        return self.cached(key, lambda: read_image(path, name=record.image_name))

    def _set_image_path(self, project_id: str, path, *, base_version: int | None, user: str | None = None):
        """Make an image file, opened where it is, the project's image."""
        path = Path(path).resolve()
        read_image(path)  # refuse an unreadable file before touching the project
        return self._replace_image(project_id, str(path), path.name, base_version, user)

    def _set_image_bytes(self, project_id: str, data: bytes, filename: str, *, base_version: int | None,
                        user: str | None = None) -> ProjectRecord:
        """Store an uploaded image file in the project and make it current.

        The bytes are kept as uploaded (no re-encoding), under a name of our
        own: the upload's name is only used for its extension and for display.
        A file that does not read as an image raises and changes nothing.
        """
        suffix = ".ome.tif" if filename.lower().endswith((".ome.tif", ".ome.tiff")) else ".tif"
        name = f"upload-{secrets.token_hex(4)}{suffix}"
        target = self.project_dir(project_id) / name
        with atomic_write(target) as fh:
            fh.write(data)
        try:
            read_image(target, name=filename)
            return self._replace_image(project_id, name, filename, base_version, user)
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    def _replace_image(self, project_id, image_path, display_name, base_version, user) -> ProjectRecord:
        previous = self.get(project_id)
        # Without a base version, write from the one read, so that the upload
        # deleted below is the one this write replaces.
        base = previous.version if base_version is None else base_version
        record = self._commit(
            project_id, base, user=user, action="set image", summary=f"opened image {display_name}",
            record_changes={
                "image_path": image_path, "image_name": display_name,
                "image_revision": db.projects.c.image_revision + 1,
            },
        )
        # Only a superseded upload is deleted, never a file opened in place. A
        # process that still maps it keeps reading it until it lets go (POSIX).
        if previous.image_path and not Path(previous.image_path).is_absolute():
            (self.project_dir(project_id) / previous.image_path).unlink(missing_ok=True)
        return record

    # --- reconstruction -------------------------------------------------------
    def reconstruction(self, project_id: str, version: int | None = None) -> Tree:
        """The reconstruction now, or as it was at ``version`` (empty if none yet)."""
        record = self.get(project_id)
        at = record.version if version is None else int(version)
        with self.engine.connect() as conn:
            tree_version = conn.execute(
                select(db.trees.c.version)
                .where(and_(db.trees.c.project_id == project_id, db.trees.c.version <= at))
                .order_by(db.trees.c.version.desc())
                .limit(1)
            ).scalar()
        if tree_version is None:
            return Tree()
        return self.cached(("tree", project_id, tree_version), lambda: self._load_tree(project_id, tree_version))

    def _load_tree(self, project_id: str, version: int) -> Tree:
        with self.engine.connect() as conn:
            blob = conn.execute(
                select(db.trees.c.data).where(and_(db.trees.c.project_id == project_id, db.trees.c.version == version))
            ).scalar()
        return parse_traces_bytes(bytes(blob), f"{project_id} version {version}")

    def _set_reconstruction(self, project_id: str, tree: Tree, *, base_version: int | None, user: str | None = None,
                           action: str = "set reconstruction", summary: str = "") -> ProjectRecord:
        """Replace the reconstruction; ``base_version`` is the version the edit started from."""
        return self._commit(project_id, base_version, user=user, action=action,
                            summary=summary or _tree_summary("set", tree), tree=tree)

    # --- history ----------------------------------------------------------------
    def history(self, project_id: str, limit: int | None = None) -> list[HistoryEntry]:
        """Changes, newest first."""
        self.get(project_id)
        query = (
            select(db.history.c.version, db.history.c.user, db.history.c.time, db.history.c.action,
                   db.history.c.summary, db.history.c.undoes)
            .where(db.history.c.project_id == project_id)
            .order_by(db.history.c.version.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [HistoryEntry(**row) for row in conn.execute(query).mappings()]

    def _restore(self, project_id: str, version: int, *, base_version: int | None, user: str | None = None):
        """A new version whose reconstruction is the one of ``version``."""
        if not 0 <= version <= self.get(project_id).version:
            raise StoreError(f"project {project_id!r} has no version {version}")
        tree = self.reconstruction(project_id, version)
        return self._commit(project_id, base_version, user=user, action="restore",
                            summary=f"restored the reconstruction of version {version}", tree=tree)

    def _undo(self, project_id: str, user: str | None, *, base_version: int | None) -> ProjectRecord:
        """Revert ``user``'s most recent change to the reconstruction not undone yet.

        Undo is per user: it is refused once anyone else has changed the
        project since, so it never silently throws away someone's work. Each
        undo goes one change further back; :meth:`_redo` re-applies them.
        """
        entry, seen = self._undo_target(project_id, user, base_version, "undo")
        version = entry["version"]
        return self._commit(project_id, seen, user=user, action="undo",
                            summary=f"undid version {version}: {entry['summary']}",
                            tree=self.reconstruction(project_id, version - 1), undoes=version)

    def _redo(self, project_id: str, user: str | None, *, base_version: int | None) -> ProjectRecord:
        """Re-apply the change ``user`` undid last, as long as nobody has changed the project since.

        A new change of the user's own ends what they can redo, as in any editor.
        """
        entry, seen = self._undo_target(project_id, user, base_version, "redo")
        version = entry["version"]
        return self._commit(project_id, seen, user=user, action="redo",
                            summary=f"redid version {version}: {entry['summary']}",
                            tree=self.reconstruction(project_id, version), undoes=version)

    def _undo_target(self, project_id, user, base_version, step) -> tuple[dict, int]:
        """The history entry ``user``'s ``step`` (``"undo"`` or ``"redo"``) reverts or re-applies.

        The user's undo and redo stacks are replayed over the trailing run of
        history entries they made (see :func:`_undo_stacks`): an entry by
        anyone else ends what can be undone or redone.

        Returns
        -------
        entry : mapping
            The history row of the change.
        seen : int
            The newest version in the history read, which the step must be
            based on.
        """
        self.get(project_id)
        entries = self._history_rows(project_id)
        # The decision is made from this history, so the write must be based
        # on its newest version: a change made since would otherwise be undone
        # unseen.
        seen = entries[0]["version"] if entries else 0
        if base_version is not None and base_version != seen:
            raise StaleVersionError(project_id, base_version, seen)
        run = list(itertools.takewhile(lambda e: e["user"] == user, entries))
        undo, redo = _undo_stacks(reversed(run))
        stack = undo if step == "undo" else redo
        if stack:
            return next(e for e in run if e["version"] == stack[-1]), seen
        if len(run) < len(entries):
            other = entries[len(run)]
            raise StoreError(
                f"cannot {step}: {other['user'] or 'someone'} changed project {project_id!r} since "
                f"(version {other['version']}: {other['summary']})"
            )
        raise StoreError(f"nothing to {step} for {user or 'you'} in project {project_id!r}")

    def _history_rows(self, project_id):
        with self.engine.connect() as conn:
            return conn.execute(
                select(db.history).where(db.history.c.project_id == project_id).order_by(db.history.c.version.desc())
            ).mappings().all()

    # --- attachments ------------------------------------------------------------
    def _put_attachment(self, project_id: str, kind: str, name: str, data: bytes, *, base_version: int | None,
                       user: str | None = None) -> ProjectRecord:
        """Store pipeline output (seeds, warnings, a probability map) with the project."""
        if kind not in ATTACHMENT_KINDS:
            raise StoreError(f"unknown attachment kind {kind!r}; one of {', '.join(ATTACHMENT_KINDS)}")
        name = Path(str(name)).name[:255] or kind  # a label, never a path

        def write(conn, version):
            table = db.attachments
            key = and_(table.c.project_id == project_id, table.c.kind == kind, table.c.name == name)
            conn.execute(table.delete().where(key))
            conn.execute(insert(table).values(project_id=project_id, kind=kind, name=name, data=bytes(data),
                                              version=version))

        return self._commit(project_id, base_version, user=user, action="put attachment",
                            summary=f"added {kind} {name!r} ({len(data)} bytes)", extra=write)

    def attachments(self, project_id: str) -> list[tuple[str, str, int, int]]:
        """``(kind, name, size, version)`` of each attachment."""
        t = db.attachments
        query = (select(t.c.kind, t.c.name, func.length(t.c.data), t.c.version)
                 .where(t.c.project_id == project_id).order_by(t.c.kind, t.c.name))
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(query)]

    def attachment(self, project_id: str, kind: str, name: str) -> bytes:
        t = db.attachments
        with self.engine.connect() as conn:
            data = conn.execute(
                select(t.c.data).where(and_(t.c.project_id == project_id, t.c.kind == kind, t.c.name == name))
            ).scalar()
        if data is None:
            raise StoreError(f"project {project_id!r} has no {kind} {name!r}")
        return bytes(data)

    # --- data-directory files -------------------------------------------------
    def list_files(self, extensions) -> list[str]:
        """Names of files in ``<data_dir>/files`` with one of ``extensions``."""
        exts = tuple(e.lower() for e in extensions)
        return sorted(p.name for p in self.files_dir.iterdir() if p.is_file() and p.name.lower().endswith(exts))

    def data_file(self, name: str) -> Path:
        """A file of ``<data_dir>/files`` by bare name; never a path elsewhere."""
        try:
            candidate = (self.files_dir / name).resolve()
        except ValueError:  # a NUL in the name
            candidate = None
        if candidate is None or candidate.parent != self.files_dir.resolve() or not candidate.is_file():
            raise StoreError(f"no file {name!r} in the data directory")
        return candidate

    # --- helpers --------------------------------------------------------------
    def cached(self, key, load):
        """``load()``, memoised under ``key`` in this store's small LRU cache (images, trees, layers).

        Keys must name immutable things (a tree version, a file that is
        replaced under a new name): entries are never invalidated, only evicted.
        """
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = load()
        self._cache[key] = value
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return value


def _compress(tree: Tree) -> bytes:
    # Level 1: text this repetitive compresses nearly as well, several times faster.
    return traces_bytes(tree, compresslevel=1)


def _record(conn, project_id, version, *, user, when, action, summary, blob, undoes=None) -> None:
    """The history row of a new version, and its reconstruction if it made one."""
    conn.execute(insert(db.history).values(
        project_id=project_id, version=version, user=user, time=when, action=action, summary=summary,
        changed_tree=int(blob is not None), undoes=undoes,
    ))
    if blob is not None:
        conn.execute(insert(db.trees).values(project_id=project_id, version=version, data=blob))


def _undo_stacks(entries) -> tuple[list[int], list[int]]:
    """One user's undo and redo stacks (versions, top last) after their history ``entries``, oldest first.

    A change to the reconstruction is pushed on the undo stack and clears the
    redo stack; an undo moves the version it names (``undoes``) to the redo
    stack, a redo moves it back. Changes that left the reconstruction alone
    (an image, an attachment) cannot be undone and are passed over.
    """
    undo, redo = [], []
    for entry in entries:
        if entry["action"] == "undo":
            _move(entry["undoes"], undo, redo)
        elif entry["action"] == "redo":
            _move(entry["undoes"], redo, undo)
        elif entry["changed_tree"]:
            undo.append(entry["version"])
            redo.clear()
    return undo, redo


def _move(version, source: list, target: list) -> None:
    # In any history this store writes the version is on top of ``source``;
    # in one edited by other means it may be missing, and nothing moves.
    if version in source:
        source.remove(version)
        target.append(version)


def _tree_summary(verb: str, tree: Tree) -> str:
    return f"{verb} {len(tree)} paths, {tree.n_nodes} nodes"
