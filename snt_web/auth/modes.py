"""Which serving mode a server must run in: the choice, apart from the Flask wiring (:mod:`snt_web.web.auth`).

What each mode lets a visitor do is :mod:`snt_web.web.auth`'s to enforce; the
choice depends only on where the server listens and whether accounts exist.
"""

from __future__ import annotations

import ipaddress

#: The serving modes; what each lets a visitor do: :mod:`snt_web.web.auth`.
MODES = ("single-user", "login", "demo-readonly")
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


class AuthConfigError(ValueError):
    """A server configuration that would expose projects without accounts."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or address, optionally ``[v6]`` and ``:port``) is this machine only."""
    host = (host or "").strip()
    if host.startswith("["):
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    if host.lower().rstrip(".") in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def auth_mode_for(host: str, has_users: bool, demo_readonly: bool = False) -> str:
    """The mode a server bound to ``host`` must run in.

    ``--demo-readonly`` wins; else accounts mean ``login``; else only a
    loopback host may serve without login.

    Raises
    ------
    AuthConfigError
        A non-loopback host, no accounts and no ``--demo-readonly``.
    """
    if demo_readonly:
        return "demo-readonly"
    if has_users:
        return "login"
    if is_loopback(host):
        return "single-user"
    raise AuthConfigError(
        f"refusing to serve on {host} without accounts: add one with 'snt-web user add NAME' "
        "or pass --demo-readonly for a read-only demo"
    )
