"""A person using the board through Flask's test client: log in, open a confirm step, confirm it.

Forms are read from the HTML the board serves (CSRF token, request id, hidden fields), as a browser would.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from html import unescape

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from dashboard.actions.request_ids import new_request_id

HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    return {name: unescape(value) for name, value in HIDDEN.findall(html)}


class BoardUser:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf_token(self) -> str:
        """The session's CSRF token, from the login page (any form of the board carries it)."""
        return hidden_fields(self.client.get("/login").get_data(as_text=True))["csrf_token"]

    def login(self, name: str, password: str) -> TestResponse:
        return self.client.post(
            "/login", data={"username": name, "password": password, "csrf_token": self.csrf_token()}
        )

    def confirm(self, action: str, **args: str) -> tuple[TestResponse, dict[str, str]]:
        """The confirm step (as htmx asks for it) and the fields its form would post."""
        response = self.client.get(f"/actions/{action}", query_string=args, headers={"HX-Request": "true"})
        return response, hidden_fields(response.get_data(as_text=True))

    def post(self, action: str, fields: dict[str, str]) -> TestResponse:
        return self.client.post(f"/actions/{action}", data=fields, headers={"HX-Request": "true"})

    def act(self, action: str, **args: str) -> TestResponse:
        """Confirm and submit; when the confirm step refuses, submit a hand-made form anyway (with a valid
        CSRF token and a fresh request id): the server must refuse that too."""
        response, fields = self.confirm(action, **args)
        if response.status_code != 200:
            fields = {
                "csrf_token": self.csrf_token(),
                "request_id": new_request_id(datetime.now(UTC)),
                **args,
            }
        return self.post(action, fields)


def result_code(response: TestResponse) -> str | None:
    return result_code_in(response.get_data(as_text=True))


def result_code_in(html: str) -> str | None:
    """The code of an action's result fragment (`promote-done`, `rollback-done`, ...), if `html` holds one."""
    found = re.search(r'data-testid="result" data-code="([^"]+)"', html)
    return found.group(1) if found else None


class ManualClock:
    """A clock the test moves: the simulator (and the board) only see time pass when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += timedelta(seconds=seconds)
