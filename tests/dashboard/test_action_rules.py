"""What each role may do on a board (the buttons) and the same rules on the POST side, plus the pure helpers:
rollback targets, the confirm step's "what changes", request ids and Kubernetes error translation."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dashboard.actions.confirm import ACTIONS, confirmation
from dashboard.actions.errors import STATUS, ActionError, from_kubernetes
from dashboard.actions.permissions import (
    Permissions,
    allowed_actions,
    check_abort,
    check_approve,
    check_promote,
    check_refresh,
)
from dashboard.actions.preview import preview
from dashboard.actions.request_ids import REQUEST_ID, new_request_id, normalise_request_id, promotion_name
from dashboard.auth.roles import ANONYMOUS_IDENTITY, Identity, parse_stage_policy
from dashboard.i18n import MESSAGES
from dashboard.model import Board, build_board
from dashboard.model.history import previous_freight
from tests.dashboard import factories as f

PERMISSIONS = Permissions(parse_stage_policy("qa=stg;po=prod;admin=*"))


def pipeline_objects(*, running_in_prod: bool = False) -> dict[str, list[dict]]:
    """dev <- warehouse, stg <- dev, prod <- stg. Freight: old (prod), mid (stg; before it old), new (dev),
    raw (nowhere, verified nowhere)."""
    old = f.freight("old", discovered=-300, verified_in={"dev": f.verified(-290), "stg": f.verified(-280)})
    mid = f.freight("mid", discovered=-200, verified_in={"dev": f.verified(-190), "stg": f.verified(-180)})
    new = f.freight("new", discovered=-100, verified_in={"dev": f.verified(-90)})
    raw = f.freight("raw", discovered=-10)
    stg = f.stage("stg", requests=[f.request(stages=["dev"])], current=[mid])
    stg["status"]["freightHistory"].append(
        {"id": "older", "items": {"Warehouse/userapp": f.freight_ref(old)}}
    )
    prod_extra = {}
    items = [f.warehouse(), old, mid, new, raw]
    if running_in_prod:
        running = f.promotion("prod", mid, phase="Running", current_step=1)
        items.append(running)
        prod_extra = {
            "current_promotion": running["metadata"]["name"],
            "conditions": f.promoting_conditions(),
        }
    prod = f.stage("prod", requests=[f.request(stages=["stg"])], current=[old], **prod_extra)
    dev = f.stage("dev", requests=[f.request(direct=True)], current=[new], auto_promotion=True)
    return f.objects(*items, dev, stg, prod)


def board_of(objects: dict) -> Board:
    return build_board(objects, project=f.PROJECT, now=f.NOW)


def names(board: Board, *aliases: str) -> tuple[str, ...]:
    by_alias = {item.alias: item.name for item in board.freight}
    return tuple(by_alias[alias] for alias in aliases)


def test_previous_freight_is_the_newest_older_entry_of_the_history():
    objects = pipeline_objects()
    board = board_of(objects)
    assert previous_freight(objects, f.PROJECT) == {"stg": names(board, "old")[0]}


def test_qa_may_promote_into_stg_only_and_roll_it_back():
    objects = pipeline_objects()
    board = board_of(objects)
    actions = allowed_actions(board, "qa", PERMISSIONS, previous_freight(objects, f.PROJECT))
    stg = actions.stages["stg"]
    assert set(stg.promote) == set(names(board, "new", "old"))  # available to stg, not its current one
    assert stg.rollback == names(board, "old")[0]
    assert stg.abort is None
    assert not actions.stages["dev"].promote and not actions.stages["prod"].promote
    assert not actions.approve and not actions.refresh


def test_po_may_promote_into_prod_only():
    board = board_of(pipeline_objects())
    actions = allowed_actions(board, "po", PERMISSIONS, {})
    assert actions.stages["prod"].promote == names(board, "mid")
    assert not actions.stages["stg"].promote and not actions.stages["dev"].promote
    assert not actions.approve and not actions.refresh


def test_admin_may_do_everything_kargo_would_accept():
    objects = pipeline_objects(running_in_prod=True)
    board = board_of(objects)
    actions = allowed_actions(board, "admin", PERMISSIONS, previous_freight(objects, f.PROJECT))
    assert actions.stages["dev"].promote  # dev is automatic, but the admin may still push it
    assert actions.stages["prod"].abort == board.stage("prod").promotion.name  # type: ignore[union-attr]
    raw, new = names(board, "raw", "new")
    # Manual approval only where the Freight is not available yet: raw but for dev (direct), new for prod.
    assert actions.approve[raw] == ("stg", "prod")
    assert actions.approve[new] == ("prod",)
    assert actions.refresh == (f.WAREHOUSE,)


def test_admin_actions_can_be_turned_off_and_viewers_get_nothing():
    board = board_of(pipeline_objects(running_in_prod=True))
    no_admin = Permissions(PERMISSIONS.policy, admin_actions=False)
    actions = allowed_actions(board, "admin", no_admin, {})
    assert actions.stages["prod"].promote and not actions.stages["prod"].abort
    assert not actions.approve and not actions.refresh
    assert not allowed_actions(board, "viewer", PERMISSIONS, {}).any()
    read_only = Permissions(PERMISSIONS.policy, writable=False)
    assert not allowed_actions(board, "admin", read_only, {}).any()


def test_check_promote_refuses_with_the_reason():
    board = board_of(pipeline_objects())
    old, mid, new, raw = names(board, "old", "mid", "new", "raw")
    stage, freight = check_promote(board, "qa", PERMISSIONS, "stg", new)
    assert (stage.name, freight.alias) == ("stg", "new")
    cases = [
        (("qa", "prod", mid), "forbidden"),
        (("viewer", "stg", new), "forbidden"),
        (("qa", "stg", raw), "not-available"),
        (("qa", "stg", mid), "conflict"),  # already there
        (("admin", "nowhere", new), "not-found"),
        (("admin", "stg", "f" * 40), "not-found"),
    ]
    for (role, stage_name, freight_name), code in cases:
        with pytest.raises(ActionError) as refused:
            check_promote(board, role, PERMISSIONS, stage_name, freight_name)
        assert refused.value.code == code, (role, stage_name)
    with pytest.raises(ActionError, match="not-available") as refused:
        check_promote(board, "qa", PERMISSIONS, "stg", new, rollback=True, rollback_to=old)
    assert "ran before" in refused.value.detail
    check_promote(board, "qa", PERMISSIONS, "stg", old, rollback=True, rollback_to=old)


def test_admin_only_checks():
    board = board_of(pipeline_objects(running_in_prod=True))
    raw, mid = names(board, "raw", "mid")
    running = board.stage("prod").promotion.name  # type: ignore[union-attr]
    check_approve(board, "admin", PERMISSIONS, raw, "prod")
    check_abort(board, "admin", PERMISSIONS, running)
    check_refresh(board, "admin", PERMISSIONS, f.WAREHOUSE)
    for role in ("qa", "po", "viewer"):
        for check in (
            lambda r: check_approve(board, r, PERMISSIONS, raw, "prod"),
            lambda r: check_abort(board, r, PERMISSIONS, running),
            lambda r: check_refresh(board, r, PERMISSIONS, f.WAREHOUSE),
        ):
            with pytest.raises(ActionError, match="forbidden"):
                check(role)
    with pytest.raises(ActionError, match="conflict"):
        check_abort(board, "admin", PERMISSIONS, "prod.gone.1234567")
    with pytest.raises(ActionError, match="not-found"):
        check_refresh(board, "admin", PERMISSIONS, "other")
    with pytest.raises(ActionError, match="not-found"):
        check_approve(board, "admin", PERMISSIONS, mid, "nowhere")


def test_approving_twice_is_a_conflict():
    objects = pipeline_objects()
    approved = f.freight("approved", approved_for=["prod"])
    objects["Freight"].append(approved)
    board = board_of(objects)
    with pytest.raises(ActionError, match="conflict"):
        check_approve(board, "admin", PERMISSIONS, approved["metadata"]["name"], "prod")


def test_unknown_promotions_and_warehouses():
    board = board_of(pipeline_objects())
    with pytest.raises(ActionError, match="conflict"):
        check_abort(board, "admin", PERMISSIONS, "prod.gone.1234567")
    with pytest.raises(ActionError, match="not-found"):
        check_refresh(board, "admin", PERMISSIONS, "other")


def test_approving_for_a_stage_that_does_not_request_the_origin_is_invalid():
    other = f.freight("elsewhere", warehouse="other-warehouse")
    objects = pipeline_objects()
    objects["Freight"].append(other)
    board = board_of(objects)
    with pytest.raises(ActionError, match="invalid") as refused:
        check_approve(board, "admin", PERMISSIONS, other["metadata"]["name"], "prod")
    assert "does not request Freight from Warehouse/other-warehouse" in refused.value.detail


def test_preview_shows_the_images_and_commits_that_change():
    board = board_of(pipeline_objects())
    stage = board.stage("stg")
    freight = board.freight_named(names(board, "new")[0])
    shown = preview(board, stage, freight)
    assert [(c.short_repo, c.current, c.target, c.changed) for c in shown.images] == [
        ("userapp-backend", f.sha("mid", 8), f.sha("new", 8), True),
        ("userapp-frontend", f.sha("mid", 8), f.sha("new", 8), True),
    ]
    (commit,) = shown.commits
    assert (commit.short_repo, commit.target, commit.note) == ("userapp", f.sha("commitnew", 8), "build new")
    assert shown.summary  # the board's dev -> stg diff line, since "new" is what dev runs
    assert shown.running is None


def test_confirmation_runs_the_same_checks_and_says_what_to_post():
    objects = pipeline_objects(running_in_prod=True)
    board = board_of(objects)
    qa = Identity("ana", "qa", "session")
    (new,) = names(board, "new")
    found = confirmation(board, qa, PERMISSIONS, "promote", {"stage": "stg", "freight": new})
    assert found.fields == {"stage": "stg", "freight": new}
    assert found.values == {"stage": "stg", "freight": "new"}
    assert found.preview is not None
    for identity, action, args, code in [
        (ANONYMOUS_IDENTITY, "promote", {"stage": "stg", "freight": new}, "login-required"),
        (qa, "promote", {"stage": "prod", "freight": new}, "forbidden"),
        (qa, "promote", {"stage": "stg"}, "invalid"),
        (qa, "abort", {"promotion": "x"}, "forbidden"),
        (qa, "delete", {}, "not-found"),
    ]:
        with pytest.raises(ActionError) as refused:
            confirmation(board, identity, PERMISSIONS, action, args)
        assert refused.value.code == code, action


def test_request_ids_are_ulids_and_name_promotions_like_kargo():
    moment = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
    first, second = new_request_id(moment), new_request_id(moment)
    assert REQUEST_ID.match(first) and first != second
    assert first[:10] == second[:10]  # the time part
    assert normalise_request_id(first.lower()) == first
    assert normalise_request_id("not-a-ulid") is None and normalise_request_id(None) is None
    name = promotion_name("stg", first, "f1e2d3c4b5a6")
    assert name == f"stg.{first.lower()}.f1e2d3c"
    assert promotion_name("stg", first, "a-") == f"stg.{first.lower()}.a"


@pytest.mark.parametrize(
    ("status", "body", "code"),
    [
        (
            403,
            {"reason": "Forbidden", "message": 'subject is not permitted to promote to Stage "prod"'},
            "kube-forbidden",
        ),
        (409, {"reason": "AlreadyExists", "message": 'promotions "x" already exists'}, "already-requested"),
        (409, {"reason": "Conflict", "message": "the object has been modified"}, "conflict"),
        (422, {"reason": "Invalid", "message": "Freight is not available to this Stage"}, "not-available"),
        (422, {"reason": "Invalid", "message": "spec.stage: Invalid value"}, "invalid"),
        (404, {"reason": "NotFound", "message": 'freights "x" not found'}, "not-found"),
        (504, {"reason": "Timeout", "message": "Timeout: request did not complete"}, "timeout"),
        (500, {"reason": "InternalError", "message": "etcdserver: leader changed"}, "kube-error"),
        (  # Kargo v1.11.2's real answer (tests/lab): its webhook's Forbidden, wrapped in an InternalError
            500,
            {
                "reason": "InternalError",
                "message": 'admission webhook "promotion.kargo.akuity.io" denied the request: Internal error '
                'occurred: Promotion.kargo.akuity.io "dev.01m915atrmhdwkgcjg6hqjr7bk.7506e1a" is forbidden: '
                'subject "user-b" is not permitted to create Promotions for Stage "dev"',
            },
            "kube-forbidden",
        ),
    ],
)
def test_kubernetes_answers_become_clear_errors(status: int, body: dict, code: str):
    error = from_kubernetes(status, json.dumps({"kind": "Status", **body}), "reason")
    assert error.code == code
    assert error.detail == body["message"]


def test_a_non_json_kubernetes_answer_still_reads():
    error = from_kubernetes(502, "<html>bad gateway</html>", "Bad Gateway")
    assert error.code == "kube-error" and "bad gateway" in error.detail


def test_every_sentence_of_the_write_side_exists_in_both_languages():
    # "already-requested" is a success (the first request's outcome), said by result.already-requested.
    codes = (set(STATUS) - {"already-requested"}) | {"csrf"}
    results = {f"result.{action}-done" for action in ACTIONS} | {
        "result.already-requested",
        "result.already-refused",
    }
    keys = {f"error.{code}" for code in codes} | results | {f"confirm.{action}" for action in ACTIONS}
    for language in ("pt-BR", "en"):
        missing = keys - set(MESSAGES[language])
        assert not missing, (language, missing)
    assert set(MESSAGES["pt-BR"]) == set(MESSAGES["en"])
