"""Password hashing (Argon2id) and access tokens (JWT, HS256)."""

from __future__ import annotations

import functools
import time
import uuid
from datetime import UTC, datetime, timedelta

import argon2
import jwt

from user_service.domain.exceptions import AuthenticationError
from user_service.domain.ports import IssuedToken, TokenClaims
from user_service.domain.user import User
from user_service.domain.values import Role

ISSUER = "user-service"
ALGORITHM = "HS256"


class Argon2PasswordHasher:
    """Argon2id with OWASP's minimum recommended parameters (19 MiB, t=2, p=1)."""

    def __init__(self, time_cost: int = 2, memory_cost_kib: int = 19 * 1024, parallelism: int = 1) -> None:
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
            return False

    def verify_dummy(self, password: str) -> None:
        self.verify(self._dummy_hash, password)

    @functools.cached_property
    def _dummy_hash(self) -> str:
        return self._hasher.hash(uuid.uuid4().hex)


VERIFIED_TOKENS_CACHED = 4096


class JwtTokenService:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._secret = secret
        self._ttl = ttl_seconds
        # Verifying a token (base64, HMAC, key and claim checks) costs more CPU than the rest of a small
        # request, and a client sends the same token for its whole life: remember the claims of tokens that
        # verified. Expiry is checked again at every use; the account is still read from the database.
        self._verified = functools.lru_cache(maxsize=VERIFIED_TOKENS_CACHED)(self._verify)

    def issue(self, user: User) -> IssuedToken:
        if user.id is None:
            raise ValueError("cannot issue a token for a user that is not stored")
        now = datetime.now(UTC)
        claims = {
            "sub": str(user.id),
            "role": user.role.value,
            "iss": ISSUER,
            "iat": now,
            "exp": now + timedelta(seconds=self._ttl),
            "jti": uuid.uuid4().hex,
        }
        return IssuedToken(jwt.encode(claims, self._secret, algorithm=ALGORITHM), self._ttl)

    def decode(self, token: str) -> TokenClaims:
        claims = self._verified(token)
        if claims.expires_at.timestamp() <= time.time():  # the same test as PyJWT's, for a remembered token
            raise AuthenticationError("the access token has expired; log in again")
        return claims

    def _verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["sub", "exp", "iat", "iss"]},
            )
            return TokenClaims(
                user_id=int(claims["sub"]),
                role=Role(claims.get("role", Role.USER)),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except jwt.ExpiredSignatureError:
            raise AuthenticationError("the access token has expired; log in again") from None
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise AuthenticationError("the access token is invalid") from None
