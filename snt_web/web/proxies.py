"""The client's address behind reverse proxies (``SNT_WEB_TRUSTED_PROXIES``), for login throttling.

Behind a proxy every request comes from the proxy's address; the client's is
in ``X-Forwarded-For``, which anyone can also send. So the header is believed
only as far as the operator says:

``SNT_WEB_TRUSTED_PROXIES=1`` (a number N)
    werkzeug's ``ProxyFix(x_for=N)``: N proxies, each appending the address it
    got the request from; the client is the N-th address from the right. Only
    right where the app cannot be reached except through those proxies.
``SNT_WEB_TRUSTED_PROXIES=10.0.0.5,10.1.0.0/16`` (addresses and networks)
    The proxies' own addresses: while the request's peer is one of them, step
    one address to the left in ``X-Forwarded-For``; the first address that is
    not a proxy is the client (nginx's ``real_ip_recursive``). A request from
    anywhere else keeps its own address, whatever header it sends.
unset or empty
    No proxy: the peer's address is the client's.

An address in the header that is not an IP address is never used.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass

ENV = "SNT_WEB_TRUSTED_PROXIES"


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class TrustedProxies:
    """Which hops of ``X-Forwarded-For`` to believe: a count of proxies, or the proxies' networks."""

    count: int = 0
    networks: tuple = ()

    @classmethod
    def parse(cls, text: str | None) -> TrustedProxies:
        """Read ``SNT_WEB_TRUSTED_PROXIES``'s value (see the module docstring); ValueError names a bad entry."""
        text = (text or "").strip()
        if not text:
            return cls()
        if text.isdigit():
            return cls(count=int(text))
        networks = []
        for entry in (e.strip() for e in text.split(",")):
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                raise ValueError(f"{ENV}: {entry!r} is neither a number of proxies nor an address or network "
                                 "(e.g. 1, or 10.0.0.5,10.1.0.0/16)") from None
        return cls(networks=tuple(networks))

    @classmethod
    def from_env(cls) -> TrustedProxies:
        """:meth:`parse` of ``$SNT_WEB_TRUSTED_PROXIES``."""
        return cls.parse(os.environ.get(ENV))

    def _trusted(self, address) -> bool:
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str | None, forwarded_for: str | None) -> str:
        """The client's address for a request from ``peer`` carrying ``X-Forwarded-For: forwarded_for``."""
        peer = peer or "unknown"
        hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
        if self.count:
            if len(hops) < self.count:
                return peer
            address = _ip(hops[-self.count])
            return str(address) if address is not None else peer
        if not self.networks or not self._trusted(_ip(peer)):
            return peer
        client = peer
        for hop in reversed(hops):
            address = _ip(hop)
            if address is None:
                break  # a forged or broken entry: believe nothing left of it
            client = str(address)
            if not self._trusted(address):
                break
        return client
