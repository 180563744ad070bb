"""The simulator's private, mutable picture of the world; rendered into fresh object dicts on every change.

Keeping state apart from the dicts means no dict handed to the store is ever mutated afterwards.
"""

# These records mirror Kubernetes objects' status fields one to one, so they are wide on purpose.
# pylint: disable=too-many-instance-attributes

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from dashboard.sources.simulation.pipeline import PipelinePlan, StagePlan
from dashboard.vocabulary import CREATE_ACTOR_ANNOTATION, kube_time

TERMINAL_PHASES = frozenset({"Succeeded", "Failed", "Errored", "Aborted"})
TERMINAL_VERIFICATION = frozenset({"Successful", "Failed", "Error", "Aborted", "Inconclusive"})
HISTORY_LIMIT = 10  # Kargo keeps 10 freight collections and 10 verifications; Argo CD 10 deployments


@dataclass(frozen=True)
class Timings:
    """How long each simulated controller activity takes. Real Kargo is slower; a demo wants seconds."""

    pickup: timedelta = timedelta(seconds=1)  # a new Promotion waits for the controllers to notice it
    step: timedelta = timedelta(seconds=1)  # each promotion step except argocd-update
    sync: timedelta = timedelta(seconds=2)  # the Argo CD sync operation argocd-update waits for
    rollout: timedelta = timedelta(seconds=4)  # new pods becoming ready after the sync
    progress_deadline: timedelta = timedelta(seconds=20)  # a stuck rollout turns Degraded (k8s: 600 s)
    analysis_start: timedelta = timedelta(seconds=1)  # the AnalysisRun going from Pending to Running
    verification: timedelta = timedelta(seconds=4)  # the AnalysisRun's total run time


@dataclass
class ObjectIdentity:
    """What Kubernetes stamps on every object at creation."""

    uid: str
    created_at: datetime

    def metadata(self, name: str, namespace: str) -> dict:
        return {
            "name": name,
            "namespace": namespace,
            "uid": self.uid,
            "generation": 1,
            "creationTimestamp": kube_time(self.created_at),
        }


@dataclass
class VerifiedIn:
    verified_at: datetime
    longest_soak: timedelta | None = None


@dataclass
class FreightState:
    name: str
    alias: str
    identity: ObjectIdentity
    commits: list[dict]
    images: list[dict]
    broken: bool
    currently_in: dict[str, datetime] = field(default_factory=dict)
    verified_in: dict[str, VerifiedIn] = field(default_factory=dict)
    approved_for: dict[str, datetime] = field(default_factory=dict)

    @property
    def discovered_at(self) -> datetime:
        return self.identity.created_at


@dataclass
class VerificationState:
    """A VerificationInfo as the Stage recorded it, and the AnalysisRun's own progress it copies from."""

    id: str
    started_at: datetime
    analysis_run: str
    phase: str = "Pending"
    finished_at: datetime | None = None
    message: str = ""
    run_phase: str = "Pending"  # the AnalysisRun moves on its own; the Stage notices on its next reconcile
    run_finished_at: datetime | None = None

    @property
    def terminal(self) -> bool:
        return self.phase in TERMINAL_VERIFICATION


@dataclass
class CollectionState:
    """One entry of a Stage's freightHistory: a single-origin FreightCollection plus its verifications."""

    id: str
    freight: str
    verifications: list[VerificationState] = field(default_factory=list)  # newest first

    def has_running_verification(self) -> bool:
        return any(not vi.terminal for vi in self.verifications)


@dataclass
class StepRun:
    alias: str
    started_at: datetime
    status: str = "Running"
    finished_at: datetime | None = None
    message: str = ""


@dataclass
class PromotionState:
    name: str
    identity: ObjectIdentity
    stage: str
    freight: str
    steps: list[dict]
    annotations: dict[str, str]
    phase: str = "Pending"
    message: str = ""
    start_scheduled: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None
    current_step: int = 0
    step_runs: list[StepRun] = field(default_factory=list)
    outputs: dict[str, dict] = field(default_factory=dict)
    health_checks: list[dict] = field(default_factory=list)
    collection_id: str | None = None
    revision: str | None = None  # the env-branch commit git-commit produced

    @property
    def terminal(self) -> bool:
        return self.phase in TERMINAL_PHASES

    @property
    def actor(self) -> str | None:
        return self.annotations.get(CREATE_ACTOR_ANNOTATION)


@dataclass
class SimulatedStage:
    plan: StagePlan
    identity: ObjectIdentity
    conditions: list[dict] = field(default_factory=list)
    history: list[CollectionState] = field(default_factory=list)  # newest first
    current_promotion: str | None = None
    last_promotion: str | None = None
    health: dict | None = None
    synced_argocd: bool = False
    auto_promotion_holds: dict[str, dict] = field(default_factory=dict)
    reverify_requested: bool = False  # a re-promotion of the current Freight asks for a new verification
    ready_once: bool = False

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def current(self) -> CollectionState | None:
        return self.history[0] if self.history else None


@dataclass
class ApplicationState:
    """An Argo CD Application as its controller sees it: what is synced, what runs, how healthy it is."""

    stage: str
    identity: ObjectIdentity
    revision: str
    reconciled_at: datetime
    health: str = "Healthy"
    health_since: datetime | None = None
    sync_status: str = "Synced"
    operation: dict | None = None  # the requested operation while a sync is in flight
    operation_state: dict | None = None
    history: list[dict] = field(default_factory=list)  # oldest first, as Argo CD keeps it
    next_history_id: int = 0
    running_images: list[str] = field(default_factory=list)  # what the Deployments' pods run now
    stable_images: list[str] = field(default_factory=list)  # the last set that became Ready
    rollout_token: int = 0  # bumps on every sync so a superseded rollout timer does nothing


@dataclass
class WarehouseState:
    identity: ObjectIdentity
    conditions: list[dict] = field(default_factory=list)
    last_freight_id: str = ""
    discovered_at: datetime | None = None
    image_references: dict[str, list[dict]] = field(default_factory=dict)  # repo -> newest first
    commits: list[dict] = field(default_factory=list)  # newest first
    refresh_token: str | None = None


@dataclass
class World:
    """Everything the simulator knows, in creation order where order matters."""

    plan: PipelinePlan
    warehouse: WarehouseState
    stages: dict[str, SimulatedStage]
    apps: dict[str, ApplicationState]
    freight: dict[str, FreightState] = field(default_factory=dict)  # oldest first
    promotions: dict[str, PromotionState] = field(default_factory=dict)  # oldest first

    def stage_promotions(self, stage: str) -> list[PromotionState]:
        return sorted((p for p in self.promotions.values() if p.stage == stage), key=lambda p: p.name)
