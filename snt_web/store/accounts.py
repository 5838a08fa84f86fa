"""Users, browser sessions, API tokens, project members and login throttling, in the store's database.

Passwords are kept as werkzeug scrypt hashes, session ids and tokens as
SHA-256 digests: a copy of the database gives away none of them. Sessions and
tokens are rows, so they can be ended: logging out ends one session, a
password change every session of the user (and, if asked, their tokens),
removing a user everything of theirs; ``snt-web user token revoke ID`` ends
one token.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, delete, exc, func, insert, select, text, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..auth.roles import ROLES, check_role
from ..ids import check_id, is_valid
from . import database as db

#: The identity of the person at the keyboard in single-user mode.
LOCAL_USER = "local"

MIN_PASSWORD = 8
#: Login failures are kept this long (seconds); throttling windows are shorter.
FORGET_FAILURES_S = 24 * 3600
#: A session unused this long (seconds) has ended.
SESSION_IDLE_S = 30 * 24 * 3600
#: Last use of sessions and tokens is written at most this often (seconds): not one write per request.
TOUCH_EVERY_S = 60
#: Serialises login attempts on PostgreSQL (SQLite's write lock does it there): count and check are one step.
_LOGIN_LOCK = 7153201


@cache
def _dummy_hash() -> str:
    # Checked against when the user does not exist, so that a wrong name costs
    # as much time as a wrong password and names cannot be probed by timing.
    # Made on first use: an scrypt hash would slow every import of the store.
    return generate_password_hash("not a password of anyone's")


@dataclass(frozen=True)
class User:
    name: str
    role: str
    created: float


@dataclass(frozen=True)
class TokenInfo:
    """An API token as ``snt-web user token list`` shows it (the token itself is never kept)."""

    id: str
    user: str
    label: str
    created: float
    last_used: float | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_id(token: str) -> str:
    """The id a token is listed and revoked by: the first 12 hex digits of its digest (which is all that is kept)."""
    return _digest(token)[:12]


class Accounts:
    """Accounts of a :class:`~snt_web.store.ProjectStore` (same database)."""

    def __init__(self, store):
        self.store = store
        self.engine = store.engine

    # --- users ------------------------------------------------------------------
    def add_user(self, name: str, password: str, *, role: str = "annotator") -> User:
        """Create a user whose site role ``role`` applies to every project they are not a member of."""
        if not is_valid("user", name) or name == LOCAL_USER:
            raise ValueError(f"user name {name!r}: use 1-64 letters, digits, '.', '_' or '-' (not {LOCAL_USER!r})")
        check_role(role)
        self._check_password(password)
        try:
            with db.transaction(self.engine) as conn:
                conn.execute(insert(db.users).values(
                    name=name, password_hash=generate_password_hash(password), role=role, created=time.time()))
        except exc.IntegrityError:
            raise ValueError(f"user {name!r} exists already") from None
        return self.user(name)

    @staticmethod
    def _check_password(password: str) -> None:
        if len(password or "") < MIN_PASSWORD:
            raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")

    def set_password(self, name: str, password: str, *, revoke_tokens: bool = False) -> dict:
        """Change ``name``'s password; their sessions end (a copied cookie with them), and their tokens if asked.

        Returns
        -------
        dict
            ``{"sessions": ended, "tokens": revoked, "tokens_kept": left}``.
        """
        self._check_password(password)
        with db.transaction(self.engine) as conn:
            done = conn.execute(update(db.users).where(db.users.c.name == name)
                                .values(password_hash=generate_password_hash(password)))
            if done.rowcount != 1:
                raise ValueError(f"no user {name!r}")
            ended = conn.execute(delete(db.sessions).where(db.sessions.c.user == name)).rowcount
            revoked = conn.execute(delete(db.tokens).where(db.tokens.c.user == name)).rowcount if revoke_tokens else 0
            kept = conn.execute(select(func.count()).select_from(db.tokens).where(db.tokens.c.user == name)).scalar()
        return {"sessions": ended, "tokens": revoked, "tokens_kept": int(kept)}

    def set_role(self, name: str, role: str) -> None:
        check_role(role)
        with db.transaction(self.engine) as conn:
            conn.execute(update(db.users).where(db.users.c.name == name).values(role=role))

    def user(self, name: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.users.c.name, db.users.c.role, db.users.c.created)
                               .where(db.users.c.name == name)).mappings().first()
        return User(**row) if row else None

    def users(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(db.users.c.name, db.users.c.role, db.users.c.created)
                                .order_by(db.users.c.name)).mappings().all()
        return [User(**r) for r in rows]

    def has_users(self) -> bool:
        with self.engine.connect() as conn:
            return bool(conn.execute(select(func.count()).select_from(db.users)).scalar())

    def remove_user(self, name: str) -> None:
        """Remove ``name`` with their sessions, tokens and memberships: a new user of that name inherits nothing."""
        with db.transaction(self.engine) as conn:
            conn.execute(delete(db.sessions).where(db.sessions.c.user == name))
            conn.execute(delete(db.tokens).where(db.tokens.c.user == name))
            conn.execute(delete(db.members).where(db.members.c.user == name))
            done = conn.execute(delete(db.users).where(db.users.c.name == name))
        if done.rowcount != 1:
            raise ValueError(f"no user {name!r}")

    def verify_password(self, name: str, password: str) -> User | None:
        with self.engine.connect() as conn:
            stored = conn.execute(select(db.users.c.password_hash).where(db.users.c.name == name)).scalar()
        ok = check_password_hash(stored or _dummy_hash(), password or "")
        return self.user(name) if ok and stored else None

    # --- sessions ----------------------------------------------------------------
    def create_session(self, name: str) -> str:
        """A new session of ``name``: its id, for the (signed) cookie; only the id's digest is stored."""
        session_id = secrets.token_urlsafe(32)
        now = time.time()
        with db.transaction(self.engine) as conn:
            conn.execute(delete(db.sessions).where(db.sessions.c.last_seen < now - SESSION_IDLE_S))
            conn.execute(insert(db.sessions).values(digest=_digest(session_id), user=name, created=now, last_seen=now))
        return session_id

    def session_user(self, session_id: str | None) -> str | None:
        """The user of a live session, or None (logged out, ended by a password change, idle too long, no user)."""
        if not session_id or not isinstance(session_id, str):
            return None
        digest, now = _digest(session_id), time.time()
        t = db.sessions
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.user, t.c.last_seen).where(t.c.digest == digest)).first()
        if row is None or row.last_seen < now - SESSION_IDLE_S:
            return None
        if row.last_seen < now - TOUCH_EVERY_S:
            with db.transaction(self.engine) as conn:
                conn.execute(update(t).where(t.c.digest == digest).values(last_seen=now))
        return row.user

    def end_session(self, session_id: str | None) -> None:
        """Log one session out (its cookie, wherever copied, no longer works)."""
        if session_id and isinstance(session_id, str):
            with db.transaction(self.engine) as conn:
                conn.execute(delete(db.sessions).where(db.sessions.c.digest == _digest(session_id)))

    # --- tokens -------------------------------------------------------------------
    def create_token(self, name: str, label: str = "") -> str:
        """A new API token for ``name``; only its digest is stored, so show it once."""
        if self.user(name) is None:
            raise ValueError(f"no user {name!r}")
        token = secrets.token_urlsafe(32)
        with db.transaction(self.engine) as conn:
            conn.execute(insert(db.tokens).values(digest=_digest(token), user=name, label=label, created=time.time()))
        return token

    def verify_token(self, token: str) -> User | None:
        """The user of a live token (noting its use, to the minute), or None."""
        if not token:
            return None
        digest, now = _digest(token), time.time()
        t = db.tokens
        with self.engine.connect() as conn:
            row = conn.execute(select(t.c.user, t.c.last_used).where(t.c.digest == digest)).first()
        if row is None:
            return None
        if row.last_used is None or row.last_used < now - TOUCH_EVERY_S:
            with db.transaction(self.engine) as conn:
                conn.execute(update(t).where(t.c.digest == digest).values(last_used=now))
        return self.user(row.user)

    def tokens(self, name: str | None = None) -> list[TokenInfo]:
        """Every token (or ``name``'s), oldest first."""
        t = db.tokens
        query = select(t.c.digest, t.c.user, t.c.label, t.c.created, t.c.last_used).order_by(t.c.created)
        if name is not None:
            query = query.where(t.c.user == name)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [TokenInfo(r.digest[:12], r.user, r.label, r.created, r.last_used) for r in rows]

    def revoke_token(self, token_id: str) -> TokenInfo:
        """End the token whose id is ``token_id``; ValueError if there is none."""
        check_id("token", token_id)
        t = db.tokens
        with db.transaction(self.engine) as conn:
            rows = conn.execute(select(t.c.digest, t.c.user, t.c.label, t.c.created, t.c.last_used)
                                .where(t.c.digest.startswith(token_id))).all()
            if len(rows) != 1:  # two digests sharing 48 bits: ids would have to grow
                raise ValueError(f"no token {token_id!r}" if not rows else f"token id {token_id!r} is ambiguous")
            conn.execute(delete(t).where(t.c.digest == rows[0].digest))
        r = rows[0]
        return TokenInfo(r.digest[:12], r.user, r.label, r.created, r.last_used)

    def revoke_tokens(self, name: str) -> int:
        """End every token of ``name``; how many there were."""
        with db.transaction(self.engine) as conn:
            return conn.execute(delete(db.tokens).where(db.tokens.c.user == name)).rowcount

    # --- members and roles -----------------------------------------------------------
    def set_member(self, project_id: str, name: str, role: str | None, *, base_version: int | None = None,
                   by: str | None = None):
        """Give ``name`` ``role`` on the project (None removes them), as a new project version.

        Parameters
        ----------
        base_version : int, optional
            The version the change was based on (None: the current one).
        by : str, optional
            Who made the change, for the history.

        Returns
        -------
        ProjectRecord
        """
        if role is not None:
            check_role(role)
            if self.user(name) is None:
                raise ValueError(f"no user {name!r}")

        def write(conn, _version):
            conn.execute(delete(db.members).where(
                and_(db.members.c.project_id == project_id, db.members.c.user == name)))
            if role is not None:
                conn.execute(insert(db.members).values(project_id=project_id, user=name, role=role))

        return self.store._commit(project_id, base_version, user=by, action="set member",
                                  summary=f"made {name} {role}" if role else f"removed {name}", extra=write)

    def members(self, project_id: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(db.members.c.user, db.members.c.role)
                                .where(db.members.c.project_id == project_id))
            return {r.user: r.role for r in rows}

    def role_of(self, project_id: str, name: str | None) -> str | None:
        """``name``'s role on the project: membership, else their site role.

        :data:`LOCAL_USER` is the owner of everything while no accounts exist
        (single-user mode) and nobody once they do. Anonymous (None) has no role.
        """
        if name is None:
            return None
        if name == LOCAL_USER:
            return "owner" if not self.has_users() else None
        with self.engine.connect() as conn:
            member = conn.execute(select(db.members.c.role).where(
                and_(db.members.c.project_id == project_id, db.members.c.user == name))).scalar()
            site = conn.execute(select(db.users.c.role).where(db.users.c.name == name)).scalar()
        if site is None:
            return None
        return member if member in ROLES else site

    # --- login throttling ------------------------------------------------------------
    def begin_login(self, limits: dict[str, int], window_s: float) -> list[int] | None:
        """Count a login attempt against every key of ``limits`` before its password is checked.

        The check and the count are one transaction, serialised across
        threads, processes and machines (SQLite's write lock; a PostgreSQL
        advisory lock), so parallel attempts cannot all pass the check before
        any is counted. An attempt counts as a failure until
        :meth:`login_succeeded` takes it back.

        Parameters
        ----------
        limits : dict
            Key (a user name, a user at an address) → attempts allowed in the window.
        window_s : float
            The window, seconds.

        Returns
        -------
        list of int or None
            The rows that count this attempt, or None (nothing counted) if a
            key has used up its attempts: the password must not be checked.
        """
        now = time.time()
        t = db.login_failures
        with db.transaction(self.engine) as conn:
            if self.engine.dialect.name == "postgresql":
                conn.execute(text(f"SELECT pg_advisory_xact_lock({_LOGIN_LOCK})"))
            for key, limit in limits.items():
                used = conn.execute(select(func.count()).select_from(t).where(
                    and_(t.c.key == key, t.c.time > now - window_s))).scalar()
                if used >= limit:
                    return None
            # Failures older than any throttling window are only clutter.
            conn.execute(delete(t).where(t.c.time < now - FORGET_FAILURES_S))
            return [conn.execute(insert(t).values(key=key, time=now)).inserted_primary_key[0] for key in limits]

    def login_succeeded(self, attempt: list[int], clear_key: str) -> None:
        """Take back a successful attempt (``attempt`` from :meth:`begin_login`); forget ``clear_key``'s failures.

        ``clear_key`` is the user at their address: their own typos no longer
        count against them. Failures counted against the user from elsewhere stay.
        """
        t = db.login_failures
        with db.transaction(self.engine) as conn:
            conn.execute(delete(t).where(t.c.id.in_(attempt)))
            conn.execute(delete(t).where(t.c.key == clear_key))

    def login_failures(self, key: str, window_s: float) -> int:
        """Failed (or still being checked) attempts counted against ``key`` in the last ``window_s`` seconds."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(db.login_failures).where(
                and_(db.login_failures.c.key == key, db.login_failures.c.time > time.time() - window_s))).scalar())

    # --- settings -----------------------------------------------------------------
    def secret_key(self) -> bytes:
        """The Flask session key, made once and shared by every server process."""
        with self.engine.connect() as conn:
            value = conn.execute(select(db.settings.c.value).where(db.settings.c.key == "secret_key")).scalar()
        if value is not None:
            return bytes(value)
        try:
            with db.transaction(self.engine) as conn:
                conn.execute(insert(db.settings).values(key="secret_key", value=secrets.token_bytes(32)))
        except exc.IntegrityError:
            pass  # another process made it first: use theirs
        return self.secret_key()
