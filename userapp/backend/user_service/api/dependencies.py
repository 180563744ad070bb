"""FastAPI dependencies: the container, one unit of work per request, the services, the current user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from user_service.application.services import AuthService, StatsService, UserService
from user_service.composition import Container
from user_service.domain.exceptions import AuthenticationError
from user_service.domain.user import User
from user_service.infrastructure.storage import SqlAlchemyUnitOfWork

bearer_scheme = HTTPBearer(auto_error=False, description="an access token from POST /api/auth/login")


def get_container(request: Request) -> Container:
    return request.app.state.container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_uow(container: ContainerDep) -> Iterator[SqlAlchemyUnitOfWork]:
    with container.unit_of_work() as uow:
        yield uow


UowDep = Annotated[SqlAlchemyUnitOfWork, Depends(get_uow)]


def get_user_service(container: ContainerDep, uow: UowDep) -> UserService:
    return container.user_service(uow)


def get_auth_service(container: ContainerDep, uow: UowDep) -> AuthService:
    return container.auth_service(uow)


def get_stats_service(container: ContainerDep, uow: UowDep) -> StatsService:
    return container.stats_service(uow)


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]


def get_current_user(
    auth: AuthServiceDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> User:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("missing bearer token: log in at POST /api/auth/login")
    return auth.authenticate(credentials.credentials)


UserServiceDep = Annotated[UserService, Depends(get_user_service)]
StatsServiceDep = Annotated[StatsService, Depends(get_stats_service)]
CurrentUser = Annotated[User, Depends(get_current_user)]
