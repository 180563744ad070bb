"""Ports: what the application needs from the outside world, as protocols the infrastructure implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from user_service.domain.user import User
from user_service.domain.values import Email, Role


class SortKey(StrEnum):
    """Allowed orderings of the user list. A leading '-' means descending; ties are always broken by id."""

    ID = "id"
    ID_DESC = "-id"
    NAME = "name"
    NAME_DESC = "-name"
    EMAIL = "email"
    EMAIL_DESC = "-email"
    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"

    @property
    def field(self) -> str:
        return self.value.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")


@dataclass(frozen=True, slots=True)
class UserQuery:
    offset: int
    limit: int
    search: str | None = None
    sort: SortKey = SortKey.ID


@dataclass(frozen=True, slots=True)
class UserPage:
    items: Sequence[User]
    total: int


class UserRepository(Protocol):
    def add(self, user: User) -> User: ...

    def get(self, user_id: int) -> User | None: ...

    def get_by_email(self, email: Email) -> User | None: ...

    def update(self, user: User) -> User: ...

    def delete(self, user_id: int) -> bool: ...

    def list(self, query: UserQuery) -> UserPage: ...

    def count(self, role: Role | None = None) -> int: ...

    def count_created_per_day(self, since: date) -> dict[date, int]: ...


class UserReader(Protocol):
    """The read side, asynchronous: each read is one query, which also checks the caller's account.

    A request reads the account behind its token and the data it asks for in the same statement, so a role
    change or a deletion applies to the very next request and no cache has to be invalidated.
    """

    async def caller_and_user(self, caller_id: int, user_id: int) -> tuple[User | None, User | None]:
        """The caller's account and the user `user_id`, each None when it does not exist."""
        ...

    async def page_for(self, caller_id: int, query: UserQuery) -> UserPage | None:
        """One page of users and the total that match, or None when the caller's account does not exist."""
        ...


class UnitOfWork(Protocol):
    """One transaction. `commit()` makes the changes durable; leaving without commit rolls them back."""

    @property
    def users(self) -> UserRepository: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def verify_dummy(self, password: str) -> None:
        """Spend as long as `verify` does, for a login whose email is unknown."""


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    role: Role
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int


class TokenService(Protocol):
    def issue(self, user: User) -> IssuedToken: ...

    def decode(self, token: str) -> TokenClaims: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
