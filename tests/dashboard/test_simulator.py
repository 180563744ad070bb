"""The embedded simulator, driven by simulated time and judged by the objects it puts in the store."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest

from dashboard.sources.simulator import (
    FreightNotAvailableError,
    InvalidRequestError,
    PromotionTerminalError,
    Simulator,
    SimulatorError,
    SimulatorThread,
    UnknownFreightError,
    UnknownPromotionError,
    UnknownStageError,
)
from dashboard.sources.store import ObjectStore
from tests.harness.dry_run import DryRunError, create, dry_run_create, dry_run_replace, dry_run_status
from tests.harness.kube import KubeCluster

START = datetime(2026, 9, 20, 9, 0, tzinfo=UTC)
QA = "email:qa@example.com"
PO = "email:po@example.com"
NS = "userapp"
# The aliases of gitops/kargo/stage-*.yaml; Kargo names the unnamed steps step-<index>.
STEPS = ["step-0", "step-1", "update-images", "step-3", "commit", "step-5", "step-6"]
BACKEND = "docker.io/promotionboard/userapp-backend"


@pytest.fixture
def store() -> ObjectStore:
    return ObjectStore()


@pytest.fixture
def sim(store: ObjectStore) -> Simulator:
    return Simulator(store, project=NS, seed=7, start=START)


def run_for(sim: Simulator, seconds: float) -> None:
    sim.advance(sim.now + timedelta(seconds=seconds))


def settle(sim: Simulator) -> None:
    """Long enough for any promotion, rollout and verification (but not a broken rollout's deadline)."""
    run_for(sim, 25)


def stage(store: ObjectStore, name: str) -> dict:
    found = store.get("Stage", NS, name)
    assert found is not None
    return found


def freight(store: ObjectStore, name: str) -> dict:
    found = store.get("Freight", NS, name)
    assert found is not None
    return found


def app(store: ObjectStore, stage_name: str) -> dict:
    found = store.get("Application", "argocd", f"{NS}-{stage_name}")
    assert found is not None
    return found


def promotion(store: ObjectStore, name: str) -> dict:
    found = store.get("Promotion", NS, name)
    assert found is not None
    return found


def promotions_of(store: ObjectStore, stage_name: str) -> list[dict]:
    found = [p for p in store.snapshot().of("Promotion") if p["spec"]["stage"] == stage_name]
    return sorted(found, key=lambda p: p["metadata"]["name"])


def condition(obj: dict, kind: str) -> dict:
    found = next((c for c in obj["status"]["conditions"] if c["type"] == kind), None)
    assert found is not None, f"no {kind} condition in {obj['metadata']['name']}"
    return found


def current_freight(store: ObjectStore, stage_name: str) -> str:
    history = stage(store, stage_name)["status"]["freightHistory"]
    return history[0]["items"]["Warehouse/userapp"]["name"]


def walk_to_stg(sim: Simulator, store: ObjectStore, **kwargs) -> dict:
    """New freight, auto-promoted to dev and verified there."""
    created = sim.new_freight(**kwargs)
    settle(sim)
    assert current_freight(store, "dev") == created["metadata"]["name"]
    return created


@pytest.mark.usefixtures("sim")
def test_fresh_pipeline_has_warehouse_stages_and_applications(store: ObjectStore) -> None:
    warehouse = store.get("Warehouse", NS, "userapp")
    assert warehouse is not None
    repos = [next(iter(s.values()))["repoURL"] for s in warehouse["spec"]["subscriptions"]]
    assert repos == [
        BACKEND,
        "docker.io/promotionboard/userapp-frontend",
        "https://github.com/promotionboard/promotion-board.git",
    ]
    sources = {
        name: stage(store, name)["spec"]["requestedFreight"][0]["sources"] for name in ("dev", "stg", "prod")
    }
    assert sources["dev"]["direct"] is True
    assert sources["stg"]["stages"] == ["dev"] and sources["prod"]["stages"] == ["stg"]
    assert [stage(store, n)["status"]["autoPromotionEnabled"] for n in ("dev", "stg", "prod")] == [
        True,
        False,
        False,
    ]
    steps = [s["uses"] for s in stage(store, "stg")["spec"]["promotionTemplate"]["spec"]["steps"]]
    assert steps == [
        "git-clone", "git-clear", "kustomize-set-image", "kustomize-build",
        "git-commit", "git-push", "argocd-update",
    ]  # fmt: skip
    prod_app = app(store, "prod")
    assert prod_app["metadata"]["annotations"]["kargo.akuity.io/authorized-stage"] == "userapp:prod"
    assert prod_app["spec"]["source"]["targetRevision"] == "env/prod"
    fresh = stage(store, "dev")
    assert condition(fresh, "Ready")["reason"] == "NoFreight"
    assert fresh["status"]["freightSummary"] == "0/1 Fulfilled"


def test_new_freight_is_named_like_kargo_with_tags_from_the_commit(
    store: ObjectStore, sim: Simulator
) -> None:
    created = sim.new_freight(message="feat: something")
    commit = created["commits"][0]
    assert commit["message"] == "feat: something" and len(commit["id"]) == 40
    for image in created["images"]:
        assert image["tag"] == commit["id"][:8]
        assert image["digest"].startswith("sha256:") and len(image["digest"]) == 71
    parts = sorted(
        ["https://github.com/promotionboard/promotion-board:" + commit["id"]]
        + [f"{i['repoURL']}:{i['tag']}@{i['digest']}" for i in created["images"]]
    )
    expected = hashlib.sha1(f"Warehouse/userapp:{'|'.join(parts)}".encode()).hexdigest()
    assert created["metadata"]["name"] == expected
    assert created["metadata"]["labels"]["kargo.akuity.io/alias"] == created["alias"]
    assert len(created["alias"].split("-")) == 2
    explicit = sim.new_freight(backend_tag="a1b2c3d4")
    tags = {i["repoURL"].rsplit("-", 1)[1]: i["tag"] for i in explicit["images"]}
    assert tags == {"backend": "a1b2c3d4", "frontend": commit["id"][:8]}
    assert explicit["commits"][0]["id"].startswith("a1b2c3d4")
    warehouse = store.get("Warehouse", NS, "userapp")
    assert warehouse is not None and warehouse["status"]["lastFreightID"] == explicit["metadata"]["name"]
    assert condition(warehouse, "Ready")["reason"] == "ArtifactsDiscovered"


def test_full_walk_from_new_freight_to_prod(store: ObjectStore, sim: Simulator) -> None:
    created = walk_to_stg(sim, store)
    name = created["metadata"]["name"]
    (auto,) = promotions_of(store, "dev")
    assert "kargo.akuity.io/create-actor" not in auto["metadata"].get("annotations", {})
    assert freight(store, name)["status"]["verifiedIn"].keys() == {"dev"}

    by_qa = sim.promote("stg", created["alias"], actor=QA)
    assert by_qa["metadata"]["annotations"]["kargo.akuity.io/create-actor"] == QA
    settle(sim)
    assert promotion(store, by_qa["metadata"]["name"])["status"]["phase"] == "Succeeded"
    by_po = sim.promote("prod", name, actor=PO)
    settle(sim)

    status = freight(store, name)["status"]
    assert status["currentlyIn"].keys() == {"dev", "stg", "prod"}
    assert status["verifiedIn"].keys() == {"dev", "stg", "prod"}
    prod = stage(store, "prod")
    assert condition(prod, "Ready")["status"] == "True"
    assert prod["status"]["lastPromotion"]["name"] == by_po["metadata"]["name"]
    assert prod["status"]["freightSummary"] == name
    prod_app = app(store, "prod")["status"]
    operation = prod_app["operationState"]
    assert operation["phase"] == "Succeeded"
    assert operation["operation"]["initiatedBy"] == {"username": "kargo-controller"}
    assert operation["operation"]["info"] == [
        {"name": "kargo.akuity.io/promotion", "value": by_po["metadata"]["name"]}
    ]
    assert prod_app["sync"]["status"] == "Synced" and prod_app["health"]["status"] == "Healthy"
    assert prod_app["sync"]["revision"] == operation["syncResult"]["revision"]
    assert [h["id"] for h in prod_app["history"]] == [0]
    assert prod_app["summary"]["images"] == sorted(f"{i['repoURL']}:{i['tag']}" for i in created["images"])


def test_promotion_runs_its_steps_one_by_one(store: ObjectStore, sim: Simulator) -> None:
    created = walk_to_stg(sim, store)
    name = sim.promote("stg", created["metadata"]["name"], actor=QA)["metadata"]["name"]
    assert name.startswith("stg.") and name.endswith("." + created["metadata"]["name"][:7])
    assert len(name.split(".")[1]) == 26
    assert promotion(store, name)["status"] == {"phase": "Pending"}
    seen_steps = []
    for _ in range(30):
        run_for(sim, 0.5)
        status = promotion(store, name)["status"]
        if status["phase"] == "Pending":
            continue
        if status["phase"] != "Running":
            break
        current = status.get("currentStep", 0)
        metadata = status["stepExecutionMetadata"]
        assert len(metadata) == current + 1
        assert [m["status"] for m in metadata] == ["Succeeded"] * current + ["Running"]
        assert [m["alias"] for m in metadata] == STEPS[: current + 1]
        seen_steps.append(current)
        stg = stage(store, "stg")
        assert stg["status"]["currentPromotion"]["name"] == name
        promoting = condition(stg, "Promoting")
        assert promoting["reason"] == "ActivePromotion"
        assert promoting["message"] == f'Promotion "{name}" is currently Running'
        assert condition(stg, "Ready")["status"] == "False"
        assert condition(stg, "Healthy")["reason"] == "ActivePromotion"
        if STEPS[current] == "step-6":  # argocd-update
            syncing = app(store, "stg")
            assert syncing["operation"]["info"][0]["value"] == name
            assert syncing["status"]["operationState"]["phase"] == "Running"
    assert sorted(set(seen_steps)) == list(range(len(STEPS)))
    done = promotion(store, name)["status"]
    assert done["phase"] == "Succeeded" and done["currentStep"] == len(STEPS) - 1
    assert all(m["status"] == "Succeeded" and "finishedAt" in m for m in done["stepExecutionMetadata"])
    assert done["state"]["step-5"]["branch"] == "env/stg"
    (check,) = done["healthChecks"]
    assert check["config"]["apps"][0]["desiredRevisions"] == [done["state"]["commit"]["commit"]]
    last = stage(store, "stg")["status"]["lastPromotion"]
    assert last["name"] == name and last["status"] == done and last["finishedAt"] == done["finishedAt"]


def test_stage_goes_progressing_healthy_verified(store: ObjectStore, sim: Simulator) -> None:
    created = sim.new_freight()
    name = created["metadata"]["name"]
    reasons = []
    for _ in range(40):
        run_for(sim, 0.5)
        dev = stage(store, "dev")
        snapshot = tuple(condition(dev, kind)["reason"] for kind in ("Healthy", "Verified", "Ready"))
        if not reasons or reasons[-1] != snapshot:
            reasons.append(snapshot)
    assert reasons == [
        ("ActivePromotion", "NoFreight", "ActivePromotion"),
        ("Progressing", "WaitingForVerification", "Progressing"),
        ("Healthy", "VerificationPending", "VerificationPending"),
        ("Healthy", "VerificationRunning", "VerificationRunning"),
        ("Healthy", "Verified", "Verified"),
    ]
    dev = stage(store, "dev")
    assert condition(dev, "Healthy")["message"] == "Stage is healthy (performed 1 health checks)"
    ready = condition(dev, "Ready")
    assert (ready["status"], ready["message"]) == ("True", "Freight has been verified")
    (verification,) = dev["status"]["freightHistory"][0]["verificationHistory"]
    assert verification["phase"] == "Successful"
    assert (
        verification["analysisRun"]["name"].startswith("dev.")
        and verification["analysisRun"]["namespace"] == NS
    )
    assert freight(store, name)["status"]["verifiedIn"]["dev"]["verifiedAt"] == verification["finishTime"]
    assert dev["status"]["health"]["output"][0]["applicationStatuses"][0]["Name"] == "userapp-dev"
    assert json.loads(dev["metadata"]["annotations"]["kargo.akuity.io/argocd-context"]) == [
        {"name": "userapp-dev", "namespace": "argocd"}
    ]


def test_promotions_queue_per_stage(store: ObjectStore, sim: Simulator) -> None:
    first, second, third = (walk_to_stg(sim, store) for _ in range(3))
    one = sim.promote("stg", first["metadata"]["name"], actor=QA)["metadata"]["name"]
    two = sim.promote("stg", second["metadata"]["name"], actor=QA)["metadata"]["name"]
    assert one < two  # lexical order is creation order, as Kargo relies on
    run_for(sim, 3)
    assert promotion(store, one)["status"]["phase"] == "Running"
    assert promotion(store, two)["status"] == {"phase": "Pending"}
    assert stage(store, "stg")["status"]["currentPromotion"]["name"] == one
    for _ in range(80):  # until `two` is deployed, healthy and being verified
        run_for(sim, 0.5)
        if condition(stage(store, "stg"), "Verified")["reason"] in (
            "VerificationPending",
            "VerificationRunning",
        ):
            break
    # The rollout of `one` was still Progressing, so Kargo let `two` start without verifying `one`.
    assert promotion(store, two)["status"]["startedAt"] >= promotion(store, one)["status"]["finishedAt"]
    assert "stg" not in freight(store, first["metadata"]["name"])["status"]["verifiedIn"]
    three = sim.promote("stg", third["metadata"]["name"], actor=QA)["metadata"]["name"]
    run_for(sim, 1.5)
    assert promotion(store, three)["status"]["phase"] == "Pending"  # healthy Freight is verified first
    assert "currentPromotion" not in stage(store, "stg")["status"]
    settle(sim)
    second_verified = freight(store, second["metadata"]["name"])["status"]["verifiedIn"]["stg"]["verifiedAt"]
    assert promotion(store, three)["status"]["startedAt"] >= second_verified
    assert current_freight(store, "stg") == third["metadata"]["name"]
    history = stage(store, "stg")["status"]["freightHistory"]
    assert [h["items"]["Warehouse/userapp"]["name"] for h in history] == [
        third["metadata"]["name"],
        second["metadata"]["name"],
        first["metadata"]["name"],
    ]
    assert "stg" not in freight(store, second["metadata"]["name"])["status"].get("currentlyIn", {})
    assert "longestSoak" in freight(store, second["metadata"]["name"])["status"]["verifiedIn"]["stg"]


def test_broken_build_gets_stuck_in_dev(store: ObjectStore, sim: Simulator) -> None:
    good = walk_to_stg(sim, store)
    broken = sim.new_freight(backend_tag="badbad00", broken=True)
    settle(sim)
    dev_promotion = promotions_of(store, "dev")[-1]
    assert dev_promotion["status"]["phase"] == "Succeeded"  # Argo CD's sync succeeds even for a bad build
    dev_app = app(store, "dev")["status"]
    assert dev_app["health"]["status"] == "Progressing"
    assert dev_app["operationState"]["phase"] == "Succeeded"
    backend_images = [i for i in dev_app["summary"]["images"] if "backend" in i]
    old_tag = good["images"][0]["tag"]
    assert backend_images == sorted([f"{BACKEND}:{old_tag}", f"{BACKEND}:badbad00"])
    run_for(sim, 30)
    assert app(store, "dev")["status"]["health"]["status"] == "Degraded"
    assert len([i for i in app(store, "dev")["status"]["summary"]["images"] if "backend" in i]) == 2
    dev = stage(store, "dev")
    assert dev["status"]["health"]["status"] == "Unhealthy"
    assert dev["status"]["health"]["issues"] == [
        'Argo CD Application "userapp-dev" in namespace "argocd" has health state "Degraded"'
    ]
    healthy = condition(dev, "Healthy")
    assert (healthy["status"], healthy["reason"]) == ("False", "Unhealthy")
    assert healthy["message"] == "Stage is unhealthy (1 issues in 1 health checks)"
    assert condition(dev, "Ready")["status"] == "False"
    assert "verificationHistory" not in dev["status"]["freightHistory"][0]
    assert "dev" not in freight(store, broken["metadata"]["name"])["status"].get("verifiedIn", {})
    with pytest.raises(FreightNotAvailableError) as refused:
        sim.promote("stg", broken["alias"], actor=QA)
    assert refused.value.status_code == 422
    assert f'({broken["alias"]}) is not available to Stage "stg"' in str(refused.value)
    assert 'not been verified in Stage "dev"' in str(refused.value)

    fix = walk_to_stg(sim, store)  # an unhealthy Stage takes the next Promotion at once
    fixed_app = app(store, "dev")["status"]
    assert fixed_app["health"]["status"] == "Healthy"
    assert [i for i in fixed_app["summary"]["images"] if "backend" in i] == [
        f"{BACKEND}:{fix['images'][0]['tag']}"
    ]


def test_abort_running_promotion(store: ObjectStore, sim: Simulator) -> None:
    first = walk_to_stg(sim, store)
    sim.promote("stg", first["metadata"]["name"], actor=QA)
    settle(sim)
    second = walk_to_stg(sim, store)
    name = sim.promote("stg", second["alias"], actor=QA)["metadata"]["name"]
    run_for(sim, 3.5)
    aborted = sim.abort(name, actor="admin")
    status = aborted["status"]
    assert status["phase"] == "Aborted" and status["message"] == "Promotion terminated by admin"
    assert status["stepExecutionMetadata"][-1]["status"] == "Aborted"
    assert "finishedAt" in status
    assert json.loads(aborted["metadata"]["annotations"]["kargo.akuity.io/abort"]) == {
        "action": "terminate",
        "actor": "admin",
    }
    run_for(sim, 10)
    assert promotion(store, name)["status"] == status  # nothing ran after the abort
    stg = stage(store, "stg")
    assert (condition(stg, "Ready")["reason"], condition(stg, "Ready")["message"]) == (
        "LastPromotionAborted",
        "Promotion terminated by admin",
    )
    assert condition(stg, "Healthy")["reason"] == "LastPromotionAborted"
    assert current_freight(store, "stg") == first["metadata"]["name"]
    with pytest.raises(PromotionTerminalError, match="already Aborted"):
        sim.abort(name, actor="admin")
    with pytest.raises(UnknownPromotionError, match='Promotion "nope" not found'):
        sim.abort("nope", actor="admin")


def test_abort_pending_promotion_never_starts(store: ObjectStore, sim: Simulator) -> None:
    created = walk_to_stg(sim, store)
    running = sim.promote("stg", created["alias"], actor=QA)["metadata"]["name"]
    queued = sim.promote("stg", created["alias"], actor=QA)["metadata"]["name"]
    sim.abort(queued, actor="admin")
    settle(sim)
    assert promotion(store, running)["status"]["phase"] == "Succeeded"
    assert promotion(store, queued)["status"].keys() == {"phase", "message", "finishedAt"}


def test_approval_makes_freight_available_to_prod(store: ObjectStore, sim: Simulator) -> None:
    created = walk_to_stg(sim, store)
    with pytest.raises(FreightNotAvailableError, match='verified in Stage "stg"'):
        sim.promote("prod", created["alias"], actor=PO)
    approved = sim.approve(created["alias"], "prod", actor="admin")
    approved_at = approved["status"]["approvedFor"]["prod"]["approvedAt"]
    run_for(sim, 5)
    again = sim.approve(created["metadata"]["name"], "prod", actor="admin")
    assert again["status"]["approvedFor"]["prod"]["approvedAt"] == approved_at
    sim.promote("prod", created["alias"], actor=PO)
    settle(sim)
    assert current_freight(store, "prod") == created["metadata"]["name"]
    assert [(e.reason, e.actor) for e in sim.events if e.reason == "FreightApproved"] == [
        ("FreightApproved", "admin")
    ]


def test_refusals_say_what_is_wrong(sim: Simulator) -> None:
    created = sim.new_freight()
    with pytest.raises(UnknownStageError, match='Stage "qa" not found in namespace "userapp"'):
        sim.promote("qa", created["alias"], actor=QA)
    with pytest.raises(UnknownFreightError, match='Freight "no-such" not found'):
        sim.promote("stg", "no-such", actor=QA)
    with pytest.raises(UnknownStageError):
        sim.approve(created["alias"], "qa", actor="admin")
    with pytest.raises(InvalidRequestError, match="8 lowercase hex"):
        sim.new_freight(backend_tag="v1.2.3")
    with pytest.raises(InvalidRequestError, match="needs an actor"):
        sim.approve(created["alias"], "prod", actor="")
    with pytest.raises(InvalidRequestError, match="timezone-aware"):
        sim.advance(datetime(2026, 9, 20, 10, 0))  # noqa: DTZ001 - the naive time is the point
    with pytest.raises(InvalidRequestError, match="bootstrap needs"):
        sim.bootstrap(sim.now + timedelta(hours=1))
    for error in (UnknownStageError, FreightNotAvailableError, PromotionTerminalError, InvalidRequestError):
        assert issubclass(error, SimulatorError)


def test_history_limits(store: ObjectStore, sim: Simulator) -> None:
    names = [walk_to_stg(sim, store)["metadata"]["name"] for _ in range(12)]
    history = stage(store, "dev")["status"]["freightHistory"]
    assert [h["items"]["Warehouse/userapp"]["name"] for h in history] == names[::-1][:10]
    deployments = app(store, "dev")["status"]["history"]
    assert [h["id"] for h in deployments] == list(range(2, 12))
    warehouse = store.get("Warehouse", NS, "userapp")
    assert (
        warehouse is not None and len(warehouse["status"]["discoveredArtifacts"]["git"][0]["commits"]) == 12
    )


def test_rollback_in_dev_holds_auto_promotion(store: ObjectStore, sim: Simulator) -> None:
    older = walk_to_stg(sim, store)
    walk_to_stg(sim, store)
    rollback = sim.promote("dev", older["alias"], actor="admin")
    assert rollback["metadata"]["annotations"]["kargo.akuity.io/auto-promotion-hold"] == "Warehouse/userapp"
    settle(sim)
    holds = stage(store, "dev")["status"]["autoPromotionHolds"]
    assert holds["Warehouse/userapp"]["freightName"] == older["metadata"]["name"]
    newest = sim.new_freight()
    settle(sim)
    assert current_freight(store, "dev") == older["metadata"]["name"]  # auto-promotion paused
    resume = sim.promote("dev", newest["alias"], actor="admin")
    assert resume["metadata"]["annotations"]["kargo.akuity.io/auto-promotion-resume"] == "Warehouse/userapp"
    settle(sim)
    assert "autoPromotionHolds" not in stage(store, "dev")["status"]
    assert current_freight(store, "dev") == newest["metadata"]["name"]


def test_only_dev_auto_promotes(store: ObjectStore, sim: Simulator) -> None:
    walk_to_stg(sim, store)
    settle(sim)
    assert promotions_of(store, "stg") == [] and promotions_of(store, "prod") == []


def test_ci_timer_pushes_new_builds(store: ObjectStore) -> None:
    sim = Simulator(store, seed=1, start=START, freight_interval=timedelta(minutes=1))
    sim.advance(START + timedelta(minutes=5, seconds=30))
    all_freight = store.snapshot().of("Freight")
    assert len(all_freight) == 5
    newest = max(all_freight, key=lambda f: f["discoveredAt"])
    assert current_freight(store, "dev") == newest["metadata"]["name"]


def scripted_run(seed: int) -> dict:
    store = ObjectStore()
    sim = Simulator(store, seed=seed, start=START)
    sim.bootstrap(START + timedelta(hours=2))
    broken = sim.new_freight(broken=True)
    run_for(sim, 40)
    sim.approve(broken["alias"], "stg", actor="admin")
    sim.promote("stg", broken["alias"], actor=QA)
    run_for(sim, 3)
    snapshot = store.snapshot()
    return {kind: sorted(snapshot.of(kind), key=lambda o: o["metadata"]["name"]) for kind in snapshot.objects}


def test_same_seed_same_objects_other_seed_other_names() -> None:
    first, again, other = scripted_run(3), scripted_run(3), scripted_run(4)
    assert first == again
    names = {f["metadata"]["name"] for f in first["Freight"]}
    assert names.isdisjoint(f["metadata"]["name"] for f in other["Freight"])


def test_bootstrap_gives_a_lived_in_board(store: ObjectStore) -> None:
    sim = Simulator(store, seed=0, start=START)
    sim.bootstrap(START + timedelta(hours=3))
    ordered = [
        f["metadata"]["name"] for f in sorted(store.snapshot().of("Freight"), key=lambda f: f["discoveredAt"])
    ]
    assert len(ordered) == 4
    assert [current_freight(store, s) for s in ("prod", "stg", "dev")] == [ordered[0], ordered[1], ordered[3]]
    for name in ("dev", "stg", "prod"):
        assert condition(stage(store, name), "Ready")["status"] == "True"
        assert app(store, name)["status"]["health"]["status"] == "Healthy"
    actors = {p["spec"]["stage"]: p["metadata"].get("annotations", {}).get("kargo.akuity.io/create-actor")
              for p in store.snapshot().of("Promotion")}  # fmt: skip
    assert actors == {"dev": None, "stg": QA, "prod": PO}


# Kinds in the order a cluster needs them (a Freight names its Warehouse, a Promotion its Stage).
KINDS = ("Warehouse", "Stage", "Freight", "Promotion", "Application")


class ServerCheck:
    """Has the real kube-apiserver validate every distinct version of the simulator's objects: spec and
    metadata by a dry-run create (then a dry-run replace for later versions), status through the status
    subresource of a real copy. The simulator's namespaces map to fresh ones, so tests never collide."""

    def __init__(self, cluster: KubeCluster, namespaces: dict[str, str]) -> None:
        self.cluster = cluster
        self.namespaces = namespaces
        self.created: set[tuple[str, str]] = set()
        self.seen: set[str] = set()
        self.objects = 0

    def check(self, obj: dict) -> None:
        self.objects += 1
        body = copy.deepcopy(obj)
        body["metadata"]["namespace"] = self.namespaces[obj["metadata"]["namespace"]]
        version = json.dumps(body, sort_keys=True)
        if version in self.seen:
            return
        self.seen.add(version)
        key = (body["kind"], body["metadata"]["name"])
        if key in self.created:
            dry_run_replace(self.cluster, body)
        else:
            dry_run_create(self.cluster, body)
            create(self.cluster, body)
            self.created.add(key)
        if "status" in body:
            dry_run_status(self.cluster, body)


@pytest.mark.kube
def test_every_object_matches_the_crds_throughout(store: ObjectStore, bare_kube: KubeCluster) -> None:
    # The CRDs' schemas alone (bare_kube): Kargo's webhooks would rename the simulator's Freight and
    # Promotions, so their later versions could not be checked under their names.
    kube = bare_kube
    namespaces = {NS: kube.create_project_namespace(), "argocd": kube.create_project_namespace()}
    server = ServerCheck(kube, namespaces)
    sim = Simulator(store, seed=5, start=START)
    sim.bootstrap(START + timedelta(hours=1))
    broken = sim.new_freight(broken=True)
    sim.approve(broken["alias"], "prod", actor="admin")
    sim.promote("prod", broken["alias"], actor=PO)
    queued = sim.promote("prod", broken["alias"], actor=PO)
    sim.refresh_warehouse(actor="admin")
    for tick in range(60):
        run_for(sim, 0.5)
        if tick == 5:
            sim.abort(queued["metadata"]["name"], actor="admin")
        snapshot = store.snapshot()
        assert set(snapshot.objects) <= set(KINDS)
        for kind in KINDS:
            for obj in snapshot.of(kind):
                server.check(obj)
    assert server.objects > 1000
    assert {kind for kind, _ in server.created} == set(KINDS)
    assert len(server.seen) > len(server.created), "updated versions must be checked, not only the first"


@pytest.mark.kube
@pytest.mark.usefixtures("sim")
def test_schema_check_catches_bad_objects(store: ObjectStore, bare_kube: KubeCluster) -> None:
    kube = bare_kube  # the CRDs' schemas alone, as the test above checks against
    good = copy.deepcopy(stage(store, "dev"))
    good["metadata"]["namespace"] = kube.create_project_namespace()
    dry_run_create(kube, good)
    create(kube, good)
    dry_run_status(kube, good)

    no_requested_freight = copy.deepcopy(good)
    del no_requested_freight["spec"]["requestedFreight"]
    with pytest.raises(DryRunError, match=r"spec\.requestedFreight: Required value"):
        dry_run_create(kube, {**no_requested_freight, "metadata": {**good["metadata"], "name": "other"}})
    bad_condition = copy.deepcopy(good)
    bad_condition["status"]["conditions"][0]["status"] = "Maybe"
    with pytest.raises(DryRunError, match=r'status\.conditions\[0\]\.status: Unsupported value: "Maybe"'):
        dry_run_status(kube, bad_condition)
    removed_field = copy.deepcopy(good)
    removed_field["status"]["phase"] = "Steady"  # removed in Kargo v1.11
    with pytest.raises(DryRunError, match=r'unknown field "status\.phase"'):
        dry_run_status(kube, removed_field)


def test_objects_handed_to_the_store_are_never_changed(store: ObjectStore, sim: Simulator) -> None:
    sim.new_freight()
    before = store.snapshot()
    frozen = copy.deepcopy(dict(before.objects))
    returned = sim.promote("dev", store.snapshot().of("Freight")[0]["alias"], actor="admin")
    returned["spec"]["stage"] = "mutated by a caller"
    settle(sim)
    assert dict(before.objects) == frozen
    assert promotion(store, returned["metadata"]["name"])["spec"]["stage"] == "dev"


def test_thread_drives_the_simulator_with_a_clock(sim: Simulator) -> None:
    ticks = iter(START + timedelta(seconds=n) for n in range(1, 10_000))
    done = threading.Event()

    def clock() -> datetime:
        moment = next(ticks)
        if moment >= START + timedelta(seconds=30):
            done.set()
        return moment

    runner = SimulatorThread(sim, clock=clock, interval=0.001)
    runner.start()
    assert done.wait(5)
    runner.stop()
    assert not runner.is_alive()
    assert sim.now >= START + timedelta(seconds=30)


def test_ci_timer_started_after_bootstrap(store: ObjectStore) -> None:
    simulator = Simulator(store, project=NS, seed=3, start=START)
    simulator.bootstrap(START + timedelta(hours=1))
    before = len(store.snapshot().objects["Freight"])
    simulator.push_builds_every(timedelta(seconds=30))
    run_for(simulator, 95)
    assert len(store.snapshot().objects["Freight"]) == before + 3
    with pytest.raises(InvalidRequestError):
        simulator.push_builds_every(timedelta(0))
