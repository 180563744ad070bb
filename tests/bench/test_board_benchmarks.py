"""The board's benchmarks run end to end (tiny sizes) and measure what they claim; no timing is asserted."""

from __future__ import annotations

import pytest

from bench import board_render, board_viewers
from tests.harness.kube import KubeCluster


def test_render_benchmark_reuses_unchanged_objects_and_reports_every_change() -> None:
    cold, rows = board_render.measure()
    assert cold > 0
    assert len(rows) == board_render.CHANGES
    for build, render, total, all_pages in rows:
        assert 0 < build <= total <= all_pages
        assert render > 0


@pytest.mark.kube
def test_viewer_benchmark_serves_every_viewer_and_costs_the_cluster_nothing_per_viewer(kube: KubeCluster):
    plan = board_viewers.Plan.quick()
    results = board_viewers.run(plan, kube)

    for name, row in results["pages"].items():
        assert row["errors"] == 0, (name, row["first_errors"])
        assert set(row["statuses"]) == {"200"}, name
        assert row["requests"] > 0, name
    few, many = results["few"], results["many"]
    assert (few["connected"], many["connected"]) == (plan.few_viewers, plan.viewers)
    # Every stream received every change, and the cluster served the same reads for 5 viewers as for 50.
    assert few["missed"] == many["missed"] == 0
    assert many["deliveries"] == plan.viewers * plan.changes
    assert few["api_reads"] == many["api_reads"]
    lines = board_viewers.report(results, plan)
    assert any(line.startswith("(c)") and "equal" in line for line in lines)
