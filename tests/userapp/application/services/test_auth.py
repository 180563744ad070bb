"""AuthService on real PostgreSQL: login, tokens, deleted accounts."""

from __future__ import annotations

import jwt
import pytest
from user_service.composition import Container
from user_service.domain.exceptions import AuthenticationError
from user_service.domain.user import User
from user_service.infrastructure.security import JwtTokenService

from tests.userapp.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET, USER_PASSWORD


def test_login_issues_a_token_that_authenticates(container: Container, admin: User) -> None:
    with container.unit_of_work() as uow:
        auth = container.auth_service(uow)
        issued = auth.login(ADMIN_EMAIL.upper(), ADMIN_PASSWORD)
        assert issued.expires_in == 900
        assert auth.authenticate(issued.token).id == admin.id
    claims = jwt.decode(issued.token, JWT_SECRET, algorithms=["HS256"], issuer="user-service")
    assert claims["sub"] == str(admin.id) and claims["role"] == "admin"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        (ADMIN_EMAIL, "wrong-password"),
        ("nobody@example.com", ADMIN_PASSWORD),
        ("not an email", "x"),
        (ADMIN_EMAIL, "\x00bad"),
        (ADMIN_EMAIL, "x" * 500),
    ],
)
def test_bad_credentials_get_one_generic_error(container: Container, email: str, password: str) -> None:
    with (
        pytest.raises(AuthenticationError, match="invalid email or password"),
        container.unit_of_work() as uow,
    ):
        container.auth_service(uow).login(email, password)


def test_tokens_of_deleted_users_stop_working(container: Container, admin: User) -> None:
    with container.unit_of_work() as uow:
        doomed = container.user_service(uow).create_user(admin, "doomed@example.com", "Doomed", USER_PASSWORD)
    with container.unit_of_work() as uow:
        token = container.auth_service(uow).login("doomed@example.com", USER_PASSWORD).token
    assert doomed.id is not None
    with container.unit_of_work() as uow:
        container.user_service(uow).delete_user(admin, doomed.id)
    with pytest.raises(AuthenticationError, match="no longer exists"), container.unit_of_work() as uow:
        container.auth_service(uow).authenticate(token)


def test_expired_forged_and_garbage_tokens_are_refused(container: Container, admin: User) -> None:
    expired = JwtTokenService(JWT_SECRET, ttl_seconds=-10).issue(admin).token
    forged = JwtTokenService("another-secret-that-is-also-long-enough-000", 900).issue(admin).token
    with container.unit_of_work() as uow:
        auth = container.auth_service(uow)
        with pytest.raises(AuthenticationError, match="expired"):
            auth.authenticate(expired)
        with pytest.raises(AuthenticationError, match="invalid"):
            auth.authenticate(forged)
        with pytest.raises(AuthenticationError, match="invalid"):
            auth.authenticate("not.a.token")
