"""The pipeline the simulator plays: which Warehouse, Stages and Argo CD Applications exist, and their specs.

Only desired state lives here (what `kubectl apply` would create); status is the controllers' business.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

KARGO_API = "kargo.akuity.io/v1alpha1"
ARGOCD_API = "argoproj.io/v1alpha1"
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
    image_repos: tuple[str, ...] = ("docker.io/demo/userapp-backend", "docker.io/demo/userapp-frontend")
    source_repo: str = "https://github.com/demo/userapp.git"
    gitops_repo: str = "https://github.com/demo/userapp-gitops.git"
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

    def analysis_template(self) -> str:
        return f"{self.project}-smoke-test"


def warehouse_object(plan: PipelinePlan, meta: dict) -> dict:
    image_subscriptions = [
        {
            "image": {
                "repoURL": repo,
                "imageSelectionStrategy": "NewestBuild",
                "allowTags": "^[0-9a-f]{8}$",
                "discoveryLimit": 20,
            }
        }
        for repo in plan.image_repos
    ]
    git_subscription = {
        "git": {
            "repoURL": plan.source_repo,
            "branch": "main",
            "commitSelectionStrategy": "NewestFromBranch",
            "discoveryLimit": 20,
        }
    }
    return {
        "apiVersion": KARGO_API,
        "kind": "Warehouse",
        "metadata": meta,
        "spec": {
            "interval": "5m0s",
            "freightCreationPolicy": "Automatic",
            "subscriptions": [*image_subscriptions, git_subscription],
        },
    }


def promotion_steps(plan: PipelinePlan, stage: str) -> list[dict]:
    """The promotion template every Stage uses: render the overlay, push it to env/<stage>, sync Argo CD."""
    overlay = f"./src/kustomize/overlays/{stage}"
    return [
        {
            "uses": "git-clone",
            "as": "clone",
            "config": {
                "repoURL": "${{ vars.gitopsRepo }}",
                "checkout": [
                    {"branch": "main", "path": "./src"},
                    {"branch": plan.env_branch(stage), "create": True, "path": "./out"},
                ],
            },
        },
        {"uses": "git-clear", "as": "clear", "config": {"path": "./out"}},
        {
            "uses": "kustomize-set-image",
            "as": "update-image",
            "config": {"path": overlay, "images": [{"image": repo} for repo in plan.image_repos]},
        },
        {"uses": "kustomize-build", "as": "build", "config": {"path": overlay, "outPath": "./out"}},
        {
            "uses": "git-commit",
            "as": "commit",
            "config": {"path": "./out", "message": "${{ outputs['update-image'].commitMessage }}"},
        },
        {"uses": "git-push", "as": "push", "config": {"path": "./out"}},
        {
            "uses": "argocd-update",
            "as": "sync",
            "config": {
                "apps": [
                    {
                        "name": plan.app_name(stage),
                        "sources": [
                            {
                                "repoURL": "${{ vars.gitopsRepo }}",
                                "desiredRevision": "${{ outputs.commit.commit }}",
                            }
                        ],
                    }
                ]
            },
        },
    ]


def promotion_vars(plan: PipelinePlan) -> list[dict]:
    return [{"name": "gitopsRepo", "value": plan.gitops_repo}]


def stage_object(plan: PipelinePlan, stage: StagePlan, meta: dict) -> dict:
    """A Stage without status; the simulator adds status on every change."""
    sources: dict = {"stages": list(stage.upstream)} if stage.upstream else {"direct": True}
    if stage.auto_promotion:
        sources["autoPromotionOptions"] = {"selectionPolicy": "NewestFreight"}
    annotations = dict(meta.get("annotations") or {})
    if stage.description:
        annotations["kargo.akuity.io/description"] = stage.description
    if stage.color:
        annotations["kargo.akuity.io/color"] = stage.color
    return {
        "apiVersion": KARGO_API,
        "kind": "Stage",
        "metadata": {**meta, "annotations": annotations},
        "spec": {
            "requestedFreight": [{"origin": plan.origin, "sources": sources}],
            "promotionTemplate": {
                "spec": {"vars": promotion_vars(plan), "steps": promotion_steps(plan, stage.name)}
            },
            "verification": {
                "analysisTemplates": [{"name": plan.analysis_template()}],
                "args": [
                    {"name": "url", "value": f"http://{plan.project}-backend.{plan.project}-{stage.name}"}
                ],
            },
        },
    }


def argocd_context(plan: PipelinePlan, stage: str) -> str:
    """The value Kargo writes to `kargo.akuity.io/argocd-context` after a promotion that synced Argo CD."""
    return json.dumps([{"name": plan.app_name(stage), "namespace": plan.argocd_namespace}])


def app_source(plan: PipelinePlan, stage: str) -> dict:
    return {"repoURL": plan.gitops_repo, "targetRevision": plan.env_branch(stage), "path": "."}


def app_destination(plan: PipelinePlan, stage: str) -> dict:
    return {"server": IN_CLUSTER, "namespace": f"{plan.project}-{stage}"}


def application_object(plan: PipelinePlan, stage: str, meta: dict) -> dict:
    """An Argo CD Application Kargo may update (`authorized-stage`), tracking the env/<stage> branch."""
    annotations = {"kargo.akuity.io/authorized-stage": f"{plan.project}:{stage}"}
    return {
        "apiVersion": ARGOCD_API,
        "kind": "Application",
        "metadata": {
            **meta,
            "annotations": annotations,
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": "default",
            "source": app_source(plan, stage),
            "destination": app_destination(plan, stage),
            "syncPolicy": {"syncOptions": ["CreateNamespace=true"]},
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
