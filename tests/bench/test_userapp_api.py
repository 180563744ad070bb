"""The user service benchmark runs end to end (about 1 s per scenario) and reports well-formed numbers.

It proves `make bench-userapp` works on a fresh machine: the Go load generator builds, the service starts as
the container starts it, every scenario gets the status it expects. No timing is asserted.
"""

from __future__ import annotations

import pytest

from bench import userapp_api
from tests.harness.postgres import PostgresServer

EXPECTED_STATUS = {"bare": "200", "get": "200", "list": "200", "create": "201"}


def test_every_scenario_runs_and_reports_consistent_numbers(postgres: PostgresServer) -> None:
    options = userapp_api.Options(clients=8, duration=1.0, warmup=0.2, users=120)
    report = userapp_api.run(postgres, options)

    assert set(report.results) == set(userapp_api.SCENARIOS)
    for name, row in report.results.items():
        assert row["scenario"] == name and row["clients"] == options.clients
        assert row["errors"] == 0, (name, row["statuses"])
        assert row["statuses"] == {EXPECTED_STATUS[name]: row["requests"]}, name
        assert row["requests"] > 0, name
        assert row["rps"] == pytest.approx(row["requests"] / options.duration), name
        assert 0 < row["p50_ms"] <= row["p90_ms"] <= row["p99_ms"] <= row["max_ms"], name
        assert row["loadgen_cpu_seconds"] > 0, name
    assert report.ratio == pytest.approx(report.results["get"]["rps"] / report.results["bare"]["rps"])

    lines = report.lines()
    assert len(lines) == 3 + len(userapp_api.SCENARIOS) + 1
    verdict = lines[-1]
    assert verdict.startswith("GET one user / bare:")
    assert verdict.endswith("PASS" if report.passed else "MISS")


@pytest.mark.parametrize(
    "argv",
    [["--duration", "0"], ["--clients", "0"], ["--warmup", "-1"], ["--users", "x"]],
)
def test_bad_arguments_exit_with_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        userapp_api.parse_args(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err
