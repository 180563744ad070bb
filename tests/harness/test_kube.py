"""The control plane is real: CRD validation, status subresource, watch, RBAC, and Kargo's own webhooks
(its kubernetes-webhooks-server, registered by the `kube` fixture) answer admission."""

from __future__ import annotations

import threading

import pytest
from kubernetes import client, config, watch
from kubernetes.client.exceptions import ApiException

from dashboard.sources.simulation.ids import freight_id
from tests.harness.kargo import create_warehouse, wait_admitted, webhook_sees_warehouse
from tests.harness.kube import KARGO_GROUP, KARGO_VERSION, CustomObjects, KubeCluster, error_message, grant

pytestmark = pytest.mark.kube


def stage(name: str, namespace: str, steps=({"uses": "git-clone"}, {"uses": "argocd-update"})) -> dict:
    return {
        "apiVersion": f"{KARGO_GROUP}/{KARGO_VERSION}",
        "kind": "Stage",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "requestedFreight": [
                {"origin": {"kind": "Warehouse", "name": "userapp"}, "sources": {"direct": True}}
            ],
            "promotionTemplate": {"spec": {"steps": [dict(s) for s in steps]}},
        },
    }


BACKEND = "docker.io/demo/userapp-backend"
SOURCE = "https://github.com/demo/userapp.git"


def warehouse(namespace: str) -> dict:
    """The Warehouse Kargo's webhook requires before it admits Freight from it."""
    return {
        "apiVersion": f"{KARGO_GROUP}/{KARGO_VERSION}",
        "kind": "Warehouse",
        "metadata": {"name": "userapp", "namespace": namespace},
        "spec": {"subscriptions": [{"image": {"repoURL": BACKEND}}, {"git": {"repoURL": SOURCE}}]},
    }


def freight(namespace: str, tag: str = "a1b2c3d4", commits: list[dict] | None = None) -> dict:
    """A Freight under a made-up name: Kargo's webhook renames it to its ID."""
    return {
        "apiVersion": f"{KARGO_GROUP}/{KARGO_VERSION}",
        "kind": "Freight",
        "metadata": {"name": "made-up", "namespace": namespace},
        "alias": f"waxen-seal-{tag}",
        "origin": {"kind": "Warehouse", "name": "userapp"},
        "images": [{"repoURL": BACKEND, "tag": tag, "digest": f"sha256:{tag * 8}"}],
        "commits": commits or [{"repoURL": SOURCE, "id": tag * 5}],
    }


def seed_freight(admin: CustomObjects, namespace: str) -> str:
    """The Warehouse and one Freight in `namespace`; returns the name Kargo gave the Freight."""
    create_warehouse(admin, namespace, warehouse(namespace))
    return admin.create(namespace, "freights", freight(namespace))["metadata"]["name"]


def promotion(namespace: str, stage_name: str, freight_name: str, **spec_extra) -> dict:
    return {
        "apiVersion": f"{KARGO_GROUP}/{KARGO_VERSION}",
        "kind": "Promotion",
        "metadata": {"generateName": "promo-", "namespace": namespace},
        "spec": {"stage": stage_name, "freight": freight_name, **spec_extra},
    }


def test_crds_are_installed_and_validate(kube: KubeCluster, kube_namespace: str):
    admin = CustomObjects(kube)
    created = admin.create(kube_namespace, "stages", stage("dev", kube_namespace))
    assert created["metadata"]["uid"]
    invalid = stage("broken", kube_namespace)
    invalid["spec"]["requestedFreight"][0]["origin"]["kind"] = "Bucket"  # enum: Warehouse only
    with pytest.raises(ApiException) as refused:
        admin.create(kube_namespace, "stages", invalid)
    assert refused.value.status == 422
    assert "Unsupported value" in error_message(refused.value)


def test_status_subresource_and_watch(kube: KubeCluster, kube_namespace: str):
    admin = CustomObjects(kube)
    admin.create(kube_namespace, "stages", stage("dev", kube_namespace))
    f1 = seed_freight(admin, kube_namespace)
    resource_version = admin.list(kube_namespace, "stages")["metadata"]["resourceVersion"]

    seen: list[tuple[str, str, dict]] = []
    done = threading.Event()

    def watch_stages():
        stream = watch.Watch()
        for event in stream.stream(
            admin.raw.list_namespaced_custom_object,
            KARGO_GROUP,
            KARGO_VERSION,
            kube_namespace,
            "stages",
            resource_version=resource_version,
            timeout_seconds=20,
        ):
            obj: dict = event["object"]  # type: ignore[index]
            seen.append((event["type"], obj["metadata"]["name"], obj.get("status", {})))  # type: ignore[index]
            if obj.get("status", {}).get("health"):
                done.set()
                stream.stop()

    watcher = threading.Thread(target=watch_stages)
    watcher.start()
    # Playing Kargo's controller: status is written through the status subresource only.
    admin.patch_status(
        kube_namespace, "stages", "dev", {"status": {"health": {"status": "Healthy"}, "freightSummary": "f1"}}
    )
    admin.patch_status(
        kube_namespace,
        "freights",
        f1,
        {"status": {"currentlyIn": {"dev": {"since": "2026-11-22T10:00:00Z"}}}},
    )
    watcher.join(timeout=25)
    assert done.is_set(), f"watch saw {seen}"
    assert seen[-1][:2] == ("MODIFIED", "dev")
    assert seen[-1][2]["health"] == {"status": "Healthy"}

    # A plain update of the main resource does not touch status (it is a subresource).
    current = admin.get(kube_namespace, "stages", "dev")
    current["status"] = {"freightSummary": "forged"}
    assert admin.replace(kube_namespace, "stages", "dev", current)["status"]["freightSummary"] == "f1"
    freight_now = admin.get(kube_namespace, "freights", f1)
    assert freight_now["status"]["currentlyIn"] == {"dev": {"since": "2026-11-22T10:00:00Z"}}


def test_rbac_denies_the_identity_without_rights(kube: KubeCluster, kube_namespace: str):
    with pytest.raises(ApiException) as denied:
        CustomObjects(kube, "norights").list(kube_namespace, "stages")
    assert denied.value.status == 403
    assert 'User "norights" cannot list resource "stages"' in error_message(denied.value)


def test_dashboard_identity_reads_but_cannot_edit_stages(kube: KubeCluster, kube_namespace: str):
    CustomObjects(kube).create(kube_namespace, "stages", stage("dev", kube_namespace))
    board = CustomObjects(kube, "dashboard")
    assert [s["metadata"]["name"] for s in board.list(kube_namespace, "stages")["items"]] == ["dev"]
    apps = CustomObjects(kube, "dashboard", group="argoproj.io", version="v1alpha1")
    assert apps.list(kube_namespace, "applications")["items"] == []
    with pytest.raises(ApiException) as denied:
        board.delete(kube_namespace, "stages", "dev")
    assert denied.value.status == 403


def test_promotion_refused_without_the_promote_verb(kube: KubeCluster, kube_namespace: str):
    admin = CustomObjects(kube)
    admin.create(kube_namespace, "stages", stage("stg", kube_namespace))
    f1 = seed_freight(admin, kube_namespace)
    grant(
        kube,
        kube_namespace,
        "user-a",
        [client.V1PolicyRule(api_groups=[KARGO_GROUP], resources=["promotions"], verbs=["create", "get"])],
    )
    wait_admitted(admin, kube_namespace, "promotions", promotion(kube_namespace, "stg", f1))  # for admin
    with pytest.raises(ApiException) as refused:
        CustomObjects(kube, "user-a").create(
            kube_namespace, "promotions", promotion(kube_namespace, "stg", f1)
        )
    # Kargo's validating webhook wraps its Forbidden in an internal error: the apiserver answers 500.
    assert refused.value.status == 500
    assert error_message(refused.value).endswith(
        'subject "user-a" is not permitted to create Promotions for Stage "stg"'
    )
    assert admin.list(kube_namespace, "promotions")["items"] == []


def test_promotion_accepted_with_the_promote_verb_gets_steps_and_actor(
    kube: KubeCluster, kube_namespace: str
):
    admin = CustomObjects(kube)
    admin.create(kube_namespace, "stages", stage("stg", kube_namespace))
    admin.create(kube_namespace, "stages", stage("prod", kube_namespace, steps=({"uses": "fake"},)))
    f1 = seed_freight(admin, kube_namespace)
    grant(
        kube,
        kube_namespace,
        "user-a",
        [
            client.V1PolicyRule(api_groups=[KARGO_GROUP], resources=["promotions"], verbs=["create", "get"]),
            client.V1PolicyRule(
                api_groups=[KARGO_GROUP], resources=["stages"], verbs=["promote"], resource_names=["stg"]
            ),
        ],
    )
    user_a = CustomObjects(kube, "user-a")
    wait_admitted(admin, kube_namespace, "promotions", promotion(kube_namespace, "stg", f1))
    # Client-supplied steps are overwritten with the Stage's, as Kargo's webhook does.
    created = user_a.create(
        kube_namespace, "promotions", promotion(kube_namespace, "stg", f1, steps=[{"uses": "sneaky"}])
    )
    # Kargo names every Promotion <stage>.<ULID>.<first 7 of the Freight> whatever the client asked.
    stage_part, ulid, short = created["metadata"]["name"].split(".")
    assert (stage_part, len(ulid), short) == ("stg", 26, f1[:7])
    # Kargo inflates the Stage's steps, naming each one it left unnamed.
    assert created["spec"]["steps"] == [
        {"as": "step-1", "uses": "git-clone"},
        {"as": "step-2", "uses": "argocd-update"},
    ]
    assert created["metadata"]["annotations"]["kargo.akuity.io/create-actor"] == "kubernetes:user-a"
    # The verb was granted for stg only.
    with pytest.raises(ApiException) as refused:
        user_a.create(kube_namespace, "promotions", promotion(kube_namespace, "prod", f1))
    assert refused.value.status == 500  # Kargo's Forbidden, wrapped (see above)
    assert 'is not permitted to create Promotions for Stage "prod"' in error_message(refused.value)


def test_promotion_for_a_missing_stage_is_refused(kube: KubeCluster, kube_namespace: str):
    admin = CustomObjects(kube)
    admin.create(kube_namespace, "stages", stage("dev", kube_namespace))
    with pytest.raises(ApiException) as refused:
        admin.create(kube_namespace, "promotions", promotion(kube_namespace, "nowhere", "f1"))
    assert refused.value.status == 422, refused.value
    assert f'could not find Stage "nowhere" in namespace "{kube_namespace}"' in error_message(refused.value)
    assert admin.list(kube_namespace, "promotions")["items"] == []


def test_promotion_of_freight_not_available_to_the_stage_is_refused(kube: KubeCluster, kube_namespace: str):
    admin = CustomObjects(kube)
    downstream = stage("stg", kube_namespace)
    downstream["spec"]["requestedFreight"][0]["sources"] = {"stages": ["dev"]}
    admin.create(kube_namespace, "stages", downstream)
    f1 = seed_freight(admin, kube_namespace)  # never verified in dev: not available to stg
    with pytest.raises(ApiException) as refused:
        admin.create(kube_namespace, "promotions", promotion(kube_namespace, "stg", f1))
    assert refused.value.status == 422
    assert "Freight is not available to this Stage" in error_message(refused.value)
    # Once dev has verified it (the controller's record, written here), Kargo admits it.
    admin.patch_status(kube_namespace, "freights", f1, {"status": {"verifiedIn": {"dev": {}}}})
    wait_admitted(admin, kube_namespace, "promotions", promotion(kube_namespace, "stg", f1))
    created = admin.create(kube_namespace, "promotions", promotion(kube_namespace, "stg", f1))
    assert created["spec"]["freight"] == f1


def test_kubeconfig_files_load_with_the_standard_loader(kube: KubeCluster):
    loaded = client.Configuration()
    config.load_kube_config(config_file=str(kube.kubeconfig("dashboard")), client_configuration=loaded)
    version = client.VersionApi(client.ApiClient(loaded)).get_code()
    assert version.git_version == "v1.36.3"
    assert kube.startup_seconds > 0


def test_create_warehouse_returns_once_kargos_admission_finds_it(kube: KubeCluster, kube_namespace: str):
    """The dry-run probe tells a missing Warehouse from a created one, and its dry runs store nothing."""
    admin = CustomObjects(kube)
    assert not webhook_sees_warehouse(admin, kube_namespace, "userapp")
    create_warehouse(admin, kube_namespace, warehouse(kube_namespace))
    assert webhook_sees_warehouse(admin, kube_namespace, "userapp")
    assert admin.list(kube_namespace, "freights")["items"] == []


def test_kargo_names_freight_with_the_ported_id(kube: KubeCluster, kube_namespace: str):
    """Kargo's webhook renames a created Freight to GenerateFreightID of its content: the port the factories
    and the simulator use (dashboard/sources/simulation/ids.py) gives the same name, tags included."""
    admin = CustomObjects(kube)
    create_warehouse(admin, kube_namespace, warehouse(kube_namespace))
    tagged = [{"repoURL": SOURCE.upper().replace(".GIT", ".git/"), "id": "2e" * 20, "tag": "v1.0.0"}]
    for body in (freight(kube_namespace), freight(kube_namespace, "0badf00d", tagged)):
        created = admin.create(kube_namespace, "freights", body)
        expected = freight_id("Warehouse/userapp", body["commits"], body["images"])
        assert created["metadata"]["name"] == expected != "made-up"
