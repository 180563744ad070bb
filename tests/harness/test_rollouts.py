"""The real Argo Rollouts analysis controller (tests/harness/rollouts.py) with KWOK's simulated Nodes: the
project's own AnalysisTemplate (gitops/kargo/analysistemplate.yaml) runs as a Job whose Pod KWOK completes,
and Argo Rollouts records the measurement. The verdict is simulated (no container runs: KWOK's pod-complete
stage exits every Job's Pod with 0); the Job, its Pod and the AnalysisRun's status are real.

`lab_binaries`: needs scripts/build-lab.sh (`make setup-lab`, part of `make setup`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from kubernetes import client

from tests.harness.kube import CustomObjects, as_json
from tests.harness.nodes import SimulatedNodes, lab_binaries
from tests.harness.rollouts import Rollouts, rollouts_controller

pytestmark = [pytest.mark.lab_binaries, pytest.mark.kube, pytest.mark.timeout(300)]

TEMPLATE = Path(__file__).resolve().parents[2] / "gitops/kargo/analysistemplate.yaml"


@pytest.fixture(scope="module")
def rollouts(kwok_cluster: SimulatedNodes, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rollouts]:
    binary = lab_binaries()["rollouts-controller"]
    with rollouts_controller(kwok_cluster.cluster, binary, tmp_path_factory.mktemp("rollouts")) as started:
        yield started


def test_the_projects_smoke_test_runs_as_a_job_on_kwok_and_argo_rollouts_records_it(
    kwok_cluster: SimulatedNodes, rollouts: Rollouts
):
    cluster = kwok_cluster.cluster
    namespace = cluster.create_project_namespace()
    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    template["metadata"]["namespace"] = namespace
    argo = CustomObjects(cluster, "admin", "argoproj.io", "v1alpha1")
    argo.create(namespace, "analysistemplates", template)
    run = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "smoke", "namespace": namespace},
        "spec": {"args": [{"name": "namespace", "value": "dev"}], "metrics": template["spec"]["metrics"]},
    }
    argo.create(namespace, "analysisruns", run)
    status: dict = {}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and status.get("phase") not in ("Successful", "Failed", "Error"):
        rollouts.check_running()
        time.sleep(0.5)
        status = argo.get(namespace, "analysisruns", "smoke").get("status") or {}
    assert status.get("phase") == "Successful", f"{status}\n{rollouts.diagnostics()}"
    (metric,) = status["metricResults"]
    assert metric["name"] == "smoke-test" and metric["successful"] == 1, metric
    job_name = metric["measurements"][0]["metadata"]["job-name"]
    # The Job Argo Rollouts created from the template, completed by the Job controller from KWOK's Pod.
    job = as_json(client.BatchV1Api(cluster.api_client("admin")).read_namespaced_job(job_name, namespace))
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == "docker.io/curlimages/curl:8.11.1"
    assert job["status"]["succeeded"] == 1, job["status"]
    (pod,) = as_json(
        client.CoreV1Api(cluster.api_client("admin")).list_namespaced_pod(
            namespace, label_selector=f"job-name={job_name}"
        )
    )["items"]
    assert pod["spec"]["nodeName"] in kwok_cluster.nodes
    assert pod["status"]["phase"] == "Succeeded", pod["status"]
