"""The write side of one process: permissions, audit store + follower, the gateway and the action service.

The Runtime owns one WriteSide and starts it after its source (the gateway needs the simulator or the
cluster connection) and before the first board is published (the board shows who approved what). It gets
what it uses, not the Runtime: the object store, the latest board, a way to ask for a new one, the simulator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from dashboard.actions.gateway import Gateway, ReadOnlyGateway
from dashboard.actions.permissions import Permissions
from dashboard.actions.service import ActionService
from dashboard.audit.follower import AuditFollower
from dashboard.audit.shared import SharedState
from dashboard.audit.store import AuditEntry, AuditStore, AuditUnavailable, describe_url
from dashboard.auth.roles import parse_stage_policy
from dashboard.model import Board
from dashboard.settings import Settings
from dashboard.sources.simulator import Simulator
from dashboard.sources.store import ObjectStore

log = logging.getLogger(__name__)


class WriteSide:
    def __init__(self, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.permissions = Permissions(
            policy=parse_stage_policy(settings.stage_policy),
            admin_actions=settings.admin_actions,
            writable=settings.source in ("simulator", "kubernetes"),
        )
        self.clock = clock
        self.audit = AuditStore(settings.audit_url, clock)
        self.shared = SharedState(self.audit)  # what replicas agree on: logins, sessions, claims
        self.gateway: Gateway | None = None
        self.follower: AuditFollower | None = None
        self.service: ActionService | None = None

    def start(
        self,
        store: ObjectStore,
        latest_board: Callable[[], Board],
        refresh: Callable[[], None],
        simulator: Simulator | None = None,
    ) -> None:
        """`refresh` asks for a new board now (after an action, or when the audit log changes)."""
        if self.gateway is None:
            self.gateway = self._gateway(simulator)
        try:
            self.audit.migrate()
        except AuditUnavailable as error:
            # The board still serves; actions are refused until the audit store answers (retried per action).
            log.error("audit log (%s) unavailable at start-up: %s", describe_url(self.audit.url), error)
        self.follower = AuditFollower(self.audit, store, self.settings.project, refresh)
        self.follower.start()
        self.service = ActionService(
            board=latest_board,
            gateway=lambda: self.gateway or ReadOnlyGateway(),
            audit=self.audit,
            shared=self.shared,
            permissions=self.permissions,
            on_recorded=lambda entry: self._recorded(refresh, entry),
        )

    def stop(self) -> None:
        if self.follower:
            self.follower.stop()
        self.audit.dispose()

    def _recorded(self, refresh: Callable[[], None], entry: AuditEntry) -> None:
        if self.follower:
            self.follower.track(entry)
        refresh()  # "approved by <name>" shows without waiting for a cluster change

    def _gateway(self, simulator: Simulator | None) -> Gateway:
        # Imported here: each gateway pulls in its own client stack.
        # pylint: disable=import-outside-toplevel
        settings = self.settings
        if settings.source == "simulator" and simulator is not None:
            from dashboard.actions.simulator_gateway import SimulatorGateway

            return SimulatorGateway(simulator)
        if settings.source == "kubernetes":
            from dashboard.actions.kube_gateway import KubeGateway
            from dashboard.sources.kube import load_api_client

            try:
                api = load_api_client(settings.kubeconfig, settings.kube_context)
            except Exception as error:  # pylint: disable=broad-exception-caught  # any config problem
                log.error("no Kubernetes client for actions (%s): the board stays read-only", error)
                return ReadOnlyGateway()
            return KubeGateway(api, settings.project, impersonate=settings.impersonate, clock=self.clock)
        return ReadOnlyGateway()
