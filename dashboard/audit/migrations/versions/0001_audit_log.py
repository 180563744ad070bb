"""create the audit_log table

Revision ID: 0001
Revises:
Create Date: 2026-11-22 00:00:00
"""

# Alembic requires these module and variable names; `op` is a proxy filled in at run time.
# pylint: disable=invalid-name,no-member

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ACTIONS = "'promote', 'rollback', 'approve', 'abort', 'refresh'"
OUTCOMES = "'Succeeded', 'Failed', 'Errored', 'Aborted', 'refused'"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("request_id", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("identity_source", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=253), nullable=True),
        sa.Column("freight", sa.String(length=253), nullable=True),
        sa.Column("freight_alias", sa.String(length=253), nullable=True),
        sa.Column("images", sa.Text(), nullable=True),
        sa.Column("warehouse", sa.String(length=253), nullable=True),
        sa.Column("promotion", sa.String(length=253), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(f"action IN ({ACTIONS})", name=op.f("ck_audit_log_action")),
        sa.CheckConstraint(f"outcome IS NULL OR outcome IN ({OUTCOMES})", name=op.f("ck_audit_log_outcome")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("request_id", name=op.f("uq_audit_log_request_id")),
    )
    op.create_index("ix_audit_log_requested_at", "audit_log", ["requested_at"])
    op.create_index("ix_audit_log_promotion", "audit_log", ["promotion"])
    op.create_index("ix_audit_log_open", "audit_log", ["outcome"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_open", table_name="audit_log")
    op.drop_index("ix_audit_log_promotion", table_name="audit_log")
    op.drop_index("ix_audit_log_requested_at", table_name="audit_log")
    op.drop_table("audit_log")
