from __future__ import annotations

from collections.abc import Callable

import jwt
from fastapi.testclient import TestClient

from tests.userapp.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, JWT_SECRET


def test_login_contract(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    claims = jwt.decode(body["access_token"], JWT_SECRET, algorithms=["HS256"], issuer="user-service")
    assert claims["exp"] - claims["iat"] == 900
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == ADMIN_EMAIL and me.json()["role"] == "admin"


def test_wrong_password_is_401_with_error_body(client: TestClient) -> None:
    response = client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json() == {"error": {"code": "unauthorized", "message": "invalid email or password"}}
    missing = client.post("/api/auth/login", json={"email": ADMIN_EMAIL})
    assert missing.status_code == 422 and "password" in missing.json()["error"]["fields"]


def test_stats_for_the_admin_view(client: TestClient, admin_headers: dict, user_factory: Callable) -> None:
    user_factory("one@example.com")
    user_factory("two@example.com", role="admin")
    response = client.get("/api/stats", params={"days": 7, "weeks": 4}, headers=admin_headers)
    assert response.status_code == 200, response.text
    stats = response.json()
    assert (stats["total_users"], stats["admins"], stats["users"]) == (3, 2, 1)
    assert len(stats["per_day"]) == 7 and len(stats["per_week"]) == 4
    assert stats["per_day"][-1]["count"] == 3 and stats["per_week"][-1]["count"] == 3
    assert client.get("/api/stats", params={"days": 0}, headers=admin_headers).status_code == 422
