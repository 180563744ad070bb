"""Alembic on real PostgreSQL: upgrade, downgrade, and the migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from user_service.infrastructure.storage import create_db_engine
from user_service.infrastructure.storage.migrate import current_revision, downgrade, head_revision, upgrade
from user_service.infrastructure.storage.orm import Base


def test_upgrade_downgrade_upgrade(postgres_url: str) -> None:
    engine = create_db_engine(postgres_url)
    try:
        upgrade(postgres_url)
        assert head_revision() is not None
        assert current_revision(engine) == head_revision()
        assert {"users", "alembic_version"} <= set(inspect(engine).get_table_names())
        upgrade(postgres_url)  # a second run is a no-op, as for every release after the first
        downgrade(postgres_url, "base")
        assert current_revision(engine) is None
        assert "users" not in inspect(engine).get_table_names()
        upgrade(postgres_url)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_migrations_match_the_models(db_url: str) -> None:
    engine = create_db_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == []
