"""The asynchronous read side on real PostgreSQL: one statement per read, the same pages as the repository,
the caller's account checked in that statement, and a pool that keeps its connections."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
import pytest
from user_service.application.services import UserQueries
from user_service.composition import Container
from user_service.domain.exceptions import AuthenticationError, UserNotFoundError
from user_service.domain.ports import SortKey, UserQuery
from user_service.domain.user import User, UserBuilder
from user_service.infrastructure.storage.async_pool import AsyncConnectionPool, PoolTimeout
from user_service.infrastructure.storage.reader import PsycopgUserReader, postgres_conninfo

from tests.harness.tcp_proxy import TcpProxy

T = TypeVar("T")

NAMES = ["Ana Souza", "bruno_lima", "Carla 100%", "ana maria", "Diego", "Érica", "zé", "Ana Souza"]


def run(make: Callable[[PsycopgUserReader], Awaitable[T]], container: Container, pool_size: int = 4) -> T:
    """`make(reader)` on a fresh reader in a fresh event loop (each worker process has its own)."""

    async def go() -> T:
        reader = PsycopgUserReader(postgres_conninfo(container.engine), pool_size)
        try:
            return await make(reader)
        finally:
            await reader.close()

    return asyncio.run(go())


def seed(container: Container) -> list[User]:
    with container.unit_of_work() as uow:
        users = [
            uow.users.add(
                UserBuilder()
                .with_email(f"p{n:02d}@example.com")
                .with_name(name)
                .with_password_hash("h")
                .build()
            )
            for n, name in enumerate(NAMES)
        ]
        uow.commit()
    return users


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("search", [None, "ana", "_", "100%", "nobody"])
def test_pages_match_the_repository(
    container: Container, admin: User, sort: SortKey, search: str | None
) -> None:
    seed(container)
    queries = [UserQuery(offset=offset, limit=3, search=search, sort=sort) for offset in (0, 3, 6, 9, 30)]
    with container.unit_of_work(read_only=True) as uow:
        expected = [uow.users.list(query) for query in queries]

    async def read(reader: PsycopgUserReader) -> list[Any]:
        assert admin.id is not None
        return [await reader.page_for(admin.id, query) for query in queries]

    got = run(read, container)
    assert [(page.total, list(page.items)) for page in got] == [
        (page.total, list(page.items)) for page in expected
    ]
    assert any(page.items for page in got) or search == "nobody"


def test_each_read_is_one_statement(container: Container, admin: User, monkeypatch) -> None:
    target = seed(container)[0]
    statements: list[str] = []
    execute = psycopg.AsyncConnection.execute

    async def counting(self, query, *args, **kwargs):  # type: ignore[no-untyped-def]
        statements.append(str(query))
        return await execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "execute", counting)
    assert admin.id is not None and target.id is not None

    async def read(reader: PsycopgUserReader) -> tuple[Any, ...]:
        pair = await reader.caller_and_user(admin.id, target.id)  # type: ignore[arg-type]
        page = await reader.page_for(admin.id, UserQuery(offset=0, limit=50))  # type: ignore[arg-type]
        return pair, page

    (caller, user), page = run(read, container)
    assert caller == admin and user == target
    assert page is not None and page.total == len(NAMES) + 1 and len(page.items) == len(NAMES) + 1
    assert len(statements) == 2  # one per read: the caller's account travels with the data


def test_a_deleted_or_unknown_caller_is_refused_at_once(container: Container, admin: User) -> None:
    plain, other = seed(container)[:2]
    assert plain.id is not None and other.id is not None and admin.id is not None

    async def before(reader: PsycopgUserReader) -> User:
        return await UserQueries(reader).get_user(plain.id, other.id)  # type: ignore[arg-type]

    assert run(before, container) == other
    with container.unit_of_work() as uow:
        container.user_service(uow).delete_user(admin, plain.id)

    async def after(reader: PsycopgUserReader) -> list[str]:
        queries = UserQueries(reader)
        outcomes = []
        for attempt in (
            queries.get_user(plain.id, other.id),  # type: ignore[arg-type]
            queries.list_users(plain.id),  # type: ignore[arg-type]
            queries.me(plain.id),  # type: ignore[arg-type]
            queries.me(2**31),  # no such id can exist
            queries.get_user(admin.id, 2**31),  # type: ignore[arg-type]
        ):
            try:
                await attempt
                outcomes.append("ok")
            except (AuthenticationError, UserNotFoundError) as error:
                outcomes.append(error.code)
        return outcomes

    assert run(after, container) == [
        "unauthorized",
        "unauthorized",
        "unauthorized",
        "unauthorized",
        "not_found",
    ]


def test_the_pool_keeps_its_connections_and_waits_a_bounded_time(container: Container, admin: User) -> None:
    assert admin.id is not None

    async def load(reader: PsycopgUserReader) -> int:
        for _ in range(30):  # one after the other: one connection, kept
            await reader.caller_and_user(admin.id, admin.id)  # type: ignore[arg-type]
        assert reader.pool.opened == 1
        await asyncio.gather(*(reader.caller_and_user(admin.id, admin.id) for _ in range(40)))  # type: ignore
        return reader.pool.opened

    assert run(load, container, pool_size=3) == 3  # 40 at once share the 3 connections; none made and dropped

    async def starve() -> None:
        pool = AsyncConnectionPool(postgres_conninfo(container.engine), 1, timeout=0.3, autocommit=True)
        try:
            async with pool.connection():
                with pytest.raises(PoolTimeout, match="no database connection came free in 0.3 s"):
                    async with pool.connection():
                        pass
            async with pool.connection() as conn:  # given back: usable again, the same connection
                assert (await (await conn.execute("SELECT 1")).fetchone()) == (1,)
            assert pool.opened == 1
        finally:
            await pool.close()

    asyncio.run(starve())
    with pytest.raises(ValueError, match="at least one connection"):
        AsyncConnectionPool("postgresql://unused", 0, timeout=1)


def test_after_a_database_restart_the_next_read_succeeds_on_a_new_connection(
    container: Container, admin: User
) -> None:
    """Every pooled connection dies with the server; the first read finds one dead, the pool drops them all
    and the read runs again on a new connection: the caller sees no error."""
    url = container.engine.url
    assert url.host is not None and url.port is not None and admin.id is not None
    proxy = TcpProxy(url.host, url.port)
    proxy.start()
    try:
        through_proxy = url.set(drivername="postgresql", port=proxy.port).render_as_string(
            hide_password=False
        )

        async def restart() -> tuple[int, User | None, int]:
            reader = PsycopgUserReader(through_proxy, 3)
            try:
                await asyncio.gather(*(reader.caller_and_user(admin.id, admin.id) for _ in range(6)))  # type: ignore
                filled = reader.pool.opened
                proxy.stop()  # the server goes away: every pooled connection dies
                proxy.start()  # and comes back
                caller, _ = await reader.caller_and_user(admin.id, admin.id)  # type: ignore[arg-type]
                return filled, caller, reader.pool.opened
            finally:
                await reader.close()

        filled, caller, opened = asyncio.run(restart())
    finally:
        proxy.stop()
    assert filled == 3
    assert caller == admin
    assert opened == filled + 1  # one new connection, made by the retry
