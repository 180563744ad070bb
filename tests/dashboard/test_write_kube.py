"""The write side against the real kube-apiserver (Kargo's own webhooks admit objects) and real PostgreSQL.

The board runs as `user-a` holding exactly the Roles of helm/dashboard (bound in the test namespace). No
Kargo controller runs on this control plane: the tests play it by writing Promotion, Stage and Freight status
through the status subresource, to force the states it would reach (running, succeeded, verified) at once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from sqlalchemy.engine import make_url

from dashboard.actions.errors import ActionError
from dashboard.actions.kube_gateway import (
    KubeGateway,
)
from dashboard.actions.request_ids import (
    new_request_id,
    promotion_name,
)
from dashboard.app import create_app
from dashboard.auth.roles import Identity
from dashboard.auth.users import hash_password
from dashboard.runtime import Runtime
from dashboard.settings import Settings
from dashboard.sources.kube import load_api_client
from dashboard.vocabulary import ABORT_ANNOTATION, REFRESH_ANNOTATION, REQUEST_ID_LABEL
from tests.dashboard import factories as f
from tests.dashboard.board_client import BoardUser, result_code
from tests.dashboard.chart_rbac import bind_chart_rbac
from tests.harness.kargo import create_warehouse
from tests.harness.kube import CustomObjects, KubeCluster, error_message
from tests.harness.postgres import PostgresServer
from tests.harness.processes import eventually
from tests.harness.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.kube, pytest.mark.postgres]

SECRET = "k" * 40
PASSWORDS = {"ana": "ana-password-1", "paulo": "paulo-password-1", "root": "root-password-1"}
ROLES = {"ana": "qa", "paulo": "po", "root": "admin"}
BOARD_IDENTITY = "user-a"  # holds the chart's Roles in each test namespace


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.yaml"
    lines = ["users:"]
    for name, password in PASSWORDS.items():
        lines += [
            f"  - name: {name}",
            f"    role: {ROLES[name]}",
            f'    password_hash: "{hash_password(password)}"',
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def create_pipeline(kube: KubeCluster, ns: str) -> dict[str, str]:
    """dev <- warehouse, stg <- dev, prod <- stg, as Kargo's controllers write them; alias -> Freight name."""
    admin = CustomObjects(kube)
    old = f.freight(
        "old", discovered=-300, namespace=ns, verified_in={"dev": f.verified(-290), "stg": f.verified(-280)}
    )
    mid = f.freight(
        "mid", discovered=-200, namespace=ns, verified_in={"dev": f.verified(-190), "stg": f.verified(-180)}
    )
    new = f.freight("new", discovered=-100, namespace=ns, verified_in={"dev": f.verified(-90)})
    raw = f.freight("raw", discovered=-10, namespace=ns)
    dev = f.stage("dev", requests=[f.request(direct=True)], current=[new], namespace=ns)
    stg = f.stage("stg", requests=[f.request(stages=["dev"])], current=[mid], namespace=ns)
    stg["status"]["freightHistory"].append(
        {"id": "older", "items": {"Warehouse/userapp": f.freight_ref(old)}}
    )
    prod = f.stage("prod", requests=[f.request(stages=["stg"])], current=[old], namespace=ns)
    warehouse = f.warehouse()
    warehouse["metadata"]["namespace"] = ns
    create_warehouse(admin, ns, _spec_only(warehouse))
    for plural, items in (("freights", (old, mid, new, raw)), ("stages", (dev, stg, prod))):
        for item in items:
            admin.create(ns, plural, _spec_only(item))
            admin.patch_status(ns, plural, item["metadata"]["name"], {"status": item["status"]})
    return {item["alias"]: item["metadata"]["name"] for item in (old, mid, new, raw)}


def _spec_only(item: dict) -> dict:
    body = {k: v for k, v in item.items() if k != "status"}
    body["metadata"] = {k: v for k, v in item["metadata"].items() if k != "uid"}
    return body


@dataclass
class ClusterBoard:
    kube: KubeCluster
    ns: str
    freight: dict[str, str]
    runtime: Runtime
    admin: CustomObjects
    app: Flask

    def user(self, name: str | None = None) -> BoardUser:
        person = BoardUser(self.app.test_client())
        if name is not None:
            assert person.login(name, PASSWORDS[name]).status_code == 303
        return person

    def promotions(self) -> list[dict]:
        return self.admin.list(self.ns, "promotions")["items"]

    def board_promotions(self) -> list[dict]:
        """Promotions the board created (they carry its request-id label)."""
        return [p for p in self.promotions() if REQUEST_ID_LABEL in (p["metadata"].get("labels") or {})]

    def wait_for_board(self, check: Callable) -> None:
        eventually(lambda: check(self.runtime.latest.board))


def board_settings(kube: KubeCluster, ns: str, audit_url: str, users: Path) -> Settings:
    """A production board on `ns` with the chart's identity; only the tests' changes publish a new board."""
    return Settings(
        source="kubernetes",
        project=ns,
        argocd_namespace=ns,
        kubeconfig=str(kube.kubeconfig(BOARD_IDENTITY)),
        mode="production",
        secret_key=SECRET,
        users_file=str(users),
        audit_url=audit_url,
        refresh_seconds=3600,
    )


def start_board(kube: KubeCluster, ns: str, audit_url: str, users: Path, *chart_values: str) -> ClusterBoard:
    bind_chart_rbac(kube, ns, BOARD_IDENTITY, *chart_values)
    freight = create_pipeline(kube, ns)
    settings = board_settings(kube, ns, audit_url, users)
    runtime = Runtime(settings)
    runtime.start()
    app = create_app(settings, runtime=runtime, start=False)
    live = ClusterBoard(kube, ns, freight, runtime, CustomObjects(kube), app)
    live.wait_for_board(lambda board: "new" in [f.alias for f in board.freight] and len(board.stages) == 3)
    return live


@pytest.fixture
def cluster_board(
    kube: KubeCluster, kube_namespace: str, postgres_url: str, users_file: Path
) -> Iterator[ClusterBoard]:
    live = start_board(kube, kube_namespace, postgres_url, users_file)
    yield live
    live.runtime.stop()


def play_controller(live: ClusterBoard, name: str, phase: str, **status) -> None:
    live.admin.patch_status(live.ns, "promotions", name, {"status": {"phase": phase, **status}})


# -- the end-to-end flow ---------------------------------------------------------------------------------


def test_qa_promotes_stg_and_the_audit_follows_the_promotion(cluster_board: ClusterBoard):
    live = cluster_board
    qa = live.user("ana")
    confirm, fields = qa.confirm("promote", stage="stg", freight=live.freight["new"])
    assert confirm.status_code == 200 and "userapp-backend" in confirm.get_data(as_text=True)
    response = qa.post("promote", fields)
    assert result_code(response) == "promote-done", response.get_data(as_text=True)

    (promotion,) = live.board_promotions()
    name = promotion["metadata"]["name"]
    # Kargo's webhook named it <stage>.<its own ULID>.<Freight's first 7>, replacing the board's name.
    requested = promotion_name("stg", fields["request_id"], live.freight["new"])
    assert name != requested and name.split(".")[::2] == requested.split(".")[::2]
    assert promotion["spec"]["stage"] == "stg" and promotion["spec"]["freight"] == live.freight["new"]
    # Kargo's webhook filled the steps and named the creator: the board itself.
    assert [s["uses"] for s in promotion["spec"]["steps"]] == list(f.DEFAULT_STEPS)
    assert (
        promotion["metadata"]["annotations"]["kargo.akuity.io/create-actor"] == f"kubernetes:{BOARD_IDENTITY}"
    )
    assert promotion["metadata"]["labels"][REQUEST_ID_LABEL] == fields["request_id"]

    audit = live.runtime.write.audit
    (entry,) = audit.newest(5)
    assert (entry.actor, entry.role, entry.action, entry.stage, entry.promotion) == (
        "ana",
        "qa",
        "promote",
        "stg",
        name,
    )
    assert entry.freight_alias == "new" and entry.outcome is None

    play_controller(live, name, "Running", startedAt=f.at(0), currentStep=1)
    eventually(lambda: audit.newest(1)[0].phase == "Running")
    live.wait_for_board(lambda board: board.stage("stg").promotion is not None)
    assert "pedido por ana" in qa.client.get("/").get_data(as_text=True)

    play_controller(live, name, "Succeeded", startedAt=f.at(0), finishedAt="2026-09-20T12:03:00Z")
    live.admin.patch_status(
        live.ns,
        "stages",
        "stg",
        {
            "status": {
                "lastPromotion": {
                    "name": name,
                    "finishedAt": "2026-09-20T12:03:00Z",
                    "status": {"phase": "Succeeded"},
                }
            }
        },
    )
    eventually(lambda: audit.newest(1)[0].outcome == "Succeeded")
    done = audit.newest(1)[0]
    assert done.finished_at is not None and done.finished_at.isoformat() == "2026-09-20T12:03:00+00:00"
    eventually(lambda: "aprovado por ana" in qa.client.get("/").get_data(as_text=True))
    # The anonymous audience sees the role, not the name (DASHBOARD_AUDIENCE_PEOPLE, issue 16 finding 9).
    anonymous = live.user().client.get("/").get_data(as_text=True)
    assert "aprovado por QA" in anonymous and "aprovado por ana" not in anonymous


# -- every state-changing route, as every role -------------------------------------------------------------

ALLOWED = {
    None: set(),
    "ana": {"promote:stg", "rollback:stg"},
    "paulo": {"promote:prod"},
    "root": {
        "promote:dev",
        "promote:stg",
        "promote:prod",
        "rollback:stg",
        "approve:prod",
        "abort:prod",
        "refresh:-",
    },
}


@pytest.mark.parametrize("person", [None, "ana", "paulo", "root"])
def test_each_role_can_do_exactly_its_actions_in_the_cluster(cluster_board: ClusterBoard, person: str | None):
    live = cluster_board
    # A Promotion someone else started, running in prod: the thing to abort.
    setup = live.admin.create(
        live.ns,
        "promotions",
        {
            "apiVersion": f.KARGO_API,
            "kind": "Promotion",
            "metadata": {"name": "prod.setup.0000000", "namespace": live.ns},
            "spec": {"stage": "prod", "freight": live.freight["mid"]},
        },
    )
    # Kargo's webhook renamed it; its controller does not run here, so the test writes what it would.
    setup_name = setup["metadata"]["name"]
    play_controller(live, setup_name, "Running", startedAt=f.at(0))
    live.wait_for_board(lambda board: board.stage("prod").promotion is not None)
    attempts = {
        "promote:dev": ("promote", {"stage": "dev", "freight": live.freight["old"]}),
        "promote:stg": ("promote", {"stage": "stg", "freight": live.freight["new"]}),
        "promote:prod": ("promote", {"stage": "prod", "freight": live.freight["mid"]}),
        "rollback:stg": ("rollback", {"stage": "stg", "freight": live.freight["old"]}),
        "approve:prod": ("approve", {"freight": live.freight["raw"], "stage": "prod"}),
        "abort:prod": ("abort", {"promotion": setup_name}),
        "refresh:-": ("refresh", {"warehouse": f.WAREHOUSE}),
    }
    user = live.user(person)
    for key, (action, args) in attempts.items():
        response = user.act(action, **dict(args))
        if key in ALLOWED[person]:
            assert result_code(response) == f"{action}-done", (key, response.get_data(as_text=True))
        else:
            assert response.status_code == (401 if person is None else 403), key
    assert_cluster_changes(live, ALLOWED[person], setup_name)


def assert_cluster_changes(live: ClusterBoard, allowed: set[str], setup_name: str) -> None:
    """What the cluster holds after the attempts: exactly the allowed actions' effects, nothing else."""
    created = sorted(p["spec"]["stage"] for p in live.board_promotions())
    assert created == sorted(
        key.split(":")[1] for key in allowed if key.split(":")[0] in ("promote", "rollback")
    )
    raw = live.admin.get(live.ns, "freights", live.freight["raw"])
    assert ("prod" in (raw.get("status") or {}).get("approvedFor", {})) == ("approve:prod" in allowed)
    warehouse = live.admin.get(live.ns, "warehouses", f.WAREHOUSE)
    assert (REFRESH_ANNOTATION in (warehouse["metadata"].get("annotations") or {})) == (
        "refresh:-" in allowed
    )
    aborted = live.admin.get(live.ns, "promotions", setup_name)
    abort_request = (aborted["metadata"].get("annotations") or {}).get(ABORT_ANNOTATION)
    assert (abort_request is not None) == ("abort:prod" in allowed)
    if abort_request:
        # Kargo's webhook replaces the board's actor with the Kubernetes user who sent the request.
        assert json.loads(abort_request) == {"action": "terminate", "actor": f"kubernetes:{BOARD_IDENTITY}"}


# -- Kubernetes' own answers -------------------------------------------------------------------------------


def test_kargos_promote_check_refuses_a_stage_the_board_may_not_promote(
    kube: KubeCluster, kube_namespace: str, postgres_url: str, users_file: Path
):
    # The chart limits the board's "promote" verb to stg; the admin role would allow prod on the board's side.
    live = start_board(kube, kube_namespace, postgres_url, users_file, "access.promoteStages={stg}")
    try:
        admin = live.user("root")
        response = admin.act("promote", stage="prod", freight=live.freight["mid"])
        assert response.status_code == 403 and result_code(response) == "kube-forbidden"
        html = unescape(response.get_data(as_text=True))
        refusal = f'subject "{BOARD_IDENTITY}" is not permitted to create Promotions for Stage "prod"'
        assert "O Kubernetes recusou" in html and refusal in html
        assert "Traceback" not in html
        assert live.board_promotions() == []
        (entry,) = live.runtime.write.audit.newest(1)
        assert entry.outcome == "refused" and refusal in (entry.message or "")
        assert result_code(admin.act("promote", stage="stg", freight=live.freight["new"])) == "promote-done"
    finally:
        live.runtime.stop()


def test_a_double_submit_creates_one_promotion_in_the_cluster(cluster_board: ClusterBoard):
    live = cluster_board
    qa = live.user("ana")
    _, fields = qa.confirm("promote", stage="stg", freight=live.freight["new"])
    codes: list[str | None] = []
    cookie = qa.client.get_cookie("board_session")
    assert cookie is not None

    def submit() -> None:
        person = BoardUser(live.app.test_client())
        person.client.set_cookie("board_session", cookie.value)
        codes.append(result_code(person.post("promote", fields)))

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code or "" for code in codes) == ["already-requested"] * 5 + ["promote-done"]
    assert result_code(qa.post("promote", fields)) == "already-requested"
    assert len(live.board_promotions()) == 1
    assert live.runtime.write.audit.count() == 1


def test_a_promotion_that_already_exists_is_already_requested(cluster_board: ClusterBoard):
    """The cluster is the last line: a Promotion carrying the request's id (an earlier attempt whose answer
    was lost; Kargo renamed it, so its name is Kargo's) is reported as "already requested", not created
    twice and not reported as an error."""
    live = cluster_board
    qa = live.user("ana")
    _, fields = qa.confirm("promote", stage="stg", freight=live.freight["new"])
    earlier = live.admin.create(
        live.ns,
        "promotions",
        {
            "apiVersion": f.KARGO_API,
            "kind": "Promotion",
            "metadata": {
                "name": promotion_name("stg", fields["request_id"], live.freight["new"]),
                "namespace": live.ns,
                "labels": {REQUEST_ID_LABEL: fields["request_id"]},
            },
            "spec": {"stage": "stg", "freight": live.freight["new"]},
        },
    )
    name = earlier["metadata"]["name"]
    response = qa.post("promote", fields)
    assert response.status_code == 200 and result_code(response) == "already-requested"
    assert len(live.promotions()) == 1
    assert live.runtime.write.audit.newest(1)[0].promotion == name


def test_audit_store_down_refuses_and_nothing_reaches_the_cluster(
    kube: KubeCluster, kube_namespace: str, postgres: PostgresServer, postgres_url: str, users_file: Path
):
    proxy = TcpProxy(postgres.host, postgres.port)
    proxy.start()
    url = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    live = start_board(kube, kube_namespace, url, users_file)
    try:
        qa = live.user("ana")
        _, fields = qa.confirm("promote", stage="stg", freight=live.freight["new"])
        proxy.stop()
        response = qa.post("promote", fields)
        assert response.status_code == 503 and result_code(response) == "audit-unavailable"
        assert live.promotions() == []
    finally:
        proxy.stop()
        live.runtime.stop()


# -- the chart's RBAC, exactly -----------------------------------------------------------------------------


def forbidden(call: Callable[[], object]) -> bool:
    try:
        call()
    except ApiException as error:
        return error.status == 403
    return False


def test_the_charts_rbac_allows_the_boards_actions_and_nothing_else(cluster_board: ClusterBoard):
    live, ns = cluster_board, cluster_board.ns
    board_api = CustomObjects(live.kube, BOARD_IDENTITY)
    core = client.CoreV1Api(live.kube.api_client(BOARD_IDENTITY))
    # Allowed: everything the gateway does.
    gateway = KubeGateway(load_api_client(str(live.kube.kubeconfig(BOARD_IDENTITY))), ns)
    someone = Identity("root", "admin", "session")
    created = gateway.promote("stg", live.freight["new"], new_request_id(f.NOW), someone)
    gateway.approve(live.freight["raw"], "stg", someone)
    gateway.refresh_warehouse(f.WAREHOUSE, someone)
    gateway.abort(created, someone)
    # Denied: changing the pipeline, deleting, reading Secrets, other namespaces.
    assert forbidden(lambda: board_api.delete(ns, "stages", "prod"))
    assert forbidden(lambda: board_api.patch(ns, "stages", "prod", {"spec": {"requestedFreight": []}}))
    assert forbidden(lambda: board_api.delete(ns, "promotions", created))
    assert forbidden(lambda: board_api.delete(ns, "freights", live.freight["raw"]))
    assert forbidden(
        lambda: board_api.create(
            ns,
            "warehouses",
            {
                "apiVersion": f.KARGO_API,
                "kind": "Warehouse",
                "metadata": {"name": "w2"},
                "spec": {"subscriptions": []},
            },
        )
    )
    assert forbidden(lambda: core.list_namespaced_secret(ns))
    assert forbidden(lambda: core.read_namespaced_secret("anything", ns))
    other = live.kube.create_project_namespace()
    assert forbidden(lambda: board_api.list(other, "stages"))


def test_without_admin_actions_the_chart_grants_no_patch(
    kube: KubeCluster, kube_namespace: str, postgres_url: str, users_file: Path
):
    live = start_board(kube, kube_namespace, postgres_url, users_file, "access.adminActions=false")
    try:
        gateway = KubeGateway(load_api_client(str(kube.kubeconfig(BOARD_IDENTITY))), kube_namespace)
        someone = Identity("root", "admin", "session")
        for call in (
            lambda: gateway.approve(live.freight["raw"], "stg", someone),
            lambda: gateway.refresh_warehouse(f.WAREHOUSE, someone),
        ):
            with pytest.raises(ActionError) as refused:
                call()
            assert refused.value.code == "kube-forbidden"
        created = gateway.promote("stg", live.freight["new"], new_request_id(f.NOW), someone)
        with pytest.raises(ActionError, match="kube-forbidden"):
            gateway.abort(created, someone)
    finally:
        live.runtime.stop()


def test_gateway_errors_are_translated(cluster_board: ClusterBoard, kube: KubeCluster):
    gateway = KubeGateway(load_api_client(str(kube.kubeconfig(BOARD_IDENTITY))), cluster_board.ns)
    someone = Identity("root", "admin", "session")
    with pytest.raises(ActionError) as missing:
        gateway.approve("no-such-freight", "stg", someone)
    assert missing.value.code == "not-found" and "no-such-freight" in missing.value.detail
    with pytest.raises(ActionError) as invalid:
        gateway.promote("Not_A_Stage", cluster_board.freight["new"], new_request_id(f.NOW), someone)
    assert invalid.value.code in ("invalid", "kube-forbidden")
    # The cluster going away: a clear "unreachable", not a stack trace.
    proxy = TcpProxy("127.0.0.1", int(kube.server.rsplit(":", 1)[1]))
    proxy.start()
    proxy.stop()
    config = kube.configuration(BOARD_IDENTITY)
    config.host = f"https://127.0.0.1:{proxy.port}"
    config.retries = 0
    offline = KubeGateway(client.ApiClient(config), cluster_board.ns, timeout=(1, 1))
    with pytest.raises(ActionError) as unreachable:
        offline.refresh_warehouse(f.WAREHOUSE, someone)
    assert unreachable.value.code in ("unreachable", "timeout")


def test_impersonation_makes_kargo_name_the_person(kube: KubeCluster, kube_namespace: str):
    """Optional: with impersonation, Kubernetes checks and Kargo records the person, not the board."""
    ns = kube_namespace
    freight = create_pipeline(kube, ns)["new"]
    rbac = client.RbacAuthorizationV1Api(kube.api_client("admin"))
    name = f"impersonate-{ns}"
    rbac.create_cluster_role(
        client.V1ClusterRole(
            metadata=client.V1ObjectMeta(name=name),
            rules=[
                client.V1PolicyRule(
                    api_groups=[""], resources=["users"], verbs=["impersonate"], resource_names=["user-b"]
                )
            ],
        )
    )
    rbac.create_cluster_role_binding(
        client.V1ClusterRoleBinding(
            metadata=client.V1ObjectMeta(name=name),
            role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=name),
            subjects=[
                client.RbacV1Subject(kind="User", name="user-a", api_group="rbac.authorization.k8s.io")
            ],
        )
    )
    gateway = KubeGateway(load_api_client(str(kube.kubeconfig("user-a"))), ns, impersonate=True)
    person = Identity("user-b", "qa", "proxy")
    # user-b has no Kargo rights of its own yet: Kubernetes refuses in their name.
    with pytest.raises(ActionError, match="kube-forbidden"):
        gateway.promote("stg", freight, new_request_id(f.NOW), person)
    bind_chart_rbac(kube, ns, "user-b")
    created = gateway.promote("stg", freight, new_request_id(f.NOW), person)
    promotion = CustomObjects(kube).get(ns, "promotions", created)
    assert promotion["metadata"]["annotations"]["kargo.akuity.io/create-actor"] == "kubernetes:user-b"
    with pytest.raises(ActionError, match="kube-forbidden"):  # nobody else can be impersonated
        gateway.promote("stg", freight, new_request_id(f.NOW), Identity("user-a-friend", "qa", "proxy"))


def test_error_message_helper_reads_the_status(kube: KubeCluster, kube_namespace: str):
    """Sanity check of the harness helper the assertions above rely on."""
    with pytest.raises(ApiException) as raised:
        CustomObjects(kube, "norights").list(kube_namespace, "stages")
    assert "forbidden" in error_message(raised.value)
