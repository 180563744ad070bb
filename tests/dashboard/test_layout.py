"""The flow layout (board.layout): where each Warehouse and Stage goes, the arrows, Freight in transit.
Pure: plain dicts in, positions out; decided by requestedFreight, never by names."""

from __future__ import annotations

from dashboard.model import build_board
from dashboard.model.layout import image_labels
from dashboard.model.types import FlowLayout
from tests.dashboard import diamond
from tests.dashboard import factories as f


def layout_of(*items: dict) -> FlowLayout:
    return build_board(f.objects(*items), project=f.PROJECT, now=f.NOW).layout


def places(layout: FlowLayout) -> dict[str, tuple[int, int, int]]:
    """name -> (CSS grid column, first row, rows spanned)."""
    return {node.name: (node.grid_column, node.row, node.row_span) for node in layout.nodes}


def arrows(layout: FlowLayout) -> set[tuple[str, str]]:
    return {(edge.source, edge.target) for edge in layout.edges}


def test_a_chain_is_one_row_warehouse_first_with_gutters_between() -> None:
    layout = layout_of(
        f.warehouse(),
        f.stage("dev", requests=[f.request(direct=True)]),
        f.stage("stg", requests=[f.request(stages=["dev"])]),
        f.stage("prod", requests=[f.request(stages=["stg"])]),
    )
    assert (layout.stage_columns, layout.rows) == (3, 1)
    assert places(layout) == {"userapp": (1, 1, 1), "dev": (3, 1, 1), "stg": (5, 1, 1), "prod": (7, 1, 1)}
    assert arrows(layout) == {("userapp", "dev"), ("dev", "stg"), ("stg", "prod")}
    # Warehouse .60 + 3 x (gutter .35 + Stage 1), in hundredths: the CSS `.flow.cols-3` tracks.
    assert layout.view_box == "0 0 465 100"
    assert not layout.transits


def test_the_diamond_splits_the_height_between_parallel_stages() -> None:
    layout = build_board(
        f.objects(*diamond.diamond_objects()), project=f.PROJECT, now=diamond.SNAPSHOT_TIME
    ).layout
    assert layout.rows == 2
    assert places(layout) == {
        "userapp": (1, 1, 2),
        "dev": (3, 1, 2),
        "perf": (5, 1, 1),
        "qa": (5, 2, 1),
        "prod": (7, 1, 2),
    }
    assert arrows(layout) == {
        ("userapp", "dev"),
        ("dev", "qa"),
        ("dev", "perf"),
        ("qa", "prod"),
        ("perf", "prod"),
    }
    into_qa = next(edge for edge in layout.edges if edge.target == "qa")
    # From the middle of dev's right edge (x 195, y 100) to the middle of qa's left edge (x 230, y 150).
    assert into_qa.path == "M195 100 C212.5 100 212.5 150 230 150"
    assert into_qa.active and [edge.target for edge in layout.edges if edge.active] == ["qa"]
    (transit,) = layout.transits
    assert (transit.stage, transit.alias, transit.phase) == ("qa", "brave-otter", "Running")
    assert (transit.grid_column, transit.row, transit.row_span) == (4, 2, 1)  # the gutter before qa


def test_positions_come_from_requested_freight_not_from_names() -> None:
    """`zulu` feeds `alpha`, `alpha` feeds `mike`: columns follow the edges whatever the names sort to."""
    layout = layout_of(
        f.warehouse(),
        f.stage("mike", requests=[f.request(stages=["alpha"])]),
        f.stage("alpha", requests=[f.request(stages=["zulu"])]),
        f.stage("zulu", requests=[f.request(direct=True)]),
    )
    assert [node.name for node in layout.nodes] == ["userapp", "zulu", "alpha", "mike"]
    assert arrows(layout) == {("userapp", "zulu"), ("zulu", "alpha"), ("alpha", "mike")}


def test_branches_keep_to_their_side_so_arrows_do_not_cross() -> None:
    """Two Warehouses, two chains: each chain stays in its Warehouse's row, although `a-...` sorts first."""
    layout = layout_of(
        f.warehouse("one"),
        f.warehouse("two"),
        f.stage("z-first", requests=[f.request("one", direct=True)]),
        f.stage("a-second", requests=[f.request("two", direct=True)]),
        f.stage("b-after-first", requests=[f.request("one", stages=["z-first"])]),
        f.stage("a-after-second", requests=[f.request("two", stages=["a-second"])]),
    )
    rows = {node.name: node.row for node in layout.nodes}
    assert rows["one"] == rows["z-first"] == rows["b-after-first"] == 1
    assert rows["two"] == rows["a-second"] == rows["a-after-second"] == 2


def test_uneven_columns_share_rows_by_their_least_common_multiple() -> None:
    """Columns of 1, 2 and 3 Stages: 6 rows; each of 2 spans 3 rows, each of 3 spans 2, the single one all."""
    layout = layout_of(
        f.warehouse(),
        f.stage("dev", requests=[f.request(direct=True)]),
        *(f.stage(f"t{i}", requests=[f.request(stages=["dev"])]) for i in range(2)),
        *(f.stage(f"p{i}", requests=[f.request(stages=["t0", "t1"])]) for i in range(3)),
    )
    assert layout.rows == 6
    spans = places(layout)
    assert spans["dev"] == (3, 1, 6)
    assert [spans[f"t{i}"] for i in range(2)] == [(5, 1, 3), (5, 4, 3)]
    assert [spans[f"p{i}"] for i in range(3)] == [(7, 1, 2), (7, 3, 2), (7, 5, 2)]


def test_too_many_rows_fall_back_to_one_row_each_centred() -> None:
    """5 and 7 parallel Stages would need 35 rows: each gets one of 7, the 5 centred."""
    layout = layout_of(
        f.warehouse(),
        *(f.stage(f"a{i}", requests=[f.request(direct=True)]) for i in range(5)),
        *(f.stage(f"b{i}", requests=[f.request(stages=["a0"])]) for i in range(7)),
    )
    assert layout.rows == 7
    assert [node.row for node in layout.nodes if node.name.startswith("a")] == [2, 3, 4, 5, 6]
    assert {node.row_span for node in layout.nodes if node.kind == "stage"} == {1}


def test_a_pending_promotion_is_in_transit_from_its_warehouse() -> None:
    item = f.freight("quiet-lake")
    pending = f.promotion("dev", item, phase="Pending")
    layout = layout_of(
        f.warehouse(),
        f.stage("dev", requests=[f.request(direct=True)], current_promotion=pending["metadata"]["name"]),
        item,
        pending,
    )
    (transit,) = layout.transits
    assert (transit.stage, transit.alias, transit.phase, transit.grid_column) == (
        "dev",
        "quiet-lake",
        "Pending",
        2,
    )
    assert [(edge.source, edge.active) for edge in layout.edges] == [("userapp", True)]


def test_image_labels_drop_the_prefix_the_repositories_share() -> None:
    assert image_labels(["docker.io/x/userapp-backend", "docker.io/x/userapp-frontend"]) == {
        "docker.io/x/userapp-backend": "backend",
        "docker.io/x/userapp-frontend": "frontend",
    }
    assert image_labels(["ghcr.io/a/api", "ghcr.io/a/apigw"]) == {
        "ghcr.io/a/api": "api",
        "ghcr.io/a/apigw": "apigw",
    }
    assert image_labels(["docker.io/x/userapp-backend"]) == {"docker.io/x/userapp-backend": "userapp-backend"}
