"""Login and token authentication."""

from __future__ import annotations

from user_service.domain.exceptions import AuthenticationError, InvalidValueError
from user_service.domain.ports import IssuedToken, PasswordHasher, TokenClaims, TokenService, UnitOfWork
from user_service.domain.user import User
from user_service.domain.values import PASSWORD_MAX_LENGTH, Email, check_text

INVALID_CREDENTIALS = "invalid email or password"


class AuthService:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenService) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens

    def login(self, email: str, password: str) -> IssuedToken:
        """A short-lived token for valid credentials; one error for an unknown email or a bad password."""
        user: User | None = None
        try:
            check_text("password", password)
            if len(password) > PASSWORD_MAX_LENGTH:
                raise InvalidValueError.for_field("password", "too long")
            user = self._uow.users.get_by_email(Email(email))
        except InvalidValueError:
            user = None
            password = ""
        if user is None:
            self._hasher.verify_dummy(password)  # same work as a real check: no user enumeration by timing
            raise AuthenticationError(INVALID_CREDENTIALS)
        if not self._hasher.verify(user.password_hash, password):
            raise AuthenticationError(INVALID_CREDENTIALS)
        return self._tokens.issue(user)

    def authenticate(self, token: str) -> User:
        """The user behind a bearer token; the account must still exist (deleted users lose access)."""
        return self.user_of(self._tokens.decode(token))

    def user_of(self, claims: TokenClaims) -> User:
        """The user behind already verified token claims, as stored now (a role change applies at once)."""
        user = self._uow.users.get(claims.user_id)
        if user is None:
            raise AuthenticationError("the account of this token no longer exists")
        return user
