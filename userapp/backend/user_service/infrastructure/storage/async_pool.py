"""A small pool of asynchronous psycopg connections for one event loop (one worker process).

It holds at most `size` connections, opened when needed and kept: a steady load opens each connection once
(no connection is made and dropped per request). A request that finds every connection busy waits for one, at
most `timeout` seconds. A connection found broken (the database restarted, the network dropped) is discarded
when it comes back, with every idle one, and the next request opens a new one: no background task, nothing to
reconnect by itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import pq

log = logging.getLogger(__name__)


class PoolTimeout(psycopg.OperationalError):
    """No connection came free in time."""


class AsyncConnectionPool:
    def __init__(self, conninfo: str, size: int, timeout: float, **connect_kwargs: Any) -> None:
        if size < 1:
            raise ValueError(f"the pool needs at least one connection, not {size}")
        self._conninfo = conninfo
        self._connect_kwargs = connect_kwargs
        self._timeout = timeout
        self._size = size
        self._idle: list[psycopg.AsyncConnection[Any]] = []
        self._slots = asyncio.Semaphore(size)  # binds to the event loop that first waits on it
        self._opened = 0
        self._closed = False

    @property
    def size(self) -> int:
        return self._size

    @property
    def opened(self) -> int:
        """Connections opened so far (a steady load opens each one once)."""
        return self._opened

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        if self._closed:
            raise psycopg.OperationalError("the connection pool is closed")
        if self._slots.locked():
            try:
                async with asyncio.timeout(self._timeout):
                    await self._slots.acquire()
            except TimeoutError:
                raise PoolTimeout(f"no database connection came free in {self._timeout:g} s") from None
        else:
            await self._slots.acquire()  # free: returns at once
        conn: psycopg.AsyncConnection[Any] | None = None
        try:
            conn = self._idle.pop() if self._idle else await self._connect()
            yield conn
        finally:
            if conn is not None:
                await self._give_back(conn)
            self._slots.release()

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        conn = await psycopg.AsyncConnection.connect(self._conninfo, **self._connect_kwargs)
        self._opened += 1
        return conn

    async def _give_back(self, conn: psycopg.AsyncConnection[Any]) -> None:
        if not self._closed and not conn.broken and conn.info.transaction_status == pq.TransactionStatus.IDLE:
            self._idle.append(conn)
            return
        doomed = [conn]
        if conn.broken:  # the server restarted or the network dropped: the idle ones are most likely dead too
            doomed += self._idle
            self._idle = []
        for each in doomed:
            try:
                await each.close()
            except psycopg.Error as error:  # it is being thrown away anyway
                log.debug("closing a discarded connection failed: %s", error)

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await self._give_back(conn)
