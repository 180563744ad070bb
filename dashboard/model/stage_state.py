"""Stage phase, health and verification, read the way Kargo v1.11 writes and its UI shows them.

Kargo Stages have no `status.phase` any more; the UI derives one from the conditions
(`ui/src/features/common/stage-status/utils.ts getStagePhase`), and so do we.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.model.objects import condition, dig, mapping, parse_time, sequence, text
from dashboard.model.types import Health, StageState, Verification

# Set by the controller when a Stage has never received Freight; the UI does not treat it as an error.
_NO_FREIGHT = "NoFreight"


def stage_state(stage: Mapping[str, Any]) -> StageState:
    """Kargo UI's phase rule, first match wins (the controller-heartbeat check is not observable here)."""
    promoting = condition(stage, "Promoting")
    if _is(promoting, "True") and _reason(promoting) != _NO_FREIGHT:
        return _state("Promoting", promoting)
    verified = condition(stage, "Verified")
    if _is(verified, "Unknown") and _reason(verified) != _NO_FREIGHT:
        return _state("Verifying", verified)
    reconciling = condition(stage, "Reconciling")
    if _is(reconciling, "True"):
        return _state("Reconciling", reconciling)
    ready = condition(stage, "Ready")
    if _is(ready, "False") and _reason(ready) != _NO_FREIGHT:
        return _state("Failed", ready)
    if _is(ready, "True"):
        return _state("Ready", ready)
    return StageState("Unknown", _reason(ready), text(mapping(ready).get("message")))


def stage_health(stage: Mapping[str, Any]) -> Health:
    health = mapping(dig(stage, "status", "health"))
    status = text(health.get("status")) or None
    issues = tuple(text(issue) for issue in sequence(health.get("issues")) if text(issue))
    return Health(status, issues)


def latest_verification(stage: Mapping[str, Any]) -> Verification | None:
    """The newest verification of the current Freight collection, if any ran."""
    history = sequence(dig(stage, "status", "freightHistory"))
    if not history:
        return None
    verifications = sequence(mapping(history[0]).get("verificationHistory"))
    if not verifications:
        return None
    latest = mapping(verifications[0])
    run = mapping(latest.get("analysisRun"))
    return Verification(
        id=text(latest.get("id")),
        phase=text(latest.get("phase")) or text(run.get("phase")),
        message=text(latest.get("message")),
        actor=text(latest.get("actor")),
        started_at=parse_time(latest.get("startTime")),
        finished_at=parse_time(latest.get("finishTime")),
        analysis_run=text(run.get("name")),
    )


def _is(cond: Mapping[str, Any] | None, status: str) -> bool:
    return cond is not None and cond.get("status") == status


def _reason(cond: Mapping[str, Any] | None) -> str:
    return text(mapping(cond).get("reason"))


def _state(phase: str, cond: Mapping[str, Any] | None) -> StageState:
    return StageState(phase, _reason(cond), text(mapping(cond).get("message")))
