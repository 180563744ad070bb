"""Alembic environment: migrates the engine the caller passes (PostgreSQL runs take an advisory lock)."""

# pylint: disable=no-member  # alembic.context is a proxy module whose functions exist only at run time

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from dashboard.audit.models import Base

MIGRATION_LOCK_KEY = 72_410_952  # arbitrary, fixed: "promotion-board audit migrations" in pg_locks


def run_migrations_online() -> None:
    engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            # Two board processes starting at once must not both create the table.
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            context.run_migrations()


run_migrations_online()
