"""Engine creation and the readiness probe."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3
STATEMENT_TIMEOUT_MS = 10_000
# How long a request waits for a pooled connection when every one is in use (a write holds one through its
# Argon2 hash): long enough for a burst of writes on a busy machine, short enough to answer 503 in the end.
POOL_TIMEOUT_SECONDS = 10
APPLICATION_NAME = "user-service"


def normalise_database_url(url: str) -> str:
    """Accept the URLs people write (postgres://, postgresql://) and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_db_engine(url: str, pool_size: int = 10, echo: bool = False) -> Engine:
    """An engine that notices dead connections (pre-ping) and fails fast when the database is unreachable."""
    url = normalise_database_url(url)
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        return create_engine(url, echo=echo, connect_args={"check_same_thread": False, "timeout": 10})
    if backend != "postgresql":
        raise ValueError(f"unsupported database {backend!r}: use PostgreSQL (or SQLite for a local run)")
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        # No overflow: connections made beyond the pool and dropped after one use cost a backend fork and a
        # SCRAM login each. The pool is per worker process and its connections open only when needed.
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={
            "connect_timeout": CONNECT_TIMEOUT_SECONDS,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c TimeZone=UTC",
            "application_name": APPLICATION_NAME,
        },
    )


def database_is_ready(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as error:
        log.warning("database not ready: %s", error.__class__.__name__)
        return False
