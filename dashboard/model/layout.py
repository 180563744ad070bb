"""Where each node of the pipeline flow goes: Warehouses, then Stages by depth, with arrows between them.

Pure: Stages and Warehouses in (their `requestedFreight` edges, never their names), a grid out. The grid
has one column per step of the pipeline (column 0 holds the Warehouses), a gutter before every Stage column
for the arrows, and rows sized so that a column of k nodes splits the height evenly (a single Stage sits in
the middle of a two-branch fan-out). Positions depend only on the graph: cards never move when data changes.

The arrows are SVG paths in a viewBox whose units follow the grid's column weights (`*_WEIGHT` below): the
templates draw the grid with the same weights (static/flow.css, `fr`), so the paths meet the cards at any
screen size. flow.css has classes for up to 6 Stage columns and 12 rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from dashboard.model.objects import short_name
from dashboard.model.types import (
    ROW_HEIGHT,
    FlowEdge,
    FlowLayout,
    FlowNode,
    FreightView,
    PromotionView,
    StageView,
    Transit,
    WarehouseView,
)

# Relative widths of the grid tracks (CSS fr x 100): Warehouse column, gutter (arrows), Stage column.
WAREHOUSE_WEIGHT = 60
GUTTER_WEIGHT = 35
STAGE_WEIGHT = 100
# More rows than this (columns of 5 and 7 nodes would need 35) and each node takes one row instead.
MAX_ROWS = 12
Key = tuple[str, str]  # (kind, name) of a node


def flow_layout(
    stages: Sequence[StageView], warehouses: Sequence[WarehouseView], freight: Sequence[FreightView]
) -> FlowLayout:
    """Stages in pipeline order (depth, name) as `build_board` makes them; Warehouses by name."""
    columns = _columns(stages, warehouses)
    stage_columns = len(columns) - 1
    rows = _row_count([len(members) for members in columns])
    parents = _parents(stages)
    placed: dict[Key, FlowNode] = {}
    for column, members in enumerate(columns):
        for node in _place(_by_barycenter(members, parents, placed), column, rows):
            placed[(node.kind, node.name)] = node
    width = WAREHOUSE_WEIGHT + stage_columns * (GUTTER_WEIGHT + STAGE_WEIGHT)
    return FlowLayout(
        stage_columns=stage_columns,
        rows=rows,
        view_box=f"0 0 {width} {rows * ROW_HEIGHT}",
        nodes=tuple(placed.values()),
        edges=_edges(stages, freight, parents, placed),
        transits=_transits(stages, freight, placed),
        image_labels=image_labels(image.repo_url for item in freight for image in item.images),
    )


def _columns(stages: Sequence[StageView], warehouses: Sequence[WarehouseView]) -> list[list[Key]]:
    """Column 0: every Warehouse (known or only requested); column d + 1: the Stages of depth d."""
    names = {warehouse.name for warehouse in warehouses}
    names |= {name for stage in stages for name in stage.direct_warehouses}
    columns: list[list[Key]] = [[("warehouse", name) for name in sorted(names)]]
    for stage in stages:
        while len(columns) <= stage.depth + 1:
            columns.append([])
        columns[stage.depth + 1].append(("stage", stage.name))
    return columns


def _by_barycenter(
    members: Sequence[Key], parents: Mapping[Key, tuple[Key, ...]], placed: Mapping[Key, FlowNode]
) -> list[Key]:
    """Nodes ordered by the mean height of their parents already placed, so branches do not cross; ties
    keep the pipeline order."""
    keyed = [(_barycenter(parents.get(key, ()), placed), index, key) for index, key in enumerate(members)]
    return [key for _, _, key in sorted(keyed)]


def _edges(
    stages: Sequence[StageView],
    freight: Sequence[FreightView],
    parents: Mapping[Key, tuple[Key, ...]],
    placed: Mapping[Key, FlowNode],
) -> tuple[FlowEdge, ...]:
    active = {
        (stage.name, _transit_source(stage, freight)) for stage in stages if stage.promotion is not None
    }
    return tuple(
        FlowEdge(
            kind,
            source,
            target,
            _path(placed[(kind, source)], placed[("stage", target)]),
            (target, (kind, source)) in active,
        )
        for (_, target), sources in parents.items()
        for kind, source in sources
        if (kind, source) in placed
    )


def image_labels(repo_urls: Iterable[str]) -> dict[str, str]:
    """Short names for image repositories: the last path segment, without a `name-` prefix they all share
    (`docker.io/x/userapp-backend`, `.../userapp-frontend` -> `backend`, `frontend`)."""
    urls = sorted(set(repo_urls))
    names = {url: url.rstrip("/").rsplit("/", 1)[-1] for url in urls}
    if len(names) < 2:
        return names
    prefix = _shared_prefix(list(names.values()))
    return {url: name[len(prefix) :] or name for url, name in names.items()}


def _shared_prefix(names: list[str]) -> str:
    """The longest common prefix that ends with a dash, "" when there is none."""
    shortest = min(names, key=len)
    common = 0
    while common < len(shortest) and all(name[common] == shortest[common] for name in names):
        common += 1
    cut = shortest.rfind("-", 0, common)
    return shortest[: cut + 1] if cut >= 0 else ""


def _row_count(counts: Sequence[int]) -> int:
    """Rows that every column divides evenly (their least common multiple), unless that is too many."""
    tallest = max(counts, default=1) or 1
    rows = 1
    for count in counts:
        if count:
            rows = rows * count // math.gcd(rows, count)
    return rows if rows <= MAX_ROWS else tallest


def _place(members: Sequence[Key], column: int, rows: int) -> list[FlowNode]:
    count = len(members)
    if not count:
        return []
    span = rows // count if rows % count == 0 else 1
    offset = 0 if rows % count == 0 else (rows - count) // 2  # centred when the rows do not divide
    grid_column = 1 if column == 0 else 2 * column + 1
    return [
        FlowNode(kind, name, column, grid_column, offset + index * span + 1, span)
        for index, (kind, name) in enumerate(members)
    ]


def _parents(stages: Sequence[StageView]) -> dict[Key, tuple[Key, ...]]:
    """Per Stage: where its Freight comes from (Warehouses requested directly, then upstream Stages)."""
    return {
        ("stage", stage.name): (
            *(("warehouse", name) for name in stage.direct_warehouses),
            *(("stage", name) for name in stage.upstream),
        )
        for stage in stages
    }


def _barycenter(parents: Iterable[Key], placed: Mapping[Key, FlowNode]) -> float:
    """Mean height of the parents already placed (left of this column), so branches do not cross."""
    centers = [placed[parent].center for parent in parents if parent in placed]
    return sum(centers) / len(centers) if centers else math.inf


def _path(source: FlowNode, target: FlowNode) -> str:
    """A horizontal S-curve from the right edge of the source's column to the left edge of the target's."""
    x1 = _left(source.grid_column) + _weight(source.grid_column)
    x2 = _left(target.grid_column)
    middle = (x1 + x2) / 2
    y1, y2 = source.center, target.center
    return f"M{x1:g} {y1:g} C{middle:g} {y1:g} {middle:g} {y2:g} {x2:g} {y2:g}"


def _weight(grid_column: int) -> int:
    if grid_column == 1:
        return WAREHOUSE_WEIGHT
    return GUTTER_WEIGHT if grid_column % 2 == 0 else STAGE_WEIGHT


def _left(grid_column: int) -> int:
    return sum(_weight(column) for column in range(1, grid_column))


def _transits(
    stages: Sequence[StageView], freight: Sequence[FreightView], placed: Mapping[Key, FlowNode]
) -> tuple[Transit, ...]:
    aliases = {item.name: item.alias for item in freight}
    transits = []
    for stage in stages:
        promotion: PromotionView | None = stage.promotion
        if promotion is None:
            continue
        node = placed[("stage", stage.name)]
        transits.append(
            Transit(
                stage=stage.name,
                freight=promotion.freight,
                alias=promotion.freight_alias
                or aliases.get(promotion.freight, "")
                or short_name(promotion.freight),
                phase=promotion.phase or "Pending",
                grid_column=node.grid_column - 1,
                row=node.row,
                row_span=node.row_span,
            )
        )
    return tuple(transits)


def _transit_source(stage: StageView, freight: Sequence[FreightView]) -> Key:
    """The edge the promoted Freight travels: an upstream Stage that holds it, else one where it was verified,
    else its Warehouse when the Stage requests it directly, else the first edge into the Stage."""
    promotion = stage.promotion
    item = next((f for f in freight if promotion is not None and f.name == promotion.freight), None)
    if item is not None:
        for candidates in (item.currently_in, item.verified_in):
            for upstream in stage.upstream:
                if upstream in candidates:
                    return ("stage", upstream)
        if item.origin.name in stage.direct_warehouses:
            return ("warehouse", item.origin.name)
    if stage.direct_warehouses:
        return ("warehouse", stage.direct_warehouses[0])
    return ("stage", stage.upstream[0]) if stage.upstream else ("", "")
