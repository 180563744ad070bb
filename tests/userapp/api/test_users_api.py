"""The users API through HTTP on real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from user_service.api.app import build_app
from user_service.composition import Container

from tests.userapp.conftest import USER_PASSWORD, Api


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    return error


def test_create_get_and_list(client: TestClient, admin_headers: dict, user_factory: Callable) -> None:
    created = user_factory("Ada@Example.com", "Ada Lovelace")
    assert created["email"] == "ada@example.com" and created["role"] == "user"
    assert "password" not in created and "password_hash" not in created
    fetched = client.get(f"/api/users/{created['id']}", headers=admin_headers)
    assert fetched.status_code == 200 and fetched.json() == created
    listing = client.get("/api/users", params={"page_size": 1, "page": 2}, headers=admin_headers).json()
    assert listing["total"] == 2 and listing["pages"] == 2 and listing["page"] == 2
    assert [u["id"] for u in listing["items"]] == [created["id"]]


def test_create_returns_location(client: TestClient, admin_headers: dict) -> None:
    body = {"email": "loc@example.com", "name": "Loc", "password": USER_PASSWORD}
    response = client.post("/api/users", json=body, headers=admin_headers)
    assert response.status_code == 201
    assert response.headers["location"] == f"/api/users/{response.json()['id']}"


def test_list_filters_and_sorts(client: TestClient, admin_headers: dict, user_factory: Callable) -> None:
    for name in ("Charlie", "alice", "Bob"):
        user_factory(f"{name.lower()}@corp.example", name)
    by_name = client.get("/api/users", params={"q": "corp", "sort": "name"}, headers=admin_headers).json()
    assert [u["name"] for u in by_name["items"]] == ["Bob", "Charlie", "alice"]  # byte order, stable
    desc = client.get("/api/users", params={"q": "CORP", "sort": "-created_at"}, headers=admin_headers).json()
    assert [u["name"] for u in desc["items"]] == ["Bob", "alice", "Charlie"]
    one = client.get("/api/users", params={"q": "ALI"}, headers=admin_headers).json()
    assert one["total"] == 1 and one["items"][0]["email"] == "alice@corp.example"


def test_invalid_input_gets_422_with_field_messages(client: TestClient, admin_headers: dict) -> None:
    response = client.post(
        "/api/users", json={"email": "nope", "name": "", "password": "x", "extra": 1}, headers=admin_headers
    )
    error = assert_error(response, 422, "validation_error")
    assert {"name", "password", "extra"} <= set(error["fields"])
    semantic = client.post(
        "/api/users",
        json={"email": "not-an-email", "name": "Ok", "password": USER_PASSWORD},
        headers=admin_headers,
    )
    assert "email" in assert_error(semantic, 422, "validation_error")["fields"]
    bad_query = client.get("/api/users", params={"page": 0, "sort": "password"}, headers=admin_headers)
    assert set(assert_error(bad_query, 422, "validation_error")["fields"]) == {"page", "sort"}
    bad_json = client.post(
        "/api/users", content=b"{not json", headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert_error(bad_json, 422, "validation_error")


def test_duplicate_email_is_409(client: TestClient, admin_headers: dict, user_factory: Callable) -> None:
    user_factory("taken@example.com")
    body = {"email": "TAKEN@example.com", "name": "Again", "password": USER_PASSWORD}
    error = assert_error(client.post("/api/users", json=body, headers=admin_headers), 409, "duplicate_email")
    assert "taken@example.com" in error["message"]


def test_not_found_and_unknown_routes_use_the_error_body(client: TestClient, admin_headers: dict) -> None:
    assert_error(client.get("/api/users/4242", headers=admin_headers), 404, "not_found")
    assert_error(client.delete("/api/users/4242", headers=admin_headers), 404, "not_found")
    assert_error(client.get("/api/nothing-here"), 404, "not_found")
    assert_error(client.post("/healthz"), 405, "method_not_allowed")
    assert_error(client.get("/api/users/99999999999", headers=admin_headers), 422, "validation_error")


def test_authentication_is_required(client: TestClient) -> None:
    response = client.get("/api/users")
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert_error(client.get("/api/users", headers={"Authorization": "Bearer garbage"}), 401, "unauthorized")
    assert_error(client.get("/api/users", headers={"Authorization": "Basic YTpi"}), 401, "unauthorized")


def test_roles_are_enforced_over_http(api: Api, client: TestClient, user_factory: Callable) -> None:
    plain = user_factory("plain@example.com", "Plain")
    other = user_factory("other@example.com", "Other")
    headers = api.headers("plain@example.com", USER_PASSWORD)
    assert client.get("/api/users", headers=headers).status_code == 200  # everyone may read
    body = {"email": "new@example.com", "name": "New", "password": USER_PASSWORD}
    assert_error(client.post("/api/users", json=body, headers=headers), 403, "forbidden")
    assert_error(client.delete(f"/api/users/{other['id']}", headers=headers), 403, "forbidden")
    assert_error(
        client.patch(f"/api/users/{other['id']}", json={"name": "X"}, headers=headers), 403, "forbidden"
    )
    self_promotion = client.patch(f"/api/users/{plain['id']}", json={"role": "admin"}, headers=headers)
    assert_error(self_promotion, 403, "forbidden")
    assert_error(client.get("/api/stats", headers=headers), 403, "forbidden")
    renamed = client.patch(f"/api/users/{plain['id']}", json={"name": "Plain Jane"}, headers=headers)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Plain Jane"
    assert renamed.json()["role"] == "user"


def test_put_replaces_and_patch_changes_only_given_fields(
    api: Api, client: TestClient, admin_headers: dict, user_factory: Callable
) -> None:
    user = user_factory("edit@example.com", "Edit Me")
    put = client.put(
        f"/api/users/{user['id']}",
        json={"email": "edited@example.com", "name": "Edited", "role": "admin", "password": "brand-new-pass"},
        headers=admin_headers,
    )
    assert put.status_code == 200, put.text
    assert {k: put.json()[k] for k in ("email", "name", "role")} == {
        "email": "edited@example.com",
        "name": "Edited",
        "role": "admin",
    }
    api.token("edited@example.com", "brand-new-pass")  # the new password works
    incomplete = client.put(f"/api/users/{user['id']}", json={"name": "Only"}, headers=admin_headers)
    assert set(assert_error(incomplete, 422, "validation_error")["fields"]) == {"email", "role"}
    patched = client.patch(f"/api/users/{user['id']}", json={"name": "Patched"}, headers=admin_headers)
    assert patched.json()["email"] == "edited@example.com" and patched.json()["name"] == "Patched"


def test_admin_deletes_but_not_themselves(
    client: TestClient, admin_headers: dict, user_factory: Callable
) -> None:
    user = user_factory("bye@example.com")
    response = client.delete(f"/api/users/{user['id']}", headers=admin_headers)
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"/api/users/{user['id']}", headers=admin_headers).status_code == 404
    assert_error(client.delete("/api/users/1", headers=admin_headers), 403, "forbidden")


def test_reads_work_again_when_the_app_starts_a_second_time_on_one_container(container: Container) -> None:
    """Shutting the app down closes the asynchronous read pool; a new start (new event loop) makes another."""
    for _ in range(2):
        with TestClient(build_app(container)) as client:
            headers = Api(client).headers()
            assert client.get("/api/users/1", headers=headers).status_code == 200
            listed = client.get("/api/users", headers=headers)
            assert listed.status_code == 200 and listed.json()["total"] == 1
