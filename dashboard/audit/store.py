"""The audit store: a row is written before anything goes to Kargo, completed with the outcome, and queried.

Any database failure surfaces as `AuditUnavailable`, so the caller can refuse the action: no unaudited
promotion. The "approved by" facts the board shows come from a small in-memory index, so rendering the board
never waits for (or fails with) the database.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from dashboard.audit import migrate
from dashboard.audit.blocking import native_lock, native_rlock, off_the_hub
from dashboard.audit.models import AuditRow
from dashboard.model.types import Approval

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3
STATEMENT_TIMEOUT_MS = 5_000
SQLITE_BUSY_SECONDS = 5  # a locked SQLite file: the action is refused after this, the board goes on
INDEX_SIZE = 1_000  # promotions whose requester the board can name (newest kept)
PROMOTING_ACTIONS = ("promote", "rollback")


class AuditUnavailable(Exception):
    """The audit store cannot be written or read right now."""


@dataclass(frozen=True)
class NewEntry:
    request_id: str
    actor: str
    role: str
    identity_source: str
    action: str
    stage: str | None = None
    freight: str | None = None
    freight_alias: str | None = None
    images: tuple[str, ...] = ()
    warehouse: str | None = None
    promotion: str | None = None
    outcome: str | None = None  # set for requests refused before anything was sent
    message: str | None = None


@dataclass(frozen=True)
class AuditEntry:  # pylint: disable=too-many-instance-attributes  # one field per column
    id: int
    request_id: str
    actor: str
    role: str
    identity_source: str
    action: str
    stage: str | None
    freight: str | None
    freight_alias: str | None
    images: tuple[str, ...]
    warehouse: str | None
    promotion: str | None
    requested_at: datetime
    phase: str | None
    outcome: str | None
    message: str | None
    finished_at: datetime | None

    @property
    def open(self) -> bool:
        return self.outcome is None


# The longest value each column keeps (the column sizes of models.AuditRow; Text columns get a bound too).
NAME_LIMIT = 253
MESSAGE_LIMIT = 2_000
IMAGES_LIMIT = 8_000
ELLIPSIS = "…"


def clean_text(value: str | None, limit: int) -> str | None:
    """What the audit log keeps of a value it did not choose (a refused request's stage, an error text):
    control, format and bidirectional characters (NUL, RTL overrides, ...) become U+FFFD and the value is cut
    to `limit` characters, marked with an ellipsis. Kubernetes names pass unchanged."""
    if value is None:
        return None
    text = value if value.isprintable() else "".join(_visible(char) for char in value)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def _visible(char: str) -> str:
    if char in "\n\t":
        return char
    return "\ufffd" if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") else char


def _entry(row: AuditRow) -> AuditEntry:
    """The row as an AuditEntry: the same names, column for field; `images` is one "repo:tag" per line."""
    values = {name: getattr(row, name) for name in _ENTRY_FIELDS}
    return AuditEntry(**values, images=tuple(line for line in (row.images or "").split("\n") if line))


_ENTRY_FIELDS = tuple(each.name for each in fields(AuditEntry) if each.name != "images")


def create_audit_engine(url: str) -> Engine:
    """SQLite (a file, or memory for tests) or PostgreSQL with short timeouts: a dead database fails fast."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            # One shared connection: an in-memory database exists only inside its connection.
            return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS})
    return create_engine(
        url,
        pool_size=5,
        max_overflow=5,
        pool_timeout=CONNECT_TIMEOUT_SECONDS,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c TimeZone=UTC",
            "application_name": "promotion-board",
        },
    )


@dataclass
class _Index:
    approvals: dict[str, Approval] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=native_lock)


class AuditStore:
    def __init__(self, url: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.url = url
        self._clock = clock
        self._engine: Engine | None = None
        # SQLite has one writer anyway; serialising here also keeps the shared in-memory connection sane.
        self._serial = native_rlock() if url.startswith("sqlite") else contextlib.nullcontext()
        self._index = _Index()
        self.ready = False

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            try:
                self._engine = create_audit_engine(self.url)
            except (OSError, SQLAlchemyError, ValueError) as error:
                raise AuditUnavailable(f"audit store: {error}") from error
        return self._engine

    @off_the_hub
    def migrate(self) -> None:
        """Bring the schema to the newest revision and load the "approved by" index."""
        with self._guard():
            migrate.upgrade(self.engine)
        self.ready = True
        self._load_index()

    def ensure_ready(self) -> None:
        """Migrate now if the database was down at start-up (AuditUnavailable while it still is)."""
        if not self.ready:
            self.migrate()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    # -- writing -----------------------------------------------------------------------------------------

    @off_the_hub
    def record(self, new: NewEntry) -> tuple[AuditEntry, bool]:
        """Insert the request; (entry, True). A request id seen before gives (the first entry, False)."""
        finished = self._clock() if new.outcome else None
        row = AuditRow(
            request_id=new.request_id,
            actor=clean_text(new.actor, 200),
            role=new.role,
            identity_source=new.identity_source,
            action=new.action,
            stage=clean_text(new.stage, NAME_LIMIT),
            freight=clean_text(new.freight, NAME_LIMIT),
            freight_alias=clean_text(new.freight_alias, NAME_LIMIT),
            images=clean_text("\n".join(new.images), IMAGES_LIMIT) or None,
            warehouse=clean_text(new.warehouse, NAME_LIMIT),
            promotion=clean_text(new.promotion, NAME_LIMIT),
            requested_at=self._clock(),
            outcome=new.outcome,
            message=clean_text(new.message, MESSAGE_LIMIT),
            finished_at=finished,
        )
        with self._guard(), Session(self.engine, expire_on_commit=False) as session:
            try:
                session.add(row)
                session.commit()
                entry = _entry(row)
            except IntegrityError:
                session.rollback()
                existing = session.scalar(select(AuditRow).where(AuditRow.request_id == new.request_id))
                if existing is None:
                    raise
                return _entry(existing), False
        self._remember(entry)
        return entry, True

    def set_promotion(self, entry_id: int, promotion: str) -> AuditEntry:
        return self._update(entry_id, promotion=promotion)

    def note(self, entry_id: int, message: str) -> AuditEntry:
        """A message on a row that stays open (e.g. Kubernetes did not answer in time)."""
        return self._update(entry_id, message=message)

    def set_phase(self, entry_id: int, phase: str) -> AuditEntry:
        return self._update(entry_id, phase=phase)

    def complete(
        self,
        entry_id: int,
        outcome: str,
        message: str | None = None,
        finished_at: datetime | None = None,
        phase: str | None = None,
    ) -> AuditEntry:
        changes: dict = {"outcome": outcome, "finished_at": finished_at or self._clock()}
        if message is not None:
            changes["message"] = message
        if phase is not None:
            changes["phase"] = phase
        return self._update(entry_id, **changes)

    @off_the_hub
    def _update(self, entry_id: int, **changes) -> AuditEntry:
        for name, limit in (("message", MESSAGE_LIMIT), ("promotion", NAME_LIMIT), ("phase", 16)):
            if isinstance(changes.get(name), str):
                changes[name] = clean_text(changes[name], limit)
        with self._guard(), Session(self.engine, expire_on_commit=False) as session:
            row = session.get(AuditRow, entry_id)
            if row is None:
                raise AuditUnavailable(f"audit entry {entry_id} not found")
            for name, value in changes.items():
                setattr(row, name, value)
            session.commit()
            entry = _entry(row)
        self._remember(entry)
        return entry

    # -- reading -----------------------------------------------------------------------------------------

    @off_the_hub
    def get(self, request_id: str) -> AuditEntry | None:
        with self._guard(), Session(self.engine) as session:
            row = session.scalar(select(AuditRow).where(AuditRow.request_id == request_id))
            return _entry(row) if row else None

    @off_the_hub
    def open_promotions(self) -> list[AuditEntry]:
        """Promotions asked for whose outcome is not known yet (the follower completes them)."""
        query = select(AuditRow).where(AuditRow.outcome.is_(None), AuditRow.action.in_(PROMOTING_ACTIONS))
        with self._guard(), Session(self.engine) as session:
            return [_entry(row) for row in session.scalars(query.order_by(AuditRow.id))]

    @off_the_hub
    def open_entries(self) -> list[AuditEntry]:
        """Every request whose outcome is not known yet: promotions, and approve/abort/refresh that got no
        answer in time (the follower settles them from what the cluster shows)."""
        query = select(AuditRow).where(AuditRow.outcome.is_(None))
        with self._guard(), Session(self.engine) as session:
            return [_entry(row) for row in session.scalars(query.order_by(AuditRow.id))]

    @off_the_hub
    def count(self) -> int:
        with self._guard(), Session(self.engine) as session:
            return session.scalar(select(func.count()).select_from(AuditRow)) or 0

    @off_the_hub
    def newest(self, limit: int, offset: int = 0) -> list[AuditEntry]:
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit).offset(offset)
        with self._guard(), Session(self.engine) as session:
            return [_entry(row) for row in session.scalars(query)]

    def every(self, batch: int = 500) -> Iterator[AuditEntry]:
        """All entries, oldest first, in batches (the CSV export of a long log does not load it at once)."""
        last_id = 0
        while True:
            entries = self._batch(last_id, batch)
            yield from entries
            if len(entries) < batch:
                return
            last_id = entries[-1].id

    @off_the_hub
    def _batch(self, after_id: int, size: int) -> list[AuditEntry]:
        query = select(AuditRow).where(AuditRow.id > after_id).order_by(AuditRow.id).limit(size)
        with self._guard(), Session(self.engine) as session:
            return [_entry(row) for row in session.scalars(query)]

    @off_the_hub
    def ping(self) -> None:
        with self._guard(), self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def approvals(self) -> dict[str, Approval]:
        """Promotion name -> who asked for it through the board (a copy; safe to hand to a renderer)."""
        with self._index.lock:
            return dict(self._index.approvals)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session on the audit database for the state replicas share (dashboard.audit.shared); any
        database failure is AuditUnavailable. The caller commits."""
        with self._guard(), Session(self.engine, expire_on_commit=False) as session:
            yield session

    def now(self) -> datetime:
        return self._clock()

    # -- internals ---------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        with self._serial:
            try:
                yield
            except IntegrityError:
                raise
            except (SQLAlchemyError, OSError) as error:
                raise AuditUnavailable(f"audit store unavailable: {_short(error)}") from error

    @off_the_hub
    def _load_index(self) -> None:
        query = (
            select(AuditRow)
            .where(AuditRow.promotion.is_not(None), AuditRow.action.in_(PROMOTING_ACTIONS))
            .order_by(AuditRow.id.desc())
            .limit(INDEX_SIZE)
        )
        with self._guard(), Session(self.engine) as session:
            entries = [_entry(row) for row in session.scalars(query)]
        for entry in reversed(entries):
            self._remember(entry)

    def _remember(self, entry: AuditEntry) -> None:
        if entry.action not in PROMOTING_ACTIONS or not entry.promotion or entry.outcome == "refused":
            return
        with self._index.lock:
            approvals = self._index.approvals
            approvals.pop(entry.promotion, None)
            approvals[entry.promotion] = Approval(entry.actor, entry.role, entry.requested_at, entry.action)
            while len(approvals) > INDEX_SIZE:
                del approvals[next(iter(approvals))]


def _short(error: BaseException) -> str:
    """The first line of a driver error, without the SQL statement SQLAlchemy appends."""
    message = str(getattr(error, "orig", None) or error).strip().splitlines()
    return message[0] if message else type(error).__name__


def describe_url(url: str) -> str:
    """Where the audit log lives, for logs and the start-up banner (never the password)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite {parsed.database or 'in memory'}"
    return f"PostgreSQL {parsed.host}:{parsed.port or 5432}/{parsed.database}"


__all__ = [
    "Approval",
    "AuditEntry",
    "AuditStore",
    "AuditUnavailable",
    "NewEntry",
    "create_audit_engine",
    "describe_url",
]
