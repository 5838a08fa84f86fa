"""The shapes of the ids that travel in URLs, page state, request bodies and commands: one place for them all.

An id from outside (a URL, a Dash callback's page state, a JSON body, the
command line) is matched against its pattern before it names a file, a
database row or a queue entry, so ``..`` or a NUL never reaches a path.
Patterns are matched whole (``re.fullmatch``: no trailing newline slips
through as ``$`` would let it).

=========== ============================================ ======================================
kind        pattern                                      made by
=========== ============================================ ======================================
project     ``[a-z0-9][a-z0-9_-]{0,63}``                 ``ProjectStore.create`` (12 hex digits)
map file    a map name, ``-``, 8 hex digits              :func:`snt_web.store.maps.save_map`
job         16 hex digits                                :meth:`snt_web.jobs.JobQueue.submit`
user        ``[A-Za-z0-9._-]{1,64}``                     ``snt-web user add``
token       12 hex digits                                :meth:`snt_web.store.Accounts.create_token`
=========== ============================================ ======================================
"""

from __future__ import annotations

import re

PATTERNS = {
    "project": re.compile(r"[a-z0-9][a-z0-9_-]{0,63}"),
    # A map's name (letters, digits, '.', '_', '-'; never a leading dot: scratch files) and its save's token.
    "map file": re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}-[0-9a-f]{8}"),
    "job": re.compile(r"[0-9a-f]{16}"),
    "user": re.compile(r"[A-Za-z0-9._-]{1,64}"),
    "token": re.compile(r"[0-9a-f]{12}"),
}

_SHAPES = {
    "project": "1-64 lower-case letters, digits, '_' or '-'",
    "map file": "a map name and 8 hex digits",
    "job": "16 hex digits",
    "user": "1-64 letters, digits, '.', '_' or '-'",
    "token": "12 hex digits",
}


#: The names URL rules give ids (``/api/v1/projects/<project_id>``), and their kinds.
URL_NAMES = {"project_id": "project", "file_id": "map file", "job_id": "job", "token_id": "token"}


class InvalidIdError(ValueError):
    """An id that does not have the shape of its kind."""

    def __init__(self, kind: str, value):
        self.kind, self.value = kind, value
        shown = repr(value) if len(repr(value)) <= 80 else repr(value)[:77] + "..."
        super().__init__(f"{kind} id {shown} is malformed: expected {_SHAPES[kind]}")


def is_valid(kind: str, value) -> bool:
    """Whether ``value`` is a string of the shape of a ``kind`` id (see the module docstring)."""
    return isinstance(value, str) and PATTERNS[kind].fullmatch(value) is not None


def check_id(kind: str, value) -> str:
    """``value`` if it is a valid ``kind`` id, else :class:`InvalidIdError` (a ValueError) saying what is expected.

    Examples
    --------
    >>> check_id("project", "demo")
    'demo'
    >>> check_id("project", "../maps")
    Traceback (most recent call last):
    ...
    snt_web.ids.InvalidIdError: project id '../maps' is malformed: expected 1-64 lower-case letters, digits, '_' or '-'
    """
    if not is_valid(kind, value):
        raise InvalidIdError(kind, value)
    return value


def check_url_ids(values: dict | None) -> None:
    """Check every id among a URL's variables (named as in :data:`URL_NAMES`); InvalidIdError for the first bad one."""
    for name, value in (values or {}).items():
        if name in URL_NAMES:
            check_id(URL_NAMES[name], value)
