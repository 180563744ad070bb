"""The embedded simulator: Kargo's and Argo CD's controllers for one project, driven by injected time.

It never reads the clock. `advance(now)` fires every timer due up to `now` at its own instant, so a test
that jumps a minute ahead sees the same objects as a server ticking twice a second. All state changes go
through the simulator's lock; every change ends with fresh dicts upserted into the ObjectStore.
"""

from __future__ import annotations

import copy
import random
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from dashboard.sources.simulation.availability import auto_promotion_candidate, unavailability
from dashboard.sources.simulation.conditions import set_condition
from dashboard.sources.simulation.context import SimulationContext, SimulatorEvent
from dashboard.sources.simulation.errors import (
    FreightNotAvailableError,
    InvalidRequestError,
    PromotionTerminalError,
    UnknownFreightError,
    UnknownPromotionError,
    UnknownStageError,
)
from dashboard.sources.simulation.ids import (
    UlidFactory,
    random_hex,
    random_uuid,
)
from dashboard.sources.simulation.pipeline import PipelinePlan
from dashboard.sources.simulation.promotion_controller import PromotionController
from dashboard.sources.simulation.render_argocd import render_application
from dashboard.sources.simulation.render_kargo import (
    render_freight,
    render_promotion,
    render_stage,
    render_warehouse,
)
from dashboard.sources.simulation.stage_controller import StageController
from dashboard.sources.simulation.state import (
    ApplicationState,
    FreightState,
    ObjectIdentity,
    SimulatedStage,
    Timings,
    WarehouseState,
    World,
)
from dashboard.sources.simulation.warehouse_controller import WarehouseController, validate_tag
from dashboard.sources.store import ObjectStore
from dashboard.vocabulary import CREATE_ACTOR_ANNOTATION, HOLD_ANNOTATION, RESUME_ANNOTATION, kube_time

DEFAULT_START = datetime(2026, 9, 20, 9, 0, tzinfo=UTC)
MIN_BOOTSTRAP_SPAN = timedelta(minutes=10)
_RECONCILE_ROUNDS = 3  # a finished Promotion can cascade: history -> health -> auto-promotion -> pickup


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise InvalidRequestError(f"simulated time must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


class Simulator:
    """A Warehouse, Stages dev -> stg -> prod and their Argo CD Applications, played in simulated time.

    Args:
        store: where every object goes, as a fresh dict on every change.
        project: the Kargo project (namespace) and name prefix; the Warehouse has the same name.
        seed: seeds every name, SHA, digest and alias: same seed and times give the same objects.
        start: simulated time of creation of the Warehouse, Stages and Applications.
        timings: how long promotion steps, syncs, rollouts and verifications take.
        freight_interval: when set, CI pushes a new build this often (simulated time).
        plan: the pipeline; defaults to the demo's (images userapp-backend and userapp-frontend).
    """

    def __init__(
        self,
        store: ObjectStore,
        project: str = "userapp",
        seed: int = 0,
        start: datetime = DEFAULT_START,
        *,
        timings: Timings | None = None,
        freight_interval: timedelta | None = None,
        plan: PipelinePlan | None = None,
    ) -> None:
        start = _utc(start)
        plan = plan or PipelinePlan(project=project, warehouse=project)
        rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not security
        self._store = store
        self._lock = threading.RLock()
        self._published: dict[tuple[str, str, str], dict] = {}
        self._rt = SimulationContext(
            world=_initial_world(plan, rng, start),
            rng=rng,
            timings=timings or Timings(),
            now=start,
            ulids=UlidFactory(rng),
        )
        self._warehouse = WarehouseController(self._rt)
        self._promotions = PromotionController(self._rt)
        self._stages = StageController(self._rt, self._promotions)
        if freight_interval is not None:
            self._schedule_ci_push(start + freight_interval, freight_interval)
        with self._lock:
            self._reconcile(start)
            self._publish()

    # -- reading --------------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        """The simulated time everything has been brought up to."""
        return self._rt.now

    @property
    def plan(self) -> PipelinePlan:
        return self._rt.world.plan

    @property
    def events(self) -> tuple[SimulatorEvent, ...]:
        """Recent requests (creations, approvals, aborts, refreshes) with their actors, oldest first."""
        with self._lock:
            return tuple(self._rt.events)

    # -- time -----------------------------------------------------------------------------------------
    def advance(self, now: datetime) -> None:
        """Fire every timer due up to `now`, each at its own instant, then publish. Ignores earlier times."""
        now = _utc(now)
        with self._lock:
            if now < self._rt.now:
                return
            while (due := self._rt.scheduler.pop_due(now)) is not None:
                moment, action = due
                self._rt.now = moment
                action(moment)
                self._reconcile(moment)
            self._rt.now = now
            self._publish()

    tick = advance

    def bootstrap(self, now: datetime) -> None:
        """Play a history from `start` to `now`: prod on an old build, stg newer, dev newest, all healthy.

        Runs through the same controllers as live requests, so history, verifications and Argo CD deploy
        history are consistent. Needs an empty simulator and at least ten simulated minutes.
        """
        now = _utc(now)
        with self._lock:
            span = now - self._rt.now
            if self._rt.world.freight or span < MIN_BOOTSTRAP_SPAN:
                raise InvalidRequestError(
                    "bootstrap needs a simulator without Freight and 10 minutes or more between start and now"
                )
            qa, po = "email:qa@example.com", "email:po@example.com"
            first_stage, second_stage = (stage.name for stage in self.plan.stages[1:3])
            start = self._rt.now
            script: list[tuple[float, Callable[[], object]]] = [
                (0.00, lambda: self.new_freight(message="feat(backend): paginate GET /users")),
                (0.10, lambda: self.promote(first_stage, self._freight_at(0), actor=qa)),
                (0.20, lambda: self.promote(second_stage, self._freight_at(0), actor=po)),
                (0.35, lambda: self.new_freight(message="fix(backend): return 409 on duplicate e-mail")),
                (0.50, lambda: self.promote(first_stage, self._freight_at(1), actor=qa)),
                (0.65, lambda: self.new_freight(message="feat(frontend): show the user's last login")),
                (0.80, lambda: self.new_freight(message="perf(backend): index users.email")),
            ]
            for fraction, step in script:
                self.advance(start + span * fraction)
                step()
            self.advance(now)

    # -- requests -------------------------------------------------------------------------------------
    def new_freight(
        self,
        backend_tag: str | None = None,
        frontend_tag: str | None = None,
        broken: bool = False,
        message: str | None = None,
    ) -> dict:
        """CI pushed a build and the Warehouse discovered it at once (a webhook-triggered refresh).

        Tags are short commit SHAs (8 hex digits); without tags a fresh commit rebuilds one or both images.
        A `broken` build deploys but its pods never become Ready. Returns the new Freight.
        """
        validate_tag(backend_tag, "backend")
        validate_tag(frontend_tag, "frontend")
        tags = dict(zip(self.plan.image_repos, (backend_tag, frontend_tag), strict=False))
        with self._lock:
            at = self._rt.now
            freight = self._warehouse.discover(at, tags, broken, message)
            self._rt.record(at, "FreightCreated", f'Freight "{freight.alias}" discovered by the Warehouse')
            return self._settle(at, "Freight", freight.name)

    def promote(self, stage: str, freight: str, actor: str | None = None) -> dict:
        """Create a Promotion of `freight` (name or alias) to `stage`, as Kargo's API and webhook would.

        `actor` becomes the `kargo.akuity.io/create-actor` annotation (e.g. `admin`, `email:qa@example.com`);
        None means the auto-promotion loop. Queued behind any running Promotion of the Stage.
        """
        with self._lock:
            at = self._rt.now
            stage_state = self._stage(stage)
            target = self._freight(freight)
            reason = unavailability(stage_state.plan, target)
            if reason is not None:
                raise FreightNotAvailableError(
                    f'Freight "{target.name[:7]}" ({target.alias}) is not available to Stage "{stage}": '
                    f"{reason}"
                )
            annotations = {CREATE_ACTOR_ANNOTATION: actor} if actor else {}
            annotations.update(self._hold_intent(stage_state, target))
            promotion = self._promotions.create(stage, target.name, annotations, at)
            self._rt.record(at, "PromotionCreated", f'Promotion "{promotion.name}" created', actor)
            return self._settle(at, "Promotion", promotion.name)

    def approve(self, freight: str, stage: str, actor: str) -> dict:
        """Manually approve `freight` for `stage` (`status.approvedFor`); a no-op when already approved."""
        if not actor:
            raise InvalidRequestError("approving Freight needs an actor")
        with self._lock:
            at = self._rt.now
            self._stage(stage)
            target = self._freight(freight)
            if stage not in target.approved_for:
                target.approved_for[stage] = at
                self._rt.record(
                    at, "FreightApproved", f'Freight "{target.alias}" approved for Stage "{stage}"', actor
                )
            return self._settle(at, "Freight", target.name)

    def abort(self, promotion: str, actor: str) -> dict:
        """Terminate a Pending or Running Promotion, as the `kargo.akuity.io/abort` annotation does."""
        if not actor:
            raise InvalidRequestError("aborting a Promotion needs an actor")
        with self._lock:
            at = self._rt.now
            target = self._rt.world.promotions.get(promotion)
            if target is None:
                raise UnknownPromotionError(
                    f'Promotion "{promotion}" not found in namespace "{self.plan.project}"'
                )
            if target.terminal:
                raise PromotionTerminalError(
                    f'Promotion "{promotion}" is already {target.phase} and can no longer be aborted'
                )
            self._promotions.abort(target, actor, at)
            self._rt.record(at, "PromotionAborted", target.message, actor)
            return self._settle(at, "Promotion", target.name)

    def refresh_warehouse(self, actor: str | None = None) -> dict:
        """Ask the Warehouse to look for new artifacts now; returns the Warehouse."""
        with self._lock:
            at = self._rt.now
            self._warehouse.refresh(at, kube_time(at))
            self._rt.record(at, "WarehouseRefreshed", f'Warehouse "{self.plan.warehouse}" refreshed', actor)
            return self._settle(at, "Warehouse", self.plan.warehouse)

    # -- internals ------------------------------------------------------------------------------------
    def _stage(self, name: str) -> SimulatedStage:
        stage = self._rt.world.stages.get(name)
        if stage is None:
            known = ", ".join(self._rt.world.stages)
            raise UnknownStageError(
                f'Stage "{name}" not found in namespace "{self.plan.project}" (stages: {known})'
            )
        return stage

    def _freight(self, name_or_alias: str) -> FreightState:
        world = self._rt.world
        found = world.freight.get(name_or_alias) or next(
            (f for f in world.freight.values() if f.alias == name_or_alias), None
        )
        if found is None:
            raise UnknownFreightError(
                f'Freight "{name_or_alias}" not found in namespace "{self.plan.project}" (by name or alias)'
            )
        return found

    def _freight_at(self, index: int) -> str:
        return list(self._rt.world.freight)[index]

    def _hold_intent(self, stage: SimulatedStage, freight: FreightState) -> dict[str, str]:
        """The webhook's auto-promotion hold: promoting anything but the candidate pauses auto-promotion."""
        if not stage.plan.auto_promotion:
            return {}
        origin_key = self.plan.origin_key
        candidate = auto_promotion_candidate(self._rt.world, stage.plan)
        if candidate is not None and candidate.name != freight.name:
            return {HOLD_ANNOTATION: origin_key}
        if origin_key in stage.auto_promotion_holds:
            return {RESUME_ANNOTATION: origin_key}
        return {}

    def push_builds_every(self, every: timedelta) -> None:
        """From now on, CI pushes a new build every `every` of simulated time.

        Started after `bootstrap`, which needs a simulator without Freight."""
        if every <= timedelta(0):
            raise InvalidRequestError(f"the CI interval must be positive, got {every}")
        with self._lock:
            self._schedule_ci_push(self._rt.now + every, every)

    def _schedule_ci_push(self, due: datetime, every: timedelta) -> None:
        def push(at: datetime) -> None:
            freight = self._warehouse.discover(at, dict.fromkeys(self.plan.image_repos), False, None)
            self._rt.record(at, "FreightCreated", f'Freight "{freight.alias}" discovered by the Warehouse')
            self._schedule_ci_push(at + every, every)

        self._rt.scheduler.at(due, push)

    def _settle(self, at: datetime, kind: str, name: str) -> dict:
        """Let the controllers react to a request, publish, and return a private copy of the object."""
        self._reconcile(at)
        self._publish()
        namespace = self.plan.project
        return copy.deepcopy(self._published[(kind, namespace, name)])

    def _reconcile(self, at: datetime) -> None:
        for _ in range(_RECONCILE_ROUNDS):
            for stage in self._rt.world.stages.values():
                self._stages.reconcile(stage, at)

    def _rendered(self) -> Iterator[tuple[str, dict]]:
        world = self._rt.world
        yield "Warehouse", render_warehouse(world)
        for stage in world.stages.values():
            yield "Stage", render_stage(world, stage)
        for freight in world.freight.values():
            yield "Freight", render_freight(world, freight)
        for promotion in world.promotions.values():
            yield "Promotion", render_promotion(world, promotion)
        for app in world.apps.values():
            yield "Application", render_application(world, app)

    def _publish(self) -> None:
        """Hand the store a fresh deep copy of each object that changed; unchanged ones are left alone."""
        for kind, obj in self._rendered():
            key = (kind, obj["metadata"]["namespace"], obj["metadata"]["name"])
            if self._published.get(key) != obj:
                fresh = copy.deepcopy(obj)
                self._published[key] = fresh
                self._store.upsert(kind, fresh)


def _initial_world(plan: PipelinePlan, rng: random.Random, start: datetime) -> World:
    def identity() -> ObjectIdentity:
        return ObjectIdentity(random_uuid(rng), start)

    missing = "No artifacts discovered"
    warehouse = WarehouseState(identity=identity())
    warehouse.conditions = set_condition(
        warehouse.conditions, "Healthy", "False", "MissingArtifacts", missing, start
    )
    warehouse.conditions = set_condition(
        warehouse.conditions, "Ready", "False", "MissingArtifacts", missing, start
    )
    stages = {stage.name: SimulatedStage(plan=stage, identity=identity()) for stage in plan.stages}
    apps = {
        stage.name: ApplicationState(
            stage=stage.name, identity=identity(), revision=random_hex(rng, 40), reconciled_at=start
        )
        for stage in plan.stages
    }
    return World(plan=plan, warehouse=warehouse, stages=stages, apps=apps)
