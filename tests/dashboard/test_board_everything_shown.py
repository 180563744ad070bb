"""Issue 14: everything the objects say reaches the board model, and one bad object never blanks it."""

from __future__ import annotations

import copy

from dashboard.i18n import MESSAGES, diff_translator, notice_translator
from dashboard.model import board_to_json, build_board
from dashboard.model.types import Notice
from tests.dashboard import factories as f


def test_one_bad_object_is_left_out_named_and_the_rest_is_drawn() -> None:
    good = f.freight("calm-heron", currently_in={"dev": -30})
    bad = copy.deepcopy(f.freight("odd-one"))
    bad["status"] = {"verifiedIn": ["dev"]}  # a hand-edited dump: a list where the CRD has a map
    board = build_board(
        f.objects(
            f.warehouse(), f.stage("dev", requests=[f.request(direct=True)], current=[good]), good, bad
        ),
        project=f.PROJECT,
        now=f.NOW,
    )
    assert [stage.name for stage in board.stages] == ["dev"]
    assert [item.name for item in board.freight] == [good["metadata"]["name"]]
    [notice] = [notice for notice in board.warnings if notice.code == "invalid-object"]
    assert (notice.param("kind"), notice.param("name"), notice.param("field")) == (
        "Freight",
        repr(bad["metadata"]["name"]),
        "status.verifiedIn",
    )
    assert notice.param("why") == "expected an object, got a list"


def test_steps_without_spec_steps_read_i_of_unknown_with_each_steps_status() -> None:
    item = f.freight("calm-heron")
    promotion = f.promotion("dev", item, phase="Running", current_step=1)
    del promotion["spec"]["steps"]
    board = build_board(
        f.objects(
            f.stage(
                "dev", requests=[f.request(direct=True)], current_promotion=promotion["metadata"]["name"]
            ),
            item,
            promotion,
        ),
        project=f.PROJECT,
        now=f.NOW,
    )
    running = board.stage("dev").promotion
    assert running is not None and not running.queued
    assert (running.step_number, running.step_count) == (2, None)
    assert [(step.alias, step.status) for step in running.steps] == [
        ("git-clone", "Succeeded"),
        ("kustomize-set-image", "Running"),
    ]


def test_no_actor_annotation_is_unknown_not_a_person() -> None:
    item = f.freight("calm-heron")
    promotion = f.promotion("dev", item, actor=None)
    board = build_board(
        f.objects(
            f.stage("dev", requests=[f.request(direct=True)], last_promotion=promotion), item, promotion
        ),
        project=f.PROJECT,
        now=f.NOW,
    )
    last = board.stage("dev").last_promotion
    assert last is not None and (last.actor, last.actor_annotation) == (None, None)


def test_no_actor_in_a_stage_kargo_auto_promotes_is_kargos_auto_promotion() -> None:
    """Kargo's webhook gives every Promotion a create-actor except its controller's auto-promotions: with
    auto-promotion on, no actor is Kargo; with it off, no actor stays unknown."""
    item = f.freight("calm-heron")
    promotion = f.promotion("dev", item, actor=None)
    shown = {}
    for auto in (True, False):
        stage = f.stage(
            "dev", requests=[f.request(direct=True)], last_promotion=promotion, auto_promotion=auto
        )
        board = build_board(f.objects(stage, item, promotion), project=f.PROJECT, now=f.NOW)
        last = board.stage("dev").last_promotion
        assert last is not None and last.approved_by is not None
        shown[auto] = (last.approved_by.actor, last.approved_by.automatic)
    assert shown == {True: ("", True), False: ("", False)}


def test_freight_without_alias_is_named_by_enough_of_its_name() -> None:
    first, second = f.freight("a"), f.freight("b")
    for item, suffix in ((first, "1"), (second, "2")):
        item["metadata"]["name"] = "abcdef0123" + suffix * 30
        item["metadata"].pop("labels", None)
        item.pop("alias", None)
    board = build_board(
        f.objects(f.stage("dev", requests=[f.request(direct=True)]), first, second),
        project=f.PROJECT,
        now=f.NOW,
    )
    labels = sorted(item.label for item in board.freight)
    assert labels == ["abcdef01231", "abcdef01232"]


def test_rejected_freight_is_shown_and_never_promotable() -> None:
    item = f.freight("calm-heron")
    item["status"] = {"rejected": {"actor": "alice", "time": f.at(-3), "reason": "CVE-2026-1"}}
    board = build_board(
        f.objects(f.stage("dev", requests=[f.request(direct=True)]), item), project=f.PROJECT, now=f.NOW
    )
    view = board.freight_named(item["metadata"]["name"])
    assert view.rejected is not None and (view.rejected.actor, view.rejected.reason) == (
        "alice",
        "CVE-2026-1",
    )
    assert view.promotable_to == () and board.stage("dev").promotable_freight == ()
    assert board_to_json(board)["freight"][0]["rejected"]["reason"] == "CVE-2026-1"


def test_unclaimed_applications_and_promotions_have_their_own_place() -> None:
    item = f.freight("calm-heron")
    orphan_promotion = f.promotion("qa", item)
    orphan_app = f.application("nowhere", name="lonely-app", authorized="other:dev")
    board = build_board(
        f.objects(f.stage("dev", requests=[f.request(direct=True)]), item, orphan_promotion, orphan_app),
        project=f.PROJECT,
        now=f.NOW,
    )
    assert [app.name for app in board.unclaimed_applications] == ["lonely-app"]
    assert [(p.name, p.stage) for p in board.unclaimed_promotions] == [
        (orphan_promotion["metadata"]["name"], "qa")
    ]


def test_application_error_conditions_make_it_unhealthy_by_kargos_rule() -> None:
    app = f.application("dev", health="Healthy")
    app["status"]["conditions"] = [{"type": "ComparisonError", "message": "repo not found"}]
    app["status"].pop("operationState", None)
    board = build_board(
        f.objects(f.stage("dev", requests=[f.request(direct=True)]), app), project=f.PROJECT, now=f.NOW
    )
    [view] = board.stage("dev").applications
    assert view.health_status == "Healthy"  # what Argo CD says
    assert view.kargo_health == "Unhealthy"  # what Kargo concludes
    assert view.kargo_issues == (
        'Argo CD Application "userapp-dev" in namespace "argocd" has "ComparisonError" condition: '
        "repo not found",
    )
    assert [(c.code, c.message) for c in view.conditions] == [("ComparisonError", "repo not found")]


def test_hold_written_as_the_crd_writes_it_keeps_its_freight() -> None:
    item = f.freight("calm-heron")
    stage = f.stage("dev", requests=[f.request(direct=True)], auto_promotion=True)
    stage["status"]["autoPromotionHolds"] = {
        "Warehouse/userapp": {
            "freightName": item["metadata"]["name"],
            "origin": {"kind": "Warehouse", "name": "userapp"},
            "promotionName": "dev.hold",
            "actor": "admin",
            "createdAt": f.at(-10),
        }
    }
    board = build_board(f.objects(stage, item), project=f.PROJECT, now=f.NOW)
    [hold] = board.stage("dev").auto_promotion.holds
    assert (hold.freight, hold.freight_label, hold.recorded, hold.effective) == (
        item["metadata"]["name"],
        "calm-heron",
        True,
        False,
    )


def test_control_flow_stage_shows_available_freight_but_offers_nothing() -> None:
    item = f.freight("calm-heron", verified_in={"dev": f.verified()})
    gate = f.stage("gate", requests=[f.request(stages=["dev"])], steps=())
    board = build_board(
        f.objects(f.stage("dev", requests=[f.request(direct=True)]), gate, item), project=f.PROJECT, now=f.NOW
    )
    view = board.stage("gate")
    assert view.control_flow
    assert view.available_freight == (item["metadata"]["name"],)
    assert view.promotable_freight == ()


def test_what_changes_is_a_code_with_parameters_said_in_each_language() -> None:
    old, new = f.freight("calm-heron", discovered=-60), f.freight("brave-otter", discovered=-30)
    board = build_board(
        f.objects(
            f.stage("dev", requests=[f.request(direct=True)], current=[new]),
            f.stage("stg", requests=[f.request(stages=["dev"])], current=[old]),
            old,
            new,
        ),
        project=f.PROJECT,
        now=f.NOW,
    )
    [diff] = board.diffs
    assert diff.summary_code in ("ahead-commit", "ahead-version")
    assert dict(diff.summary_params)["count"] == "1"
    assert diff_translator("en")(diff) == diff.summary
    assert "à frente" in diff_translator("pt-BR")(diff)


def test_every_notice_code_the_model_uses_is_said_in_both_languages() -> None:
    codes = [
        "invalid-object",
        "bad-argocd-context",
        "application-missing",
        "stuck-rollout",
        "verification-failed",
        "unhealthy",
        "promotion-failed",
        "promotion-failed.with-step",
        "unknown-upstream",
        "cycle",
    ]
    for language in ("pt-BR", "en"):
        assert [code for code in codes if f"notice.{code}" not in MESSAGES[language]] == []
    item = f.freight("calm-heron")
    failed = f.promotion("dev", item, phase="Failed", current_step=2, failed_message="push refused")
    board = build_board(
        f.objects(f.stage("dev", requests=[f.request(direct=True)], last_promotion=failed), item, failed),
        project=f.PROJECT,
        now=f.NOW,
    )
    [notice] = [n for n in board.stage("dev").warnings if n.code.startswith("promotion-failed")]
    assert notice.code == "promotion-failed" and notice.param("step")
    assert notice_translator("en")(notice) == notice.message
    assert notice_translator("pt-BR")(notice).startswith(
        f"Promoção {failed['metadata']['name']} Failed no passo "
    )
    assert notice_translator("pt-BR")(Notice("cycle", "x", (("stages", "a, b"),))) == "Stages em ciclo: a, b"
