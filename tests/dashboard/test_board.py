"""The whole board from the realistic snapshot, its JSON form, and robustness to extra or missing fields."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from dashboard.model import board_to_json, build_board
from dashboard.sources.snapshot import load_snapshot
from tests.dashboard import factories as f

FIXTURE = Path(__file__).parent / "fixtures" / "userapp.yaml"
STAGE_KEYS = [
    "name",
    "description",
    "color",
    "controlFlow",
    "depth",
    "origins",
    "directWarehouses",
    "upstream",
    "downstream",
    "currentFreight",
    "currentFreightByOrigin",
    "freightSummary",
    "images",
    "commits",
    "health",
    "state",
    "verification",
    "promotion",
    "lastPromotion",
    "autoPromotion",
    "applications",
    "promotableFreight",
    "soakingFreight",
    "warnings",
    "availableFreight",
    "queuedPromotions",
]
FREIGHT_KEYS = [
    "name",
    "alias",
    "warehouse",
    "origin",
    "images",
    "commits",
    "discoveredAt",
    "currentlyIn",
    "verifiedIn",
    "approvedFor",
    "promotableTo",
    "label",
    "rejected",
]


def fixture_board():
    snapshot = load_snapshot(FIXTURE)
    return build_board(snapshot.objects, project=snapshot.project, now=f.NOW)


def test_realistic_snapshot() -> None:
    board = fixture_board()
    assert [(s.name, s.state.phase) for s in board.stages] == [
        ("dev", "Promoting"),
        ("stg", "Ready"),
        ("prod", "Ready"),
    ]
    dev, stg, prod = board.stages
    assert [c.alias for c in (dev.current_freight + stg.current_freight + prod.current_freight)] == [
        "calm-heron",
        "brave-lynx",
        "tidy-otter",
    ]
    assert dev.auto_promotion.enabled and not stg.auto_promotion.enabled
    assert dev.promotion is not None and (dev.promotion.freight_alias, dev.promotion.step_number) == (
        "eager-fox",
        2,
    )
    assert prod.last_promotion is not None and prod.last_promotion.actor == "po@example.com"
    assert [a.name for a in board.stages[2].applications] == ["userapp-prod"]
    alias = {item.name: item.alias for item in board.freight}
    assert [alias[name] for name in stg.promotable_freight] == ["calm-heron", "tidy-otter"]
    assert [alias[name] for name in prod.promotable_freight] == ["brave-lynx"]
    assert [item.alias for item in board.freight] == ["eager-fox", "calm-heron", "brave-lynx", "tidy-otter"]
    assert [(d.upstream, d.downstream, d.commits_ahead) for d in board.diffs] == [
        ("dev", "stg", 1),
        ("stg", "prod", 1),
    ]
    assert board.warehouses[0].subscriptions == (
        "image:docker.io/demo/userapp-backend",
        "image:docker.io/demo/userapp-frontend",
        "git:https://github.com/demo/userapp.git",
    )


def test_json_has_the_documented_keys_in_a_stable_order() -> None:
    data = board_to_json(fixture_board())
    assert list(data) == [
        "schemaVersion",
        "project",
        "generatedAt",
        "stages",
        "freight",
        "warehouses",
        "diffs",
        "warnings",
        "unclaimedApplications",
        "unclaimedPromotions",
    ]
    assert data["generatedAt"] == "2026-09-20T12:00:00Z"
    stage = data["stages"][0]
    assert list(stage) == STAGE_KEYS
    assert stage["promotion"]["step"] == {"number": 2, "count": 5, "alias": "kustomize-set-image"}
    assert stage["currentFreight"]["alias"] == "calm-heron"
    assert list(data["freight"][0]) == FREIGHT_KEYS
    assert data["freight"][0]["images"][0]["repoURL"] == f.BACKEND
    assert json.dumps(data) == json.dumps(board_to_json(fixture_board()))


def test_unknown_fields_are_ignored() -> None:
    plain = fixture_board()
    snapshot = load_snapshot(FIXTURE)
    decorated = copy.deepcopy({kind: list(objs) for kind, objs in snapshot.objects.items()})
    for objs in decorated.values():
        for obj in objs:
            obj["futureField"] = {"x": 1}
            obj.setdefault("status", {})["promotionWindowStatus"] = {"closed": True}
            obj.get("spec", {})["target"] = "main-only"
    assert build_board(decorated, project="userapp", now=f.NOW) == plain


def test_missing_optional_fields_do_not_crash() -> None:
    origin = {"kind": "Warehouse", "name": "w"}
    authorized = {"kargo.akuity.io/authorized-stage": "p:dev"}
    bare = {
        "Stage": [
            {"metadata": {"name": "dev"}, "spec": {"requestedFreight": [{"origin": origin, "sources": {}}]}}
        ],
        "Freight": [{"metadata": {"name": "abc"}, "origin": origin}],
        "Promotion": [{"metadata": {"name": "dev.1.abc"}, "spec": {"stage": "dev"}}],
        "Warehouse": [{"metadata": {"name": "w"}}],
        "Application": [{"metadata": {"name": "a", "annotations": authorized}}],
    }
    board = build_board(bare, project="p", now=f.NOW)
    dev = board.stage("dev")
    # A Promotion with no status yet is queued, not in progress (issue 14).
    assert (dev.state.phase, dev.promotion, dev.last_promotion) == ("Unknown", None, None)
    assert [(p.name, p.queued, p.phase) for p in dev.queued_promotions] == [("dev.1.abc", True, "")]
    assert [a.name for a in dev.applications] == ["a"]
    assert board.freight[0].promotable_to == ()
    assert board_to_json(board)["stages"][0]["currentFreight"] is None


def test_empty_objects_give_an_empty_board() -> None:
    board = build_board({}, project="p", now=f.NOW)
    assert (board.stages, board.freight, board.warehouses, board.diffs) == ((), (), (), ())


def test_naive_now_is_taken_as_utc() -> None:
    board = build_board({}, project="p", now=f.NOW.replace(tzinfo=None))
    assert board_to_json(board)["generatedAt"] == "2026-09-20T12:00:00Z"
