"""The board's view model: immutable, plain values, no behaviour beyond small derived properties.

Everything here is built by the pure functions of this package from Kubernetes object dicts; the web views and
`board_to_json` only read it.
"""

# View models mirror what the board shows; their field count is the board's, not a design smell.
# pylint: disable=too-many-instance-attributes

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Origin:
    kind: str
    name: str

    @property
    def key(self) -> str:
        """The key Kargo uses in `freightHistory[].items` and in holds, e.g. `Warehouse/userapp`."""
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class ImageRef:
    repo_url: str
    tag: str
    digest: str


@dataclass(frozen=True)
class CommitRef:
    repo_url: str
    id: str
    branch: str
    tag: str
    message: str
    author: str


@dataclass(frozen=True)
class Notice:
    """A problem the board should make visible; `code` is stable (for styling and translation), `params` are
    the values the views put into their own sentence for the code; `message` is the English fallback."""

    code: str
    message: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, key: str) -> str:
        return dict(self.params).get(key, "")


@dataclass(frozen=True)
class CurrentFreight:
    """One piece of Freight a Stage currently uses (one per requested origin)."""

    name: str
    alias: str
    origin: Origin
    since: datetime | None
    label: str = ""  # alias, or enough of the name to tell it from every other Freight on the board


@dataclass(frozen=True)
class StageState:
    """The phase Kargo's UI derives from the Stage conditions, with the condition that decided it."""

    phase: str  # Promoting | Verifying | Reconciling | Failed | Ready | Unknown
    reason: str
    message: str


@dataclass(frozen=True)
class Health:
    status: (
        str | None
    )  # Healthy | Progressing | Unhealthy | Unknown | NotApplicable, None when never assessed
    issues: tuple[str, ...]


@dataclass(frozen=True)
class Verification:
    """The newest entry of `freightHistory[0].verificationHistory`."""

    id: str
    phase: str  # Pending | Running | Successful | Failed | Error | Inconclusive | Aborted
    message: str
    actor: str
    started_at: datetime | None
    finished_at: datetime | None
    analysis_run: str


@dataclass(frozen=True)
class StepStatus:
    alias: str
    status: str  # Running | Succeeded | Failed | Errored | Aborted | Skipped ("" when not recorded)
    message: str


@dataclass(frozen=True)
class Approval:
    """Who asked for a Promotion through the board, and when (one audit log record, as plain data)."""

    actor: str
    role: str
    requested_at: datetime
    action: str


@dataclass(frozen=True)
class Requester:
    """Who a page names for a Promotion. `recorded`: from the board's audit log, so `role` is known and an
    anonymous viewer may be shown the role instead of the name; otherwise Kargo's create-actor (or nobody
    known: `actor` is "" and `at` is when the Promotion finished). `automatic`: nobody, in a Stage Kargo
    auto-promotes: Kargo's own auto-promotion (its webhook gives every other Promotion a create-actor)."""

    actor: str
    role: str
    at: datetime | None
    recorded: bool
    automatic: bool = False


@dataclass(frozen=True)
class PromotionView:
    """A Promotion as the board shows it: in progress (with its current step) or the last finished one."""

    name: str
    phase: str  # Pending | Running | Succeeded | Failed | Errored | Aborted ("" when not known yet)
    freight: str
    freight_alias: str
    actor: str | None  # what Kargo's UI shows for the create-actor annotation; None when absent
    actor_annotation: str | None  # the raw annotation value
    message: str
    started_at: datetime | None
    finished_at: datetime | None
    step_number: int | None  # 1-based index of the current step
    step_count: int | None
    step_alias: str
    failed_step_alias: str
    failed_step_message: str
    queued: bool = False  # Pending or not picked up yet (no status): waiting behind another Promotion
    steps: tuple[StepStatus, ...] = ()  # what Kargo recorded per step (status.stepExecutionMetadata)
    freight_label: str = ""
    stage: str = ""
    requested_by: Requester | None = None  # who asked for it through the board (the audit log), if anyone
    approved_by: Requester | None = None  # that person, else Kargo's create-actor; actor "" when unknown


@dataclass(frozen=True)
class AutoPromotionHold:
    origin: str
    freight: str
    promotion: str
    actor: str
    created_at: datetime | None
    effective: bool = True  # in status.effectiveAutoPromotionHolds (in force now)
    recorded: bool = True  # in status.autoPromotionHolds (kept until released)
    freight_label: str = ""


@dataclass(frozen=True)
class AutoPromotion:
    enabled: bool
    holds: tuple[AutoPromotionHold, ...]


@dataclass(frozen=True)
class StuckRollout:
    """Two or more tags of one image repository served by one Application (old pods still running)."""

    repo_url: str
    tags: tuple[str, ...]


@dataclass(frozen=True)
class ApplicationView:
    name: str
    namespace: str
    missing: bool  # named by the Stage but absent from the objects
    sync_status: str
    health_status: str
    revision: str
    operation_phase: str
    operation_message: str
    images: tuple[str, ...]
    conditions: tuple[Notice, ...]  # Argo CD status.conditions (type, message)
    stuck_rollouts: tuple[StuckRollout, ...]
    reconciled_at: datetime | None
    kargo_health: str = ""  # Healthy | Progressing | Unknown | Unhealthy: Kargo's own rule for a Stage's app
    kargo_issues: tuple[str, ...] = ()  # Kargo's sentences (English, as Kargo writes them)


@dataclass(frozen=True)
class SoakingFreight:
    """Freight verified upstream that becomes available once it has soaked long enough."""

    freight: str
    remaining_seconds: int

    @property
    def minutes(self) -> int:
        """The remaining time as a page says it: whole minutes, rounded up (never "0 min")."""
        return self.remaining_seconds // 60 + 1


@dataclass(frozen=True)
class StageView:
    name: str
    description: str
    color: str
    control_flow: bool
    depth: int  # column in the pipeline: 0 for Stages fed only by Warehouses
    origins: tuple[Origin, ...]
    direct_warehouses: tuple[str, ...]
    upstream: tuple[str, ...]
    downstream: tuple[str, ...]
    current_freight: tuple[CurrentFreight, ...]
    freight_summary: str
    images: tuple[ImageRef, ...]
    commits: tuple[CommitRef, ...]
    state: StageState
    health: Health
    verification: Verification | None
    promotion: PromotionView | None
    last_promotion: PromotionView | None
    auto_promotion: AutoPromotion
    applications: tuple[ApplicationView, ...]
    promotable_freight: tuple[str, ...]  # newest first: available to the Stage and not its current Freight
    soaking_freight: tuple[SoakingFreight, ...]
    warnings: tuple[Notice, ...]
    available_freight: tuple[str, ...] = ()  # Kargo's IsFreightAvailable, newest first (control flow too)
    queued_promotions: tuple[PromotionView, ...] = ()  # waiting behind the one in progress, oldest first
    previous_freight: str | None = None  # what it ran before its current Freight: the rollback target


@dataclass(frozen=True)
class Rejection:
    """`status.rejected` as Kargo's development line writes it: rejected Freight is never promotable."""

    actor: str
    at: datetime | None
    reason: str


@dataclass(frozen=True)
class FreightArtifacts:
    """What a Freight object says it is: the fields the parsed Freight (freight.py) and its view share."""

    name: str
    alias: str
    origin: Origin
    images: tuple[ImageRef, ...]
    commits: tuple[CommitRef, ...]
    discovered_at: datetime | None


@dataclass(frozen=True)
class FreightView(FreightArtifacts):
    currently_in: tuple[str, ...]  # stage names, in pipeline order
    verified_in: tuple[str, ...]
    approved_for: tuple[str, ...]
    promotable_to: tuple[str, ...]
    label: str = ""
    rejected: Rejection | None = None


@dataclass(frozen=True)
class WarehouseView:
    name: str
    subscriptions: tuple[str, ...]  # "image:<repo>", "git:<repo>", "chart:<repo>[/<name>]"
    ready: str  # Ready condition status: "True" | "False" | "Unknown" | ""
    message: str
    last_freight: str
    discovered_at: datetime | None
    downstream: tuple[str, ...]  # stages requesting Freight directly from it


@dataclass(frozen=True)
class ImageChange:
    repo_url: str
    downstream_tag: str  # what the downstream Stage runs ("" when it has no such image)
    upstream_tag: str  # what the upstream Stage runs and would bring


@dataclass(frozen=True)
class StageDiff:
    """What promoting the upstream Stage's Freight into the downstream Stage would change, per origin."""

    upstream: str
    downstream: str
    origin: str
    upstream_freight: str
    downstream_freight: str
    relation: str  # same | ahead | behind | unknown
    freight_ahead: int | None  # newer freight of the origin up to the upstream's, when both are in the lane
    commits_ahead: int | None  # distinct commits in those freight, when the freight carry commits
    images: tuple[ImageChange, ...]
    changed_commits: tuple[str, ...]  # repo URLs whose commit differs
    summary: str  # English
    summary_code: str = ""  # same | first | ahead-commits | behind-versions | ... | changed | different
    summary_params: tuple[tuple[str, str], ...] = ()  # count, changes ("backend a1 -> b2, ...")


ROW_HEIGHT = 100  # flow layout: viewBox units per grid row


@dataclass(frozen=True)
class FlowNode:
    """A Warehouse or Stage placed on the grid (CSS grid lines are 1-based)."""

    kind: str  # "warehouse" | "stage"
    name: str
    column: int  # 0 = Warehouses, then 1 + the Stage's depth
    grid_column: int  # the CSS grid column: 1 for Warehouses, 2 * column + 1 for Stages (gutters between)
    row: int  # first CSS grid row
    row_span: int

    @property
    def center(self) -> float:
        """Vertical middle, in viewBox units."""
        return (self.row - 1 + self.row_span / 2) * ROW_HEIGHT


@dataclass(frozen=True)
class FlowEdge:
    """An arrow from a Warehouse or Stage to a Stage that requests Freight from it."""

    source_kind: str
    source: str
    target: str
    path: str  # SVG path data in the layout's viewBox
    active: bool  # a Promotion into `target` is carrying Freight along this edge now


@dataclass(frozen=True)
class Transit:
    """Freight on its way into a Stage: a Promotion that is pending or running, drawn on the arrow."""

    stage: str
    freight: str
    alias: str
    phase: str  # Pending | Running
    grid_column: int  # the gutter before the Stage
    row: int
    row_span: int


@dataclass(frozen=True)
class FlowLayout:
    stage_columns: int  # Stage columns (the CSS class `cols-N`)
    rows: int  # grid rows (the CSS class `rows-N`)
    view_box: str  # "0 0 W H" for the arrows' SVG
    nodes: tuple[FlowNode, ...]  # Warehouses first, then Stages column by column, top to bottom
    edges: tuple[FlowEdge, ...]
    transits: tuple[Transit, ...]
    image_labels: Mapping[str, str]  # image repo URL -> short label for cards (common name prefix removed)

    def node(self, kind: str, name: str) -> FlowNode:
        for node in self.nodes:
            if node.kind == kind and node.name == name:
                return node
        raise KeyError((kind, name))


@dataclass(frozen=True)
class Board:
    project: str
    generated_at: datetime
    stages: tuple[StageView, ...]  # pipeline order
    freight: tuple[FreightView, ...]  # newest first
    warehouses: tuple[WarehouseView, ...]
    diffs: tuple[StageDiff, ...]
    warnings: tuple[Notice, ...]  # board-wide (cycles, dangling references)
    layout: FlowLayout  # where the flow views draw each Warehouse, Stage and arrow (see layout.py)
    unclaimed_applications: tuple[ApplicationView, ...] = ()  # Applications no Stage on the board names
    unclaimed_promotions: tuple[PromotionView, ...] = ()  # Promotions of Stages not on the board
    # Stage name -> every Promotion of it, newest first (the /history view)
    history: Mapping[str, tuple[PromotionView, ...]] = field(default_factory=dict)
    # Freight name -> how pages name it (alias, or enough of the name to tell it apart)
    aliases: Mapping[str, str] = field(default_factory=dict)

    def stage(self, name: str) -> StageView:
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise KeyError(name)

    def freight_named(self, name: str) -> FreightView:
        for item in self.freight:
            if item.name == name:
                return item
        raise KeyError(name)
