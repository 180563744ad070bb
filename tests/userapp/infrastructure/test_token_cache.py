"""Verified tokens are remembered; a remembered token still expires and a tampered one is still refused."""

from __future__ import annotations

import time

import pytest
from user_service.domain.exceptions import AuthenticationError
from user_service.domain.user import UserBuilder
from user_service.infrastructure import security
from user_service.infrastructure.security import JwtTokenService

SECRET = "a-test-secret-that-is-long-enough-for-hs256-000"


def user_token(service: JwtTokenService) -> str:
    user = UserBuilder().with_email("ada@example.com").with_name("Ada").with_password_hash("h").with_id(7)
    return service.issue(user.build()).token


def test_a_remembered_token_is_refused_once_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    service = JwtTokenService(SECRET, ttl_seconds=60)
    token = user_token(service)
    first = service.decode(token)
    assert service.decode(token) == first and first.user_id == 7  # the second use is served from memory

    later = time.time() + 61  # past the expiry: the clock moves, the cache entry does not
    monkeypatch.setattr(security.time, "time", lambda: later)
    with pytest.raises(AuthenticationError, match="expired"):
        service.decode(token)


def test_only_the_exact_token_is_remembered() -> None:
    service = JwtTokenService(SECRET, ttl_seconds=60)
    token = user_token(service)
    service.decode(token)
    header, payload, signature = token.split(".")
    tampered = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
    with pytest.raises(AuthenticationError, match="invalid"):
        service.decode(tampered)
    other_key = JwtTokenService("another-secret-that-is-also-long-enough-0000", ttl_seconds=60)
    with pytest.raises(AuthenticationError, match="invalid"):
        other_key.decode(token)  # each service remembers only what it verified with its own key
