"""The Kubernetes source against the real kube-apiserver: list+watch, status, outages, 410, viewers."""

from __future__ import annotations

import re
import ssl
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dashboard.app import create_app
from dashboard.model import build_board
from dashboard.runtime import Runtime
from dashboard.settings import Settings
from dashboard.sources.kube import KubeSource, load_api_client, targets_for
from dashboard.sources.store import ObjectStore
from tests.harness.kargo import create_warehouse
from tests.harness.kube import CustomObjects, KubeCluster
from tests.harness.processes import eventually
from tests.harness.tcp_proxy import TcpProxy

pytestmark = pytest.mark.kube

NOW = "2026-11-22T10:00:00Z"


def warehouse(ns: str) -> dict:
    return {
        "apiVersion": "kargo.akuity.io/v1alpha1",
        "kind": "Warehouse",
        "metadata": {"name": "userapp", "namespace": ns},
        "spec": {"subscriptions": [{"image": {"repoURL": "docker.io/demo/userapp-backend"}}]},
    }


def stage(ns: str, name: str, sources: dict) -> dict:
    return {
        "apiVersion": "kargo.akuity.io/v1alpha1",
        "kind": "Stage",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "requestedFreight": [{"origin": {"kind": "Warehouse", "name": "userapp"}, "sources": sources}],
            "promotionTemplate": {"spec": {"steps": [{"uses": "argocd-update"}]}},
        },
    }


def freight(ns: str, name: str, tag: str) -> dict:
    """A Freight under a made-up `name`: Kargo's webhook renames it to its ID (use the created name)."""
    return {
        "apiVersion": "kargo.akuity.io/v1alpha1",
        "kind": "Freight",
        "metadata": {"name": name, "namespace": ns, "labels": {"kargo.akuity.io/alias": f"alias-{tag}"}},
        "alias": f"alias-{tag}",
        "origin": {"kind": "Warehouse", "name": "userapp"},
        "images": [{"repoURL": "docker.io/demo/userapp-backend", "tag": tag}],
    }


def ready_status(freight_name: str, tag: str) -> dict:
    """What Kargo's controller writes on a Stage after a successful, verified promotion."""
    ok = {"status": "True", "lastTransitionTime": NOW, "observedGeneration": 1}
    return {
        "status": {
            "conditions": [
                {"type": "Ready", "reason": "Verified", "message": "Freight has been verified", **ok},
                {"type": "Healthy", "reason": "Healthy", "message": "Stage is healthy", **ok},
                {"type": "Verified", "reason": "Verified", "message": "Freight has been verified", **ok},
            ],
            "health": {"status": "Healthy"},
            "freightSummary": freight_name,
            "freightHistory": [
                {
                    "id": "c1",
                    "items": {
                        "Warehouse/userapp": {
                            "name": freight_name,
                            "origin": {"kind": "Warehouse", "name": "userapp"},
                            "images": [{"repoURL": "docker.io/demo/userapp-backend", "tag": tag}],
                        }
                    },
                }
            ],
        }
    }


@contextmanager
def watching(cluster: KubeCluster, namespace: str) -> Iterator[tuple[ObjectStore, KubeSource]]:
    store = ObjectStore()
    api = load_api_client(str(cluster.kubeconfig("dashboard")))
    kube_source = KubeSource(
        store, api, targets_for(namespace, namespace), backoff_initial=0.1, backoff_max=0.5
    )
    kube_source.start()
    assert kube_source.wait_synced(10)
    try:
        yield store, kube_source
    finally:
        kube_source.stop()


@pytest.fixture
def source(kube: KubeCluster, kube_namespace: str) -> Iterator[tuple[ObjectStore, KubeSource]]:
    with watching(kube, kube_namespace) as watched:
        yield watched


@pytest.fixture
def bare_source(bare_kube: KubeCluster) -> Iterator[tuple[str, ObjectStore]]:
    """A project on the CRDs alone (no Kargo webhook), watched as `source` watches."""
    namespace = bare_kube.create_project_namespace()
    with watching(bare_kube, namespace) as (store, _):
        yield namespace, store


def test_objects_and_status_updates_reach_the_model(kube: KubeCluster, kube_namespace: str, source):
    store, _ = source
    admin = CustomObjects(kube)
    create_warehouse(admin, kube_namespace, warehouse(kube_namespace))
    admin.create(kube_namespace, "stages", stage(kube_namespace, "dev", {"direct": True}))
    admin.create(kube_namespace, "stages", stage(kube_namespace, "stg", {"stages": ["dev"]}))
    f_one = admin.create(kube_namespace, "freights", freight(kube_namespace, "f-one", "a1b2c3d4"))[
        "metadata"
    ]["name"]
    eventually(lambda: len(store.snapshot().of("Stage")) == 2 and len(store.snapshot().of("Freight")) == 1)

    def board():
        return build_board(store.snapshot().objects, project=kube_namespace, now=datetime.now(UTC))

    assert [s.name for s in board().stages] == ["dev", "stg"]
    assert board().stage("dev").state.phase == "Unknown"
    # Playing Kargo's controller through the status subresource.
    admin.patch_status(kube_namespace, "stages", "dev", ready_status(f_one, "a1b2c3d4"))
    admin.patch_status(
        kube_namespace,
        "freights",
        f_one,
        {"status": {"currentlyIn": {"dev": {"since": NOW}}, "verifiedIn": {"dev": {"verifiedAt": NOW}}}},
    )
    eventually(lambda: board().stage("dev").state.phase == "Ready")
    eventually(lambda: "stg" in board().freight_named(f_one).promotable_to)
    assert [i.tag for i in board().stage("dev").images] == ["a1b2c3d4"]
    admin.delete(kube_namespace, "stages", "stg")
    eventually(lambda: [s.name for s in board().stages] == ["dev"])


def test_stopping_closes_the_watches_without_calling_them_broken(
    kube: KubeCluster, kube_namespace: str, caplog: pytest.LogCaptureFixture
):
    """stop() closes each stream under its read; that is no broken watch (`dashboard record` said so for
    every kind on each Ctrl-C)."""
    with watching(kube, kube_namespace) as (_, kube_source):
        time.sleep(0.5)  # each thread is inside its watch's read
    assert not [r.getMessage() for r in caplog.records if "broken" in r.getMessage()]
    assert kube_source.status().last_error is None


def test_a_broken_connection_is_stale_then_recovers(kube: KubeCluster, kube_namespace: str, tmp_path: Path):
    proxy = TcpProxy("127.0.0.1", int(kube.server.rsplit(":", 1)[1]))
    proxy.start()
    # A kubeconfig whose server is the proxy; the serving certificate names 127.0.0.1, so TLS still verifies.
    through_proxy = tmp_path / "kubeconfig"
    through_proxy.write_text(
        kube.kubeconfig("dashboard").read_text().replace(kube.server, f"https://127.0.0.1:{proxy.port}")
    )
    api = load_api_client(str(through_proxy))
    store = ObjectStore()
    kube_source = KubeSource(
        store, api, targets_for(kube_namespace, kube_namespace), backoff_initial=0.1, backoff_max=0.3
    )
    kube_source.start()
    try:
        assert kube_source.wait_synced(10)
        assert kube_source.status().stale_since is None
        proxy.stop()  # the cluster goes away: open watches are cut, new connections refused
        eventually(lambda: kube_source.status().stale_since is not None)
        assert not kube_source.status().synced
        # Meanwhile the cluster changes; the board must catch up after the reconnect.
        CustomObjects(kube).create(kube_namespace, "stages", stage(kube_namespace, "dev", {"direct": True}))
        proxy.start()
        eventually(lambda: kube_source.status().synced, timeout=15)
        eventually(lambda: [s["metadata"]["name"] for s in store.snapshot().of("Stage")] == ["dev"])
        status = kube_source.status()
        assert status.stale_since is None and status.reconnects >= 1
    finally:
        kube_source.stop()
        proxy.stop()


def test_410_gone_relists(kube: KubeCluster, kube_namespace: str):
    """A watch from a compacted resourceVersion gets 410 Gone; the source relists and carries on."""
    admin = CustomObjects(kube)
    for i in range(3):
        admin.create(kube_namespace, "stages", stage(kube_namespace, f"s{i}", {"direct": True}))
    compact_etcd(kube)
    store = ObjectStore()
    api = load_api_client(str(kube.kubeconfig("dashboard")))
    kube_source = KubeSource(store, api, targets_for(kube_namespace, kube_namespace), backoff_initial=0.1)
    # Start watching from a version etcd no longer has, as after a long disconnection.
    kube_source.start(initial_resource_version="1")
    try:
        eventually(lambda: kube_source.status().relists >= 1, timeout=15)
        eventually(lambda: len(store.snapshot().of("Stage")) == 3)
        admin.create(kube_namespace, "stages", stage(kube_namespace, "s3", {"direct": True}))
        eventually(lambda: len(store.snapshot().of("Stage")) == 4)
    finally:
        kube_source.stop()


def compact_etcd(kube: KubeCluster) -> None:
    """Compact etcd up to its current revision (etcd's JSON gateway), so old resourceVersions are gone."""
    import json  # pylint: disable=import-outside-toplevel

    def post(path: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{kube.etcd_url}{path}",
            data=json.dumps(body).encode(),  # noqa: S310
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.loads(response.read())

    revision = int(post("/v3/kv/range", {"key": "AA=="})["header"]["revision"])
    post("/v3/kv/compaction", {"revision": revision, "physical": True})


def apiserver_requests(kube: KubeCluster, resource: str) -> float:
    """Total LIST+WATCH+GET requests the apiserver has served for one resource (its own metrics)."""
    context = ssl.create_default_context(cafile=str(kube.ca_file))
    request = urllib.request.Request(
        f"{kube.server}/metrics",
        headers={"Authorization": f"Bearer {kube.tokens['admin']}"},  # noqa: S310
    )
    with urllib.request.urlopen(request, context=context, timeout=10) as response:  # noqa: S310
        text = response.read().decode()
    total = 0.0
    for line in text.splitlines():
        if (
            line.startswith("apiserver_request_total{")
            and f'resource="{resource}"' in line
            and re.search(r'verb="(LIST|WATCH|GET)"', line)
        ):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_viewers_do_not_add_cluster_requests(kube: KubeCluster, kube_namespace: str):
    settings = Settings(
        source="kubernetes",
        project=kube_namespace,
        argocd_namespace=kube_namespace,
        kubeconfig=str(kube.kubeconfig("dashboard")),
        refresh_seconds=3600,
    )
    runtime = Runtime(settings)
    client = create_app(settings, runtime=runtime).test_client()
    try:
        assert client.get("/readyz").status_code == 200
        before = apiserver_requests(kube, "stages")
        for _ in range(50):
            assert client.get("/").status_code == 200
            assert client.get("/watch", headers={"HX-Request": "true"}).status_code == 200
        after = apiserver_requests(kube, "stages")
    finally:
        runtime.stop()
    assert after == before


def test_an_object_the_crd_accepts_but_the_board_cannot_read_is_left_out_and_named(
    bare_kube: KubeCluster, bare_source: tuple[str, ObjectStore]
):
    """The CRD takes any string as verifiedIn[].longestSoak; Kargo (and the board) cannot read "a while".

    Kargo's webhook refuses it, so on the CRDs alone (bare_kube): what a cluster holds when objects were
    written past the webhook (restored from a backup, an older Kargo, the webhook down)."""
    kube, (kube_namespace, store) = bare_kube, bare_source
    admin = CustomObjects(kube)
    admin.create(kube_namespace, "warehouses", warehouse(kube_namespace))
    admin.create(kube_namespace, "stages", stage(kube_namespace, "dev", {"direct": True}))
    admin.create(kube_namespace, "freights", freight(kube_namespace, "f-good", "a1b2c3d4"))
    admin.create(kube_namespace, "freights", freight(kube_namespace, "f-odd", "e5f6a7b8"))
    admin.patch_status(
        kube_namespace, "freights", "f-odd", {"status": {"verifiedIn": {"dev": {"longestSoak": "a while"}}}}
    )

    def board():
        return build_board(store.snapshot().objects, project=kube_namespace, now=datetime.now(UTC))

    eventually(lambda: any(n.code == "invalid-object" for n in board().warnings))
    assert [item.name for item in board().freight] == ["f-good"]
    [notice] = [n for n in board().warnings if n.code == "invalid-object"]
    assert (notice.param("kind"), notice.param("name"), notice.param("field")) == (
        "Freight",
        "'f-odd'",
        "status.verifiedIn.dev.longestSoak",
    )
