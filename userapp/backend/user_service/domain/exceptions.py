"""Domain and application errors. The API layer maps each one to an HTTP status and a JSON error body."""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every error the service reports to its callers on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValueError(DomainError):
    """A value broke a domain rule (bad email, empty name, ...). `fields` maps field name -> message."""

    code = "validation_error"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})

    @classmethod
    def for_field(cls, field: str, message: str) -> InvalidValueError:
        return cls(f"{field}: {message}", {field: message})


class UserNotFoundError(DomainError):
    code = "not_found"

    def __init__(self, user_id: int) -> None:
        super().__init__(f"user {user_id} does not exist")
        self.user_id = user_id


class DuplicateEmailError(DomainError):
    code = "duplicate_email"

    def __init__(self, email: str) -> None:
        super().__init__(f"a user with email {email} already exists")
        self.email = email


class AuthenticationError(DomainError):
    """Missing, invalid or expired credentials."""

    code = "unauthorized"


class PermissionDeniedError(DomainError):
    """Authenticated, but not allowed to do this."""

    code = "forbidden"


class StorageUnavailableError(DomainError):
    """The database cannot be reached right now; the caller may retry later."""

    code = "service_unavailable"
