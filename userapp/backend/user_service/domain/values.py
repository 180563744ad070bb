"""Value objects: immutable, validated on construction, compared by value."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from email_validator import EmailNotValidError, validate_email

from user_service.domain.exceptions import InvalidValueError

NAME_MAX_LENGTH = 100
EMAIL_MAX_LENGTH = 254
PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128

_WHITESPACE_RUN = re.compile(r"\s+")


def check_text(field: str, value: object) -> str:
    """A string that can be stored: no control characters (NUL included), valid UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        raise InvalidValueError.for_field(field, "must be a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValueError.for_field(field, "must be valid Unicode text") from None
    if any(unicodedata.category(char) == "Cc" and char not in "\t\n\r" for char in value):
        raise InvalidValueError.for_field(field, "must not contain control characters")
    return value


class Role(StrEnum):
    ADMIN = "admin"
    USER = "user"


@dataclass(frozen=True, slots=True)
class Email:
    """An email address, normalised to lower case: addresses compare case-insensitively."""

    value: str

    def __post_init__(self) -> None:
        raw = check_text("email", self.value).strip()
        if not raw:
            raise InvalidValueError.for_field("email", "must not be empty")
        if len(raw) > EMAIL_MAX_LENGTH:
            raise InvalidValueError.for_field("email", f"must be at most {EMAIL_MAX_LENGTH} characters")
        try:
            checked = validate_email(raw, check_deliverability=False)
        except EmailNotValidError as error:
            raise InvalidValueError.for_field("email", str(error)) from None
        object.__setattr__(self, "value", checked.normalized.lower())

    @classmethod
    def trusted(cls, value: str) -> Email:
        """An Email from a source that only ever holds validated values (the database): no re-validation."""
        email = object.__new__(cls)
        object.__setattr__(email, "value", value)
        return email

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class PersonName:
    """A display name: trimmed, inner whitespace collapsed, 1 to 100 characters, no control characters."""

    value: str

    def __post_init__(self) -> None:
        cleaned = _WHITESPACE_RUN.sub(" ", check_text("name", self.value)).strip()
        if not cleaned:
            raise InvalidValueError.for_field("name", "must not be empty")
        if len(cleaned) > NAME_MAX_LENGTH:
            raise InvalidValueError.for_field("name", f"must be at most {NAME_MAX_LENGTH} characters")
        object.__setattr__(self, "value", cleaned)

    @classmethod
    def trusted(cls, value: str) -> PersonName:
        """A PersonName from a source that only ever holds validated values (the database)."""
        name = object.__new__(cls)
        object.__setattr__(name, "value", value)
        return name

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Password:
    """A plain-text password on its way to the hasher. Never stored, never shown in repr."""

    value: str

    def __post_init__(self) -> None:
        check_text("password", self.value)
        if len(self.value) < PASSWORD_MIN_LENGTH:
            raise InvalidValueError.for_field(
                "password", f"must be at least {PASSWORD_MIN_LENGTH} characters"
            )
        if len(self.value) > PASSWORD_MAX_LENGTH:
            raise InvalidValueError.for_field("password", f"must be at most {PASSWORD_MAX_LENGTH} characters")
        if not self.value.strip():
            raise InvalidValueError.for_field("password", "must not be only whitespace")

    def __repr__(self) -> str:
        return "Password('***')"

    def __str__(self) -> str:
        return "***"


def parse_role(value: object) -> Role:
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(role.value for role in Role)
        raise InvalidValueError.for_field("role", f"must be one of: {allowed}") from None
