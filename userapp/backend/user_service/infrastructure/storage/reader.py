"""The UserReader port: asynchronous reads, one statement each, the caller's account read in the same one.

`PsycopgUserReader` is the PostgreSQL adapter (psycopg 3, async, connections in autocommit mode: a read needs
no BEGIN/ROLLBACK); statements are plain SQL built from a fixed set of orderings, so psycopg prepares them on
the server after a few uses. `ThreadedUserReader` serves the same port from the synchronous repository in a
thread: the adapter for SQLite (a local run without PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, LiteralString

import psycopg
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from user_service.domain.exceptions import StorageUnavailableError
from user_service.domain.ports import SortKey, UserPage, UserQuery
from user_service.domain.user import User
from user_service.domain.values import Email, PersonName, Role
from user_service.infrastructure.storage.async_pool import AsyncConnectionPool
from user_service.infrastructure.storage.database import (
    APPLICATION_NAME,
    CONNECT_TIMEOUT_SECONDS,
    POOL_TIMEOUT_SECONDS,
    STATEMENT_TIMEOUT_MS,
)
from user_service.infrastructure.storage.repository import MAX_ID, SqlAlchemyUserRepository, escape_like

COLUMNS: LiteralString = "id, email, name, role, password_hash, created_at, updated_at"
SORT_COLUMNS: dict[str, LiteralString] = {
    "id": "id",
    "name": "name",
    "email": "email",
    "created_at": "created_at",
}
# Statements are built only from these constants and SortKey's fixed set of orderings, never from input.
PAIR_SQL: LiteralString = f"SELECT {COLUMNS} FROM users WHERE id IN (%(caller)s, %(user)s)"  # noqa: S608
SEARCH: LiteralString = "WHERE (name ILIKE %(pattern)s ESCAPE '\\' OR email ILIKE %(pattern)s ESCAPE '\\')"


@cache
def page_sql(sort: SortKey, searching: bool) -> LiteralString:
    """One statement: the caller's id (no row at all when the account is gone), the total, and the page.

    The two sub-selects run once each (PostgreSQL evaluates them as init plans); an empty page still gives
    one row, with the page's columns NULL.
    """
    where: LiteralString = SEARCH if searching else ""
    direction: LiteralString = "DESC" if sort.descending else "ASC"
    order: LiteralString = f"{SORT_COLUMNS[sort.field]} {direction}"
    if sort.field != "id":
        order = f"{order}, id {direction}"
    # Identifiers come from SORT_COLUMNS and COLUMNS only.
    select_page: LiteralString = f"SELECT {COLUMNS} FROM users {where} ORDER BY {order}"  # noqa: S608
    return (
        "SELECT t.total, p.* FROM (SELECT 1 FROM users WHERE id = %(caller)s) AS c "  # noqa: S608
        f"CROSS JOIN (SELECT count(*) AS total FROM users {where}) AS t "
        f"LEFT JOIN LATERAL ({select_page} OFFSET %(offset)s LIMIT %(limit)s) AS p ON true"
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def user_of(row: Sequence[Any]) -> User:
    """A User from the columns of COLUMNS, in that order (values the database holds are valid already)."""
    user_id, email, name, role, password_hash, created_at, updated_at = row
    return User(
        id=user_id,
        email=Email.trusted(email),
        name=PersonName.trusted(name),
        role=Role(role),
        password_hash=password_hash,
        created_at=_aware(created_at),
        updated_at=_aware(updated_at),
    )


def postgres_conninfo(engine: Engine) -> str:
    """The libpq URL of the engine's database (SQLAlchemy's driver suffix removed)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class PsycopgUserReader:
    def __init__(self, conninfo: str, pool_size: int) -> None:
        self._pool = AsyncConnectionPool(
            conninfo,
            pool_size,
            timeout=POOL_TIMEOUT_SECONDS,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c TimeZone=UTC",
            application_name=APPLICATION_NAME,
        )

    @property
    def pool(self) -> AsyncConnectionPool:
        return self._pool

    async def caller_and_user(self, caller_id: int, user_id: int) -> tuple[User | None, User | None]:
        if not 1 <= caller_id <= MAX_ID:
            return None, None
        wanted = user_id if 1 <= user_id <= MAX_ID else None  # a larger id cannot exist
        rows = await self._fetch(PAIR_SQL, {"caller": caller_id, "user": wanted or caller_id})
        caller = user = None
        for row in rows:
            found = user_of(row)
            if row[0] == caller_id:
                caller = found
            if row[0] == wanted:
                user = found
        return caller, user

    async def page_for(self, caller_id: int, query: UserQuery) -> UserPage | None:
        if not 1 <= caller_id <= MAX_ID:
            return None
        params: dict[str, object] = {"caller": caller_id, "offset": query.offset, "limit": query.limit}
        if query.search:
            params["pattern"] = f"%{escape_like(query.search)}%"
        rows = await self._fetch(page_sql(query.sort, bool(query.search)), params)
        if not rows:
            return None
        items = [user_of(row[1:]) for row in rows if row[1] is not None]
        return UserPage(items=items, total=rows[0][0])

    async def _fetch(self, sql: LiteralString, params: dict[str, object]) -> list[tuple[Any, ...]]:
        """The rows of one read. When the connection turns out broken, the pool drops it and its idle ones and
        the read is tried once more, on a new connection (reads are safe to repeat): after a database restart
        the first read succeeds without a 503."""
        for attempt in (1, 2):
            try:
                async with self._pool.connection() as conn:
                    try:
                        cursor = await conn.execute(sql, params)
                        return await cursor.fetchall()
                    except psycopg.OperationalError:
                        if attempt == 1 and conn.broken:
                            continue
                        raise
            except psycopg.OperationalError as error:
                raise StorageUnavailableError("the database is unavailable; try again shortly") from error
        raise AssertionError("unreachable: the second attempt returns or raises")

    async def open(self) -> None:
        """Nothing to open ahead: connections open on first use, so a database that is down does not stop the
        service from starting (readiness reports it)."""

    async def close(self) -> None:
        await self._pool.close()


class ThreadedUserReader:
    """The UserReader port on the synchronous repository, run in the thread pool (SQLite, local runs)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    async def caller_and_user(self, caller_id: int, user_id: int) -> tuple[User | None, User | None]:
        def read() -> tuple[User | None, User | None]:
            with self._session_factory() as session:
                users = SqlAlchemyUserRepository(session)
                return users.get(caller_id), users.get(user_id)

        return await run_in_threadpool(read)

    async def page_for(self, caller_id: int, query: UserQuery) -> UserPage | None:
        def read() -> UserPage | None:
            with self._session_factory() as session:
                users = SqlAlchemyUserRepository(session)
                return users.list(query) if users.get(caller_id) is not None else None

        return await run_in_threadpool(read)

    async def open(self) -> None:
        """Nothing to open: the engine's pool does it."""

    async def close(self) -> None:
        """Nothing to close: the container disposes of the engine."""
