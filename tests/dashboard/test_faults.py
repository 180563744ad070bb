"""Faults under a running board (issue 16, part 3), with real components: the board on the real
kube-apiserver, its audit log on the real PostgreSQL, TCP proxies that cut or stall them. Every test counts
the faults it injected, the actions lost (a Promotion without its audit row, or an answer of "done" without a
Promotion: must be 0) and the duplicate Promotions (must be 0), and prints them."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy.engine import make_url

from dashboard.actions.requests import REQUEST_ID_LABEL
from dashboard.runtime import Runtime
from dashboard.sources.kube import KubeSource, load_api_client, targets_for
from tests.dashboard import factories as f
from tests.dashboard.board_client import BoardUser, result_code
from tests.dashboard.board_process import board_process
from tests.dashboard.chart_rbac import bind_chart_rbac
from tests.dashboard.test_kube_source import compact_etcd
from tests.dashboard.test_write_kube import (
    BOARD_IDENTITY,
    SECRET,
    ClusterBoard,
    _spec_only,
    board_settings,
    create_pipeline,
    start_board,
    users_file,
)
from tests.harness.faults import FaultyControlPlane, faulty_control_plane
from tests.harness.kube import CustomObjects, KubeCluster
from tests.harness.postgres import PostgresServer
from tests.harness.processes import eventually, wait_until
from tests.harness.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.kube, pytest.mark.postgres]
__all__ = ["users_file"]

DONE = {"promote-done", "already-requested"}
STALL_SECONDS = 30.0


def report(name: str, **figures: int) -> None:
    print(f"\nfaults[{name}]: " + ", ".join(f"{key}={value}" for key, value in figures.items()))


def tally(live: ClusterBoard, answers: dict[str, str | None]) -> tuple[int, int]:
    """(actions lost, duplicate Promotions) for request id -> result code."""
    promotions = live.board_promotions()
    by_request = Counter(p["metadata"]["labels"][REQUEST_ID_LABEL] for p in promotions)
    by_target = Counter((p["spec"]["stage"], p["spec"]["freight"]) for p in promotions)
    audited = {e.request_id for e in live.runtime.write.audit.newest(1000)}
    lost = sum(1 for request, code in answers.items() if code in DONE and by_request[request] != 1)
    lost += sum(1 for request in by_request if request not in audited)  # sent without an audit row
    duplicates = sum(n - 1 for n in by_request.values()) + sum(n - 1 for n in by_target.values())
    return lost, duplicates


# -- the audit PostgreSQL goes away and comes back during a burst of 20 promotions --------------------------


@pytest.fixture
def audit_proxy(postgres: PostgresServer) -> Iterator[TcpProxy]:
    proxy = TcpProxy(postgres.host, postgres.port)
    proxy.start()
    yield proxy
    proxy.stop()


def test_audit_database_restarted_during_a_burst_of_20_promotions(  # pylint: disable=too-many-locals
    kube: KubeCluster, kube_namespace: str, postgres_url: str, users_file: Path, audit_proxy: TcpProxy
):
    url = make_url(postgres_url).set(host="127.0.0.1", port=audit_proxy.port)
    live = start_board(kube, kube_namespace, url.render_as_string(hide_password=False), users_file)
    try:
        people = [live.user("root"), live.user("ana"), live.user("paulo")]
        targets = [("stg", "new"), ("stg", "mid"), ("prod", "mid"), ("dev", "raw"), ("prod", "old")]
        forms = []
        for index in range(20):
            person = people[index % len(people)]
            stage, alias = targets[index % len(targets)]
            response, fields = person.confirm("promote", stage=stage, freight=live.freight[alias])
            if response.status_code != 200:  # this role may not promote there: a hand-made form
                fields = {"stage": stage, "freight": live.freight[alias], "csrf_token": person.csrf_token()}
                fields["request_id"] = f"01JA{index:022d}"
            forms.append((person, fields))
        answers: dict[str, str | None] = {}
        bodies: dict[str, str] = {}
        start = threading.Barrier(len(forms) + 1)

        def send(person: BoardUser, fields: dict[str, str], delay: float) -> None:
            start.wait(timeout=30)
            time.sleep(delay)  # the burst is spread around the outage: before, during and after it
            response = person.post("promote", fields)
            answers[fields["request_id"]] = result_code(response)
            bodies[fields["request_id"]] = response.get_data(as_text=True)

        threads = [
            threading.Thread(target=send, args=(*form, index * 0.1)) for index, form in enumerate(forms)
        ]
        for thread in threads:
            thread.start()
        start.wait(timeout=30)
        time.sleep(0.6)
        audit_proxy.stop()  # the database goes away in the middle of the burst (1 fault) ...
        time.sleep(0.6)
        audit_proxy.start()  # ... and comes back
        for thread in threads:
            thread.join(timeout=120)
        assert len(answers) == 20, "a promotion got no answer within 120 s"
        for request, code in answers.items():
            assert code, f"{request}: no clear result in {bodies[request][:300]}"
        # Every answer is either done (audited and sent once) or a refusal with its sentence.
        lost, duplicates = tally(live, answers)
        report(
            "audit-restart",
            requests=len(answers),
            faults=1,
            done=sum(code in DONE for code in answers.values()),
            refused=sum(code not in DONE for code in answers.values()),
            lost=lost,
            duplicates=duplicates,
        )
        print(f"faults[audit-restart]: answers {sorted(Counter(answers.values()).items())}")
        assert lost == 0 and duplicates == 0, answers
    finally:
        live.runtime.stop()


# -- the apiserver stalls for 30 s ------------------------------------------------------------------------


def kubeconfig_through(kube: KubeCluster, identity: str, proxy: TcpProxy, directory: Path) -> Path:
    config = yaml.safe_load(kube.kubeconfig(identity).read_text())
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = f"https://127.0.0.1:{proxy.port}"
    path = directory / f"kubeconfig-{identity}-proxied.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_a_stalled_apiserver_fails_actions_clearly_and_sends_nothing_twice(  # pylint: disable=too-many-locals
    kube: KubeCluster, kube_namespace: str, postgres_url: str, users_file: Path, tmp_path: Path, monkeypatch
):
    host, port = kube.server.removeprefix("https://").split(":")
    proxy = TcpProxy(host, int(port))
    proxy.start()
    real_kubeconfig = kube.kubeconfig
    proxied = kubeconfig_through(kube, "user-a", proxy, tmp_path)
    monkeypatch.setattr(
        kube,
        "kubeconfig",
        lambda identity="admin": proxied if identity == "user-a" else real_kubeconfig(identity),
    )
    live = start_board(kube, kube_namespace, postgres_url, users_file)
    try:
        admin, qa = live.user("root"), live.user("ana")
        freight = live.freight["new"]
        _, first = admin.confirm("promote", stage="stg", freight=freight)
        _, second = qa.confirm("promote", stage="stg", freight=freight)
        proxy.stall()  # 1 fault: nothing goes through either way, connections stay open
        stalled_at = time.monotonic()
        answer = admin.post("promote", first)
        assert result_code(answer) == "timeout", answer.get_data(as_text=True)[:500]
        assert "Kubernetes" in answer.get_data(as_text=True)
        # Someone else confirms the same promotion while the first one's fate is unknown: not sent again.
        assert result_code(qa.post("promote", second)) == "claimed"
        time.sleep(max(0.0, STALL_SECONDS - (time.monotonic() - stalled_at)))
        proxy.resume()
        # The board's watches recover; the same form again is recognised, nothing new is created.
        retried = admin.post("promote", first)
        assert result_code(retried) in ("already-requested", "timeout", "claimed")
        eventually(lambda: not live.runtime.source_status().stale_since, 60)
        answers = {first["request_id"]: result_code(answer), second["request_id"]: "claimed"}
        lost, duplicates = tally(live, answers)
        report("apiserver-stall", requests=3, faults=1, lost=lost, duplicates=duplicates)
        assert duplicates == 0 and lost == 0
        assert len(live.board_promotions()) <= 1
    finally:
        live.runtime.stop()
        proxy.stop()


# -- the kube-apiserver killed and restarted under a board with 50 open streams ----------------------------

STREAMS = 50


@pytest.fixture
def faulty() -> Iterator[FaultyControlPlane]:
    """A control plane of this test's own (the session's shared one is never killed)."""
    with faulty_control_plane() as plane:
        yield plane


class Stream:
    """One viewer's open /events/board stream, read in its own thread."""

    def __init__(self, url: str) -> None:
        self.received = ""
        self.ended = False
        self._client = httpx.Client(base_url=url, timeout=httpx.Timeout(10, read=120))
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            with self._client.stream("GET", "/events/board") as response:
                for chunk in response.iter_text():
                    self.received += chunk
        except httpx.HTTPError:
            pass
        finally:
            self.ended = True

    def close(self) -> None:
        self._client.close()


def test_the_apiserver_killed_and_restarted_under_50_streams(
    faulty: FaultyControlPlane, postgres_url: str, users_file: Path, tmp_path: Path
):
    kube = faulty.cluster
    ns = kube.create_project_namespace()
    bind_chart_rbac(kube, ns, BOARD_IDENTITY)
    create_pipeline(kube, ns)
    env = {
        "DASHBOARD_SOURCE": "kubernetes",
        "KARGO_PROJECT": ns,
        "ARGOCD_NAMESPACE": ns,
        "KUBECONFIG": str(kube.kubeconfig(BOARD_IDENTITY)),
        "DASHBOARD_MODE": "production",
        "DASHBOARD_SECRET_KEY": SECRET,
        "DASHBOARD_USERS_FILE": str(users_file),
        "DASHBOARD_AUDIT_URL": postgres_url,
        "DASHBOARD_REFRESH_SECONDS": "3600",  # only changes and status changes re-render
    }
    with board_process(tmp_path, env) as board:
        page = httpx.Client(base_url=board.url, timeout=10)
        streams = [Stream(board.url) for _ in range(STREAMS)]
        try:
            wait_until(lambda: all("retry:" in s.received for s in streams), 60, "50 open streams")
            pid = board.process.pid
            faulty.kill_apiserver()
            wait_until(lambda: "source-status stale" in page.get("/").text, 5, "the stale banner within 5 s")
            faulty.start_apiserver()
            wait_until(
                lambda: "source-status live" in page.get("/").text, 90, "the banner cleared after recovery"
            )
            assert board.process.poll() is None and board.process.pid == pid  # no restart of the board
            # A change after the recovery reaches every stream: none was lost for good.
            fresh = f.freight("after-outage", discovered=-1, namespace=ns)
            CustomObjects(kube).create(ns, "freights", _spec_only(fresh))
            wait_until(
                lambda: all("after-outage" in s.received for s in streams),
                60,
                "the new Freight on all 50 streams",
            )
            lost = sum(1 for s in streams if "after-outage" not in s.received)
            report("apiserver-kill", streams=STREAMS, faults=faulty.faults, streams_lost=lost)
        finally:
            for stream in streams:
                stream.close()


# -- an etcd compaction that forces 410 Gone on every watch ------------------------------------------------


def test_a_compaction_forces_410_on_every_watch_and_the_board_relists_correctly(
    kube: KubeCluster, kube_namespace: str, postgres_url: str, users_file: Path
):
    ns = kube_namespace
    bind_chart_rbac(kube, ns, BOARD_IDENTITY)
    freight = create_pipeline(kube, ns)
    admin = CustomObjects(kube)
    # The board resumes from a version older than etcd's compaction and the apiserver's watch cache (as
    # after a long disconnection): every one of its watches is answered 410 Gone.
    remembered = "1"
    # Meanwhile the cluster moved on, and etcd compacted its history.
    late = f.freight("late", discovered=-1, namespace=ns)
    admin.create(ns, "freights", _spec_only(late))
    admin.delete(ns, "freights", freight["raw"])
    compact_etcd(kube)
    targets = targets_for(ns, ns)

    class Resuming(KubeSource):
        def start(self, initial_resource_version: str | None = None) -> None:
            super().start(initial_resource_version=remembered)

    api = load_api_client(str(kube.kubeconfig(BOARD_IDENTITY)))
    runtime = Runtime(board_settings(kube, ns, postgres_url, users_file))
    source = Resuming(runtime.store, api, targets, backoff_initial=0.1)  # fills the Runtime's store
    runtime.kube = source
    runtime.start()
    try:
        eventually(lambda: source.status().relists >= len(targets), 30)  # each watch relisted
        eventually(
            lambda: {f.alias for f in runtime.latest.board.freight} == {"old", "mid", "new", "late"}, 30
        )
        assert len(runtime.latest.board.stages) == 3 and not source.status().stale_since
        report("etcd-compaction", faults=1, watches=len(targets), relists=source.status().relists)
    finally:
        runtime.stop()
