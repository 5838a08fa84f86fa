"""The store's database: tables and engines (SQLAlchemy Core).

SQLite is the embedded default (WAL, ``synchronous=FULL``, a busy timeout):
readers never wait, and write transactions, opened with :func:`transaction`,
take the write lock at ``BEGIN`` so two processes never deadlock upgrading a
read. PostgreSQL works through the same code for several app servers.
"""

from __future__ import annotations

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

users = Table(
    "snt_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("created", Float, nullable=False),
)

tokens = Table(
    "snt_tokens",
    metadata,
    Column("digest", String(64), primary_key=True),  # sha256 of the token; the token itself is never stored
    Column("user", String(64), ForeignKey("snt_users.name"), nullable=False),
    Column("label", Text, nullable=False),
    Column("created", Float, nullable=False),
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
            cursor.execute("PRAGMA journal_mode=WAL")
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
    return engine


def transaction(engine: Engine):
    """A write transaction on ``engine`` (a context manager yielding the connection), committed on exit."""
    return engine.execution_options(**{_WRITE: True}).begin()
