"""The user service benchmark runs end to end (about 1 s per scenario) and reports well-formed numbers.

It proves `make bench-userapp` works on a fresh machine: the Go load generator builds, the peer (the talk's
original service) is brought and given its own virtualenv, both services start as the container starts them,
and every scenario gets the status it expects from both. No timing is asserted.
"""

from __future__ import annotations

import pytest

from bench import userapp_api
from tests.harness.postgres import PostgresServer

EXPECTED_STATUS = {"bare": "200", "get": "200", "list": "200", "create": "201"}


def test_every_scenario_runs_on_both_services_and_reports_consistent_numbers(
    postgres: PostgresServer,
) -> None:
    # No warm-up: every client's first request is measured, so even the peer's create (bcrypt, cost 12, a
    # quarter of a second of CPU each) has requests to report.
    options = userapp_api.Options(clients=4, duration=1.0, warmup=0.0, users=120)
    report = userapp_api.run(postgres, options)

    assert report.services == [userapp_api.OURS, userapp_api.PEER]
    for service in report.services:
        assert set(report.results[service]) == set(userapp_api.SCENARIOS)
        for name, rows in report.results[service].items():
            assert len(rows) == options.rounds
            row = rows[0]
            where = (service, name)
            assert row["scenario"] == name and row["service"] == service and row["clients"] == options.clients
            assert row["errors"] == 0, (where, row["statuses"])
            assert row["statuses"] == {EXPECTED_STATUS[name]: row["requests"]}, where
            assert 0 < row["requests"] <= row["requests_with_warmup"], where
            assert row["rps"] == pytest.approx(row["requests"] / options.duration), where
            assert 0 < row["p50_ms"] <= row["p90_ms"] <= row["p99_ms"] <= row["max_ms"], where
            assert row["loadgen_cpu_seconds"] > 0 and row["server_cpu_seconds"] > 0, where
            assert row["pg_sessions_opened"] >= 0 and row["postgres_cpu_seconds"] >= 0, where
    # Reads and writes reach PostgreSQL: its backends worked during them.
    assert all(report.results[s]["get"][0]["postgres_cpu_seconds"] > 0 for s in report.services)
    ours, peer = report.results[userapp_api.OURS], report.results[userapp_api.PEER]
    assert report.ratio == pytest.approx(ours["get"][0]["rps"] / ours["bare"][0]["rps"])
    assert report.peer_ratio("list") == pytest.approx(ours["list"][0]["rps"] / peer["list"][0]["rps"])

    lines = report.lines()
    # heading (3), then per scenario one row per service and the ratio, then the two verdicts
    assert len(lines) == 3 + 3 * len(userapp_api.SCENARIOS) + 2
    assert lines[-2].startswith("GET one user / bare:")
    assert lines[-2].endswith("PASS" if report.passed else "MISS")
    assert lines[-1].startswith("against the peer:")
    assert lines[-1].endswith("PASS" if report.passed_peer else "MISS")


@pytest.mark.parametrize(
    "argv",
    [
        ["--duration", "0"],
        ["--clients", "0"],
        ["--warmup", "-1"],
        ["--users", "x"],
        ["--rounds", "0"],
        ["--db-pool-size", "0"],
    ],
)
def test_bad_arguments_exit_with_a_usage_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        userapp_api.parse_args(argv)
    assert exited.value.code == 2
    assert "error:" in capsys.readouterr().err
