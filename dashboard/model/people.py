"""What a page shows of people (who asked for a Promotion, Kargo's create-actor), decided per viewer.

Logged-in people see names. The anonymous audience (the /watch QR code, the projector, a board nobody logged
into) sees roles only, unless the operator chooses names (`DASHBOARD_AUDIENCE_PEOPLE=names`): with a login
proxy, names are real names or e-mail addresses, which a room full of strangers should not get by default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TypeVar

AUDIENCE_PEOPLE = ("roles", "names")
DEFAULT_AUDIENCE_PEOPLE = "roles"

Shown = TypeVar("Shown")


def shows_names(anonymous: bool, audience_people: str) -> bool:
    return not anonymous or audience_people == "names"


def shown_requesters(
    approvals: Mapping[str, Shown], anonymous: bool, audience_people: str, role_label: Callable[[str], str]
) -> Mapping[str, Shown]:
    """Promotion name -> who asked for it, with `actor` replaced by the requester's role when the viewer
    must not see names (each value is a dataclass with `actor` and `role`)."""
    if shows_names(anonymous, audience_people):
        return approvals
    hidden: dict[str, Any] = {}
    for name, approval in approvals.items():
        hidden[name] = replace(approval, actor=role_label(approval.role))  # type: ignore[type-var]
    return hidden


def shown_actor(actor: str | None, anonymous: bool, audience_people: str, anonymous_label: str) -> str:
    """Kargo's create-actor as this viewer sees it (the role of such an actor is unknown to the board)."""
    if not actor:
        return ""
    return actor if shows_names(anonymous, audience_people) else anonymous_label
