"""The write side on the embedded simulator, through the web layer: logins, every action as every role,
CSRF, double submits, the audit log and its outcomes, security headers."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.engine import make_url

from dashboard.actions.permissions import allowed_actions
from dashboard.actions.request_ids import new_request_id
from dashboard.app import create_app
from dashboard.model.history import previous_freight
from dashboard.runtime import Runtime
from dashboard.security import CONTENT_SECURITY_POLICY
from dashboard.settings import Settings
from tests.dashboard.board_client import BoardUser, ManualClock, hidden_fields, result_code
from tests.harness.postgres import PostgresServer
from tests.harness.processes import eventually
from tests.harness.tcp_proxy import TcpProxy

SECRET = "s" * 40


class Board:
    """A started board on the simulator, with the demo logins it generated."""

    def __init__(self, settings: Settings, clock: ManualClock | None = None) -> None:
        self.clock = clock or ManualClock()
        self.runtime = Runtime(settings, clock=self.clock)
        self.app: Flask = create_app(settings, runtime=self.runtime)
        self.passwords = {n: p for n, _, p in self.app.extensions["auth"].users.demo_logins()}

    def user(self, name: str | None = None) -> BoardUser:
        person = BoardUser(self.app.test_client())
        if name is not None:
            response = person.login(name, self.passwords[name])
            assert response.status_code == 303, response.get_data(as_text=True)
        return person

    @property
    def simulator(self):
        assert self.runtime.simulator is not None
        return self.runtime.simulator

    def events_by(self, name: str) -> list[str]:
        return [e.reason for e in self.simulator.events if e.actor == f"board:{name}"]

    def fresh(self):
        """The board built from the store as it is now (the POST side checks against the latest one)."""
        before = self.runtime.latest.sequence
        self.runtime.publisher.refresh()
        eventually(lambda: self.runtime.latest.sequence > before)
        return self.runtime.latest.board


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    live = Board(Settings(refresh_seconds=3600, audit_url=f"sqlite:///{tmp_path}/audit.sqlite3"))
    yield live
    live.runtime.stop()


# -- logins ----------------------------------------------------------------------------------------------


def test_login_logout_and_the_session_cookie(board: Board):
    person = board.user()
    assert 'data-testid="login-link"' in person.client.get("/").get_data(as_text=True)
    response = person.login("qa", board.passwords["qa"])
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # demo mode on plain http; production is Secure (below)
    page = person.client.get("/")
    assert page.headers["Cache-Control"] == "no-store" and "ETag" not in page.headers
    html = page.get_data(as_text=True)
    assert 'data-testid="who">qa · QA<' in html and 'action="/logout"' in html
    person.client.post("/logout", data={"csrf_token": person.csrf_token()})
    assert 'data-testid="who"' not in person.client.get("/").get_data(as_text=True)


def test_wrong_passwords_and_unknown_users_are_refused_alike(board: Board):
    person = board.user()
    for name, password in (("qa", "wrong-password"), ("nobody", board.passwords["qa"]), ("qa", "")):
        response = person.login(name, password)
        assert response.status_code == 401
        assert "Usuário ou senha incorretos." in response.get_data(as_text=True)
        assert 'data-testid="who"' not in person.client.get("/").get_data(as_text=True)


def test_login_is_rate_limited(board: Board):
    person = board.user()
    for _ in range(5):
        assert person.login("admin", "guess").status_code == 401
    locked = person.login("admin", board.passwords["admin"])
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "Muitas tentativas" in locked.get_data(as_text=True)


def test_login_needs_the_csrf_token_and_redirects_only_inside_the_site(board: Board):
    person = board.user()
    refused = person.client.post("/login", data={"username": "qa", "password": board.passwords["qa"]})
    assert refused.status_code == 400
    assert "O formulário expirou" in refused.get_data(as_text=True)
    for target, expected in (
        ("/history", "/history"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
    ):
        # A login starts a fresh session (nothing planted before survives): a new token each time.
        token = person.csrf_token()
        response = person.client.post(
            "/login",
            data={"username": "qa", "password": board.passwords["qa"], "csrf_token": token, "next": target},
        )
        assert response.headers["Location"] == expected


def test_production_cookies_are_secure_and_there_are_no_demo_logins():
    settings = Settings(mode="production", secret_key=SECRET, refresh_seconds=3600)
    live = Board(settings)
    try:
        assert live.passwords == {}
        assert live.app.config["SESSION_COOKIE_SECURE"] is True
        html = live.user().client.get("/login").get_data(as_text=True)
        assert "Nenhum usuário configurado" in html and "<form" not in html
    finally:
        live.runtime.stop()


# -- every action as every role ---------------------------------------------------------------------------

EXPECTED_EVENTS = {
    None: [],
    "qa": ["PromotionCreated", "PromotionCreated"],  # promote stg, roll stg back
    "po": ["PromotionCreated"],  # promote prod
    "admin": ["PromotionCreated"] * 4 + ["FreightApproved", "PromotionAborted", "WarehouseRefreshed"],
}


def every_action(board: Board) -> dict[tuple[str, str], dict[str, str]]:
    """One attempt of each action Kargo would accept right now, keyed by (action, stage)."""
    # Something to abort: a Promotion into prod waits in the queue (the clock stands still).
    current = board.fresh()
    setup = board.simulator.promote("prod", current.stage("prod").promotable_freight[0], actor="setup")
    current = board.fresh()
    admin_view = allowed_actions(
        current,
        "admin",
        board.runtime.write.permissions,
        previous_freight(board.runtime.store.snapshot().objects, current.project),
    )
    approve_freight, approve_stages = next(iter(admin_view.approve.items()))
    return {
        ("promote", "dev"): {"stage": "dev", "freight": current.stage("dev").promotable_freight[0]},
        ("promote", "stg"): {"stage": "stg", "freight": admin_view.stages["stg"].promote[0]},
        ("promote", "prod"): {"stage": "prod", "freight": current.stage("prod").promotable_freight[0]},
        ("rollback", "stg"): {"stage": "stg", "freight": admin_view.stages["stg"].rollback or ""},
        ("approve", approve_stages[0]): {"freight": approve_freight, "stage": approve_stages[0]},
        ("abort", "prod"): {"promotion": setup["metadata"]["name"]},
        ("refresh", "-"): {"warehouse": current.warehouses[0].name},
    }


@pytest.mark.parametrize("role", [None, "qa", "po", "admin"])
def test_each_role_can_do_exactly_its_actions(board: Board, role: str | None):
    attempts = every_action(board)
    allowed = {
        None: set(),
        "qa": {("promote", "stg"), ("rollback", "stg")},
        "po": {("promote", "prod")},
        "admin": set(attempts),
    }[role]
    person = board.user(role)
    for (action, target), args in attempts.items():
        assert all(args.values()), (action, args)
        confirm_page, _ = person.confirm(action, **args)
        response = person.act(action, **args)
        if (action, target) in allowed:
            assert confirm_page.status_code == 200, (action, target)
            assert response.status_code == 200, (action, target, response.get_data(as_text=True))
            assert result_code(response) == f"{action}-done"
        else:
            expected_status = 401 if role is None else 403
            assert confirm_page.status_code == expected_status, (action, target)
            assert response.status_code == expected_status, (action, target)
            assert result_code(response) == ("login-required" if role is None else "forbidden")
    assert sorted(board.events_by(role or "")) == sorted(EXPECTED_EVENTS[role])
    audited = board.runtime.write.audit.newest(50)
    if role is None:
        assert audited == []  # anonymous requests never reach the audit log
    else:
        assert {(e.action, e.outcome) for e in audited if e.outcome == "refused"} == {
            (action, "refused") for action, target in attempts if (action, target) not in allowed
        }


def test_posts_without_a_csrf_token_are_refused_and_change_nothing(board: Board):
    person = board.user("admin")
    current = board.fresh()
    fields = {
        "stage": "stg",
        "freight": current.stage("stg").promotable_freight[0],
        "request_id": new_request_id(board.clock()),
    }
    for headers in ({}, {"HX-Request": "true"}):
        response = person.client.post("/actions/promote", data=fields, headers=headers)
        assert response.status_code == 400
        assert "O formulário expirou" in response.get_data(as_text=True)
    forged = person.client.post("/actions/promote", data={**fields, "csrf_token": "forged"})
    assert forged.status_code == 400
    assert board.events_by("admin") == []


def test_a_double_submit_creates_one_promotion(board: Board):
    person = board.user("qa")
    freight = board.fresh().stage("stg").promotable_freight[0]
    confirm, fields = person.confirm("promote", stage="stg", freight=freight)
    assert confirm.status_code == 200 and fields["request_id"]
    first = person.post("promote", fields)
    second = person.post("promote", fields)
    assert result_code(first) == "promote-done" and result_code(second) == "already-requested"
    promotion = re.search(r"stg\.[0-9a-z]{26}\.[0-9a-f]{7}", first.get_data(as_text=True))
    assert promotion is not None and promotion.group(0) in second.get_data(as_text=True)
    # A burst of retries racing each other (a browser retry plus a double click) changes nothing.
    cookie = person.client.get_cookie("board_session")
    assert cookie is not None
    codes: list[str | None] = []

    def retry() -> None:
        client = board.app.test_client()
        client.set_cookie("board_session", cookie.value)
        codes.append(result_code(BoardUser(client).post("promote", fields)))

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == ["already-requested"] * 6
    assert board.events_by("qa") == ["PromotionCreated"]
    assert board.runtime.write.audit.count() == 1


def test_a_reused_request_id_for_another_action_is_refused(board: Board):
    person = board.user("admin")
    current = board.fresh()
    _, fields = person.confirm("promote", stage="stg", freight=current.stage("stg").promotable_freight[0])
    assert result_code(person.post("promote", fields)) == "promote-done"
    other = {**fields, "stage": "prod", "freight": current.stage("prod").promotable_freight[0]}
    response = person.post("promote", other)
    assert response.status_code == 409 and result_code(response) == "request-reused"
    assert board.events_by("admin") == ["PromotionCreated"]


def test_the_audit_row_completes_when_the_promotion_finishes(board: Board):
    person = board.user("qa")
    freight = board.fresh().stage("stg").promotable_freight[0]
    response = person.act("promote", stage="stg", freight=freight)
    assert result_code(response) == "promote-done"
    audit = board.runtime.write.audit
    (entry,) = audit.newest(1)
    assert (entry.actor, entry.role, entry.action, entry.stage, entry.freight) == (
        "qa",
        "qa",
        "promote",
        "stg",
        freight,
    )
    assert entry.freight_alias and len(entry.images) == 2 and entry.promotion and entry.outcome is None
    board.clock.advance(60)  # the simulated controllers run the promotion to its end
    eventually(lambda: audit.newest(1)[0].outcome == "Succeeded")
    done = audit.newest(1)[0]
    assert done.finished_at is not None and done.finished_at >= done.requested_at
    # The board names the person (the simulator's create-actor would say "board").
    eventually(lambda: "aprovado por qa" in person.client.get("/").get_data(as_text=True))


def test_rollback_and_admin_actions_reach_the_simulator(board: Board):
    admin = board.user("admin")
    current = board.fresh()
    previous = previous_freight(board.runtime.store.snapshot().objects, current.project)["stg"]
    assert result_code(admin.act("rollback", stage="stg", freight=previous)) == "rollback-done"
    promotion = board.fresh().stage("stg").promotion
    assert promotion is not None and promotion.freight == previous
    assert result_code(admin.act("abort", promotion=promotion.name)) == "abort-done"
    assert result_code(admin.act("refresh", warehouse=current.warehouses[0].name)) == "refresh-done"
    board.clock.advance(5)
    eventually(lambda: _last_phase(board, "stg") == "Aborted")
    eventually(lambda: board.runtime.write.audit.newest(3)[-1].outcome == "Aborted")
    assert [e.outcome for e in board.runtime.write.audit.newest(3)] == ["Succeeded", "Succeeded", "Aborted"]


def _last_phase(board: Board, stage: str) -> str:
    last = board.fresh().stage(stage).last_promotion
    return last.phase if last else ""


def test_the_simulators_refusals_are_clear_messages(board: Board):
    admin = board.user("admin")
    done = board.simulator.promote("prod", board.fresh().stage("prod").promotable_freight[0], actor="setup")
    board.simulator.abort(done["metadata"]["name"], actor="setup")
    board.fresh()
    # Aborting a finished Promotion: the board already knows it is not running.
    response = admin.act("abort", promotion=done["metadata"]["name"])
    assert response.status_code == 409 and result_code(response) == "conflict"
    assert "Traceback" not in response.get_data(as_text=True)


# -- the audit log pages -----------------------------------------------------------------------------------


def test_audit_page_and_csv_for_logged_in_people_only(board: Board):
    anonymous = board.user()
    for path in ("/audit", "/audit.csv"):
        response = anonymous.client.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/login?next=")
    qa = board.user("qa")
    qa.act("promote", stage="stg", freight=board.fresh().stage("stg").promotable_freight[0])
    qa.act("promote", stage="prod", freight=board.fresh().stage("prod").promotable_freight[0])  # refused
    page = qa.client.get("/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert html.count("<tr data-request=") == 2 and "refused" in html and "promover" in html
    export = qa.client.get("/audit.csv")
    assert export.mimetype == "text/csv" and "attachment" in export.headers["Content-Disposition"]
    lines = export.get_data(as_text=True).strip().split("\r\n")
    assert lines[0].startswith("id,request_id,requested_at,actor,role") and len(lines) == 3


def test_pages_of_the_write_side_keep_the_strict_csp(board: Board):
    qa = board.user("qa")
    freight = board.fresh().stage("stg").promotable_freight[0]
    responses = [
        qa.client.get("/login"),
        qa.client.get("/actions/promote", query_string={"stage": "stg", "freight": freight}),
        qa.client.get("/audit"),
        qa.client.get("/"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        html = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert not re.search(r"\son[a-z]+=", html) and not re.search(r"\sstyle=", html)


def test_cached_pages_carry_no_session_secrets(board: Board):
    qa = board.user("qa")
    mine = qa.client.get("/").get_data(as_text=True)
    token = hidden_fields(mine)["csrf_token"]
    # The per-role fragment (cached, shared by every QA) has buttons but no token and no name.
    fragment = qa.client.get("/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-testid="stage-actions"' in fragment and 'data-action="promote"' in fragment
    assert token not in fragment and "csrf" not in fragment
    cached = board.runtime.latest.page("board", "pt-BR", "qa")
    assert token not in cached and "<!--board:session-->" in cached
    viewer = board.user().client.get("/").get_data(as_text=True)
    assert 'data-testid="stage-actions"' not in viewer and "csrf_token" not in viewer


def test_the_audience_and_projector_never_show_buttons_even_to_the_admin(board: Board):
    admin = board.user("admin")
    for path in ("/watch", "/projector", "/history"):
        html = admin.client.get(path).get_data(as_text=True)
        assert "data-action=" not in html


@pytest.mark.postgres
def test_audit_store_down_refuses_and_sends_nothing(postgres: PostgresServer, postgres_url: str):
    proxy = TcpProxy(postgres.host, postgres.port)
    proxy.start()
    url = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    live = Board(Settings(refresh_seconds=3600, audit_url=url))
    try:
        person = live.user("qa")
        freight = live.fresh().stage("stg").promotable_freight[0]
        _, fields = person.confirm("promote", stage="stg", freight=freight)
        proxy.stop()
        response = person.post("promote", fields)
        assert response.status_code == 503 and result_code(response) == "audit-unavailable"
        assert "nada foi enviado ao Kargo" in response.get_data(as_text=True)
        assert live.events_by("qa") == []
        proxy.start()  # the database is back: the same form goes through, once
        assert result_code(person.post("promote", fields)) == "promote-done"
        assert live.events_by("qa") == ["PromotionCreated"]
    finally:
        proxy.stop()
        live.runtime.stop()


def test_a_trusted_proxy_names_the_person_and_their_role():
    settings = Settings(
        refresh_seconds=3600,
        trusted_user_header="X-Forwarded-User",
        trusted_groups_header="X-Forwarded-Groups",
        trusted_group_roles="board-qa=qa;board-admins=admin",
    )
    live = Board(settings)
    try:
        assert live.passwords == {}  # the proxy logs people in: no generated passwords
        client = live.app.test_client()
        headers = {"X-Forwarded-User": "ana@example.com", "X-Forwarded-Groups": "staff,board-qa"}
        page = client.get("/?lang=en", headers=headers).get_data(as_text=True)
        assert 'data-testid="who">ana@example.com · QA<' in page and 'action="/logout"' not in page
        person = BoardUser(client)
        freight = live.fresh().stage("stg").promotable_freight[0]
        confirm = client.get(
            "/actions/promote", query_string={"stage": "stg", "freight": freight}, headers=headers
        )
        fields = hidden_fields(confirm.get_data(as_text=True))
        done = client.post("/actions/promote", data=fields, headers={**headers, "HX-Request": "true"})
        assert result_code(done) == "promote-done"
        assert "follow it on the board" in done.get_data(as_text=True)  # the language cookie from ?lang=en
        (entry,) = live.runtime.write.audit.newest(1)
        assert (entry.actor, entry.role, entry.identity_source) == ("ana@example.com", "qa", "proxy")
        # The same header from anywhere but the proxy is just a header: anonymous, refused.
        elsewhere = client.post(
            "/actions/promote",
            data={**fields, "request_id": new_request_id(live.clock())},
            headers=headers,
            environ_base={"REMOTE_ADDR": "10.9.8.7"},
        )
        assert elsewhere.status_code == 401
        assert "proxy" in person.client.get("/login").get_data(as_text=True)
    finally:
        live.runtime.stop()
