"""The pipeline's files agree with each other: image names, the tag format, stages, branches, namespaces,
promotion policies, probe paths, ports and users. Each test reads the real files (and the apps' real routes),
so changing one place without the others fails here, naming the files that disagree."""

from __future__ import annotations

import functools
import random
import re
import runpy
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.delivery.helpers import (
    KARGO_PROJECT,
    REPO_ROOT,
    STAGES,
    container,
    gitops_objects,
    helm_template,
    kargo_object,
    load_names,
    load_yaml_file,
    one,
    overlay_kustomization,
    rendered_overlay,
)

pytestmark = pytest.mark.timeout(1200)

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "ci.yml"
# Each app: its Dockerfile and where its Deployment comes from (the overlays, or the dashboard's own chart).
APPS = {
    "backend": {"dockerfile": "userapp/backend/Dockerfile", "deployment": "userapp-backend"},
    "frontend": {"dockerfile": "userapp/frontend/Dockerfile", "deployment": "userapp-frontend"},
    "dashboard": {"dockerfile": "dashboard/Dockerfile", "deployment": "promotion-board"},
}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


# ---- readers -----------------------------------------------------------------------------------------------


def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def ci_builds() -> dict[str, dict[str, Any]]:
    """Image repository -> its CI matrix entry (the images job pushes `<IMAGE_NAMESPACE>/<image>`)."""
    flow = workflow()
    matrix = flow["jobs"]["images"]["strategy"]["matrix"]["include"]
    namespace = load_names().image_namespace
    return {f"{namespace}/{entry['image']}": entry for entry in matrix}


def warehouse() -> dict[str, Any]:
    return kargo_object("Warehouse", "userapp")


def warehouse_images() -> list[str]:
    return [s["image"]["repoURL"] for s in warehouse()["spec"]["subscriptions"] if "image" in s]


def tag_patterns() -> list[re.Pattern[str]]:
    """Every allowTagsRegexes entry of every image subscription (RE2; what we use is Python-compatible)."""
    patterns = [
        re.compile(regex)
        for s in warehouse()["spec"]["subscriptions"]
        for regex in s.get("image", {}).get("allowTagsRegexes", [])
    ]
    assert patterns, "the Warehouse must restrict tags"
    return patterns


def stage_steps(stage: str) -> list[dict[str, Any]]:
    return kargo_object("Stage", stage)["spec"]["promotionTemplate"]["spec"]["steps"]


def the_step(stage: str, uses: str) -> dict[str, Any]:
    found = [s for s in stage_steps(stage) if s.get("uses") == uses]
    assert len(found) == 1, f"Stage {stage}: expected one {uses} step, found {len(found)}"
    return found[0]


def stage_vars(stage: str) -> dict[str, str]:
    return {
        v["name"]: v["value"]
        for v in kargo_object("Stage", stage)["spec"]["promotionTemplate"]["spec"]["vars"]
    }


def resolve(value: str, stage: str) -> str:
    """Evaluate the expressions our Stages use (`ctx.stage`, `vars.<name>`); any other is an error here."""
    variables = stage_vars(stage)

    def evaluate(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression == "ctx.stage":
            return stage
        if expression.startswith("vars.") and expression[5:] in variables:
            return variables[expression[5:]]
        raise AssertionError(f"Stage {stage}: cannot resolve ${{{{ {expression} }}}} in {value!r}")

    return EXPRESSION.sub(evaluate, value)


def applications() -> dict[tuple[str, str], dict[str, Any]]:
    apps = [d for _, d in gitops_objects("argocd") if d["kind"] == "Application"]
    return {(a["metadata"]["namespace"], a["metadata"]["name"]): a for a in apps}


def stage_application(stage: str) -> dict[str, Any]:
    """The Application the Stage's argocd-update step updates (must exist in gitops/argocd)."""
    (target,) = the_step(stage, "argocd-update")["config"]["apps"]
    key = (resolve(target.get("namespace", "argocd"), stage), resolve(target["name"], stage))
    apps = applications()
    assert key in apps, f"Stage {stage} updates Application {key[0]}/{key[1]}, absent from gitops/argocd"
    return apps[key]


def dockerfile(app: str) -> str:
    return (REPO_ROOT / APPS[app]["dockerfile"]).read_text(encoding="utf-8")


def final_stage(text: str) -> str:
    """The instructions of the last build stage (what the image runs)."""
    return re.split(r"^FROM\s", text, flags=re.M)[-1]


def deployments(app: str, helm: str) -> list[dict[str, Any]]:
    """The app's Deployments as deployed: every overlay for the userapp, the chart for the board."""
    name = APPS[app]["deployment"]
    if app == "dashboard":
        return [one(helm_template(helm, "dashboard", namespace="promotion-board"), "Deployment", name)]
    return [one(list(rendered_overlay(stage)), "Deployment", name) for stage in STAGES]


def services(app: str, helm: str) -> list[dict[str, Any]]:
    name = APPS[app]["deployment"]
    if app == "dashboard":
        return [one(helm_template(helm, "dashboard", namespace="promotion-board"), "Service", name)]
    return [one(list(rendered_overlay(stage)), "Service", name) for stage in STAGES]


# ---- the apps' real endpoints and listening ports ----------------------------------------------------------


@functools.cache
def backend_get_routes() -> frozenset[str]:
    """The FastAPI app's GET paths (its OpenAPI document lists every route the app registers)."""
    from user_service.api.app import build_app  # pylint: disable=import-outside-toplevel
    from user_service.composition import build_container  # pylint: disable=import-outside-toplevel
    from user_service.config import Settings  # pylint: disable=import-outside-toplevel

    settings = Settings(_env_file=None, database_url="sqlite://")  # pyright: ignore[reportCallIssue]
    app = build_app(build_container(settings))
    return frozenset(path for path, methods in app.openapi()["paths"].items() if "get" in methods)


@functools.cache
def dashboard_get_routes() -> frozenset[str]:
    """The board's Flask url_map (the app is built, not started: no simulator, no watches)."""
    from dashboard.app import create_app  # pylint: disable=import-outside-toplevel
    from dashboard.settings import from_env  # pylint: disable=import-outside-toplevel

    app = create_app(from_env({}), start=False)
    return frozenset(rule.rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ()))


def nginx_template() -> str:
    return (REPO_ROOT / "userapp" / "frontend" / "default.conf.template").read_text(encoding="utf-8")


def nginx_serves_itself(path: str) -> bool:
    """True when nginx answers `path` from its own location (exact, or a prefix other than the SPA fallback
    `/`, which would answer anything with index.html and make a probe meaningless)."""
    locations = re.findall(r"^\s*location\s+(=\s+)?(\S+)\s*\{", nginx_template(), re.M)
    if any(exact and where == path for exact, where in locations):
        return True
    return any(not exact and where != "/" and path.startswith(where) for exact, where in locations)


def serves(app: str, path: str) -> bool:
    """Whether the app itself answers GET `path` (its router, or nginx's own locations)."""
    if app == "backend":
        return path in backend_get_routes()
    if app == "dashboard":
        return path in dashboard_get_routes()
    return nginx_serves_itself(path)


def dockerfile_env(text: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for block in re.findall(r"^ENV\s+((?:.*\\\n)*.*)$", final_stage(text), re.M):
        env.update(re.findall(r"(\w+)=(\S+)", block.replace("\\\n", " ")))
    return env


def listening_port(app: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """The port the image's process really binds, from its CMD and config (not from EXPOSE)."""
    text = dockerfile(app)
    if app == "backend":
        assert (
            '"--config", "/app/gunicorn.conf.py"' in text
            and "COPY gunicorn.conf.py /app/gunicorn.conf.py" in text
        )
        monkeypatch.setenv("PORT", dockerfile_env(text)["PORT"])
        bind = runpy.run_path(str(REPO_ROOT / "userapp" / "backend" / "gunicorn.conf.py"))["bind"]
        return int(bind.rsplit(":", 1)[1])
    if app == "frontend":
        # `listen ${NGINX_PORT};`, rendered by the entrypoint from the image's ENV (the chart may set it).
        (variable,) = re.findall(r"^\s*listen\s+\$\{(\w+)\};", nginx_template(), re.M)
        return int(dockerfile_env(text)[variable])
    (bind,) = re.findall(r'"--bind",\s*"[\d.]+:(\d+)"', final_stage(text))
    return int(bind)


def exposed_ports(app: str) -> set[int]:
    return {int(p) for p in re.findall(r"^EXPOSE\s+(\d+)", final_stage(dockerfile(app)), re.M)}


def named_port(c: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    (number,) = [p["containerPort"] for p in c["ports"] if p["name"] == port]
    return number


# ---- images and tags ---------------------------------------------------------------------------------------


def test_userapp_images_have_the_same_names_everywhere() -> None:
    expected = warehouse_images()
    assert expected, "the Warehouse subscribes to no image"
    seen: dict[str, list[str]] = {
        "CI images job (userapp/ contexts)": [
            repo for repo, entry in ci_builds().items() if entry["context"].startswith("userapp/")
        ],
        "helm values (backend, frontend)": [
            yaml.safe_load((REPO_ROOT / "helm" / c / "values.yaml").read_text(encoding="utf-8"))["image"][
                "repository"
            ]
            for c in ("backend", "frontend")
        ],
        "kustomize/base helm output": sorted(
            {
                c["image"].rsplit(":", 1)[0]
                for path in sorted((REPO_ROOT / "kustomize" / "base" / "helm-output").glob("*.yaml"))
                for obj in load_yaml_file(path)
                if obj["kind"] in ("Deployment", "Job")
                for c in obj["spec"]["template"]["spec"]["containers"]
            }
        ),
    }
    for stage in STAGES:
        seen[f"overlays/{stage} images:"] = [i["name"] for i in overlay_kustomization(stage)["images"]]
        seen[f"stage-{stage} vars"] = [v for name, v in stage_vars(stage).items() if name.endswith("Image")]
        seen[f"stage-{stage} kustomize-set-image"] = [
            resolve(i["image"], stage) for i in the_step(stage, "kustomize-set-image")["config"]["images"]
        ]
    disagree = {where: names for where, names in seen.items() if sorted(names) != sorted(expected)}
    assert not disagree, f"gitops/kargo/warehouse.yaml subscribes to {expected}, but: {disagree}"


def test_every_deployed_image_is_built_by_ci_from_its_dockerfile(helm: str) -> None:
    builds = ci_builds()
    for app, files in APPS.items():
        for deployment in deployments(app, helm):
            repository = container(deployment)["image"].rsplit(":", 1)[0]
            assert repository in builds, f"{app}: CI builds no {repository} (built: {sorted(builds)})"
            entry = builds[repository]
            assert entry["dockerfile"] == files["dockerfile"], (app, entry)
            assert (REPO_ROOT / entry["dockerfile"]).is_file() and (REPO_ROOT / entry["context"]).is_dir()


def ci_tag_script() -> str:
    steps = workflow()["jobs"]["images"]["steps"]
    (step,) = [s for s in steps if s.get("id") == "tag"]
    tags_input = next(s for s in steps if s.get("uses", "").startswith("docker/build-push-action"))["with"][
        "tags"
    ]
    assert tags_input.endswith(
        ":${{ steps.tag.outputs.tag }}"
    ), "the pushed tag must be the tag step's output"
    return step["run"]


def run_ci_tag_step(sha: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run the workflow's own tag step in bash, as the runner does, with GITHUB_SHA set."""
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", ci_tag_script()],
        env={"GITHUB_SHA": sha, "GITHUB_OUTPUT": str(output), "PATH": "/usr/bin:/bin"},
        check=False,
        capture_output=True,
        text=True,
    )


def test_ci_tags_are_tags_the_warehouse_accepts(tmp_path: Path) -> None:
    rng = random.Random(8)  # fixed seed: the same samples every run
    patterns = tag_patterns()
    for _ in range(50):
        sha = "".join(rng.choice("0123456789abcdef") for _ in range(40))
        result = run_ci_tag_step(sha, tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        (line,) = (tmp_path / "github_output").read_text(encoding="utf-8").splitlines()
        tag = line.removeprefix("tag=")
        assert tag == sha[:8]
        for pattern in patterns:
            assert pattern.search(tag), f"CI tag {tag!r} is refused by the Warehouse's {pattern.pattern!r}"


@pytest.mark.parametrize("sha", ["", "main", "ABCDEF0123456789ABCDEF0123456789ABCDEF01", "0a1b2c3"])
def test_the_ci_tag_step_refuses_what_is_not_a_short_sha(tmp_path: Path, sha: str) -> None:
    result = run_ci_tag_step(sha, tmp_path)
    assert result.returncode != 0 and "bad tag" in result.stdout
    assert (tmp_path / "github_output").read_text(encoding="utf-8") == ""


def non_tags(rng: random.Random) -> list[str]:
    """Tags CI never pushes (other lengths, upper case, non-hex, decorated) that must never become Freight."""

    def hexes(n: int) -> str:
        return "".join(rng.choice("0123456789abcdef") for _ in range(n))

    samples = ["latest", "main", "v1.2.3", "1.0.0", "", "sha256:" + hexes(64)]
    for _ in range(20):
        samples += [
            hexes(7),
            hexes(9),
            hexes(40),
            hexes(8).upper().replace("0", "A").replace("1", "B"),
            hexes(7) + rng.choice("ghijklmnopqrstuvwxyz"),
            f"main-{hexes(8)}",
            f"{hexes(8)}-dirty",
            f"sha-{hexes(8)}",
            f" {hexes(8)}",
        ]
    return samples


def test_the_warehouse_refuses_what_ci_never_pushes() -> None:
    for pattern in tag_patterns():
        accepted = [tag for tag in non_tags(random.Random(9)) if pattern.search(tag)]
        assert not accepted, f"{pattern.pattern!r} accepts {accepted[:5]}"


@pytest.mark.parametrize("stage", STAGES)
def test_overlay_tags_are_tags_the_warehouse_could_produce(stage: str) -> None:
    for image in overlay_kustomization(stage)["images"]:
        assert all(p.search(image["newTag"]) for p in tag_patterns()), (stage, image)


# ---- stages, applications, branches, namespaces ------------------------------------------------------------


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_updates_an_application_authorized_for_it_alone(stage: str) -> None:
    app = stage_application(stage)
    project = kargo_object("Stage", stage)["metadata"]["namespace"]
    authorized = app["metadata"].get("annotations", {}).get("kargo.akuity.io/authorized-stage")
    assert (
        authorized == f"{project}:{stage}"
    ), f"{app['metadata']['name']}: authorized-stage is {authorized!r}"
    others = [
        key
        for key, other in applications().items()
        if key != (app["metadata"]["namespace"], app["metadata"]["name"])
        and other["metadata"].get("annotations", {}).get("kargo.akuity.io/authorized-stage") == authorized
    ]
    assert not others, f"{authorized} is also authorized on {others}"


@pytest.mark.parametrize("stage", STAGES)
def test_each_application_follows_its_stage_branch_and_overlay_namespace(stage: str) -> None:
    app = stage_application(stage)
    spec = app["spec"]
    assert spec["source"]["targetRevision"] == f"env/{stage}"
    namespace = overlay_kustomization(stage)["namespace"]
    assert spec["destination"]["namespace"] == namespace == stage
    assert {o["metadata"]["namespace"] for o in rendered_overlay(stage)} == {namespace}
    verification_args = {
        a["name"]: a["value"] for a in kargo_object("Stage", stage)["spec"]["verification"]["args"]
    }
    assert (
        verification_args["namespace"] == namespace
    ), "the smoke test must probe the namespace Argo CD deploys to"
    assert spec["source"]["repoURL"] == resolve(the_step(stage, "git-clone")["config"]["repoURL"], stage)
    project = next(
        d
        for _, d in gitops_objects("argocd")
        if d["kind"] == "AppProject" and d["metadata"]["name"] == spec["project"]
    )
    assert spec["source"]["repoURL"] in project["spec"]["sourceRepos"]
    assert spec["destination"] in project["spec"]["destinations"]


@pytest.mark.parametrize("stage", STAGES)
def test_the_stage_pushes_the_branch_its_application_syncs(stage: str) -> None:
    push_path = the_step(stage, "git-push")["config"]["path"]
    checkouts = [c for c in the_step(stage, "git-clone")["config"]["checkout"] if c["path"] == push_path]
    assert (
        len(checkouts) == 1
    ), f"Stage {stage}: git-push pushes {push_path}, which no checkout (or several) fills"
    pushed = resolve(checkouts[0]["branch"], stage)
    assert the_step(stage, "git-push")["config"].get("targetBranch", pushed) == pushed
    app = stage_application(stage)
    assert (
        pushed == app["spec"]["source"]["targetRevision"]
    ), f"pushes {pushed}, {app['metadata']['name']} syncs"
    assert the_step(stage, "git-commit")["config"]["path"] == push_path
    assert the_step(stage, "kustomize-build")["config"]["outPath"].startswith(push_path.rstrip("/") + "/")
    (target,) = the_step(stage, "argocd-update")["config"]["apps"]
    (source,) = target["sources"]
    assert resolve(source["repoURL"], stage) == app["spec"]["source"]["repoURL"]
    commit_alias = the_step(stage, "git-commit")["as"]
    assert source["desiredRevision"] == f"${{{{ outputs.{commit_alias}.commit }}}}"


def test_promotion_policies_dev_auto_stg_and_prod_manual() -> None:
    config = kargo_object("ProjectConfig", KARGO_PROJECT)
    assert config["metadata"]["namespace"] == config["metadata"]["name"] == KARGO_PROJECT
    policies = {
        p["stageSelector"]["name"]: p["autoPromotionEnabled"] for p in config["spec"]["promotionPolicies"]
    }
    assert policies == {"dev": True, "stg": False, "prod": False}


def test_stages_form_the_dev_stg_prod_pipeline_from_the_warehouse() -> None:
    names = {d["metadata"]["name"] for _, d in gitops_objects("kargo") if d["kind"] == "Stage"}
    assert names == set(STAGES)
    sources = {}
    for stage in STAGES:
        (request,) = kargo_object("Stage", stage)["spec"]["requestedFreight"]
        assert request["origin"] == {"kind": "Warehouse", "name": warehouse()["metadata"]["name"]}
        sources[stage] = request["sources"]
    assert sources == {"dev": {"direct": True}, "stg": {"stages": ["dev"]}, "prod": {"stages": ["stg"]}}


# ---- probes, ports, users ----------------------------------------------------------------------------------


@pytest.mark.parametrize("app", sorted(APPS))
def test_probes_hit_real_endpoints_on_the_port_the_app_listens_on(
    app: str, helm: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = listening_port(app, monkeypatch)
    assert exposed_ports(app) == {
        port
    }, f"{APPS[app]['dockerfile']}: EXPOSE {exposed_ports(app)}, listens on {port}"
    for deployment in deployments(app, helm):
        c = container(deployment)
        assert [p["containerPort"] for p in c["ports"]] == [port]
        probes = {k: v for k, v in c.items() if k.endswith("Probe")}
        assert {"livenessProbe", "readinessProbe"} <= set(probes)
        for kind, probe in probes.items():
            assert serves(
                app, probe["httpGet"]["path"]
            ), f"{app} {kind}: {probe['httpGet']['path']} is no route"
            assert named_port(c, probe["httpGet"]["port"]) == port
    for service in services(app, helm):
        (service_port,) = service["spec"]["ports"]
        assert named_port(container(deployments(app, helm)[0]), service_port["targetPort"]) == port


def test_the_smoke_test_calls_real_endpoints_through_the_services() -> None:
    template = next(d for _, d in gitops_objects("kargo") if d["kind"] == "AnalysisTemplate")
    script = template["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"]["containers"][0][
        "args"
    ][0]
    urls = re.findall(
        r'^\s*(\w+)="http://([\w-]+)\.\$\{TARGET_NAMESPACE\}\.svc\.cluster\.local:(\d+)"', script, re.M
    )
    assert {name for name, _, _ in urls} == {"api", "web"}, script
    service_of = {name: (service, int(port)) for name, service, port in urls}
    for name, (service_name, port) in service_of.items():
        service = one(list(rendered_overlay("dev")), "Service", service_name)
        assert service["spec"]["ports"][0]["port"] == port, (name, service_name)
    backend, calls = backend_get_routes(), re.findall(r'expect "\$(\w+)(/[^"]*)"', script)
    assert calls
    for base, path in calls:
        if base == "api":
            assert path in backend, path
        elif path.startswith("/api/"):  # proxied by nginx to the backend, path unchanged
            assert nginx_serves_itself("/api/") and path in backend, path
        else:
            assert path == "/" or nginx_serves_itself(path), path


@pytest.mark.parametrize("app", sorted(APPS))
def test_images_run_as_the_non_root_user_the_charts_expect(app: str, helm: str) -> None:
    users = re.findall(r"^USER\s+(\S+)", final_stage(dockerfile(app)), re.M)
    assert users, f"{APPS[app]['dockerfile']}: the final stage sets no USER (it would run as root)"
    uid = users[-1].split(":")[0]
    assert (
        uid.isdigit() and int(uid) != 0
    ), f"USER {users[-1]}: use a numeric non-root uid (runAsNonRoot needs one)"
    for deployment in deployments(app, helm):
        pod = deployment["spec"]["template"]["spec"].get("securityContext", {})
        for context in (pod, container(deployment).get("securityContext", {})):
            if "runAsUser" in context:
                assert context["runAsUser"] == int(uid), (app, context)
            assert context.get("runAsNonRoot", True) is True


# ---- the embedded simulator plays this very pipeline -------------------------------------------------------


def simulator_plan():  # -> dashboard.sources.simulation.pipeline.PipelinePlan
    from dashboard.sources.simulation.pipeline import PipelinePlan  # pylint: disable=import-outside-toplevel

    return PipelinePlan()


def test_the_simulator_plays_the_gitops_stages() -> None:
    from dashboard.sources.simulation import pipeline  # pylint: disable=import-outside-toplevel

    plan = simulator_plan()
    assert plan.project == KARGO_PROJECT and plan.warehouse == warehouse()["metadata"]["name"]
    assert [s.name for s in plan.stages] == list(STAGES)
    policies = {
        p["stageSelector"]["name"]: p["autoPromotionEnabled"]
        for p in kargo_object("ProjectConfig", KARGO_PROJECT)["spec"]["promotionPolicies"]
    }
    for stage_plan in plan.stages:
        gitops = kargo_object("Stage", stage_plan.name)
        simulated = pipeline.stage_object(
            plan, stage_plan, {"name": stage_plan.name, "namespace": plan.project}
        )
        steps = [(s["uses"], s.get("as")) for s in simulated["spec"]["promotionTemplate"]["spec"]["steps"]]
        expected = [(s["uses"], s.get("as")) for s in stage_steps(stage_plan.name)]
        assert (
            steps == expected
        ), f"simulator steps (uses, as) differ from gitops/kargo/stage-{stage_plan.name}"
        assert simulated["spec"] == gitops["spec"], f"simulator Stage {stage_plan.name} != gitops"
        assert stage_plan.auto_promotion is policies[stage_plan.name]


def test_the_simulator_promotes_with_kargos_step_aliases() -> None:
    from dashboard.sources.simulation import pipeline  # pylint: disable=import-outside-toplevel

    aliases = [step["as"] for step in pipeline.inflated_steps(simulator_plan())]
    expected = [s.get("as") or f"step-{i}" for i, s in enumerate(stage_steps("dev"))]
    assert aliases == expected


def test_the_simulator_watches_the_gitops_images() -> None:
    from dashboard.sources.simulation import pipeline  # pylint: disable=import-outside-toplevel

    plan = simulator_plan()
    assert list(plan.image_repos) == warehouse_images()
    simulated = pipeline.warehouse_object(plan, {"name": plan.warehouse, "namespace": plan.project})
    gitops = warehouse()["spec"]
    images = [s for s in simulated["spec"]["subscriptions"] if "image" in s]
    assert images == [s for s in gitops["subscriptions"] if "image" in s]
    # The simulator also subscribes to the source repository, so its Freight carry the commit to show.
    assert [s["git"]["repoURL"] for s in simulated["spec"]["subscriptions"] if "git" in s] == [
        plan.source_repo
    ]
    assert {k: v for k, v in simulated["spec"].items() if k != "subscriptions"} == {
        k: v for k, v in gitops.items() if k != "subscriptions"
    }


@pytest.mark.parametrize("stage", STAGES)
def test_the_simulator_syncs_the_gitops_applications(stage: str) -> None:
    from dashboard.sources.simulation import pipeline  # pylint: disable=import-outside-toplevel

    plan = simulator_plan()
    gitops = stage_application(stage)
    simulated = pipeline.application_object(
        plan, stage, {"name": plan.app_name(stage), "namespace": plan.argocd_namespace}
    )
    assert simulated["metadata"]["name"] == gitops["metadata"]["name"]
    assert simulated["metadata"]["namespace"] == gitops["metadata"]["namespace"]
    assert simulated["metadata"]["annotations"] == gitops["metadata"]["annotations"]
    assert simulated["metadata"]["labels"] == gitops["metadata"]["labels"]
    assert simulated["spec"] == gitops["spec"]
    assert plan.source_repo == plan.gitops_repo == gitops["spec"]["source"]["repoURL"]
