"""The audit log's table: one row per action someone asked the board for, completed with its outcome."""

# pylint: disable=too-few-public-methods

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, MetaData, String, Text, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ACTIONS = ("promote", "rollback", "approve", "abort", "refresh")
# Promotion phases Kargo ends in, plus "refused": the board or Kubernetes said no, nothing happened.
OUTCOMES = ("Succeeded", "Failed", "Errored", "Aborted", "refused")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(
    TypeDecorator
):  # pylint: disable=abstract-method,too-many-ancestors  # SQLAlchemy's pattern
    """Timezone-aware UTC in and out; SQLite stores naive values, which are UTC by construction here."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("audit times must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The idempotency key of the confirm form: a retried or double-clicked request finds its first row.
    request_id: Mapped[str] = mapped_column(String(32), unique=True)
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    identity_source: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str | None] = mapped_column(String(253))
    freight: Mapped[str | None] = mapped_column(String(253))
    freight_alias: Mapped[str | None] = mapped_column(String(253))
    images: Mapped[str | None] = mapped_column(Text)  # "repo:tag" per line
    warehouse: Mapped[str | None] = mapped_column(String(253))
    promotion: Mapped[str | None] = mapped_column(String(253))  # created (promote) or targeted (abort)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    phase: Mapped[str | None] = mapped_column(String(16))  # the Promotion's last seen phase
    outcome: Mapped[str | None] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        CheckConstraint(f"action IN ({', '.join(repr(a) for a in ACTIONS)})", name="action"),
        CheckConstraint(
            f"outcome IS NULL OR outcome IN ({', '.join(repr(o) for o in OUTCOMES)})", name="outcome"
        ),
        Index("ix_audit_log_requested_at", "requested_at"),
        Index("ix_audit_log_promotion", "promotion"),
        Index("ix_audit_log_open", "outcome"),
    )


# -- what several board replicas share through the same database (issue 16) ----------------------------------


class LoginFailure(Base):
    """One failed login: the limits count these across every replica."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    device: Mapped[str | None] = mapped_column(String(64))  # the known-device id the attempt carried
    at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        Index("ix_login_failure_user_name_at", "user_name", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
        Index("ix_login_failure_device_at", "device", "at"),
    )


class RevokedSession(Base):
    """A session ended by logout: its cookie is refused by every replica until it would have expired."""

    __tablename__ = "revoked_session"

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ActionClaim(Base):
    """ "This Freight is being promoted to this Stage": the first confirm holds it a while, a second person's
    confirm (on any replica) is answered with the first one's request instead of a second Promotion."""

    __tablename__ = "action_claim"

    claim: Mapped[str] = mapped_column(String(600), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
