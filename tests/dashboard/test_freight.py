"""The freight lane and Kargo's availability rule (direct, verified upstream All/OneOf, soak, approved)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.model import build_board
from dashboard.model.objects import parse_duration
from tests.dashboard import factories as f


def board_of(*items: dict):
    return build_board(f.objects(*items), project=f.PROJECT, now=f.NOW)


def test_lane_is_newest_first_with_status_in_pipeline_order() -> None:
    old = f.freight(
        "tidy-otter",
        discovered=-300,
        currently_in={"prod": -100},
        verified_in={"prod": f.verified(), "dev": f.verified(), "stg": f.verified()},
        approved_for=["prod"],
    )
    new = f.freight("eager-fox", discovered=-5)
    middle = f.freight("calm-heron", discovered=-100)
    stages = [
        f.stage("prod", requests=[f.request(stages=["stg"])]),
        f.stage("dev", requests=[f.request(direct=True)]),
        f.stage("stg", requests=[f.request(stages=["dev"])]),
    ]
    board = board_of(old, new, middle, *stages)
    assert [item.alias for item in board.freight] == ["eager-fox", "calm-heron", "tidy-otter"]
    otter = board.freight_named(old["metadata"]["name"])
    assert otter.verified_in == ("dev", "stg", "prod")
    assert otter.currently_in == ("prod",)
    assert otter.approved_for == ("prod",)
    assert otter.origin.name == "userapp"


def test_freight_without_discovery_time_goes_last_and_alias_falls_back_to_label() -> None:
    undated = f.freight("old-one")
    del undated["discoveredAt"], undated["alias"]
    dated = f.freight("new-one", discovered=-1)
    board = board_of(undated, dated)
    assert [item.alias for item in board.freight] == ["new-one", "old-one"]
    assert board.freight[1].discovered_at is None


def test_direct_request_makes_all_freight_of_the_origin_available_except_the_current_one() -> None:
    current, older, newer = (
        f.freight("a", discovered=-50),
        f.freight("b", discovered=-90),
        f.freight("c", discovered=-1),
    )
    other_origin = f.freight("d", warehouse="other", discovered=-2)
    dev = f.stage("dev", requests=[f.request(direct=True)], current=[current])
    board = board_of(current, older, newer, other_origin, dev)
    names = {item.alias: item.name for item in board.freight}
    assert board.stage("dev").promotable_freight == (names["c"], names["b"])
    assert board.freight_named(names["d"]).promotable_to == ()


def test_verified_upstream_is_available_downstream_unverified_is_not() -> None:
    verified = f.freight("good", verified_in={"dev": f.verified()})
    unverified = f.freight("fresh", discovered=-1)
    verified_elsewhere = f.freight("other", discovered=-2, verified_in={"qa": f.verified()})
    stg = f.stage("stg", requests=[f.request(stages=["dev"])])
    board = board_of(verified, unverified, verified_elsewhere, f.stage("dev"), stg)
    assert board.stage("stg").promotable_freight == (verified["metadata"]["name"],)


def test_approval_makes_freight_available_without_verification() -> None:
    approved = f.freight("hotfix", approved_for=["prod"])
    prod = f.stage("prod", requests=[f.request(stages=["stg"], soak="1h")])
    board = board_of(approved, prod)
    assert board.stage("prod").promotable_freight == (approved["metadata"]["name"],)
    assert board.freight_named(approved["metadata"]["name"]).promotable_to == ("prod",)


def test_approval_for_a_stage_that_does_not_request_the_origin_does_not_count() -> None:
    approved = f.freight("hotfix", warehouse="other", approved_for=["prod"])
    prod = f.stage("prod", requests=[f.request(stages=["stg"])])
    assert board_of(approved, prod).stage("prod").promotable_freight == ()


FAN_IN = [
    f.stage("qa", requests=[f.request(direct=True)]),
    f.stage("uat", requests=[f.request(direct=True)]),
]


@pytest.mark.parametrize(
    ("strategy", "verified_in", "available"),
    [
        ("All", ["qa", "uat"], True),
        ("All", ["qa"], False),
        ("OneOf", ["uat"], True),
        ("", ["qa"], True),  # "" is OneOf
        ("OneOf", [], False),
    ],
)
def test_all_and_one_of(strategy: str, verified_in: list[str], available: bool) -> None:
    item = f.freight("x", verified_in={stage: f.verified() for stage in verified_in})
    prod = f.stage("prod", requests=[f.request(stages=["qa", "uat"], strategy=strategy)])
    board = board_of(item, prod, *FAN_IN)
    assert (board.stage("prod").promotable_freight == (item["metadata"]["name"],)) is available


def test_soak_counts_the_time_since_the_freight_entered_the_upstream_stage() -> None:
    # Verified 50 minutes ago, in stg for 70: the running soak starts at currentlyIn.since, not verifiedAt.
    soaked = f.freight("soaked", currently_in={"stg": -70}, verified_in={"stg": f.verified(-50)})
    prod = f.stage("prod", requests=[f.request(stages=["stg"], soak="1h")])
    board = board_of(soaked, prod, f.stage("stg"))
    assert board.stage("prod").promotable_freight == (soaked["metadata"]["name"],)
    assert board.stage("prod").soaking_freight == ()


def test_freight_still_soaking_is_not_available_and_reports_the_time_left() -> None:
    soaking = f.freight("soaking", currently_in={"stg": -20}, verified_in={"stg": f.verified(-15)})
    prod = f.stage("prod", requests=[f.request(stages=["stg"], soak="1h")])
    view = board_of(soaking, prod, f.stage("stg")).stage("prod")
    assert view.promotable_freight == ()
    assert [(s.freight, s.remaining_seconds) for s in view.soaking_freight] == [
        (soaking["metadata"]["name"], 2400)
    ]


def test_freight_that_left_the_stage_uses_its_longest_completed_soak() -> None:
    long_enough = f.freight("long", verified_in={"stg": f.verified(-300, longest_soak="1h30m0s")})
    too_short = f.freight("short", discovered=-30, verified_in={"stg": f.verified(-200, longest_soak="10m")})
    prod = f.stage("prod", requests=[f.request(stages=["stg"], soak="1h")])
    view = board_of(long_enough, too_short, prod, f.stage("stg")).stage("prod")
    assert view.promotable_freight == (long_enough["metadata"]["name"],)
    # It left stg: it will never soak longer there, yet Kargo's rule still only reports the shortfall.
    assert [s.remaining_seconds for s in view.soaking_freight] == [3000]


def test_all_with_soak_needs_every_upstream_soaked() -> None:
    item = f.freight(
        "x",
        currently_in={"qa": -90, "uat": -10},
        verified_in={"qa": f.verified(-80), "uat": f.verified(-5)},
    )
    prod = f.stage("prod", requests=[f.request(stages=["qa", "uat"], strategy="All", soak="30m")])
    view = board_of(item, prod, *FAN_IN).stage("prod")
    assert view.promotable_freight == ()
    assert [s.remaining_seconds for s in view.soaking_freight] == [20 * 60]


def test_control_flow_stage_never_gets_promotable_freight() -> None:
    item = f.freight("x")
    gate = f.stage("gate", requests=[f.request(direct=True)], steps=())
    board = board_of(item, gate)
    assert board.stage("gate").promotable_freight == ()
    assert board.freight[0].promotable_to == ()


def test_multi_warehouse_stage_holds_one_freight_per_origin() -> None:
    backend = f.freight(
        "be", warehouse="backend", images=[f.image(f.BACKEND, "aaaa1111")], currently_in={"stg": -5}
    )
    frontend = f.freight("fe", warehouse="frontend", images=[f.image(f.FRONTEND, "bbbb2222")])
    stg = f.stage(
        "stg",
        requests=[f.request("frontend", direct=True), f.request("backend", direct=True)],
        current=[backend, frontend],
    )
    view = board_of(backend, frontend, stg).stage("stg")
    assert [(c.alias, c.origin.name) for c in view.current_freight] == [("fe", "frontend"), ("be", "backend")]
    assert view.current_freight[1].since is not None
    assert [image.tag for image in view.images] == ["bbbb2222", "aaaa1111"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h", 3600), ("7m12s", 432), ("1h0m0s", 3600), ("1.5h", 5400), ("300ms", 0.3), ("0", 0)],
)
def test_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "1d", "h", "5 m", "-1h"])
def test_bad_durations(text: str) -> None:
    assert parse_duration(text) is None
