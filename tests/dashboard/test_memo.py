"""The memo is only an optimisation: a board built with a long-lived memo equals one built from scratch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard.model import build_board
from dashboard.model.memo import Memo
from dashboard.sources.simulator import Simulator
from dashboard.sources.store import ObjectStore

T0 = datetime(2026, 9, 20, 9, 0, tzinfo=UTC)


def test_boards_with_a_memo_equal_boards_without_through_a_lived_in_simulation() -> None:
    store = ObjectStore()
    sim = Simulator(store, project="userapp", seed=7, start=T0)
    sim.bootstrap(T0 + timedelta(hours=2))
    memo = Memo()
    now = sim.now
    checked = 0
    for step in range(40):
        if step % 8 == 0:
            sim.new_freight()
        now += timedelta(seconds=20)
        sim.advance(now)
        objects = store.snapshot().objects
        with_memo = build_board(objects, project="userapp", now=now, memo=memo)
        assert with_memo == build_board(objects, project="userapp", now=now)
        checked += 1
        stg = next(stage for stage in with_memo.stages if stage.name == "stg")
        if step % 10 == 5 and stg.promotable_freight and stg.promotion is None:
            sim.promote("stg", stg.promotable_freight[0], actor="email:qa@example.com")
    assert checked == 40
    assert len(memo) > 0  # it did carry results across builds


def test_memo_reuses_a_result_only_for_the_same_object() -> None:
    memo, calls = Memo(), []

    def parse(obj):
        calls.append(obj["v"])
        return obj["v"] * 2

    first = {"v": 1}
    assert memo.get("double", first, parse) == 2
    memo.end_build()
    assert memo.get("double", first, parse) == 2  # same dict: reused
    assert memo.get("double", {"v": 1}, parse) == 2  # equal but new dict: parsed again
    assert calls == [1, 1]


def test_memo_forgets_objects_a_build_did_not_use() -> None:
    memo = Memo()
    for value in range(3):
        memo.get("double", {"v": value}, lambda obj: obj["v"])
    memo.end_build()
    memo.end_build()
    assert len(memo) == 0
