"""Users, API tokens, project members and login throttling, in the store's database.

Passwords are kept as werkzeug scrypt hashes and tokens as SHA-256 digests:
a copy of the database gives away neither.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, delete, exc, func, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..auth.roles import ROLES, check_role
from . import database as db

#: The identity of the person at the keyboard in single-user mode.
LOCAL_USER = "local"

_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MIN_PASSWORD = 8
#: Login failures are kept this long (seconds); throttling windows are shorter.
FORGET_FAILURES_S = 24 * 3600


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


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts:
    """Accounts of a :class:`~snt_web.store.ProjectStore` (same database)."""

    def __init__(self, store):
        self.store = store
        self.engine = store.engine

    # --- users ------------------------------------------------------------------
    def add_user(self, name: str, password: str, *, role: str = "annotator") -> User:
        """Create a user whose site role ``role`` applies to every project they are not a member of."""
        if not _NAME.match(name or "") or name == LOCAL_USER:
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

    def set_password(self, name: str, password: str) -> None:
        self._check_password(password)
        with db.transaction(self.engine) as conn:
            done = conn.execute(update(db.users).where(db.users.c.name == name)
                                .values(password_hash=generate_password_hash(password)))
        if done.rowcount != 1:
            raise ValueError(f"no user {name!r}")

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
        with db.transaction(self.engine) as conn:
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
        if not token:
            return None
        with self.engine.connect() as conn:
            name = conn.execute(select(db.tokens.c.user).where(db.tokens.c.digest == _digest(token))).scalar()
        return self.user(name) if name else None

    def revoke_tokens(self, name: str) -> None:
        with db.transaction(self.engine) as conn:
            conn.execute(delete(db.tokens).where(db.tokens.c.user == name))

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
    def record_login_failure(self, key: str) -> None:
        """Count a failed login for ``key`` (a user name, an address), shared by all server processes."""
        now = time.time()
        with db.transaction(self.engine) as conn:
            # Failures older than any throttling window are only clutter.
            conn.execute(delete(db.login_failures).where(db.login_failures.c.time < now - FORGET_FAILURES_S))
            conn.execute(insert(db.login_failures).values(key=key, time=now))

    def login_failures(self, key: str, window_s: float) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(db.login_failures).where(
                and_(db.login_failures.c.key == key, db.login_failures.c.time > time.time() - window_s))).scalar())

    def clear_login_failures(self, key: str) -> None:
        with db.transaction(self.engine) as conn:
            conn.execute(delete(db.login_failures).where(db.login_failures.c.key == key))

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
