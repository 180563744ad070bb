"""What a promotion would change, for the confirm step: images and commits, current -> target Freight."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.model import Board
from dashboard.model.types import FreightView, PromotionView, StageDiff, StageView


@dataclass(frozen=True)
class ArtifactChange:
    repo_url: str
    current: str  # tag or short commit the Stage runs now ("" when it has none)
    target: str  # what the Freight brings
    note: str = ""  # the commit message, for commits

    @property
    def changed(self) -> bool:
        return self.current != self.target

    @property
    def short_repo(self) -> str:
        return self.repo_url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")


@dataclass(frozen=True)
class PromotionPreview:
    stage: StageView
    freight: FreightView
    images: tuple[ArtifactChange, ...]
    commits: tuple[ArtifactChange, ...]
    summary: str  # the board's diff line for this edge, when the Freight is the upstream's (English)
    running: PromotionView | None  # a Promotion already under way: the new one queues behind it
    diff: StageDiff | None = None  # that edge's diff, whose summary code the views translate


def preview(board: Board, stage: StageView, freight: FreightView) -> PromotionPreview:
    current_images = {image.repo_url: image.tag for image in stage.images}
    images = tuple(
        ArtifactChange(image.repo_url, current_images.get(image.repo_url, ""), image.tag)
        for image in freight.images
    )
    current_commits = {commit.repo_url: commit.id[:8] for commit in stage.commits}
    commits = tuple(
        ArtifactChange(
            commit.repo_url, current_commits.get(commit.repo_url, ""), commit.id[:8], commit.message
        )
        for commit in freight.commits
    )
    diff = next(
        (d for d in board.diffs if d.downstream == stage.name and d.upstream_freight == freight.name),
        None,
    )
    summary = diff.summary if diff is not None else ""
    return PromotionPreview(stage, freight, images, commits, summary, stage.promotion, diff)
