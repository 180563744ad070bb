"""Several replicas (issue 16, part 2): two real board processes (gunicorn + gevent) on one real
kube-apiserver and one PostgreSQL audit database, as the chart runs them. What one replica decides, the other
honours: one Promotion per confirm and per (stage, Freight), login failures counted across both, logout ends
the session on both."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from dashboard.vocabulary import REQUEST_ID_LABEL
from tests.dashboard.board_client import hidden_fields
from tests.dashboard.board_process import BoardProcess, board_process, csrf_token, logged_in
from tests.dashboard.chart_rbac import bind_chart_rbac
from tests.dashboard.test_write_kube import BOARD_IDENTITY, PASSWORDS, SECRET, create_pipeline, users_file
from tests.harness.kube import CustomObjects, KubeCluster
from tests.harness.processes import wait_until

pytestmark = [pytest.mark.kube, pytest.mark.postgres]
__all__ = ["users_file"]  # the module-scoped fixture, shared with the single-process cluster tests


@dataclass
class Replicas:
    boards: tuple[BoardProcess, BoardProcess]
    ns: str
    freight: dict[str, str]
    admin: CustomObjects

    def board_promotions(self) -> list[dict]:
        items = self.admin.list(self.ns, "promotions")["items"]
        return [p for p in items if REQUEST_ID_LABEL in (p["metadata"].get("labels") or {})]


@pytest.fixture
def replicas(
    kube: KubeCluster, kube_namespace: str, postgres_url: str, users_file: Path, tmp_path: Path
) -> Iterator[Replicas]:
    ns = kube_namespace
    bind_chart_rbac(kube, ns, BOARD_IDENTITY)
    freight = create_pipeline(kube, ns)
    env = {
        "DASHBOARD_SOURCE": "kubernetes",
        "KARGO_PROJECT": ns,
        "ARGOCD_NAMESPACE": ns,
        "KUBECONFIG": str(kube.kubeconfig(BOARD_IDENTITY)),
        "DASHBOARD_MODE": "production",
        "DASHBOARD_SECRET_KEY": SECRET,  # the chart gives every replica the same Secret
        "DASHBOARD_USERS_FILE": str(users_file),
        "DASHBOARD_AUDIT_URL": postgres_url,
        "DASHBOARD_COOKIE_SECURE": "false",  # plain http on 127.0.0.1
        "DASHBOARD_REFRESH_SECONDS": "3600",
    }
    with board_process(tmp_path, env, "replica-a") as one, board_process(tmp_path, env, "replica-b") as two:
        for board in (one, two):
            probe = httpx.Client(base_url=board.url, timeout=10)
            wait_until(
                lambda probe=probe: freight["new"] in probe.get("/").text,
                30,
                f"{board.url} showing the pipeline",
                board.process,
                board.log,
            )
        yield Replicas((one, two), ns, freight, CustomObjects(kube))


def same_session_on(board: BoardProcess, session: httpx.Client) -> httpx.Client:
    """The same browser session pointed at another replica (the load balancer picked it)."""
    client = httpx.Client(base_url=board.url, timeout=30)
    for cookie in session.cookies.jar:
        client.cookies.set(cookie.name, cookie.value or "")
    return client


def post_at_once(posts: list[tuple[httpx.Client, dict[str, str]]]) -> list[httpx.Response]:
    start = threading.Barrier(len(posts))
    answers: dict[int, httpx.Response] = {}

    def send(index: int, client: httpx.Client, form: dict[str, str]) -> None:
        start.wait(timeout=30)
        answers[index] = client.post("/actions/promote", data=form, headers={"HX-Request": "true"})

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == len(posts), "a confirm got no answer within 60 s"
    return [answers[i] for i in range(len(posts))]


def confirm_form(client: httpx.Client, stage: str, freight: str) -> dict[str, str]:
    page = client.get(
        "/actions/promote", params={"stage": stage, "freight": freight}, headers={"HX-Request": "true"}
    )
    assert page.status_code == 200, page.text[:500]
    return hidden_fields(page.text)


def test_the_same_confirm_posted_to_both_replicas_creates_one_promotion(replicas: Replicas):
    one, two = replicas.boards
    admin = logged_in(one, "root", PASSWORDS["root"])
    form = confirm_form(admin, "stg", replicas.freight["new"])
    answers = post_at_once([(admin, form), (same_session_on(two, admin), form)])
    assert all(a.status_code == 200 for a in answers), [a.text[:300] for a in answers]
    promotions = replicas.board_promotions()
    assert len(promotions) == 1, promotions
    assert promotions[0]["metadata"]["labels"][REQUEST_ID_LABEL] == form["request_id"]


def test_two_people_on_two_replicas_confirming_the_same_promotion_create_one(replicas: Replicas):
    one, two = replicas.boards
    qa = logged_in(one, "ana", PASSWORDS["ana"])
    admin = logged_in(two, "root", PASSWORDS["root"])
    forms = [confirm_form(client, "stg", replicas.freight["new"]) for client in (qa, admin)]
    answers = post_at_once([(qa, forms[0]), (admin, forms[1])])
    codes = sorted(hidden_code(a.text) for a in answers)
    assert codes == ["claimed", "promote-done"], [a.text[:300] for a in answers]
    assert len(replicas.board_promotions()) == 1


def hidden_code(html: str) -> str:
    marker = 'data-testid="result" data-code="'
    return html.split(marker, 1)[1].split('"', 1)[0] if marker in html else ""


def test_login_failures_are_counted_across_replicas(replicas: Replicas):
    one, two = replicas.boards
    clients = [httpx.Client(base_url=board.url, timeout=30) for board in (one, two)]
    for attempt in range(5):  # the per-name-and-address limit, spread over both replicas
        client = clients[attempt % 2]
        wrong = {"username": "paulo", "password": "guess", "csrf_token": csrf_token(client)}
        assert client.post("/login", data=wrong).status_code == 401
    for client in clients:
        right = {"username": "paulo", "password": PASSWORDS["paulo"], "csrf_token": csrf_token(client)}
        assert client.post("/login", data=right).status_code == 429


def test_a_logout_on_one_replica_is_honoured_by_the_other(replicas: Replicas):
    one, two = replicas.boards
    admin = logged_in(one, "root", PASSWORDS["root"])
    copy = same_session_on(two, admin)
    assert 'data-testid="who"' in copy.get("/").text
    assert admin.post("/logout", data={"csrf_token": csrf_token(admin)}).status_code == 303
    assert 'data-testid="who"' not in copy.get("/").text
