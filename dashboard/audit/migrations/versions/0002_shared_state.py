"""what board replicas share: login failures, revoked sessions, action claims

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 00:00:00
"""

# Alembic requires these module and variable names; `op` is a proxy filled in at run time.
# pylint: disable=invalid-name,no-member

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    op.create_index("ix_login_failure_user_name_at", "login_failure", ["user_name", "at"])
    op.create_index("ix_login_failure_address_at", "login_failure", ["address", "at"])
    op.create_index("ix_login_failure_device_at", "login_failure", ["device", "at"])
    op.create_table(
        "revoked_session",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_revoked_session")),
    )
    op.create_table(
        "action_claim",
        sa.Column("claim", sa.String(length=600), nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("claim", name=op.f("pk_action_claim")),
    )


def downgrade() -> None:
    op.drop_table("action_claim")
    op.drop_table("revoked_session")
    op.drop_index("ix_login_failure_device_at", table_name="login_failure")
    op.drop_index("ix_login_failure_address_at", table_name="login_failure")
    op.drop_index("ix_login_failure_user_name_at", table_name="login_failure")
    op.drop_table("login_failure")
