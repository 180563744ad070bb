"""Who may do what: the four roles, the identity of a request, and the stage policy (configuration)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard.vocabulary import ADMIN, ANONYMOUS_ROLE, PO, QA

# Roles a person can log in with (viewer is everyone who has not logged in).
LOGIN_ROLES = (QA, PO, ADMIN)
ANY_STAGE = "*"
DEFAULT_STAGE_POLICY = "qa=stg;po=prod;admin=*"


class PolicyError(ValueError):
    """The stage policy text is malformed; the message says where."""


@dataclass(frozen=True)
class Identity:
    """Who is behind a request; `source`: anonymous | session (built-in login) | proxy (trusted header)."""

    name: str
    role: str
    source: str = "anonymous"

    @property
    def anonymous(self) -> bool:
        return not self.name


ANONYMOUS_IDENTITY = Identity(name="", role=ANONYMOUS_ROLE)


@dataclass(frozen=True)
class StagePolicy:
    """Which role may promote into which Stage; `*` is every Stage. Roles not listed promote nowhere."""

    stages_by_role: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def may_promote(self, role: str, stage: str) -> bool:
        stages = self.stages_by_role.get(role, frozenset())
        return ANY_STAGE in stages or stage in stages

    def describe(self) -> str:
        return ";".join(
            f"{role}={','.join(sorted(self.stages_by_role[role]))}" for role in self.stages_by_role
        )


def parse_stage_policy(text: str) -> StagePolicy:
    """`qa=stg;po=prod;admin=*` (several stages: `qa=stg,uat`). Clear errors for anything else."""
    stages_by_role: dict[str, frozenset[str]] = {}
    for index, item in enumerate(part.strip() for part in text.split(";")):
        if not item:
            continue
        role, equals, stages_text = (piece.strip() for piece in item.partition("="))
        if not equals or not role:
            raise PolicyError(f"item {index + 1} {item!r}: expected role=stage[,stage...]")
        if role not in LOGIN_ROLES:
            raise PolicyError(
                f"item {index + 1}: unknown role {role!r}; expected one of {', '.join(LOGIN_ROLES)}"
            )
        if role in stages_by_role:
            raise PolicyError(f"role {role!r} is listed twice")
        stages = frozenset(stage.strip() for stage in stages_text.split(",") if stage.strip())
        if not stages:
            raise PolicyError(f"role {role!r}: no stage given (use * for every stage)")
        stages_by_role[role] = stages
    return StagePolicy(stages_by_role)
