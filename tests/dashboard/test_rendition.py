"""A Rendition is a function of one store version plus one audit snapshot: what changes in the store or the
audit log after it was published never reaches its pages, even pages rendered later (variants render lazily,
on first request)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import timedelta

from dashboard.live.publisher import Publisher
from dashboard.live.renderer import BoardRenderer, RenderContext, make_environment
from dashboard.model import build_board
from dashboard.model.types import Approval
from dashboard.sources.status import ALWAYS_SYNCED
from dashboard.sources.store import ObjectStore
from dashboard.vocabulary import ANONYMOUS_ROLE
from tests.dashboard import factories as f
from tests.dashboard.test_action_rules import PERMISSIONS, pipeline_objects

# Rendered only on request, after the changes below: the board with role-gated buttons (rollback targets),
# the history timeline, and the anonymous board (who asked for a Promotion shown as a role).
LATE_VARIANTS = (("board", "en", "admin"), ("history", "en", "admin"), ("board", "en", ANONYMOUS_ROLE))


def publisher_of(
    objects: Mapping[str, list[dict]], audit: dict[str, Approval]
) -> tuple[Publisher, ObjectStore]:
    store = ObjectStore()
    for kind, items in objects.items():
        store.replace(kind, copy.deepcopy(items))
    renderer = BoardRenderer(
        make_environment(), lambda: RenderContext(ALWAYS_SYNCED, "http://x/watch", permissions=PERMISSIONS)
    )
    publisher = Publisher(
        store,
        build=lambda objs, now, memo, approvals: build_board(
            objs, project=f.PROJECT, now=now, memo=memo, approvals=approvals
        ),
        render=renderer,
        warm=(),  # nothing rendered at publication: every variant renders after the changes
        clock=lambda: f.NOW,
        refresh_seconds=3600,
        approvals=lambda: dict(audit),  # the audit log hands out a copy, as AuditStore.approvals() does
    )
    return publisher, store


def pages(rendition) -> dict[tuple[str, str, str], str]:
    return {variant: rendition.page(*variant) for variant in LATE_VARIANTS}


def test_a_rendition_shows_its_own_store_version_and_audit_snapshot_only():
    objects = pipeline_objects(running_in_prod=True)
    running = next(p for p in objects["Promotion"] if p["spec"]["stage"] == "prod")["metadata"]["name"]
    audit = {running: Approval("Ana Lima", "admin", f.NOW - timedelta(minutes=3), "promote")}
    publisher, store = publisher_of(objects, audit)
    first = publisher.publish_now()

    # After publication: stg forgets the Freight it ran before (no rollback target any more), gets a new
    # Promotion (history), and the audit log names someone else for the running Promotion.
    stg = copy.deepcopy(next(s for s in objects["Stage"] if s["metadata"]["name"] == "stg"))
    del stg["status"]["freightHistory"][1:]
    store.upsert("Stage", stg)
    mid = next(item for item in objects["Freight"] if item["alias"] == "mid")
    store.upsert("Promotion", f.promotion("stg", mid, seq=7, actor="late-actor"))
    audit[running] = Approval("Bruno Reis", "po", f.NOW - timedelta(minutes=1), "promote")
    assert store.version > first.store_version

    late = pages(first)
    reference, _ = publisher_of(
        objects, {running: Approval("Ana Lima", "admin", f.NOW - timedelta(minutes=3), "promote")}
    )
    assert late == pages(reference.publish_now())
    board, history, anonymous = late.values()
    assert "Ana Lima" in board and 'data-action="rollback"' in board
    assert "Ana Lima" not in anonymous  # the audience sees the role the audit log recorded
    assert "late-actor" not in history and "Bruno Reis" not in board

    # The next Rendition is built from the new store version and audit snapshot.
    now_pages = pages(publisher.publish_now())
    assert "Bruno Reis" in now_pages[LATE_VARIANTS[0]]
    assert 'data-action="rollback"' not in now_pages[LATE_VARIANTS[0]]
    assert "late-actor" in now_pages[LATE_VARIANTS[1]]


def test_every_card_names_kargos_auto_promotion_and_only_there():
    """dev (auto-promotion on) was promoted with no create-actor: Kargo's own auto-promotion, said on the
    board's card and the projector's; stg (auto-promotion off) with no actor stays unknown."""
    item = f.freight("calm-heron")
    promotions = [f.promotion(name, item, actor=None, seq=n) for n, name in enumerate(("dev", "stg"), 1)]
    stages = [
        f.stage(p["spec"]["stage"], requests=[f.request(direct=True)], last_promotion=p, auto_promotion=auto)
        for p, auto in zip(promotions, (True, False), strict=True)
    ]
    publisher, _ = publisher_of(f.objects(*stages, item, *promotions), {})
    rendition = publisher.publish_now()
    for view in ("board", "projector"):
        page = rendition.page(view, "pt-BR")
        cards = {"dev": [], "stg": []}  # every card of each Stage on the page (the board has two layouts)
        for chunk in page.split('data-stage="')[1:]:
            name = chunk.split('"', 1)[0]
            if name in cards:
                cards[name].append(chunk)
        assert cards["dev"] and cards["stg"], view
        assert all("auto-promoção do Kargo" in card for card in cards["dev"]), view
        assert not any('data-testid="actor-unknown"' in card for card in cards["dev"]), view
        assert all('data-testid="actor-unknown"' in card for card in cards["stg"]), view
        assert not any('data-testid="auto-promoted"' in card for card in cards["stg"]), view
