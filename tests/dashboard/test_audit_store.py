"""The audit log on SQLite and on real PostgreSQL: migrations, idempotent writes, outcomes, outages, CSV, and
the follower that completes rows from the Promotions it sees."""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from dashboard.audit import migrate
from dashboard.audit.export import csv_lines
from dashboard.audit.follower import AuditFollower
from dashboard.audit.store import AuditStore, AuditUnavailable, NewEntry
from dashboard.sources.store import ObjectStore
from dashboard.vocabulary import REQUEST_ID_LABEL
from tests.harness.postgres import PostgresServer
from tests.harness.tcp_proxy import TcpProxy

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def promote_entry(request_id: str = "01JA0000000000000000000001", **changes) -> NewEntry:
    values = {
        "request_id": request_id,
        "actor": "ana",
        "role": "qa",
        "identity_source": "session",
        "action": "promote",
        "stage": "stg",
        "freight": "f" * 40,
        "freight_alias": "waxen-seal",
        "images": ("docker.io/demo/userapp-backend:a1b2c3d4", "docker.io/demo/userapp-frontend:a1b2c3d4"),
    }
    values.update(changes)
    return NewEntry(**values)


@pytest.fixture(params=["sqlite", "postgres"])
def audit_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/audit.sqlite3"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(audit_url: str) -> Iterator[AuditStore]:
    audit = AuditStore(audit_url, clock=lambda: T0)
    audit.migrate()
    yield audit
    audit.dispose()


def test_migrations_go_up_and_down(audit_url: str):
    audit = AuditStore(audit_url)
    try:
        audit.migrate()
        assert migrate.current_revision(audit.engine) == migrate.head_revision() == "0002"
        columns = {c["name"] for c in inspect(audit.engine).get_columns("audit_log")}
        assert {
            "request_id",
            "actor",
            "role",
            "action",
            "stage",
            "freight",
            "freight_alias",
            "images",
        } <= columns
        assert {"promotion", "requested_at", "outcome", "finished_at"} <= columns
        migrate.downgrade(audit.engine, "base")
        assert "audit_log" not in inspect(audit.engine).get_table_names()
        audit.migrate()  # and up again
        assert "audit_log" in inspect(audit.engine).get_table_names()
    finally:
        audit.dispose()


def test_a_database_migrated_by_a_newer_dashboard_is_refused_by_name(tmp_path: Path):
    url = f"sqlite:///{tmp_path}/audit.sqlite3"
    newer = AuditStore(url)
    newer.migrate()
    with newer.engine.begin() as conn:  # what a newer dashboard's migration leaves behind
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    newer.dispose()
    audit = AuditStore(url)
    try:
        with pytest.raises(
            migrate.SchemaTooNew, match=r"revision '9999'.*newer version.*DASHBOARD_AUDIT_URL"
        ):
            audit.migrate()
        assert not audit.ready
    finally:
        audit.dispose()


def test_a_request_is_recorded_once_and_completed(store: AuditStore):
    entry, created = store.record(promote_entry())
    assert created and entry.open and entry.requested_at == T0
    again, created_again = store.record(promote_entry(actor="someone-else"))
    assert not created_again and again.id == entry.id and again.actor == "ana"
    store.set_promotion(entry.id, "stg.01ja0000000000000000000001.fffffff")
    store.set_phase(entry.id, "Running")
    done = store.complete(entry.id, "Succeeded", finished_at=datetime(2026, 11, 22, 10, 1, tzinfo=UTC))
    assert (done.outcome, done.phase, done.finished_at) == (
        "Succeeded",
        "Running",
        datetime(2026, 11, 22, 10, 1, tzinfo=UTC),
    )
    found = store.get(entry.request_id)
    assert (
        found is not None and found.images == promote_entry().images and found.freight_alias == "waxen-seal"
    )
    assert store.open_promotions() == []


def test_the_approved_by_index_survives_a_restart(store: AuditStore):
    entry, _ = store.record(promote_entry())
    store.set_promotion(entry.id, "stg.x.fffffff")
    store.record(promote_entry("01JA0000000000000000000002", outcome="refused", message="forbidden"))
    assert set(store.approvals()) == {"stg.x.fffffff"}
    restarted = AuditStore(store.url)
    try:
        restarted.migrate()
        approval = restarted.approvals()["stg.x.fffffff"]
        assert (approval.actor, approval.role, approval.requested_at) == ("ana", "qa", T0)
    finally:
        restarted.dispose()


def test_refused_requests_are_recorded_closed(store: AuditStore):
    entry, _ = store.record(promote_entry(outcome="refused", message="forbidden: qa may not promote to prod"))
    assert entry.outcome == "refused" and entry.finished_at == T0
    assert store.open_promotions() == []


def test_every_entry_streams_in_batches_oldest_first(store: AuditStore):
    for index in range(7):
        store.record(promote_entry(f"01JA00000000000000000000{index:02d}"))
    assert [e.request_id[-2:] for e in store.every(batch=3)] == [f"{i:02d}" for i in range(7)]
    assert store.count() == 7
    assert [e.request_id[-2:] for e in store.newest(2, offset=1)] == ["05", "04"]


@pytest.mark.postgres
def test_concurrent_duplicates_create_one_row(postgres_url: str):
    audit = AuditStore(postgres_url)
    audit.migrate()
    created: list[bool] = []
    barrier = threading.Barrier(8)

    def record() -> None:
        barrier.wait()
        created.append(audit.record(promote_entry())[1])

    threads = [threading.Thread(target=record) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    audit.dispose()
    assert sorted(created) == [False] * 7 + [True]


@pytest.mark.postgres
def test_a_database_outage_is_audit_unavailable_then_recovers(postgres: PostgresServer, postgres_url: str):
    proxy = TcpProxy(postgres.host, postgres.port)
    proxy.start()
    url = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    audit = AuditStore(url)
    try:
        audit.migrate()
        audit.record(promote_entry())
        proxy.stop()
        with pytest.raises(AuditUnavailable, match="audit store unavailable"):
            audit.record(promote_entry("01JA0000000000000000000002"))
        with pytest.raises(AuditUnavailable):
            audit.get("01JA0000000000000000000001")
        proxy.start()
        entry, created = audit.record(promote_entry("01JA0000000000000000000002"))
        assert created and entry.request_id.endswith("2")
    finally:
        proxy.stop()
        audit.dispose()


def test_a_missing_database_directory_is_created(tmp_path: Path):
    audit = AuditStore(f"sqlite:///{tmp_path}/deep/down/audit.sqlite3")
    audit.migrate()
    assert (tmp_path / "deep/down/audit.sqlite3").exists()
    audit.dispose()


def test_csv_export_has_every_column_and_defuses_formulas(store: AuditStore):
    entry, _ = store.record(promote_entry(actor='=HYPERLINK("http://evil")', freight_alias="+1"))
    store.complete(entry.id, "Failed", message="-step failed, @admin")
    text = "".join(csv_lines(store.every()))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    row = rows[0]
    assert row["actor"] == '\'=HYPERLINK("http://evil")'
    assert row["freight_alias"] == "'+1" and row["message"] == "'-step failed, @admin"
    assert row["requested_at"] == "2026-11-22T10:00:00Z" and row["outcome"] == "Failed"
    assert row["images"] == " ".join(promote_entry().images)


def promotion_object(name: str, phase: str, request_id: str | None = None, **status) -> dict:
    metadata: dict = {"name": name, "namespace": "userapp"}
    if request_id:
        metadata["labels"] = {REQUEST_ID_LABEL: request_id}
    return {
        "apiVersion": "kargo.akuity.io/v1alpha1",
        "kind": "Promotion",
        "metadata": metadata,
        "spec": {"stage": "stg", "freight": "f" * 40},
        "status": {"phase": phase, **status},
    }


def test_the_follower_completes_rows_from_promotion_phases(store: AuditStore):
    objects = ObjectStore()
    refreshed: list[int] = []
    follower = AuditFollower(store, objects, "userapp", lambda: refreshed.append(1))
    by_name, _ = store.record(promote_entry("01JA0000000000000000000001"))
    by_name = store.set_promotion(by_name.id, "stg.one.fffffff")
    # Kargo renamed this one (its webhook always does): the request-id label still finds it.
    by_label, _ = store.record(promote_entry("01JA0000000000000000000002"))
    follower.track(by_name)
    follower.track(by_label)
    assert follower.sync_once() == 0  # nothing in the cluster yet

    objects.upsert("Promotion", promotion_object("stg.one.fffffff", "Running"))
    objects.upsert(
        "Promotion", promotion_object("stg.kargo-name.fffffff", "Pending", "01JA0000000000000000000002")
    )
    assert follower.sync_once() == 2
    assert store.get(by_name.request_id).phase == "Running"  # type: ignore[union-attr]
    relabelled = store.get(by_label.request_id)
    assert relabelled is not None and relabelled.promotion == "stg.kargo-name.fffffff"

    objects.upsert(
        "Promotion",
        promotion_object("stg.one.fffffff", "Succeeded", finishedAt="2026-11-22T10:02:00Z"),
    )
    objects.upsert(
        "Promotion",
        promotion_object(
            "stg.kargo-name.fffffff", "Failed", "01JA0000000000000000000002", message="step git-push failed"
        ),
    )
    assert follower.sync_once() == 2
    done = store.get(by_name.request_id)
    failed = store.get(by_label.request_id)
    assert done is not None and (done.outcome, done.finished_at) == (
        "Succeeded",
        datetime(2026, 11, 22, 10, 2, tzinfo=UTC),
    )
    assert failed is not None and (failed.outcome, failed.message) == ("Failed", "step git-push failed")
    assert follower.sync_once() == 0 and len(refreshed) == 2  # closed rows are no longer followed
