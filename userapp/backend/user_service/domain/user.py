"""The User entity and its builder."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from user_service.domain.exceptions import InvalidValueError
from user_service.domain.values import Email, PersonName, Role, parse_role


@dataclass(frozen=True, slots=True)
class User:
    """A user account. `id` is None until the repository has stored it."""

    email: Email
    name: PersonName
    role: Role
    password_hash: str
    created_at: datetime
    updated_at: datetime
    id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def with_changes(self, now: datetime, **changes: object) -> User:
        """A copy with some attributes replaced and `updated_at` set to `now`."""
        return replace(self, updated_at=now, **changes)  # type: ignore[arg-type]


class UserBuilder:  # pylint: disable=too-many-instance-attributes  # one slot per User field + errors
    """Builds a valid User step by step; `build()` reports every invalid or missing field at once."""

    def __init__(self) -> None:
        self._email: Email | None = None
        self._name: PersonName | None = None
        self._role: Role = Role.USER
        self._password_hash: str | None = None
        self._created_at: datetime | None = None
        self._updated_at: datetime | None = None
        self._id: int | None = None
        self._errors: dict[str, str] = {}

    def _guard(self, field: str, make):
        try:
            return make()
        except InvalidValueError as error:
            self._errors.update(error.fields or {field: error.message})
            return None

    def with_email(self, email: str | Email) -> UserBuilder:
        self._email = email if isinstance(email, Email) else self._guard("email", lambda: Email(email))
        return self

    def with_name(self, name: str | PersonName) -> UserBuilder:
        self._name = name if isinstance(name, PersonName) else self._guard("name", lambda: PersonName(name))
        return self

    def with_role(self, role: str | Role) -> UserBuilder:
        self._role = self._guard("role", lambda: parse_role(role)) or Role.USER
        return self

    def with_password_hash(self, password_hash: str) -> UserBuilder:
        self._password_hash = password_hash
        return self

    def with_id(self, user_id: int) -> UserBuilder:
        self._id = user_id
        return self

    def created(self, at: datetime, updated_at: datetime | None = None) -> UserBuilder:
        self._created_at = at
        self._updated_at = updated_at or at
        return self

    def reject(self, error: InvalidValueError) -> UserBuilder:
        """Record a validation error found outside the builder, so that `check`/`build` report it too."""
        self._errors.update(error.fields or {"user": error.message})
        return self

    def check(self) -> UserBuilder:
        """Raise InvalidValueError now if any value given so far was invalid."""
        if self._errors:
            raise InvalidValueError("invalid user: " + ", ".join(sorted(self._errors)), self._errors)
        return self

    def build(self) -> User:
        errors = dict(self._errors)
        for field, value in (("email", self._email), ("name", self._name)):
            if value is None and field not in errors:
                errors[field] = "is required"
        if not self._password_hash:
            errors.setdefault("password", "is required")
        if errors:
            raise InvalidValueError("invalid user: " + ", ".join(sorted(errors)), errors)
        assert self._email is not None and self._name is not None and self._password_hash is not None
        created_at = self._created_at or datetime.now(UTC)
        return User(
            email=self._email,
            name=self._name,
            role=self._role,
            password_hash=self._password_hash,
            created_at=created_at,
            updated_at=self._updated_at or created_at,
            id=self._id,
        )
