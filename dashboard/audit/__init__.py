"""The audit log: who asked the board for what, when, and how it ended (SQLAlchemy + Alembic)."""

from dashboard.audit.store import Approval, AuditEntry, AuditStore, AuditUnavailable, NewEntry

__all__ = ["Approval", "AuditEntry", "AuditStore", "AuditUnavailable", "NewEntry"]
