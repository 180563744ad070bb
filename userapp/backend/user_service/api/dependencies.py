"""FastAPI dependencies: the container and the caller, resolved in the event loop without blocking.

Reads (GET one user, the list, /me) stay in the event loop from end to end: `Caller.queries` is the
asynchronous read side, where one query reads the caller's account together with what was asked for.
Writes, the login and the statistics hand their blocking part (the database, Argon2 hashing) to
`Caller.write` / `Caller.read`, which run it in the thread pool: there one unit of work is opened, the
caller's account is looked up in it, and the use case runs in it (one thread hop per request).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from user_service.application.services import AuthService, StatsService, UserQueries, UserService
from user_service.composition import Container
from user_service.domain.exceptions import AuthenticationError
from user_service.domain.ports import TokenClaims
from user_service.domain.user import User

T = TypeVar("T")

bearer_scheme = HTTPBearer(auto_error=False, description="an access token from POST /api/auth/login")


async def get_container(request: Request) -> Container:
    return request.app.state.container


ContainerDep = Annotated[Container, Depends(get_container)]


@dataclass(frozen=True, slots=True)
class UseCases:
    """The use cases of one request, sharing one unit of work, and the authenticated caller."""

    current: User
    users: UserService
    stats: StatsService


@dataclass(frozen=True, slots=True)
class Caller:
    """A caller whose token is valid (signature, issuer, expiry); its account is checked in `read`/`write`."""

    container: Container
    claims: TokenClaims

    @property
    def user_id(self) -> int:
        return self.claims.user_id

    @property
    def queries(self) -> UserQueries:
        """The asynchronous reads; each checks the caller's account in its own query."""
        return self.container.queries

    async def write(self, work: Callable[[UseCases], T]) -> T:
        """`work(use_cases)` in one transaction, in the thread pool; AuthenticationError if the caller's
        account is gone."""
        return await run_in_threadpool(self._run, work, False)

    async def read(self, work: Callable[[UseCases], T]) -> T:
        """Like `write`, for work that only reads (no transaction: see Container.read_session_factory)."""
        return await run_in_threadpool(self._run, work, True)

    def _run(self, work: Callable[[UseCases], T], read_only: bool) -> T:
        with self.container.unit_of_work(read_only) as uow:
            current = self.container.auth_service(uow).user_of(self.claims)
            return work(
                UseCases(current, self.container.user_service(uow), self.container.stats_service(uow))
            )


async def get_caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("missing bearer token: log in at POST /api/auth/login")
    # Checking the signature is CPU work, not I/O: it runs here and bad tokens never reach the database.
    # The container comes from the app directly: one dependency less to solve on every request.
    container: Container = request.app.state.container
    return Caller(container, container.tokens.decode(credentials.credentials))


CallerDep = Annotated[Caller, Depends(get_caller)]


async def run_unauthenticated(container: Container, work: Callable[[AuthService], T]) -> T:
    """`work(auth_service)` in the thread pool, in its own unit of work (the login)."""

    def run() -> T:
        with container.unit_of_work() as uow:
            return work(container.auth_service(uow))

    return await run_in_threadpool(run)
