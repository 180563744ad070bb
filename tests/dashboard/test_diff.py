""" "What changes" between adjacent Stages."""

from __future__ import annotations

from dashboard.model import build_board
from tests.dashboard import factories as f


def lane(*aliases: str) -> list[dict]:
    """Freight oldest first, one per alias, each with its own commit and image tags."""
    return [f.freight(alias, discovered=-100 + index * 10) for index, alias in enumerate(aliases)]


def pipeline(dev_freight: dict | None, stg_freight: dict | None) -> list[dict]:
    return [
        f.stage("dev", current=[dev_freight] if dev_freight else []),
        f.stage("stg", requests=[f.request(stages=["dev"])], current=[stg_freight] if stg_freight else []),
    ]


def diffs(*items: dict):
    return build_board(f.objects(*items), project=f.PROJECT, now=f.NOW).diffs


def test_upstream_two_commits_ahead() -> None:
    one, two, three = lane("one", "two", "three")
    (diff,) = diffs(one, two, three, *pipeline(three, one))
    assert (diff.upstream, diff.downstream, diff.relation) == ("dev", "stg", "ahead")
    assert (diff.freight_ahead, diff.commits_ahead) == (2, 2)
    assert [(c.repo_url, c.downstream_tag, c.upstream_tag) for c in diff.images] == [
        (f.BACKEND, f.sha("one", 8), f.sha("three", 8)),
        (f.FRONTEND, f.sha("one", 8), f.sha("three", 8)),
    ]
    assert diff.changed_commits == (f.SOURCE_REPO,)
    assert diff.summary.startswith(
        f"2 commits ahead: userapp-backend {f.sha('one', 8)} -> {f.sha('three', 8)}"
    )


def test_freight_sharing_a_commit_counts_it_once() -> None:
    one, two, three = lane("one", "two", "three")
    three["commits"] = list(two["commits"])  # a rebuild of the same commit
    (diff,) = diffs(one, two, three, *pipeline(three, one))
    assert (diff.freight_ahead, diff.commits_ahead) == (2, 1)


def test_without_commits_versions_are_counted() -> None:
    one, two = lane("one", "two")
    for item in (one, two):
        item["commits"] = []
    (diff,) = diffs(one, two, *pipeline(two, one))
    assert (diff.freight_ahead, diff.commits_ahead) == (1, None)
    assert diff.summary.startswith("1 version ahead:")


def test_downstream_newer_than_upstream_is_behind() -> None:
    one, two = lane("one", "two")
    (diff,) = diffs(one, two, *pipeline(one, two))
    assert (diff.relation, diff.freight_ahead, diff.commits_ahead) == ("behind", -1, -1)
    assert diff.summary.startswith("1 commit behind")


def test_same_freight() -> None:
    (one,) = lane("one")
    (diff,) = diffs(one, *pipeline(one, one))
    assert (diff.relation, diff.images, diff.summary) == ("same", (), "same Freight")


def test_empty_downstream_gets_everything() -> None:
    (one,) = lane("one")
    (diff,) = diffs(one, *pipeline(one, None))
    assert diff.relation == "downstream-empty"
    assert [c.downstream_tag for c in diff.images] == ["", ""]


def test_empty_upstream_has_no_diff() -> None:
    (one,) = lane("one")
    assert not diffs(one, *pipeline(None, one))


def test_freight_no_longer_listed_still_gives_tag_differences() -> None:
    one, two = lane("one", "two")
    (diff,) = diffs(two, *pipeline(two, one))  # "one" was deleted; the Stage history still names it
    assert (diff.relation, diff.freight_ahead) == ("unknown", None)
    assert len(diff.images) == 2


def test_one_diff_per_origin_for_multi_warehouse_stages() -> None:
    backend = f.freight("be", warehouse="backend", images=[f.image(f.BACKEND, "aaaa1111")])
    frontend = f.freight("fe", warehouse="frontend", images=[f.image(f.FRONTEND, "bbbb2222")])
    dev = f.stage(
        "dev",
        requests=[f.request("backend", direct=True), f.request("frontend", direct=True)],
        current=[backend, frontend],
    )
    stg = f.stage(
        "stg",
        requests=[f.request("backend", stages=["dev"]), f.request("frontend", stages=["dev"])],
        current=[backend],
    )
    found = diffs(backend, frontend, dev, stg)
    assert [(d.origin, d.relation) for d in found] == [
        ("Warehouse/backend", "same"),
        ("Warehouse/frontend", "downstream-empty"),
    ]
