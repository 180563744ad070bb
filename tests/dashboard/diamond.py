"""A five-Stage diamond as a snapshot: one Warehouse, dev, two parallel test Stages (qa, perf), prod.

Caught mid-talk: Freight `brave-otter` is being promoted into qa (step 3 of 5), perf is verifying
`calm-heron`, prod runs `amber-fox` that the PO approved; written as `kubectl get ... -o yaml` would print it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.dashboard.factories import (
    NOW,
    at,
    failed_conditions,
    freight,
    promoting_conditions,
    promotion,
    ready_conditions,
    request,
    stage,
    verification,
    verified,
    verifying_conditions,
    warehouse,
)

STAGES = ("dev", "qa", "perf", "prod")
RUNNING_INTO = "qa"  # the Stage with a Promotion running
SNAPSHOT_TIME = NOW


FAILURE = "remote: Permission to promotionboard/gitops.git denied"


def _freight() -> tuple[dict, dict, dict]:
    """amber-fox (in prod), calm-heron (in qa and perf), brave-otter (in dev), oldest first."""
    old = freight(
        "amber-fox",
        discovered=-300,
        currently_in={"prod": -120},
        verified_in={name: verified(-200) for name in ("dev", "qa", "perf", "prod")},
    )
    middle = freight(
        "calm-heron",
        discovered=-90,
        currently_in={"qa": -50, "perf": -3},
        verified_in={"dev": verified(-80), "qa": verified(-45)},
    )
    new = freight(
        "brave-otter", discovered=-20, currently_in={"dev": -15}, verified_in={"dev": verified(-10)}
    )
    return old, middle, new


def diamond_objects() -> list[dict]:
    old, middle, new = _freight()
    to_prod = promotion("prod", old, actor="email:po@example.com", started=-121, seq=1)
    to_qa_before = promotion("qa", middle, actor="email:qa@example.com", started=-51, seq=2)
    to_perf = promotion("perf", middle, actor="email:qa@example.com", started=-4, seq=3)
    to_dev = promotion("dev", new, actor=None, started=-16, seq=4)
    running = promotion(
        RUNNING_INTO, new, phase="Running", current_step=2, actor="email:qa@example.com", started=-0.5, seq=5
    )
    stages = [
        stage(
            "dev",
            requests=[request(direct=True)],
            current=[new],
            verifications=[verification(minutes=-11)],
            last_promotion=to_dev,
            auto_promotion=True,
        ),
        stage(
            "qa",
            requests=[request(stages=["dev"])],
            current=[middle],
            conditions=promoting_conditions(running["metadata"]["name"]),
            verifications=[verification(minutes=-46)],
            last_promotion=to_qa_before,
            current_promotion=running["metadata"]["name"],
        ),
        stage(
            "perf",
            requests=[request(stages=["dev"])],
            current=[middle],
            conditions=verifying_conditions(),
            verifications=[verification("Running", minutes=-2)],
            last_promotion=to_perf,
            health="Progressing",
        ),
        stage(
            "prod",
            requests=[request(stages=["qa", "perf"], strategy="All")],
            current=[old],
            conditions=ready_conditions(),
            verifications=[verification(minutes=-118)],
            last_promotion=to_prod,
        ),
    ]
    return [warehouse(), *stages, old, middle, new, to_prod, to_qa_before, to_perf, to_dev, running]


def write_snapshot(path: Path) -> Path:
    """The diamond as a `kind: List` YAML file, the shape `kubectl get -o yaml` prints."""
    document = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": diamond_objects(),
    }
    path.write_text(
        f"# snapshot time {at(0)}\n" + yaml.safe_dump(document, sort_keys=False), encoding="utf-8"
    )
    return path


def failed_promotion_into_qa() -> tuple[dict, dict]:
    """The running Promotion fails at git-push: the Promotion and the qa Stage as Kargo then writes them."""
    _, middle, new = _freight()
    failed = promotion(
        RUNNING_INTO,
        new,
        phase="Failed",
        current_step=3,
        failed_message=FAILURE,
        actor="email:qa@example.com",
        started=-0.5,
        seq=5,
    )
    qa = stage(
        RUNNING_INTO,
        requests=[request(stages=["dev"])],
        current=[middle],
        conditions=failed_conditions(),
        verifications=[verification(minutes=-46)],
        last_promotion=failed,
    )
    return failed, qa
