"""Alembic migrations of the audit log, run programmatically at start-up (and by the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer dashboard: upgrading from an unknown revision is impossible."""


def upgrade(engine: Engine, revision: str = "head") -> None:
    current = current_revision(engine)
    if current is not None and not _known(current):
        raise SchemaTooNew(
            f"the audit database {engine.url.render_as_string(hide_password=True)} is at schema revision "
            f"{current!r}, which this dashboard does not know (its newest is {head_revision()!r}): it was "
            "migrated by a newer version. Run that version, or point DASHBOARD_AUDIT_URL at another database"
        )
    command.upgrade(alembic_config(engine), revision)


def _known(revision: str) -> bool:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return revision in {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def downgrade(engine: Engine, revision: str) -> None:
    command.downgrade(alembic_config(engine), revision)


def head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
