"""The unique constraint decides duplicate-email races; a lost database gives 503, then recovers by itself."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from user_service.api.app import build_app
from user_service.composition import Container
from user_service.domain.exceptions import DuplicateEmailError
from user_service.domain.user import UserBuilder
from user_service.domain.values import Role

from tests.harness.postgres import PostgresServer
from tests.harness.tcp_proxy import TcpProxy
from tests.userapp.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, make_container

RACERS = 8


def test_concurrent_creates_of_one_email_give_one_user_and_409s(container: Container) -> None:
    """Every racer passes the early "is the email free?" check before any insert; the constraint decides."""
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []

    def race(n: int) -> str:
        user = (
            UserBuilder()
            .with_email("race@example.com")
            .with_name(f"Racer {n}")
            .with_password_hash("h")
            .build()
        )
        with container.unit_of_work() as uow:
            assert uow.users.get_by_email(user.email) is None
            barrier.wait(timeout=30)
            try:
                uow.users.add(user)
                uow.commit()
            except DuplicateEmailError:
                return "duplicate"
        return "created"

    with ThreadPoolExecutor(RACERS) as pool:
        outcomes = list(pool.map(race, range(RACERS)))
    assert sorted(outcomes) == ["created"] + ["duplicate"] * (RACERS - 1)
    with container.unit_of_work() as uow:
        assert uow.users.count(Role.USER) == 1


def test_concurrent_http_creates_never_give_500(client: TestClient, admin_headers: dict) -> None:
    body = {"email": "rush@example.com", "name": "Rush", "password": "rush-password"}
    barrier = threading.Barrier(RACERS)

    def post(_: int) -> int:
        barrier.wait(timeout=30)
        return client.post("/api/users", json=body, headers=admin_headers).status_code

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = sorted(pool.map(post, range(RACERS)))
    assert statuses == [201] + [409] * (RACERS - 1)


def test_database_outage_gives_503_then_recovers_by_itself(postgres: PostgresServer, db_url: str) -> None:
    database = make_url(db_url).database
    assert database is not None
    proxy = TcpProxy(postgres.host, postgres.port)
    proxy.start()
    container = make_container(postgres.url(database).replace(f":{postgres.port}/", f":{proxy.port}/"))
    try:
        with TestClient(build_app(container)) as client:
            login = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            assert client.get("/api/users", headers=headers).status_code == 200
            assert client.get("/readyz").status_code == 200

            proxy.stop()  # PostgreSQL goes away, pooled connections die
            down = [client.get("/api/users/1", headers=headers) for _ in range(3)]
            assert [r.status_code for r in down] == [503, 503, 503]
            assert {r.json()["error"]["code"] for r in down} == {"service_unavailable"}
            assert client.get("/readyz").status_code == 503
            assert client.get("/healthz").status_code == 200  # liveness must not restart the pod for this

            proxy.start()  # it comes back: no restart of the service needed
            assert client.get("/readyz").status_code == 200
            again = client.get("/api/users/1", headers=headers)
            assert again.status_code == 200 and again.json()["email"] == ADMIN_EMAIL
    finally:
        container.close()
        proxy.stop()
