"""Stage order and edges come from requestedFreight sources, never from names."""

from __future__ import annotations

import itertools

from dashboard.model import build_board
from tests.dashboard import factories as f


def order(*stages: dict) -> list[str]:
    return [stage.name for stage in build_board(f.objects(*stages), project=f.PROJECT, now=f.NOW).stages]


def test_linear_pipeline_is_ordered_by_sources_not_by_name() -> None:
    stages = [
        f.stage("alpha", requests=[f.request(stages=["zulu"])]),
        f.stage("zulu", requests=[f.request(stages=["mike"])]),
        f.stage("mike", requests=[f.request(direct=True)]),
    ]
    assert order(*stages) == ["mike", "zulu", "alpha"]


def test_order_is_the_same_for_every_input_order() -> None:
    stages = [
        f.stage("dev", requests=[f.request(direct=True)]),
        f.stage("qa", requests=[f.request(stages=["dev"])]),
        f.stage("uat", requests=[f.request(stages=["dev"])]),
        f.stage("prod", requests=[f.request(stages=["qa", "uat"], strategy="All")]),
    ]
    orders = {tuple(order(*permutation)) for permutation in itertools.permutations(stages)}
    assert orders == {("dev", "qa", "uat", "prod")}


def test_fan_out_and_fan_in_edges_and_depths() -> None:
    board = build_board(
        f.objects(
            f.stage("dev", requests=[f.request(direct=True)]),
            f.stage("qa", requests=[f.request(stages=["dev"])]),
            f.stage("uat", requests=[f.request(stages=["dev"])]),
            f.stage("prod", requests=[f.request(stages=["qa", "uat"])]),
        ),
        project=f.PROJECT,
        now=f.NOW,
    )
    assert board.stage("dev").downstream == ("qa", "uat")
    assert board.stage("prod").upstream == ("qa", "uat")
    assert [stage.depth for stage in board.stages] == [0, 1, 1, 2]
    assert board.stage("dev").direct_warehouses == ("userapp",)


def test_depth_follows_the_longest_path() -> None:
    board = build_board(
        f.objects(
            f.stage("a", requests=[f.request(direct=True)]),
            f.stage("b", requests=[f.request(stages=["a"])]),
            f.stage("c", requests=[f.request(stages=["a", "b"])]),
        ),
        project=f.PROJECT,
        now=f.NOW,
    )
    assert {stage.name: stage.depth for stage in board.stages} == {"a": 0, "b": 1, "c": 2}


def test_two_warehouses_feed_parallel_lanes_and_a_shared_stage() -> None:
    board = build_board(
        f.objects(
            f.warehouse("backend", repos=[f.BACKEND]),
            f.warehouse("frontend", repos=[f.FRONTEND]),
            f.stage("be-dev", requests=[f.request("backend", direct=True)]),
            f.stage("fe-dev", requests=[f.request("frontend", direct=True)]),
            f.stage(
                "stg",
                requests=[f.request("backend", stages=["be-dev"]), f.request("frontend", stages=["fe-dev"])],
            ),
        ),
        project=f.PROJECT,
        now=f.NOW,
    )
    assert [stage.name for stage in board.stages] == ["be-dev", "fe-dev", "stg"]
    assert [origin.name for origin in board.stage("stg").origins] == ["backend", "frontend"]
    assert [(w.name, w.downstream) for w in board.warehouses] == [
        ("backend", ("be-dev",)),
        ("frontend", ("fe-dev",)),
    ]


def test_control_flow_stage_is_marked_and_keeps_its_place() -> None:
    board = build_board(
        f.objects(
            f.stage("gate", requests=[f.request(direct=True)], steps=()),
            f.stage("east", requests=[f.request(stages=["gate"])]),
            f.stage("west", requests=[f.request(stages=["gate"])]),
        ),
        project=f.PROJECT,
        now=f.NOW,
    )
    assert [(stage.name, stage.control_flow) for stage in board.stages] == [
        ("gate", True),
        ("east", False),
        ("west", False),
    ]
    assert board.stage("gate").downstream == ("east", "west")


def test_unknown_upstream_is_a_stage_warning_not_an_edge() -> None:
    board = build_board(
        f.objects(f.stage("stg", requests=[f.request(stages=["dev"])])), project=f.PROJECT, now=f.NOW
    )
    stg = board.stage("stg")
    assert stg.upstream == ()
    assert [warning.code for warning in stg.warnings] == ["unknown-upstream"]
    assert "'dev'" in stg.warnings[0].message


def test_a_cycle_is_reported_and_its_stages_still_shown_last() -> None:
    board = build_board(
        f.objects(
            f.stage("dev", requests=[f.request(direct=True)]),
            f.stage("x", requests=[f.request(stages=["dev", "y"])]),
            f.stage("y", requests=[f.request(stages=["x"])]),
        ),
        project=f.PROJECT,
        now=f.NOW,
    )
    assert [stage.name for stage in board.stages] == ["dev", "x", "y"]
    assert [warning.code for warning in board.warnings] == ["cycle"]
    assert "x, y" in board.warnings[0].message


def test_objects_of_other_namespaces_are_ignored() -> None:
    other = f.stage("elsewhere", namespace="other-project")
    assert order(f.stage("dev"), other) == ["dev"]
