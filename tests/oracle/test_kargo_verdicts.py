"""The board model's Freight rules against Kargo's own (api/v1alpha1 of Kargo v1.11.2, through the Go oracle).

Each generated case is a Stage and a Freight the CRDs accept; Kargo answers IsControlFlow, IsFreightAvailable,
IsCurrentlyIn / IsVerifiedIn / IsApprovedFor (for the Stage and every upstream it names) and HasSoakedIn (per
request and upstream). 0 disagreements over 10,000+ cases; the only tolerated differences are in
differences.py.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.model.freight import freight_facts, has_soaked_in, is_freight_available
from dashboard.model.objects import parse_go_duration_ns
from dashboard.model.pipeline import freight_requests, is_control_flow
from tests.oracle.crd_schema import assert_crd_valid
from tests.oracle.differences import DIFFERENCES
from tests.oracle.oracles import LineOracle
from tests.oracle.strategies import NOW, Choices, batched, cases, freight, rfc3339, stage

CASES = 10_000
BATCH = 25
ORACLE_SETTINGS = batched(CASES, BATCH)


def stage_and_freight(choices: Choices) -> tuple[dict, dict]:
    return stage(choices), freight(choices)


def model_verdicts(stage: dict, freight: dict, answer: dict[str, Any]) -> dict[str, Any]:
    """The model's answers to the questions Kargo answered (same keys, same shape)."""
    facts = freight_facts(freight)
    requests = freight_requests(stage)
    raw_requests = stage["spec"]["requestedFreight"]
    soaked = {}
    for key in answer["hasSoakedIn"]:
        index, upstream = key.split("/", 1)
        required = parse_go_duration_ns(raw_requests[int(index)]["sources"].get("requiredSoakTime"))
        assert required == requests[int(index)].required_soak_ns
        soaked[key] = has_soaked_in(facts, upstream, required, NOW)
    return {
        "isControlFlow": is_control_flow(stage),
        "isFreightAvailable": is_freight_available(stage, freight, NOW),
        "isCurrentlyIn": {name: name in facts.in_stage_since for name in answer["isCurrentlyIn"]},
        "isVerifiedIn": {name: name in facts.verified_in for name in answer["isVerifiedIn"]},
        "isApprovedFor": {name: name in facts.approved_for for name in answer["isApprovedFor"]},
        "hasSoakedIn": soaked,
    }


def kargo_would_panic(stage: dict, freight: dict) -> bool:
    """DIFFERENCES["currently-in-without-since"]: Kargo dereferences a missing `since` when it needs it."""
    status = freight.get("status") or {}
    for request in stage["spec"]["requestedFreight"]:
        if "requiredSoakTime" not in request["sources"]:
            continue
        for upstream in request["sources"].get("stages", []):
            record = (status.get("currentlyIn") or {}).get(upstream)
            if upstream in (status.get("verifiedIn") or {}) and record is not None and "since" not in record:
                return True
    return False


def test_freight_rules_agree_with_kargo(kargo: LineOracle) -> None:
    counted: list[int] = []
    tolerated: list[int] = []
    available: list[bool] = []

    @ORACLE_SETTINGS
    @given(cases(stage_and_freight, BATCH, 256))
    def check(pairs: list[tuple[dict, dict]]) -> None:
        for a_stage, a_freight in pairs:
            assert_crd_valid("Stage", a_stage)
            assert_crd_valid("Freight", a_freight)
        answers = kargo.ask(
            [{"op": "stage", "now": rfc3339(NOW), "stage": s, "freight": f} for s, f in pairs]
        )
        for (a_stage, a_freight), answer in zip(pairs, answers, strict=True):
            if "error" in answer:
                assert answer["error"].startswith("panic") and kargo_would_panic(a_stage, a_freight), answer
                tolerated.append(1)
                continue
            assert model_verdicts(a_stage, a_freight, answer) == answer, (a_stage, a_freight)
            available.append(answer["isFreightAvailable"])
        counted.append(len(pairs))

    check()  # pylint: disable=no-value-for-parameter  # Hypothesis draws the argument
    assert sum(counted) >= CASES, f"only {sum(counted)} cases compared"
    assert "currently-in-without-since" in DIFFERENCES
    # The generators reach both answers often, and the tolerated difference only rarely.
    assert min(available.count(True), available.count(False)) > len(available) // 10
    assert len(tolerated) < sum(counted) // 50


@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(
    st.from_regex(
        r"\A(\+|-)?([0-9]{1,20}(\.[0-9]{0,20})?|\.[0-9]{1,20})(ns|us|µs|μs|ms|s|m|h)"
        r"(([0-9]{1,20}(\.[0-9]{0,20})?|\.[0-9]{1,20})(ns|us|µs|μs|ms|s|m|h)){0,3}\Z"
    )
)
def test_durations_read_as_go_reads_them(kargo: LineOracle, text: str) -> None:
    [answer] = kargo.ask([{"op": "duration", "value": text}])
    assert parse_go_duration_ns(text) == (answer["ns"] if answer["ok"] else None)
