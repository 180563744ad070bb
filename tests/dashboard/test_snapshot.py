"""Loading snapshot files: the forms kubectl prints, project detection, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard.sources.snapshot import SnapshotError, fill_store, load_snapshot, parse_snapshot
from dashboard.sources.store import ObjectStore
from tests.dashboard import factories as f

FIXTURES = Path(__file__).parent / "fixtures"


def error_of(content: str, **kwargs: str) -> str:
    with pytest.raises(SnapshotError) as caught:
        parse_snapshot(content, source="snap.yaml", **kwargs)
    return str(caught.value)


def test_kubectl_lists_in_two_documents() -> None:
    snapshot = load_snapshot(FIXTURES / "userapp.yaml")
    assert snapshot.project == "userapp"
    assert {kind: len(objs) for kind, objs in snapshot.objects.items()} == {
        "Stage": 3,
        "Freight": 4,
        "Promotion": 4,
        "Warehouse": 1,
        "Application": 3,
    }
    assert snapshot.warnings == ("ignored 1 object(s) of kind Project",)
    # Timestamps stay the strings the API returns.
    assert snapshot.objects["Freight"][0]["discoveredAt"] == "2026-09-20T11:50:00Z"


def test_json_list_plain_list_and_typed_list(tmp_path: Path) -> None:
    stage, item = f.stage("dev"), f.freight("x")
    path = tmp_path / "snap.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": [stage, item]}))
    assert [len(objs) for objs in load_snapshot(path).objects.values()] == [1, 1, 0, 0, 0]
    path.write_text(json.dumps([stage, item]))
    assert load_snapshot(path).objects["Freight"][0]["alias"] == "x"
    typed = {
        "apiVersion": "kargo.akuity.io/v1alpha1",
        "kind": "StageList",
        "items": [f.stage("dev") | {"kind": None}],
    }
    assert load_snapshot_text(json.dumps(typed)).objects["Stage"][0]["metadata"]["name"] == "dev"


def load_snapshot_text(content: str):
    return parse_snapshot(content, source="snap.yaml")


def test_multi_document_yaml_without_status() -> None:
    snapshot = load_snapshot(FIXTURES / "partial-fresh-install.yaml")
    assert [s["metadata"]["name"] for s in snapshot.objects["Stage"]] == ["dev", "stg"]
    assert snapshot.objects["Freight"] == ()


def test_project_detection() -> None:
    stages = [f.stage("dev"), f.stage("dev", namespace="shop")]
    assert "several namespaces (shop, userapp); choose one with --project" in error_of(json.dumps(stages))
    assert parse_snapshot(json.dumps(stages), project="shop").project == "shop"
    item = f.freight("x")
    assert load_snapshot_text(json.dumps([item])).project == "userapp"
    del item["metadata"]["namespace"]
    assert "cannot tell the Kargo project" in error_of(json.dumps([item]))
    assert parse_snapshot(json.dumps([item]), project="p").warnings == ("no Stage in project 'p'",)


def test_other_kinds_and_groups_are_ignored_with_a_warning() -> None:
    foreign_app = {"apiVersion": "app.k8s.io/v1beta1", "kind": "Application", "metadata": {"name": "x"}}
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y"}}
    snapshot = load_snapshot_text(json.dumps([f.stage("dev"), foreign_app, config_map, config_map]))
    assert snapshot.objects["Application"] == ()
    assert snapshot.warnings == (
        "ignored 1 object(s) of kind Application (app.k8s.io/v1beta1)",
        "ignored 2 object(s) of kind ConfigMap",
    )


def test_invalid_object_is_left_out_and_named_with_its_field() -> None:
    snapshot = load_snapshot(FIXTURES / "broken-missing-origin-name.yaml")
    assert snapshot.objects["Stage"] == ()
    assert [str(problem) for problem in snapshot.problems] == [
        "Stage 'stg': spec.requestedFreight[0].origin.name: missing"
    ]


def test_unnamed_object_problem_says_where_it_is_and_the_rest_is_kept() -> None:
    content = json.dumps({"kind": "List", "items": [f.stage("dev"), {"kind": "Stage", "metadata": {}}]})
    snapshot = parse_snapshot(content, source="snap.yaml")
    assert [stage["metadata"]["name"] for stage in snapshot.objects["Stage"]] == ["dev"]
    assert [str(problem) for problem in snapshot.problems] == [
        "Stage #1: metadata.name: missing (top level, item 1)"
    ]


def test_yaml_syntax_error_has_the_line() -> None:
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(FIXTURES / "broken-syntax.yaml")
    assert "line 8, column 15: YAML syntax error" in str(caught.value)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("just a string", "top level: expected a Kubernetes List, an object or a list of objects, got str"),
        ("[1, 2]", "top level, item 0: expected an object, got int"),
        ("{metadata: {name: x}}", "top level: object without kind"),
        ("kind: List\nitems: 3", "top level: items: expected a list"),
    ],
)
def test_shapes_that_are_not_objects(content: str, expected: str) -> None:
    assert error_of(content) == f"snap.yaml: {expected}"


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"cannot read .*nope.yaml: No such file or directory"):
        load_snapshot(tmp_path / "nope.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    with pytest.raises(SnapshotError, match="not UTF-8 text"):
        load_snapshot(binary)
    with pytest.raises(SnapshotError, match="Is a directory"):
        load_snapshot(tmp_path)


def test_fill_store_replaces_every_kind() -> None:
    store = ObjectStore()
    store.upsert("Stage", f.stage("old"))
    fill_store(store, load_snapshot(FIXTURES / "userapp.yaml"))
    snapshot = store.snapshot()
    assert sorted(s["metadata"]["name"] for s in snapshot.of("Stage")) == ["dev", "prod", "stg"]
    assert len(snapshot.of("Application")) == 3
