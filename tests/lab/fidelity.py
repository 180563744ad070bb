"""Simulator fidelity: the field paths real Kargo writes, against the ones the embedded simulator writes.

A path is dotted, with `[]` for any list item and `*` for a map keyed by names (Stages, Warehouses). Only what
Kargo writes is compared: a Stage's and a Warehouse's `status` (their spec is the user's), a Freight's
artifacts and status, a Promotion's spec (completed by Kargo's webhook, or written by its auto-promotion) and
status. `metadata` is the apiserver's and the writer's business, not the board's: left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from dashboard.sources.simulator import Simulator
from dashboard.sources.store import ObjectStore

KARGO_KINDS = ("Stage", "Freight", "Promotion", "Warehouse")
# Which part of each kind Kargo writes.
WRITTEN = {
    "Stage": ("status",),
    "Warehouse": ("status",),
    "Freight": ("alias", "origin", "images", "commits", "charts", "artifacts", "discoveredAt", "status"),
    "Promotion": ("spec", "status"),
}
# Maps keyed by object names: their keys are data, not fields (so are every `annotations` map's keys).
KEYED_BY_NAME = {
    "Stage": (
        "status.freightHistory[].items",
        "status.autoPromotionHolds",
        "status.effectiveAutoPromotionHolds",
    ),
    "Freight": ("status.currentlyIn", "status.verifiedIn", "status.approvedFor"),
    "Promotion": ("status.freightCollection.items",),
    "Warehouse": (),
}
# Free-form values (a step's config and outputs, a health check's raw output): compared as one leaf.
OPAQUE = {
    "Stage": ("status.health.output", "status.health.config", "status.lastPromotion.status.state"),
    "Freight": ("status.metadata",),
    "Promotion": ("spec.steps[].config", "status.state", "status.healthChecks[].config", "spec.vars[].value"),
    "Warehouse": (),
}

# Paths real Kargo wrote in the recorded run that the simulator leaves out on purpose, with the reason.
DELIBERATE_OMISSIONS: dict[str, set[str]] = {
    "Stage": set(),
    "Freight": set(),
    "Promotion": set(),
    "Warehouse": set(),
}


def field_paths(kind: str, obj: Mapping[str, Any]) -> set[str]:
    """The dotted paths of every leaf of the part of `obj` Kargo writes."""
    out: set[str] = set()

    def walk(value: Any, path: str) -> None:
        if path in OPAQUE[kind]:
            out.add(path)
        elif isinstance(value, Mapping) and value:
            keyed = path in KEYED_BY_NAME[kind] or path.endswith(".annotations")
            for key, item in value.items():
                walk(item, f"{path}.{'*' if keyed else key}")
        elif isinstance(value, list) and value:
            for item in value:
                walk(item, f"{path}[]")
        else:
            out.add(path)

    for top in WRITTEN[kind]:
        if top in obj:
            walk(obj[top], top)
    return out


def paths_by_kind(changes: Iterable[tuple[str, Mapping[str, Any]]]) -> dict[str, set[str]]:
    """Union of the field paths over every (kind, object) change, per Kargo kind."""
    paths: dict[str, set[str]] = {kind: set() for kind in KARGO_KINDS}
    for kind, obj in changes:
        if kind in paths:
            paths[kind] |= field_paths(kind, obj)
    return paths


class _CollectingStore(ObjectStore):
    """An ObjectStore that also keeps every object it was given, for the paths of every version."""

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[tuple[str, dict]] = []

    def upsert(self, kind: str, obj: dict) -> None:
        self.changes.append((kind, obj))
        super().upsert(kind, obj)


@cache
def _simulator_paths() -> dict[str, frozenset[str]]:
    """The simulator over the lab's story, after its bootstrap history: a refresh, new Freight, dev
    auto-promoted and verified, stg promoted by QA."""
    store = _CollectingStore()
    start = datetime(2026, 9, 20, 9, 0, tzinfo=UTC)
    simulator = Simulator(store, project="userapp", seed=1, start=start)
    now = start + timedelta(hours=3)
    simulator.bootstrap(now)
    simulator.refresh_warehouse(actor="admin")
    freight = simulator.new_freight(message="feat: one more build")
    # Small steps: the simulator publishes at each advance, so every intermediate state is seen.
    for second in range(2, 15 * 60, 2):
        simulator.advance(now + timedelta(seconds=second))
    simulator.promote("stg", freight["metadata"]["name"], actor="kubernetes:user-a")
    for second in range(15 * 60, 40 * 60, 2):
        simulator.advance(now + timedelta(seconds=second))
    return {kind: frozenset(paths) for kind, paths in paths_by_kind(store.changes).items()}


def simulator_paths() -> dict[str, set[str]]:
    """The paths the simulator writes over the same story as the lab's run (computed once per session)."""
    return {kind: set(paths) for kind, paths in _simulator_paths().items()}


def unexplained(kargo: Mapping[str, set[str]], simulator: Mapping[str, set[str]]) -> dict[str, list[str]]:
    """Per kind, the paths Kargo wrote that the simulator does not and that are not deliberate omissions."""
    return {
        kind: sorted(kargo[kind] - simulator[kind] - DELIBERATE_OMISSIONS[kind])
        for kind in KARGO_KINDS
        if kargo[kind] - simulator[kind] - DELIBERATE_OMISSIONS[kind]
    }
