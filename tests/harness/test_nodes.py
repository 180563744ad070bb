"""kube-controller-manager, kube-scheduler and KWOK's simulated Nodes (tests/harness/nodes.py): a Deployment
gets Pods on KWOK's Nodes and becomes Available, every status written by Kubernetes' and KWOK's own
controllers.

`lab_binaries`: needs scripts/build-lab.sh (`make setup-lab`, part of `make setup`)."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from kubernetes import client

from tests.harness.kube import kube_cluster
from tests.harness.nodes import SimulatedNodes, lab_binaries, plain, simulated_nodes
from tests.harness.processes import HarnessError, eventually

pytestmark = pytest.mark.lab_binaries


def _deployment(name: str, replicas: int) -> client.V1Deployment:
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(
                    containers=[client.V1Container(name="app", image="registry.invalid/userapp/api:0123abcd")]
                ),
            ),
        ),
    )


def _ready(obj: dict, condition: str = "Ready") -> bool:
    return any(
        c["type"] == condition and c["status"] == "True" for c in obj["status"].get("conditions") or []
    )


def test_nodes_are_kwok_nodes_and_ready(kwok_cluster: SimulatedNodes) -> None:
    api = kwok_cluster.cluster.api_client("admin")
    nodes = plain(api, client.CoreV1Api(api).list_node())["items"]
    assert sorted(node["metadata"]["name"] for node in nodes) == sorted(kwok_cluster.nodes)
    assert len(nodes) == 3
    for node in nodes:
        # Written by KWOK's node-initialize stage, not by the harness.
        assert node["status"]["nodeInfo"]["kubeletVersion"] == "kwok-0.8.0"
        assert _ready(node)


def test_deployment_becomes_available_on_kwok_nodes(kwok_cluster: SimulatedNodes) -> None:
    api = kwok_cluster.cluster.api_client("admin")
    core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
    namespace = f"nodes-{secrets.token_hex(3)}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
    apps.create_namespaced_deployment(namespace, _deployment("api", replicas=2))

    def available() -> bool:
        deployment = plain(api, apps.read_namespaced_deployment_status("api", namespace))
        return deployment["status"].get("availableReplicas") == 2 and _ready(deployment, "Available")

    try:
        eventually(available, timeout=60)
    except AssertionError as exc:
        raise AssertionError(f"Deployment api not Available in 60s\n{kwok_cluster.diagnostics()}") from exc

    pods = plain(api, core.list_namespaced_pod(namespace, label_selector="app=api"))
    assert len(pods["items"]) == 2
    for pod in pods["items"]:
        # Made by the ReplicaSet controller, scheduled by kube-scheduler onto a KWOK Node, marked Running and
        # Ready by KWOK's pod-ready stage: nothing here was written by the test.
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
        assert pod["spec"]["nodeName"] in kwok_cluster.nodes
        assert pod["status"]["phase"] == "Running"
        assert _ready(pod)
        assert pod["status"]["containerStatuses"][0]["ready"] is True
    kwok_cluster.check_running()


def test_a_component_that_does_not_come_up_is_named_with_its_log(tmp_path: Path) -> None:
    """A start-up failure names the process and shows the last lines of its log (here: a kube-scheduler that
    exits at once), and what was already started is stopped."""
    broken = tmp_path / "kube-scheduler"
    broken.write_text("#!/bin/sh\necho 'scheduler: cannot load its configuration' >&2\nexit 3\n")
    broken.chmod(0o755)
    binaries = {**lab_binaries(), "kube-scheduler": broken}
    with kube_cluster() as cluster:
        with pytest.raises(HarnessError) as failure, simulated_nodes(cluster, binaries=binaries):
            pass
        message = str(failure.value)
        assert "kube-scheduler /healthz: process exited with code 3" in message
        assert "scheduler: cannot load its configuration" in message
        assert not (cluster.workdir / "nodes").exists()
