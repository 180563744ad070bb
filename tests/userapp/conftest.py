"""Fixtures for the user service: a migrated PostgreSQL database, a wired container, an HTTP client."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

with warnings.catch_warnings():  # starlette suggests httpx2; httpx is what the project pins
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

from user_service.api.app import build_app
from user_service.composition import Container
from user_service.config import Settings
from user_service.domain.user import User
from user_service.infrastructure.security import Argon2PasswordHasher
from user_service.infrastructure.storage import create_db_engine
from user_service.infrastructure.storage.migrate import upgrade

from tests.harness.processes import free_port

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
ADMIN_EMAIL = "root@example.com"
ADMIN_PASSWORD = "admin-password-1"  # noqa: S105 - a throwaway test database
USER_PASSWORD = "user-password-1"  # noqa: S105


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "app_env": "test",
        "jwt_secret": JWT_SECRET,
        "first_admin_email": ADMIN_EMAIL,
        "first_admin_password": ADMIN_PASSWORD,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # pyright: ignore[reportCallIssue]


def fast_hasher() -> Argon2PasswordHasher:
    """The real Argon2id hasher with small parameters, so that tests creating many users stay quick."""
    return Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024)


def make_container(database_url: str, **overrides: object) -> Container:
    settings = make_settings(database_url, **overrides)
    return Container(settings=settings, engine=create_db_engine(database_url), hasher=fast_hasher())


@pytest.fixture
def unreachable_url() -> str:
    """A PostgreSQL URL where nothing listens: connections are refused at once."""
    return f"postgresql+psycopg://nobody:nothing@127.0.0.1:{free_port()}/nowhere"


@pytest.fixture
def db_url(postgres_url: str) -> str:
    """A fresh PostgreSQL database with every migration applied."""
    upgrade(postgres_url)
    return postgres_url


@pytest.fixture
def container(db_url: str) -> Iterator[Container]:
    built = make_container(db_url)
    built.bootstrap_first_admin()
    yield built
    built.close()


@pytest.fixture
def admin(container: Container) -> User:
    with container.unit_of_work() as uow:
        user = uow.users.get(1)
    assert user is not None and user.is_admin
    return user


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(build_app(container), raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class Api:
    """A small helper around the HTTP client: log in, create users, send with a token."""

    client: TestClient

    def token(self, email: str, password: str) -> str:
        response = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def headers(self, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(email, password)}"}

    def create_user(
        self, headers: dict[str, str], email: str, name: str = "Some One", **extra: object
    ) -> dict:
        body = {"email": email, "name": name, "password": USER_PASSWORD, **extra}
        response = self.client.post("/api/users", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return response.json()


@pytest.fixture
def api(client: TestClient) -> Api:
    return Api(client)


@pytest.fixture
def admin_headers(api: Api) -> dict[str, str]:
    return api.headers()


@pytest.fixture
def user_factory(api: Api, admin_headers: dict[str, str]) -> Callable[..., dict]:
    def create(email: str, name: str = "Some One", **extra: object) -> dict:
        return api.create_user(admin_headers, email, name, **extra)

    return create
