"""`make preflight` (scripts/preflight.sh): the talk's whole checklist, one PASS/FAIL/SKIP line per item, each
non-PASS with its fix, against a real kube-apiserver that holds the talk's objects (the tests play the
controllers by writing their status), against no cluster at all, and without the tools it needs."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from tests.docs.repo_facts import REPO_ROOT
from tests.harness.kargo import create_warehouse
from tests.harness.kube import CustomObjects, KubeCluster, kube_cluster
from tests.harness.processes import free_port

PREFLIGHT = REPO_ROOT / "scripts" / "preflight.sh"
STAGES = ("dev", "stg", "prod")
SCENARIOS = sorted(p.name for p in (REPO_ROOT / "demo" / "scenarios").iterdir() if p.is_dir())
LINE = re.compile(r"^  (?P<status>PASS|FAIL|SKIP)  (?P<rest>.*)$")
KARGO = ("kargo.akuity.io", "v1alpha1")
FREIGHT = "0123456789abcdef0123456789abcdef01234567"
FREIGHT_COLLECTION = hashlib.sha1(FREIGHT.encode()).hexdigest()  # noqa: S324 - an id, as Kargo makes it
RUN_TIMEOUT = 180  # seconds for one whole preflight run (each of its calls is bounded by PREFLIGHT_TIMEOUT)


@dataclass
class Result:
    returncode: int
    lines: list[tuple[str, str]]  # (status, rest of the line)
    output: str

    def status(self, item: str) -> tuple[str, str]:
        """The (status, line) of the one item whose line starts with `item`."""
        found = [(s, rest) for s, rest in self.lines if rest.startswith(item)]
        assert len(found) == 1, f"expected one line for {item!r}:\n{self.output}"
        return found[0]


def run_preflight(env: dict[str, str], argv: list[str] | None = None) -> Result:
    """The checklist's lines and exit code: scripts/preflight.sh itself, or `argv` run from the repository
    (e.g. `make preflight`)."""
    result = subprocess.run(  # noqa: S603 - our own script
        argv or [str(PREFLIGHT)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    lines = [(m["status"], m["rest"]) for m in map(LINE.match, result.stdout.splitlines()) if m]
    return Result(result.returncode, lines, result.stdout + result.stderr)


def base_env(tmp: Path, **extra: str) -> dict[str, str]:
    """A clean environment: a private HOME, tools cache and tmux socket; nothing reaches the internet."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp / "home"),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "TMUX_TMPDIR": str(tmp / "tmux"),
        "PREFLIGHT_TIMEOUT": "3",
        "PREFLIGHT_RECORDING": str(tmp / "ensaio.jsonl"),
        # A closed port: the registry does not answer.
        "PREFLIGHT_IMAGE_NAMESPACE": f"127.0.0.1:{free_port()}/promotionboard",
        "PREFLIGHT_GIT_URL": (tmp / "absent.git").as_uri(),
    }
    for name in ("home", "cache", "tmux"):
        (tmp / name).mkdir(exist_ok=True)
    (tmp / "tmux").chmod(0o700)
    env.update(extra)
    return env


# ---- the talk's objects in a real apiserver --------------------------------------------------------------


def gitops(path: str) -> dict:
    return yaml.safe_load((REPO_ROOT / "gitops" / path).read_text(encoding="utf-8"))


def available_deployment(apps: client.AppsV1Api, namespace: str, name: str) -> None:
    labels = {"app": name}
    body = client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1DeploymentSpec(
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name=name, image=f"example/{name}:1")]),
            ),
        ),
    )
    apps.create_namespaced_deployment(namespace, body)
    status = {"conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"}]}
    apps.patch_namespaced_deployment_status(name, namespace, {"status": status})


def ready_database(apps: client.AppsV1Api, namespace: str) -> None:
    labels = {"app": "userapp-postgres"}
    body = client.V1StatefulSet(
        metadata=client.V1ObjectMeta(name="userapp-postgres"),
        spec=client.V1StatefulSetSpec(
            service_name="userapp-postgres",
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(name="postgres", image="postgres:17")]),
            ),
        ),
    )
    apps.create_namespaced_stateful_set(namespace, body)
    status = {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}
    apps.patch_namespaced_stateful_set_status("userapp-postgres", namespace, {"status": status})


def ready_condition(status: str = "True", message: str = "") -> list[dict]:
    return [
        {
            "type": "Ready",
            "status": status,
            "reason": "Verified" if status == "True" else "NotVerified",
            "message": message,
            "lastTransitionTime": "2026-01-16T18:00:00Z",
            "observedGeneration": 1,
        }
    ]


def kargo_create(custom: client.CustomObjectsApi, plural: str, body: dict[str, Any]) -> dict[str, Any]:
    created = custom.create_namespaced_custom_object(*KARGO, "userapp", plural, body)
    assert isinstance(created, dict)
    return created


def kargo_get(custom: client.CustomObjectsApi, plural: str, name: str) -> dict[str, Any]:
    found = custom.get_namespaced_custom_object(*KARGO, "userapp", plural, name)
    assert isinstance(found, dict)
    return found


def kargo_set_status(custom: client.CustomObjectsApi, plural: str, obj: dict[str, Any], status: dict) -> None:
    """Write .status through the status subresource, as the Kargo controller does."""
    obj["status"] = status
    custom.replace_namespaced_custom_object_status(*KARGO, "userapp", plural, obj["metadata"]["name"], obj)


def talk_objects(kube: KubeCluster) -> None:
    """What a ready cluster holds: the controllers' Deployments, the databases, Argo CD's Applications and
    Kargo's Warehouse, Stages and Freight, each with the status its controller would write."""
    api = kube.api_client()
    core, apps, custom = client.CoreV1Api(api), client.AppsV1Api(api), client.CustomObjectsApi(api)
    for namespace in ("argocd", "argo-rollouts", "kargo", "promotion-board", *STAGES):
        core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
    kube.create_project_namespace("userapp")
    for namespace, name in (
        ("argocd", "argocd-server"),
        ("argo-rollouts", "argo-rollouts"),
        ("kargo", "kargo-controller"),
        ("promotion-board", "promotion-board"),
    ):
        available_deployment(apps, namespace, name)
    for stage in STAGES:
        ready_database(apps, stage)
        app = gitops(f"argocd/application-{stage}.yaml")
        app["status"] = {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}}
        custom.create_namespaced_custom_object("argoproj.io", "v1alpha1", "argocd", "applications", app)
    warehouse = create_warehouse(CustomObjects(kube), "userapp", gitops("kargo/warehouse.yaml"))
    kargo_set_status(custom, "warehouses", warehouse, {"conditions": ready_condition()})
    freight = {
        "apiVersion": "kargo.akuity.io/v1alpha1",
        "kind": "Freight",
        "metadata": {"name": FREIGHT, "namespace": "userapp"},
        "alias": "waxen-seal",
        "origin": {"kind": "Warehouse", "name": "userapp"},
        "images": [{"repoURL": "docker.io/promotionboard/userapp-backend", "tag": "1a2b3c4d"}],
    }
    verified = {"verifiedIn": {stage: {"verifiedAt": "2026-01-16T18:00:00Z"} for stage in STAGES}}
    kargo_set_status(custom, "freights", kargo_create(custom, "freights", freight), verified)
    for stage in STAGES:
        obj = kargo_create(custom, "stages", gitops(f"kargo/stage-{stage}.yaml"))
        origin = {"kind": "Warehouse", "name": "userapp"}
        status = {
            "conditions": ready_condition(),
            "freightHistory": [
                {
                    "id": FREIGHT_COLLECTION,
                    "items": {"Warehouse/userapp": {"name": FREIGHT, "origin": origin}},
                }
            ],
        }
        kargo_set_status(custom, "stages", obj, status)


@pytest.fixture(scope="module")
def ready_cluster() -> Iterator[KubeCluster]:
    """A control plane of its own: the talk's fixed namespaces (userapp, dev, argocd...) stay out of the
    shared one."""
    with kube_cluster() as cluster:
        talk_objects(cluster)
        yield cluster


def git_remote_with_demo_branches(tmp: Path) -> str:
    """A bare repository holding main and one demo/<scenario> branch per scenario (what demo-branches.sh
    pushes); the preflight only lists its branches."""
    work, bare = tmp / "work", tmp / "remote.git"
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", str(work)], check=True)  # noqa: S603
    subprocess.run(
        [*git, "-C", str(work), "commit", "-q", "--allow-empty", "-m", "base"], check=True
    )  # noqa: S603
    for scenario in SCENARIOS:
        subprocess.run([*git, "-C", str(work), "branch", f"demo/{scenario}"], check=True)  # noqa: S603
    subprocess.run([*git, "clone", "-q", "--mirror", str(work), str(bare)], check=True)  # noqa: S603
    return bare.as_uri()


@pytest.fixture
def terminal_layout(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The tmux layout made by scripts/demo-terminal.sh, on a private tmux server that the test stops."""
    env = base_env(tmp_path)
    result = subprocess.run(  # noqa: S603 - our own script
        [str(REPO_ROOT / "scripts/demo-terminal.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    try:
        assert result.returncode == 0, result.stderr
        yield env
    finally:
        subprocess.run(
            ["tmux", "kill-server"], env=env, capture_output=True, timeout=10, check=False
        )  # noqa: S607


def require(program: str) -> None:
    if shutil.which(program) is None:
        pytest.fail(f"{program} is not installed: the preflight test needs it (make setup installs it)")


# ---- tests -----------------------------------------------------------------------------------------------


def test_a_ready_cluster_passes_and_what_it_lacks_fails_with_its_fix(
    ready_cluster: KubeCluster, terminal_layout: dict[str, str], tmp_path: Path
) -> None:
    require("kubectl")
    cached = subprocess.run(  # noqa: S603 - our own script
        [str(REPO_ROOT / "scripts/install-presenterm.sh"), "--cached"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert cached.returncode == 0, "presenterm is not built: run `make presenterm` (make setup does)"
    recording = tmp_path / "ensaio.jsonl"
    recording.write_text(json.dumps({"t": 0, "type": "ADDED"}) + "\n", encoding="utf-8")
    env = {
        **terminal_layout,
        "KUBECONFIG": str(ready_cluster.kubeconfig("admin")),
        "PREFLIGHT_RECORDING": str(recording),
        "PREFLIGHT_GIT_URL": git_remote_with_demo_branches(tmp_path),
        # The real cache, where make presenterm put the pinned binary.
        "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
    }
    result = run_preflight(env)

    # The registry of this test does not exist (no registry runs here): those lines fail, each with its fix.
    not_passing = {
        "network access to the registry": "FAIL",
        f"{env['PREFLIGHT_IMAGE_NAMESPACE']}/userapp-backend published": "FAIL",
        f"{env['PREFLIGHT_IMAGE_NAMESPACE']}/userapp-frontend published": "FAIL",
        "CI secrets": "SKIP",  # a local Git server: no GitHub Actions to ask
        # Not minikube, and no such namespace: the component runs elsewhere or not at all.
        "ingress-nginx available": "SKIP",
        "cert-manager available": "SKIP",
    }
    for item, status in not_passing.items():
        got, line = result.status(item)
        assert got == status, f"{item}: {line}\n{result.output}"
        assert " -> fix: " in line, line
    expected_pass = [
        "presenterm installed",
        "slides render",
        "terminal layout",
        "backup recording",
        "network access to the Git server",
        "demo branches pushed",
        "kubectl installed",
        "Kubernetes API answers /readyz",
        "Argo CD v3",
        "Argo Rollouts available",
        "Kargo 1.",
        "Warehouse userapp Ready",
        "promotion-board available",
    ]
    for stage in STAGES:
        expected_pass += [
            f"database ready in {stage}",
            f"Application userapp-{stage} Synced and Healthy",
            f"images pulled in {stage}",
            f"Kargo Stage {stage} Ready",
            f"current Freight verified in {stage}",
        ]
    for item in expected_pass:
        assert result.status(item)[0] == "PASS", f"{item}\n{result.output}"
    assert len(result.lines) == len(expected_pass) + len(not_passing), result.output
    assert result.returncode == 1
    assert "3 check(s) failed, 3 skipped." in result.output


def test_a_stage_that_is_not_ready_fails_with_kargos_message(
    ready_cluster: KubeCluster, tmp_path: Path
) -> None:
    require("kubectl")
    custom = client.CustomObjectsApi(ready_cluster.api_client())
    stage = kargo_get(custom, "stages", "prod")
    good = dict(stage["status"])
    broken = {**good, "conditions": ready_condition("False", "Stage health evaluated to Unhealthy")}
    kargo_set_status(custom, "stages", stage, broken)
    try:
        result = run_preflight(base_env(tmp_path, KUBECONFIG=str(ready_cluster.kubeconfig("admin"))))
    finally:
        kargo_set_status(custom, "stages", kargo_get(custom, "stages", "prod"), good)
    status, line = result.status("Kargo Stage prod Ready")
    assert status == "FAIL"
    assert "(Ready=False: Stage health evaluated to Unhealthy)" in line
    assert "-> fix: kubectl -n userapp get stage prod" in line
    assert result.status("Kargo Stage stg Ready")[0] == "PASS"
    assert result.returncode == 1


def test_without_a_cluster_the_api_fails_and_the_cluster_items_are_skipped(tmp_path: Path) -> None:
    require("kubectl")
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "lab", "cluster": {"server": f"https://127.0.0.1:{free_port()}"}}],
                "users": [{"name": "lab", "user": {"token": "x"}}],
                "contexts": [{"name": "lab", "context": {"cluster": "lab", "user": "lab"}}],
                "current-context": "lab",
            }
        ),
        encoding="utf-8",
    )
    sample = REPO_ROOT / "demo/recordings/sample.jsonl.gz"  # a gzipped recording counts too
    result = run_preflight(base_env(tmp_path, KUBECONFIG=str(kubeconfig), PREFLIGHT_RECORDING=str(sample)))
    assert result.status("backup recording")[0] == "PASS"
    status, line = result.status("Kubernetes API answers /readyz")
    assert status == "FAIL"
    assert "was refused" in line
    assert "-> fix: start the cluster" in line
    assert result.status("Argo CD, Kargo, Stages and the board") == (
        "SKIP",
        "Argo CD, Kargo, Stages and the board (the cluster does not answer) -> fix: start the cluster first",
    )
    assert "Cluster (context: lab)" in result.output
    assert result.returncode == 1


def test_missing_tools_fail_each_with_its_fix(tmp_path: Path) -> None:
    """A PATH without kubectl, minikube, tmux and presenterm, and an empty tools cache."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    needed = (
        "bash",
        "env",
        "sed",
        "grep",
        "tail",
        "cut",
        "paste",
        "head",
        "basename",
        "dirname",
        "mktemp",
        "rm",
    )
    for program in (*needed, "timeout", "git", "curl", "gzip", "cat"):
        found = shutil.which(program)
        assert found, f"{program} is needed by the preflight"
        (bin_dir / program).symlink_to(found)
    result = run_preflight(base_env(tmp_path, PATH=str(bin_dir)))
    assert result.status("presenterm installed") == (
        "FAIL",
        "presenterm installed (presenterm is neither in the tools cache nor on PATH)"
        " -> fix: make presenterm (builds the pinned presenterm once)",
    )
    assert result.status("slides render")[0] == "SKIP"
    assert result.status("slides render")[1].endswith("-> fix: make presenterm")
    status, line = result.status("terminal layout")
    assert status == "FAIL"
    assert "(tmux is not installed)" in line
    assert line.endswith("-> fix: install tmux (Debian: apt-get install tmux), then run make demo-terminal")
    assert result.status("backup recording") == (
        "FAIL",
        f"backup recording {tmp_path}/ensaio.jsonl (no recording at {tmp_path}/ensaio.jsonl)"
        f" -> fix: record the dress rehearsal: make record RECORD_FILE={tmp_path}/ensaio.jsonl",
    )
    assert result.status("kubectl installed")[0] == "FAIL"
    assert result.status("Kubernetes API answers /readyz")[0] == "FAIL"
    assert result.returncode == 1


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    result = run_preflight(base_env(tmp_path, PREFLIGHT_TIMEOUT="soon"))
    assert result.returncode == 1
    assert "PREFLIGHT_TIMEOUT must be a whole number of seconds, got 'soon'" in result.output
    assert not result.lines
    result = run_preflight(base_env(tmp_path, PREFLIGHT_GIT_CREDENTIALS="token-without-user"))
    assert result.returncode == 1
    assert "PREFLIGHT_GIT_CREDENTIALS must be user:token" in result.output
    assert not result.lines
