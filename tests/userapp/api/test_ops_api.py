"""Operational endpoints and the OpenAPI document."""

from __future__ import annotations

from fastapi.testclient import TestClient
from user_service.api.app import build_app

from tests.userapp.conftest import make_container


def test_healthz_and_readyz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_version_comes_from_the_environment(db_url: str) -> None:
    container = make_container(
        db_url,
        app_version="1.2.3",
        git_commit="abc1234",
        image_tag="ghcr.io/x/user-service:1.2.3",
        app_env="stg",
    )
    with TestClient(build_app(container)) as client:
        body = client.get("/version").json()
    container.close()
    assert body == {
        "version": "1.2.3",
        "commit": "abc1234",
        "image_tag": "ghcr.io/x/user-service:1.2.3",
        "environment": "stg",
    }


def test_readyz_is_503_when_the_database_is_unreachable(unreachable_url: str) -> None:
    container = make_container(unreachable_url)
    with TestClient(build_app(container)) as client:  # start-up survives a missing database
        assert client.get("/healthz").status_code == 200
        response = client.get("/readyz")
        login = client.post("/api/auth/login", json={"email": "a@example.com", "password": "whatever1"})
    container.close()
    assert response.status_code == 503 and response.json()["error"]["code"] == "service_unavailable"
    assert login.status_code == 503 and login.headers["retry-after"] == "5"


def test_openapi_documents_the_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/users", "/api/users/{user_id}", "/api/auth/login", "/api/stats", "/healthz"} <= set(
        schema["paths"]
    )
    assert set(schema["paths"]["/api/users/{user_id}"]) == {"get", "put", "patch", "delete"}
    assert client.get("/docs").status_code == 200
