"""The store's database: tables and engines (SQLAlchemy Core).

SQLite is the embedded default (WAL, ``synchronous=FULL``, a busy timeout):
readers never wait, and write transactions, opened with :func:`transaction`,
take the write lock at ``BEGIN`` so two processes never deadlock upgrading a
read. PostgreSQL works through the same code for several app servers.
"""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_S = 60
_WRITE = "snt_web_write"

metadata = MetaData()

projects = Table(
    "snt_projects",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("image_path", Text),
    Column("image_name", Text),
    Column("image_revision", Integer, nullable=False),
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
)

#: One row per version: who changed what, when. ``undoes`` names the version an undo reverted.
history = Table(
    "snt_history",
    metadata,
    Column("project_id", String(64), ForeignKey("snt_projects.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("user", String(64)),
    Column("time", Float, nullable=False),
    Column("action", String(64), nullable=False),
    Column("summary", Text, nullable=False),
    Column("changed_tree", Integer, nullable=False),
    Column("undoes", Integer),
)

#: Reconstructions as gzipped ``.traces``, one row per version that changed them.
trees = Table(
    "snt_trees",
    metadata,
    Column("project_id", String(64), ForeignKey("snt_projects.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

attachments = Table(
    "snt_attachments",
    metadata,
    Column("project_id", String(64), ForeignKey("snt_projects.id"), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("version", Integer, nullable=False),
)

#: Seeds, one row per seed (not a blob), so that many users edit them row by
#: row; ``version`` is the project version that last wrote the row.
seeds = Table(
    "snt_seeds",
    metadata,
    Column("project_id", String(64), ForeignKey("snt_projects.id"), primary_key=True),
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
    Column("z", Float, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("radius", Float, nullable=False),
    Column("channel", Integer, nullable=False),
    Column("frame", Integer, nullable=False),
    Column("type", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("mark", Integer, nullable=False),
    Column("version", Integer, nullable=False),
)

#: Curation warnings, one row per warning (keyed by its content), with each one's review.
curation_warnings = Table(
    "snt_curation_warnings",
    metadata,
    Column("project_id", String(64), ForeignKey("snt_projects.id"), primary_key=True),
    Column("key", String(32), primary_key=True),
    Column("source", String(16), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("data", Text, nullable=False),  # CurationWarning.to_dict() as JSON
    Column("added", Float, nullable=False),
    Column("decision", String(16)),
    Column("reviewer", String(64)),
    Column("decided", Float),
)

#: The measured distributions of a project's latest curation scan (for the histograms).
curation_scans = Table(
    "snt_curation_scans",
    metadata,
    Column("project_id", String(64), ForeignKey("snt_projects.id"), primary_key=True),
    Column("source", String(16), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("time", Float, nullable=False),
    Column("user", String(64)),
    Column("data", Text, nullable=False),  # {"measurements": {...}, "settings": {...}}
)

users = Table(
    "snt_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("created", Float, nullable=False),
)

#: API tokens. A token's id (to list and revoke it by) is the first 12 hex digits of its digest.
tokens = Table(
    "snt_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),  # sha256 of the token; the token itself is never stored
    Column("user", String(64), ForeignKey("snt_users.name"), nullable=False),
    Column("label", Text, nullable=False),
    Column("created", Float, nullable=False),
    Column("last_used", Float),  # to the minute; None: never used
)

#: Browser sessions: the cookie carries a random session id, this table its digest. Logging out, a
#: password change and removing the user delete the rows, which ends the sessions wherever the cookie is.
sessions = Table(
    "snt_sessions",
    metadata,
    Column("digest", String(64), primary_key=True),  # sha256 of the session id
    Column("user", String(64), ForeignKey("snt_users.name"), nullable=False, index=True),
    Column("created", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
)

members = Table(
    "snt_members",
    metadata,
    Column("project_id", String(64), ForeignKey("snt_projects.id"), primary_key=True),
    Column("user", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
)

login_failures = Table(
    "snt_login_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(255), nullable=False, index=True),
    Column("time", Float, nullable=False),
)

settings = Table(
    "snt_settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with the tables created.

    For SQLite, Python's driver would open transactions lazily and upgrade a
    read lock to a write lock mid-transaction, which fails two writers that
    both read first; so the driver's own transaction handling is off and each
    transaction starts with ``BEGIN`` (reads: a snapshot, no lock) or, for
    :func:`transaction`, ``BEGIN IMMEDIATE`` (queued by the busy timeout).
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S, "isolation_level": None})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=FULL")  # fsync the WAL at every commit: acknowledged means kept
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    else:
        engine = create_engine(url, pool_pre_ping=True)
    # Several server processes may start on a fresh database at once: create
    # the tables under a lock (SQLite's write lock; on PostgreSQL, where DDL is
    # transactional, an advisory lock) so that exactly one of them does.
    with transaction(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(7153200)"))
        metadata.create_all(conn, checkfirst=True)
        _add_missing_columns(conn)
    return engine


def _add_missing_columns(conn) -> None:
    """Add the columns a table gained since the database was made (create_all makes only missing tables).

    Such columns are nullable, so the rows already there stay valid; the
    statement is the same on SQLite and PostgreSQL.
    """
    inspector = inspect(conn)
    quote = conn.dialect.identifier_preparer.quote
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(text(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {kind}"))


def _use_wal(cursor) -> None:
    """Put a SQLite database in WAL mode (it stays so), waiting out other processes doing the same.

    The switch needs the database to itself and SQLite refuses it at once,
    busy timeout or not, while another connection is opening: servers started
    together on a fresh database would fail. A database already in WAL mode
    is left alone.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def transaction(engine: Engine):
    """A write transaction on ``engine`` (a context manager yielding the connection), committed on exit."""
    return engine.execution_options(**{_WRITE: True}).begin()
