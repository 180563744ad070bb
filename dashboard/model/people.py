"""What a page shows of people (who asked for a Promotion, Kargo's create-actor), decided per viewer.

Logged-in people see names. The anonymous audience (the /watch QR code, the projector, a board nobody logged
into) sees roles only, unless the operator chooses names (`DASHBOARD_AUDIENCE_PEOPLE=names`): with a login
proxy, names are real names or e-mail addresses, which a room full of strangers should not get by default.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboard.model.types import Requester

AUDIENCE_PEOPLE = ("roles", "names")
DEFAULT_AUDIENCE_PEOPLE = "roles"


def shows_names(anonymous: bool, audience_people: str) -> bool:
    return not anonymous or audience_people == "names"


def shown_person(
    requester: Requester,
    anonymous: bool,
    audience_people: str,
    role_label: Callable[[str], str],
    anonymous_label: str,
) -> str:
    """Who asked for a Promotion as this viewer sees them: the name, or for a viewer who must not see names,
    the role the audit log recorded (Kargo's create-actor has no role the board knows)."""
    if not requester.recorded:
        return shown_actor(requester.actor, anonymous, audience_people, anonymous_label)
    return requester.actor if shows_names(anonymous, audience_people) else role_label(requester.role)


def shown_actor(actor: str | None, anonymous: bool, audience_people: str, anonymous_label: str) -> str:
    """Kargo's create-actor as this viewer sees it (the role of such an actor is unknown to the board)."""
    if not actor:
        return ""
    return actor if shows_names(anonymous, audience_people) else anonymous_label
