"""The pipeline the simulator plays: which Warehouse, Stages and Argo CD Applications exist, and their specs.

Only desired state lives here (what `kubectl apply` would create); status is the controllers' business.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from dashboard.vocabulary import (
    ARGOCD_API,
    AUTHORIZED_STAGE_ANNOTATION,
    COLOR_ANNOTATION,
    DESCRIPTION_ANNOTATION,
    KARGO_API,
)

IN_CLUSTER = "https://kubernetes.default.svc"


@dataclass(frozen=True)
class StagePlan:
    """One Stage: where its Freight comes from (a Warehouse when `upstream` is empty) and who promotes."""

    name: str
    upstream: tuple[str, ...] = ()
    auto_promotion: bool = False
    description: str = ""
    color: str = ""


DEFAULT_STAGES: tuple[StagePlan, ...] = (
    StagePlan("dev", (), True, "Development: every new build lands here automatically", "blue"),
    StagePlan("stg", ("dev",), False, "Staging: promoted by QA", "amber"),
    StagePlan("prod", ("stg",), False, "Production: promoted by the product owner", "red"),
)


@dataclass(frozen=True)
class PipelinePlan:
    """Names and repositories of the simulated project; every default matches the demo cluster."""

    project: str = "userapp"
    warehouse: str = "userapp"
    argocd_namespace: str = "argocd"
    # The same names as gitops/ (tests/delivery/test_consistency.py keeps them equal): the app's source and
    # its env/<stage> branches live in one repository.
    image_repos: tuple[str, ...] = (
        "docker.io/promotionboard/userapp-backend",
        "docker.io/promotionboard/userapp-frontend",
    )
    source_repo: str = "https://github.com/promotionboard/promotion-board.git"
    gitops_repo: str = "https://github.com/promotionboard/promotion-board.git"
    stages: tuple[StagePlan, ...] = field(default=DEFAULT_STAGES)

    @property
    def origin(self) -> dict:
        return {"kind": "Warehouse", "name": self.warehouse}

    @property
    def origin_key(self) -> str:
        return f"Warehouse/{self.warehouse}"

    def stage(self, name: str) -> StagePlan | None:
        return next((stage for stage in self.stages if stage.name == name), None)

    def app_name(self, stage: str) -> str:
        return f"{self.project}-{stage}"

    def env_branch(self, stage: str) -> str:
        return f"env/{stage}"

    def app_namespace(self, stage: str) -> str:
        """Where a Stage's Application deploys: the overlay's namespace, named after the Stage."""
        return stage

    def image_var(self, repo: str) -> str:
        """The promotion variable naming an image: <namespace>/userapp-backend -> backendImage."""
        component = repo.rsplit("/", 1)[-1].removeprefix(f"{self.project}-")
        head, *rest = component.split("-")
        return head + "".join(part.capitalize() for part in rest) + "Image"

    def analysis_template(self) -> str:
        return f"{self.project}-smoke-test"


def warehouse_object(plan: PipelinePlan, meta: dict) -> dict:
    """The Warehouse of gitops/kargo/warehouse.yaml, plus a Git subscription so Freight shows its commit."""
    image_subscriptions = [
        {
            "image": {
                "repoURL": repo,
                "imageSelectionStrategy": "NewestBuild",
                "allowTagsRegexes": ["^[a-f0-9]{8}$"],
                "cacheByTag": True,
                "discoveryLimit": 5,
            }
        }
        for repo in plan.image_repos
    ]
    git_subscription = {
        "git": {
            "repoURL": plan.source_repo,
            "branch": "main",
            "commitSelectionStrategy": "NewestFromBranch",
            "discoveryLimit": 5,
        }
    }
    return {
        "apiVersion": KARGO_API,
        "kind": "Warehouse",
        "metadata": meta,
        "spec": {
            "interval": "1m0s",
            "freightCreationPolicy": "Automatic",
            "subscriptions": [*image_subscriptions, git_subscription],
        },
    }


def promotion_steps(plan: PipelinePlan) -> list[dict]:
    """The promotion template of gitops/kargo/stage-*.yaml (the same for every Stage: `ctx.stage` varies):
    render the overlay from main into env/<stage>, push it, have Argo CD sync exactly that commit."""
    overlay = "./src/kustomize/overlays/${{ ctx.stage }}"
    images = [
        {"image": f"${{{{ vars.{var} }}}}", "tag": f"${{{{ quote(imageFrom(vars.{var}).Tag) }}}}"}
        for var in map(plan.image_var, plan.image_repos)
    ]
    return [
        {
            "uses": "git-clone",
            "config": {
                "repoURL": "${{ vars.gitRepo }}",
                "checkout": [
                    {"branch": "main", "path": "./src"},
                    {"branch": "env/${{ ctx.stage }}", "create": True, "path": "./out"},
                ],
            },
        },
        {"uses": "git-clear", "config": {"path": "./out"}},
        {
            "uses": "kustomize-set-image",
            "as": "update-images",
            "config": {"path": overlay, "images": images},
        },
        {"uses": "kustomize-build", "config": {"path": overlay, "outPath": "./out/manifests.yaml"}},
        {
            "uses": "git-commit",
            "as": "commit",
            "config": {"path": "./out", "message": "${{ outputs['update-images'].commitMessage }}"},
        },
        {"uses": "git-push", "config": {"path": "./out"}},
        {
            "uses": "argocd-update",
            "config": {
                "apps": [
                    {
                        "name": f"{plan.project}-${{{{ ctx.stage }}}}",
                        "namespace": plan.argocd_namespace,
                        "sources": [
                            {
                                "repoURL": "${{ vars.gitRepo }}",
                                "desiredRevision": "${{ outputs.commit.commit }}",
                            }
                        ],
                    }
                ]
            },
        },
    ]


def inflated_steps(plan: PipelinePlan) -> list[dict]:
    """A Promotion's steps as Kargo's webhook copies them from the Stage (unnamed ones become step-N)."""
    return [
        {**step, "as": step.get("as") or f"step-{index}"} for index, step in enumerate(promotion_steps(plan))
    ]


def promotion_vars(plan: PipelinePlan) -> list[dict]:
    variables = [{"name": "gitRepo", "value": plan.gitops_repo}]
    return variables + [{"name": plan.image_var(repo), "value": repo} for repo in plan.image_repos]


def stage_object(plan: PipelinePlan, stage: StagePlan, meta: dict) -> dict:
    """A Stage without status, with the spec of gitops/kargo/stage-<name>.yaml; the simulator adds status."""
    sources: dict = {"stages": list(stage.upstream)} if stage.upstream else {"direct": True}
    annotations = dict(meta.get("annotations") or {})
    if stage.description:
        annotations[DESCRIPTION_ANNOTATION] = stage.description
    if stage.color:
        annotations[COLOR_ANNOTATION] = stage.color
    return {
        "apiVersion": KARGO_API,
        "kind": "Stage",
        "metadata": {**meta, "annotations": annotations},
        "spec": {
            "requestedFreight": [{"origin": plan.origin, "sources": sources}],
            "promotionTemplate": {"spec": {"vars": promotion_vars(plan), "steps": promotion_steps(plan)}},
            "verification": {
                "analysisTemplates": [{"name": plan.analysis_template()}],
                "args": [{"name": "namespace", "value": plan.app_namespace(stage.name)}],
            },
        },
    }


def argocd_context(plan: PipelinePlan, stage: str) -> str:
    """The value Kargo writes to `kargo.akuity.io/argocd-context` after a promotion that synced Argo CD."""
    return json.dumps([{"name": plan.app_name(stage), "namespace": plan.argocd_namespace}])


def app_source(plan: PipelinePlan, stage: str) -> dict:
    return {"repoURL": plan.gitops_repo, "targetRevision": plan.env_branch(stage), "path": "."}


def app_destination(plan: PipelinePlan, stage: str) -> dict:
    return {"server": IN_CLUSTER, "namespace": plan.app_namespace(stage)}


def application_object(plan: PipelinePlan, stage: str, meta: dict) -> dict:
    """The Application of gitops/argocd/application-<stage>.yaml: Kargo may update it (`authorized-stage`);
    it tracks the env/<stage> branch and syncs only when Kargo's argocd-update step asks."""
    annotations = {AUTHORIZED_STAGE_ANNOTATION: f"{plan.project}:{stage}"}
    labels = {"app.kubernetes.io/part-of": plan.project, "app.kubernetes.io/environment": stage}
    return {
        "apiVersion": ARGOCD_API,
        "kind": "Application",
        "metadata": {**meta, "labels": labels, "annotations": annotations},
        "spec": {
            "project": plan.project,
            "source": app_source(plan, stage),
            "destination": app_destination(plan, stage),
            "revisionHistoryLimit": 10,
            "syncPolicy": {
                "syncOptions": ["CreateNamespace=true", "PruneLast=true"],
                "retry": {
                    "limit": 3,
                    "backoff": {"duration": "10s", "factor": 2, "maxDuration": "2m"},
                },
            },
        },
    }


def deployed_workloads(plan: PipelinePlan) -> list[tuple[str, str, str]]:
    """(group, kind, name) of what each environment runs: one Deployment and Service per image."""
    workloads = []
    for repo in plan.image_repos:
        component = repo.rsplit("/", 1)[-1]
        workloads.append(("apps", "Deployment", component))
        workloads.append(("", "Service", component))
    return workloads
