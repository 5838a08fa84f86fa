"""The status line under a panel's controls: a message and the CSS class that colours it.

Callbacks return ``(text, class)`` into a ``*-message`` div's ``children`` and
``className``; these helpers build the pair, so every panel words and colours
its refusals alike.
"""

from __future__ import annotations

OK = "snt-message snt-ok"
ERROR = "snt-message snt-error"
WARNING = "snt-message snt-warning"


def ok(text: str) -> tuple[str, str]:
    """A success message."""
    return text, OK


def warning(text: str) -> tuple[str, str]:
    """Done, but the result needs the user's eye (a map wider than the traced neurites)."""
    return text, WARNING


def error(text: str) -> tuple[str, str]:
    """A refusal or failure: nothing was changed."""
    return text, ERROR


def not_allowed(err: Exception) -> tuple[str, str]:
    """The current user's role does not allow the action (:class:`~snt_web.auth.roles.PermissionDenied`)."""
    return error(f"Not allowed: {err}.")
