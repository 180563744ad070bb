"""`make bench-vs-kargo` in its quick mode: both servers measured and reported (no timing is asserted)."""

from __future__ import annotations

import pytest

from bench import vs_kargo


@pytest.mark.kube
@pytest.mark.kargo
def test_vs_kargo_benchmark_reports_both_servers_for_every_viewer_count() -> None:
    plan = vs_kargo.Plan.quick()
    results = vs_kargo.run(plan)

    for name in vs_kargo.SERVERS:
        rows = results["servers"][name]["rows"]
        assert [row["viewers"] for row in rows] == list(plan.viewers), name
        for row in rows:
            assert row["connected"] == row["viewers"], (name, row["stream_errors"])
            assert row["missed"] == 0, (name, row)
            assert row["deliveries"] == row["viewers"] * plan.changes, (name, row)
            assert row["rss_bytes"] > 0, name
    # What the apiserver saw is counted: Kargo's API server opens one watch per WatchStages stream.
    for row in results["servers"]["kargo-api"]["rows"]:
        assert row["watches_open"] >= row["viewers"], row
    lines = vs_kargo.report(results, plan)
    for name in vs_kargo.SERVERS:
        for viewers in plan.viewers:
            assert any(line.split()[:2] == [name, str(viewers)] for line in lines), (name, viewers, lines)
    assert sum(line.strip().split()[1] == "viewers:" for line in lines if "CPU per change" in line) == len(
        plan.viewers
    )
