"""Identity from a trusted header set by an authenticating reverse proxy (e.g. oauth2-proxy).

The header is believed only from the configured proxy addresses: anyone else could send it too.
The role comes from a role header, or from a groups header mapped through `group=role;...`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from werkzeug.datastructures import Headers

from dashboard.auth.roles import (
    LOGIN_ROLES,
    Identity,
)
from dashboard.auth.users import USER_NAME
from dashboard.vocabulary import ROLES, VIEWER

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
HeaderLookup = Mapping[str, str] | Headers
# Higher wins when a person is in several mapped groups.
ROLE_RANK = {role: rank for rank, role in enumerate(ROLES)}


class ProxyConfigError(ValueError):
    pass


@dataclass(frozen=True)
class TrustedHeaderAuth:
    user_header: str
    role_header: str | None = None
    groups_header: str | None = None
    group_roles: Mapping[str, str] = field(default_factory=dict)
    proxies: tuple[Network, ...] = ()

    def identity(self, headers: HeaderLookup, remote_addr: str | None) -> Identity | None:
        """The proxy's user, or None when the header is absent or the request did not come from a proxy."""
        if not self.trusts(remote_addr):
            return None
        name = (headers.get(self.user_header) or "").strip()
        if not name or not USER_NAME.match(name):
            return None
        return Identity(name=name, role=self._role(headers), source="proxy")

    def trusts(self, remote_addr: str | None) -> bool:
        return is_trusted(remote_addr, self.proxies)

    def _role(self, headers: HeaderLookup) -> str:
        if self.role_header:
            role = (headers.get(self.role_header) or "").strip().lower()
            return role if role in LOGIN_ROLES else VIEWER
        groups = [g.strip() for g in (headers.get(self.groups_header or "") or "").split(",") if g.strip()]
        roles = [self.group_roles[g] for g in groups if g in self.group_roles]
        return max(roles, key=ROLE_RANK.__getitem__) if roles else VIEWER


def is_trusted(address: str | None, proxies: Iterable[Network]) -> bool:
    try:
        parsed = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def parse_proxies(text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or CIDRs (`10.0.0.0/8,127.0.0.1`)."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ProxyConfigError(f"{item!r} is not an IP address or CIDR") from None
    return tuple(networks)


def parse_group_roles(text: str) -> dict[str, str]:
    """`board-qa=qa;board-po=po;platform=admin`."""
    mapping: dict[str, str] = {}
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        group, equals, role = (piece.strip() for piece in item.partition("="))
        if not equals or not group or role not in LOGIN_ROLES:
            raise ProxyConfigError(f"{item!r}: expected group=role with role one of {', '.join(LOGIN_ROLES)}")
        mapping[group] = role
    return mapping
