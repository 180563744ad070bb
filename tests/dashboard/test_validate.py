"""Input checks: a clear message naming the kind, the object and the field path."""

from __future__ import annotations

import pytest

from dashboard.model import InvalidObject, partition_valid, validate_object
from tests.dashboard import factories as f


def message(kind: str, obj: object) -> str:
    with pytest.raises(InvalidObject) as caught:
        validate_object(kind, obj)
    return str(caught.value)


def test_valid_objects_pass() -> None:
    item = f.freight("x", currently_in={"dev": -1}, verified_in={"dev": f.verified(longest_soak="1h")})
    for kind, obj in [
        ("Stage", f.stage("dev", current=[item], verifications=[f.verification()])),
        ("Freight", item),
        ("Promotion", f.promotion("dev", item, phase="Failed", failed_message="x")),
        ("Warehouse", f.warehouse()),
        ("Application", f.application("dev", images=["a:1"])),
    ]:
        validate_object(kind, obj)


def test_missing_origin_name() -> None:
    stage = f.stage("stg", requests=[f.request(stages=["dev"])])
    del stage["spec"]["requestedFreight"][0]["origin"]["name"]
    assert message("Stage", stage) == "Stage 'stg': spec.requestedFreight[0].origin.name: missing"


def test_missing_requested_freight_and_empty_list() -> None:
    stage = f.stage("stg")
    del stage["spec"]["requestedFreight"]
    assert message("Stage", stage) == "Stage 'stg': spec.requestedFreight: missing"
    stage["spec"]["requestedFreight"] = []
    assert "spec.requestedFreight: empty" in message("Stage", stage)


def test_wrong_types_are_named() -> None:
    item = f.freight("x")
    item["status"] = {"verifiedIn": ["dev"]}
    assert (
        message("Freight", item)
        == f"Freight '{item['metadata']['name']}': status.verifiedIn: expected an object, got a list"
    )
    stage = f.stage("dev")
    stage["status"]["freightHistory"] = [{"id": "1", "items": {"Warehouse/userapp": "abc"}}]
    assert "status.freightHistory[0].items.Warehouse/userapp: expected an object" in message("Stage", stage)
    promotion = f.promotion("dev", f.freight("x"), phase="Running", current_step=1)
    promotion["status"]["currentStep"] = "two"
    assert "status.currentStep: expected an integer, got the string 'two'" in message("Promotion", promotion)


def test_bad_times_and_durations() -> None:
    item = f.freight("x", verified_in={"stg": {"verifiedAt": "yesterday", "longestSoak": "1 day"}})
    assert "status.verifiedIn.stg.verifiedAt: not an RFC 3339 timestamp: 'yesterday'" in message(
        "Freight", item
    )
    stage = f.stage("prod", requests=[f.request(stages=["stg"], soak="1d")])
    assert "spec.requestedFreight[0].sources.requiredSoakTime: not a duration" in message("Stage", stage)


def test_bad_strategy_and_origin_kind() -> None:
    stage = f.stage("prod", requests=[f.request(stages=["stg"], strategy="Most")])
    assert "availabilityStrategy: expected All or OneOf, got 'Most'" in message("Stage", stage)
    stage = f.stage("prod")
    stage["spec"]["requestedFreight"][0]["origin"]["kind"] = "Bucket"
    assert "origin.kind: expected Warehouse, got 'Bucket'" in message("Stage", stage)


def test_object_without_name_or_not_an_object() -> None:
    assert message("Warehouse", {"metadata": {}}) == "Warehouse (unnamed): metadata.name: missing"
    assert message("Stage", "dev") == "Stage (unnamed): expected an object, got the string 'dev'"


def test_promotion_needs_its_stage_and_application_images_are_strings() -> None:
    promotion = f.promotion("dev", f.freight("x"))
    del promotion["spec"]["stage"]
    assert message("Promotion", promotion).endswith("spec.stage: missing")
    app = f.application("dev", images=["ok:1"])
    app["status"]["summary"]["images"].append({"name": "bad"})
    assert message("Application", app).endswith("status.summary.images[1]: expected a string, got an object")


def test_unknown_fields_are_accepted() -> None:
    stage = f.stage("dev")
    stage["spec"]["somethingNew"] = [1, 2]
    stage["status"]["promotionWindowStatus"] = {"closed": False}
    validate_object("Stage", stage)


def test_partition_keeps_the_good_objects() -> None:
    bad = f.stage("bad")
    del bad["spec"]
    valid, problems = partition_valid({"Stage": [f.stage("dev"), bad], "Freight": [f.freight("x")]})
    assert [s["metadata"]["name"] for s in valid["Stage"]] == ["dev"]
    assert len(valid["Freight"]) == 1
    assert [str(p) for p in problems] == ["Stage 'bad': spec: missing"]
