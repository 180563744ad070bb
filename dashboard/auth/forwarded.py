"""Who the client is behind a reverse proxy: `X-Forwarded-For` and `X-Forwarded-Proto`, believed only when the
request comes from one of `DASHBOARD_TRUSTED_PROXIES`.

Behind an ingress every request's peer is the ingress: without this, the login limits would count everyone
as one address and `request.is_secure` (HSTS, Secure cookies) would never see the client's HTTPS. Anyone can
send the headers, so they are read only from a trusted peer, right to left, skipping trusted hops: the first
untrusted address is the client (a value the client wrote itself, further left, is never used).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from dashboard.auth.proxy import Network, is_trusted

PEER_KEY = "promotion_board.peer_addr"  # the TCP peer, kept for the trusted user header's check


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str | None:
    """The client's address: the peer, or from a trusted peer the right-most untrusted X-Forwarded-For hop."""
    if not forwarded_for or not is_trusted(peer, proxies):
        return peer
    client = peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage: stop at the last hop a trusted proxy vouched for
        client = hop
        if not is_trusted(hop, proxies):
            break
    return client


def forwarded_scheme(
    peer: str | None, forwarded_proto: str | None, proxies: tuple[Network, ...]
) -> str | None:
    """`https` or `http` as the nearest trusted proxy saw it; None when it is not to be believed."""
    if not forwarded_proto or not is_trusted(peer, proxies):
        return None
    nearest = forwarded_proto.split(",")[-1].strip().lower()
    return nearest if nearest in ("http", "https") else None


class TrustedProxyMiddleware:  # pylint: disable=too-few-public-methods  # a WSGI middleware
    def __init__(self, app: Callable[..., Any], proxies: tuple[Network, ...]) -> None:
        self.app = app
        self.proxies = proxies

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Any:
        peer = environ.get("REMOTE_ADDR")
        environ[PEER_KEY] = peer
        environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.proxies)
        scheme = forwarded_scheme(peer, environ.get("HTTP_X_FORWARDED_PROTO"), self.proxies)
        if scheme:
            environ["wsgi.url_scheme"] = scheme
        return self.app(environ, start_response)
