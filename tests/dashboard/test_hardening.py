"""Issue 16: what a probe of the board as an attacker and as an operator found, each closed and kept
closed."""

from __future__ import annotations

import json
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from flask.testing import FlaskClient

from dashboard.actions.request_ids import new_request_id
from dashboard.audit.follower import AuditFollower
from dashboard.audit.store import AuditStore, NewEntry
from dashboard.auth.users import hash_password
from dashboard.settings import Settings, SettingsError, from_env
from dashboard.sources.store import ObjectStore
from tests.dashboard.board_client import BoardUser, ManualClock, hidden_fields, result_code
from tests.dashboard.board_process import REPO_ROOT, board_process, csrf_token, logged_in
from tests.dashboard.test_write_simulator import Board
from tests.harness.kube import KubeCluster
from tests.harness.processes import eventually, stop, wait_until


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    live = Board(Settings(refresh_seconds=3600, audit_url=f"sqlite:///{tmp_path}/audit.sqlite3"))
    yield live
    live.runtime.stop()


# -- 1. open redirect after login --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\\evil.example",
        "/ /evil.example",
        "/\x00/evil.example",
        "///evil.example",
        "/" + "a" * 5000,
    ],
)
def test_login_never_redirects_off_the_site(board: Board, target: str):
    person = board.user()
    page = person.client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    response = person.client.post(
        "/login",
        data={
            "username": "qa",
            "password": board.passwords["qa"],
            "csrf_token": person.csrf_token(),
            "next": target,
        },
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_login_keeps_a_local_next_with_a_query(board: Board):
    person = board.user()
    response = person.client.post(
        "/login",
        data={
            "username": "qa",
            "password": board.passwords["qa"],
            "csrf_token": person.csrf_token(),
            "next": "/actions/promote?stage=stg&freight=abc",
        },
    )
    assert response.headers["Location"] == "/actions/promote?stage=stg&freight=abc"


# -- 2. request size ---------------------------------------------------------------------------------------


def test_a_huge_anonymous_post_is_refused_before_it_is_read(board: Board):
    client = board.user().client
    body = b"username=" + b"a" * (2 * 1024 * 1024)
    response = client.post("/login", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413


def test_the_server_answers_413_from_the_header_without_reading_the_body(tmp_path: Path):
    """150 MB announced, a few bytes sent: the answer comes at once, so the body was never waited for."""
    with board_process(tmp_path, {"DASHBOARD_REFRESH_SECONDS": "3600"}) as served:
        host, port = served.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as conn:
            conn.sendall(
                b"POST /login HTTP/1.1\r\nHost: board\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {150 * 2**20}\r\n\r\nusername=a".encode()
            )
            status_line = conn.recv(200).split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1.1 413"), status_line


# -- 10. no shared gunicorn control socket -----------------------------------------------------------------


def test_the_server_opens_no_control_socket(tmp_path: Path):
    with board_process(tmp_path, {"DASHBOARD_REFRESH_SECONDS": "3600"}) as served:
        home = tmp_path / "board-home"
        sockets = [p for p in home.rglob("*") if p.is_socket() or p.name.endswith(".ctl")]
        assert sockets == [], served.log.read_text(encoding="utf-8")


# -- 11. `make record` stops on SIGTERM --------------------------------------------------------------------


@pytest.mark.kube
@pytest.mark.parametrize("signal_number", [signal.SIGTERM, signal.SIGINT])
def test_record_stops_cleanly_on_sigterm_and_sigint_with_a_watch_open(
    kube: KubeCluster, kube_namespace: str, tmp_path: Path, signal_number: int
):
    out = tmp_path / "run.jsonl"
    log = tmp_path / "record.log"
    command = [sys.executable, "-m", "dashboard", "record", "--out", str(out), "--project", kube_namespace]
    command += ["--argocd-namespace", kube_namespace, "--kubeconfig", str(kube.kubeconfig("dashboard"))]
    with (
        log.open("w", encoding="utf-8") as errors,
        subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, stderr=errors, stdout=subprocess.DEVNULL, cwd=REPO_ROOT
        ) as recorder,
    ):
        try:
            wait_until(lambda: "Ctrl-C stops" in log.read_text(), 60, "dashboard record", recorder, log)
            recorder.send_signal(signal_number)
            assert recorder.wait(timeout=30) == 0, log.read_text()
        finally:
            stop(recorder)
    assert "changes written to" in log.read_text()
    assert json.loads(out.read_text().splitlines()[0])["project"] == kube_namespace


# -- 9. what the anonymous audience sees of people ---------------------------------------------------------


def named_board(tmp_path: Path, **settings) -> tuple[Board, BoardUser]:
    """A board whose QA is `ana.souza@example.com` (as a login proxy would name her), logged in."""
    hashed = hash_password("correct horse battery")
    users = tmp_path / "users.yaml"
    users.write_text(
        f'users:\n  - name: ana.souza@example.com\n    role: qa\n    password_hash: "{hashed}"\n',
        encoding="utf-8",
    )
    live = Board(
        Settings(
            refresh_seconds=3600,
            audit_url=f"sqlite:///{tmp_path}/audit.sqlite3",
            users_file=str(users),
            mode="demo",
            **settings,
        )
    )
    person = live.user()
    assert person.login("ana.souza@example.com", "correct horse battery").status_code == 303
    freight = live.fresh().stage("stg").promotable_freight[0]
    assert result_code(person.act("promote", stage="stg", freight=freight)) == "promote-done"
    live.clock.advance(60)  # the simulated controllers run the promotion to its end
    return live, person


@pytest.mark.parametrize("page", ["/watch", "/", "/projector"])
def test_the_audience_sees_roles_not_names_by_default(tmp_path: Path, page: str):
    live, person = named_board(tmp_path)
    audience = live.user().client
    try:
        eventually(lambda: "aprovado por QA" in audience.get(page).get_data(as_text=True))
        assert "ana.souza" not in audience.get(page).get_data(as_text=True)
        # Logged-in people see names on the board (the other views are the same for everyone).
        if page == "/":
            assert "aprovado por ana.souza@example.com" in person.client.get("/").get_data(as_text=True)
    finally:
        live.runtime.stop()


def test_the_audience_sees_names_when_configured(tmp_path: Path):
    live, _ = named_board(tmp_path, audience_people="names")
    try:
        eventually(
            lambda: "aprovado por ana.souza" in live.user().client.get("/watch").get_data(as_text=True)
        )
    finally:
        live.runtime.stop()


def test_the_audience_setting_is_checked():
    assert from_env({"DASHBOARD_AUDIENCE_PEOPLE": "names"}).audience_people == "names"
    assert from_env({}).audience_people == "roles"
    with pytest.raises(SettingsError, match="DASHBOARD_AUDIENCE_PEOPLE='everyone': expected roles or names"):
        from_env({"DASHBOARD_AUDIENCE_PEOPLE": "everyone"})


# -- 6. the audit log keeps bounded, printable values -------------------------------------------------------

HOSTILE = {
    "huge": "s" * 30_000,  # two fields of it fit under the 64 kB request limit
    "nul-and-rtl": "stg\x00\u202egnp.exe\u2066",
    "just-over-253": "a" * 300,
}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_refused_requests_are_audited_with_bounded_printable_values(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
):
    url = (
        request.getfixturevalue("postgres_url")
        if backend == "postgresql"
        else f"sqlite:///{tmp_path}/audit.sqlite3"
    )
    live = Board(Settings(refresh_seconds=3600, audit_url=url))
    try:
        person = live.user("admin")
        for value in HOSTILE.values():
            response = person.act("promote", stage=value, freight=value)
            assert response.status_code in (403, 404, 409, 422), response.status_code
            assert result_code(response) is not None
        rows = live.runtime.write.audit.newest(10)
        assert len(rows) == len(HOSTILE)  # every refusal is audited, PostgreSQL included
        for row in rows:
            assert row.outcome == "refused"
            for value in (row.stage, row.freight, row.message):
                assert value is not None and len(value) <= 2_000
                assert "\x00" not in value and "\u202e" not in value and "\u2066" not in value
            assert len(row.stage or "") <= 253 and len(row.freight or "") <= 253
    finally:
        live.runtime.stop()


# -- 3. lock-outs an anonymous person cannot turn against a named user; trusted proxies ---------------------


def login_from(client: FlaskClient, name: str, password: str, address: str) -> int:
    """A login through the ingress (peer 127.0.0.1, a trusted proxy by default) for a client at `address`."""
    headers = {"X-Forwarded-For": address}
    token = hidden_fields(client.get("/login", headers=headers).get_data(as_text=True))["csrf_token"]
    response = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": token},
        headers=headers,
    )
    return response.status_code


def test_failures_behind_the_ingress_lock_out_only_their_address(board: Board):
    attacker = board.app.test_client()
    for index in range(25):  # more than the per-address limit, many names
        login_from(attacker, f"user{index}", "guess", "203.0.113.7")
    assert login_from(attacker, "qa", board.passwords["qa"], "203.0.113.7") == 429
    # Everyone else behind the same ingress logs in as before.
    assert login_from(board.app.test_client(), "qa", board.passwords["qa"], "198.51.100.20") == 303


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(tmp_path: Path):
    live = Board(
        Settings(
            refresh_seconds=3600,
            audit_url=f"sqlite:///{tmp_path}/audit.sqlite3",
            trusted_proxies="10.255.255.1",
        )
    )
    try:
        attacker = live.app.test_client()
        for index in range(20):  # a fresh X-Forwarded-For each time does not escape the address limit
            login_from(attacker, f"user{index}", "guess", f"203.0.113.{index}")
        assert login_from(attacker, "qa", live.passwords["qa"], "198.51.100.20") == 429
        assert (
            "Strict-Transport-Security"
            not in attacker.get("/healthz", headers={"X-Forwarded-Proto": "https"}).headers
        )
    finally:
        live.runtime.stop()


def test_hsts_behind_a_tls_terminating_trusted_proxy(board: Board):
    client = board.app.test_client()
    assert "Strict-Transport-Security" in client.get("/", headers={"X-Forwarded-Proto": "https"}).headers
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_the_qr_code_audience_cannot_lock_admin_out(board: Board):
    speaker = board.app.test_client()
    # The speaker logged in on this laptop before the talk: the browser is a known device for admin.
    assert login_from(speaker, "admin", board.passwords["admin"], "192.0.2.10") == 303
    speaker.post("/logout", data={"csrf_token": BoardUser(speaker).csrf_token()})
    # Someone in the room, even behind the same venue NAT, tries admin with wrong passwords.
    for _ in range(12):
        login_from(board.app.test_client(), "admin", "guess", "192.0.2.10")
    assert login_from(board.app.test_client(), "admin", board.passwords["admin"], "192.0.2.10") == 429
    # The speaker's browser is not locked out; another address is not either.
    assert login_from(speaker, "admin", board.passwords["admin"], "192.0.2.10") == 303
    assert login_from(board.app.test_client(), "admin", board.passwords["admin"], "192.0.2.99") == 303


def test_a_guess_spread_over_many_addresses_hits_the_slower_global_limit(board: Board):
    for index in range(50):  # 10 addresses x 5 attempts: under each per-address and per-pair limit
        login_from(board.app.test_client(), "po", "guess", f"203.0.113.{index // 5}")
    fresh = board.app.test_client()
    assert login_from(fresh, "po", board.passwords["po"], "198.51.100.1") == 429
    # The window passes (the board's clock): the name is free again.
    board.clock.advance(16 * 60)
    assert login_from(fresh, "po", board.passwords["po"], "198.51.100.1") == 303


# -- 5. logout ends the session ---------------------------------------------------------------------------


def test_a_cookie_copied_before_logout_no_longer_works(board: Board):
    person = board.user("admin")
    copied = person.client.get_cookie("board_session")
    assert copied is not None
    person.client.post("/logout", data={"csrf_token": person.csrf_token()})
    thief = board.app.test_client()
    thief.set_cookie("board_session", copied.value)
    assert 'data-testid="who"' not in thief.get("/").get_data(as_text=True)
    freight = board.fresh().stage("stg").promotable_freight[0]
    assert result_code(BoardUser(thief).act("promote", stage="stg", freight=freight)) == "login-required"
    # A new login is a new session, which works.
    assert 'data-testid="who"' in board.user("admin").client.get("/").get_data(as_text=True)


# -- 7. two people confirming the same promotion make one Promotion ------------------------------------------


def test_qa_and_admin_confirming_the_same_promotion_at_once_create_one(board: Board):
    freight = board.fresh().stage("stg").promotable_freight[0]
    people = [board.user("qa"), board.user("admin")]
    forms = [person.confirm("promote", stage="stg", freight=freight)[1] for person in people]
    assert forms[0]["request_id"] != forms[1]["request_id"]
    start = threading.Barrier(2)
    codes: dict[int, str] = {}

    def confirm(index: int) -> None:
        start.wait(timeout=10)
        codes[index] = result_code(people[index].post("promote", forms[index])) or ""

    threads = [threading.Thread(target=confirm, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(codes.values()) == ["claimed", "promote-done"], codes
    created = [
        e
        for e in board.simulator.events
        if e.reason == "PromotionCreated" and (e.actor or "").startswith("board:")
    ]
    assert len(created) == 1, created
    # Asked again a moment later, by either of them: still one.
    again = people[0].act("promote", stage="stg", freight=freight)
    assert result_code(again) == "claimed" and "acabou de pedir" in again.get_data(as_text=True)
    assert (
        len(
            [
                e
                for e in board.simulator.events
                if e.reason == "PromotionCreated" and (e.actor or "").startswith("board:")
            ]
        )
        == 1
    )


# -- 8. approve/abort/refresh that timed out get an outcome -----------------------------------------------


def test_timed_out_requests_are_settled_from_the_cluster_or_closed(tmp_path: Path):
    clock = ManualClock(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    audit = AuditStore(f"sqlite:///{tmp_path}/audit.sqlite3", clock)
    audit.migrate()
    store = ObjectStore()
    meta = {"namespace": "userapp"}
    store.upsert(
        "Freight",
        {"metadata": {**meta, "name": "f1"}, "status": {"approvedFor": {"prod": {"approvedAt": "x"}}}},
    )
    store.upsert(
        "Promotion",
        {"metadata": {**meta, "name": "p1", "annotations": {"kargo.akuity.io/abort": "{}"}}, "status": {}},
    )
    store.upsert("Warehouse", {"metadata": {**meta, "name": "w1"}})
    ids = iter(f"01JA00000000000000000000{n:02d}" for n in range(10))

    def timed_out(action: str, **target: str) -> int:
        entry, _ = audit.record(
            NewEntry(next(ids), "ana", "admin", "session", action, **target)  # type: ignore[arg-type]
        )
        audit.note(entry.id, "no answer from Kubernetes in time: ReadTimeoutError")
        return entry.id

    approved = timed_out("approve", freight="f1", stage="prod")
    aborted = timed_out("abort", promotion="p1")
    refreshed = timed_out("refresh", warehouse="w1")
    lost = timed_out("promote", stage="stg", freight="f1")
    follower = AuditFollower(audit, store, "userapp", lambda: None)
    follower.sync_once()
    outcomes = {e.id: e.outcome for e in audit.newest(10)}
    assert outcomes[approved] == "Succeeded" and outcomes[aborted] == "Succeeded"
    assert outcomes[refreshed] is None and outcomes[lost] is None  # not seen yet: still possible
    clock.advance(6 * 60)
    follower.sync_once()
    closed = {e.id: e for e in audit.newest(10)}
    for entry_id in (refreshed, lost):
        assert closed[entry_id].outcome == "Errored"
        assert "not seen applied within 5 min" in (closed[entry_id].message or "")
    assert audit.open_entries() == []
    audit.dispose()


# -- 4. a slow audit database does not freeze the board ----------------------------------------------------


def test_a_locked_audit_database_holds_up_only_the_request_that_needs_it(tmp_path: Path):
    database = tmp_path / "audit.sqlite3"
    env = {"DASHBOARD_REFRESH_SECONDS": "3600", "DASHBOARD_AUDIT_URL": f"sqlite:///{database}"}
    with board_process(tmp_path, env) as served:
        admin = logged_in(served, "admin")
        token = csrf_token(admin)
        audience = httpx.Client(base_url=served.url, timeout=30)
        lock = sqlite3.connect(database, timeout=10)
        lock.execute("BEGIN EXCLUSIVE")  # another writer holds the database (e.g. a long CSV export)
        outcome: dict[str, httpx.Response] = {}
        try:
            form = {"csrf_token": token, "request_id": new_request_id(datetime.now(UTC))}
            form |= {"stage": "stg", "freight": "x"}
            post = threading.Thread(
                target=lambda: outcome.setdefault("post", admin.post("/actions/promote", data=form))
            )
            post.start()
            pages_while_waiting = 0
            while post.is_alive() and pages_while_waiting < 5:
                for page in ("/healthz", "/watch", "/"):
                    assert audience.get(page).status_code == 200
                pages_while_waiting += 1 if post.is_alive() else 0
            assert pages_while_waiting == 5, "the board stopped serving while one request waited"
        finally:
            lock.rollback()
            lock.close()
        post.join(timeout=30)
        assert not post.is_alive() and outcome["post"].status_code in (200, 403, 404, 422, 503)
