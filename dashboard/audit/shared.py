"""What several board replicas must agree on, kept in the audit database they share (PostgreSQL in the
cluster): login failures (the limits count attempts on every replica), revoked sessions (a logout on one
replica ends the session on all) and action claims (two people confirming the same promotion at once, on
any replicas, make one Promotion)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from dashboard.audit.blocking import off_the_hub
from dashboard.audit.models import ActionClaim, LoginFailure, RevokedSession
from dashboard.audit.store import AuditStore, AuditUnavailable

PRUNE_EVERY = 200  # failed logins between two clean-ups of the expired rows


@dataclass(frozen=True)
class FailureCounts:
    """Failed logins within the window: for this name from this address, from this address, for this name
    from anywhere, and from this known device."""

    pair: int
    address: int
    user: int
    device: int
    oldest: dict[str, datetime]  # per count above, its oldest failure (when it starts to fall)


@dataclass(frozen=True)
class Claim:
    request_id: str
    actor: str


class SharedState:
    def __init__(self, audit: AuditStore) -> None:
        self._audit = audit
        self._failures_since_prune = 0

    def now(self) -> datetime:
        return self._audit.now()

    def _session(self):
        self._audit.ensure_ready()  # the tables exist once the database has answered
        return self._audit.session()

    # -- login failures --------------------------------------------------------------------------------

    @off_the_hub
    def record_failure(self, user_name: str, address: str, device: str | None) -> None:
        now = self._audit.now()
        with self._session() as session:
            session.add(LoginFailure(user_name=user_name[:64], address=address[:64], device=device, at=now))
            session.commit()
        self._failures_since_prune += 1

    @off_the_hub
    def failures(
        self, user_name: str, address: str, device: str | None, windows: dict[str, timedelta]
    ) -> FailureCounts:
        now = self._audit.now()
        filters = {
            "pair": (LoginFailure.user_name == user_name[:64], LoginFailure.address == address[:64]),
            "address": (LoginFailure.address == address[:64],),
            "user": (LoginFailure.user_name == user_name[:64],),
            "device": (LoginFailure.device == device,) if device else None,
        }
        counts: dict[str, int] = {}
        oldest: dict[str, datetime] = {}
        with self._session() as session:
            for kind, where in filters.items():
                if where is None:
                    counts[kind] = 0
                    continue
                since = now - windows[kind]
                number, first = session.execute(
                    select(func.count(), func.min(LoginFailure.at)).where(*where, LoginFailure.at > since)
                ).one()
                counts[kind] = int(number or 0)
                if first is not None:
                    oldest[kind] = first
            if self._failures_since_prune >= PRUNE_EVERY:
                self._prune(session, now - max(windows.values()), now)
        return FailureCounts(oldest=oldest, **counts)

    def _prune(self, session, failures_before: datetime, now: datetime) -> None:
        """Expired failures, revocations and claims go: the tables stay as small as the windows."""
        session.execute(delete(LoginFailure).where(LoginFailure.at <= failures_before))
        session.execute(delete(RevokedSession).where(RevokedSession.expires_at <= now))
        session.execute(delete(ActionClaim).where(ActionClaim.expires_at <= now))
        session.commit()
        self._failures_since_prune = 0

    @off_the_hub
    def forget_failures(self, user_name: str, address: str) -> None:
        """A good password from this address: its failures for this name no longer count."""
        with self._session() as session:
            session.execute(
                delete(LoginFailure).where(
                    LoginFailure.user_name == user_name[:64], LoginFailure.address == address[:64]
                )
            )
            session.commit()

    # -- sessions --------------------------------------------------------------------------------------

    @off_the_hub
    def revoke_session(self, session_id: str, expires_at: datetime) -> None:
        with self._session() as session:
            if session.get(RevokedSession, session_id) is None:
                session.add(RevokedSession(session_id=session_id, expires_at=expires_at))
                session.commit()

    @off_the_hub
    def session_revoked(self, session_id: str) -> bool:
        with self._session() as session:
            return session.get(RevokedSession, session_id) is not None

    # -- claims ----------------------------------------------------------------------------------------

    @off_the_hub
    def claim(self, key: str, request_id: str, actor: str, hold: timedelta) -> Claim:
        """Take `key` for this request; the holder when someone else has it (this request included)."""
        now = self._audit.now()
        for _ in range(3):  # an expired claim removed by someone else between our steps: try again
            with self._session() as session:
                existing = session.get(ActionClaim, key)
                if existing is not None and existing.expires_at > now:
                    return Claim(existing.request_id, existing.actor)
                if existing is not None:
                    session.delete(existing)
                    session.flush()
                session.add(ActionClaim(claim=key, request_id=request_id, actor=actor, expires_at=now + hold))
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    continue
                return Claim(request_id, actor)
        raise AuditUnavailable(f"could not take the claim {key!r}")

    @off_the_hub
    def release(self, key: str, request_id: str) -> None:
        """The request failed before anything was sent: the next person may try."""
        with self._session() as session:
            session.execute(
                delete(ActionClaim).where(ActionClaim.claim == key, ActionClaim.request_id == request_id)
            )
            session.commit()
