"""The composition root: the one place that picks the adapters and wires them into the services."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from user_service.application.services import AuthService, StatsService, UserQueries, UserService
from user_service.config import Settings
from user_service.domain.exceptions import DomainError
from user_service.infrastructure.clock import SystemClock
from user_service.infrastructure.security import Argon2PasswordHasher, JwtTokenService
from user_service.infrastructure.storage import SqlAlchemyUnitOfWork, create_db_engine, database_is_ready
from user_service.infrastructure.storage.reader import (
    PsycopgUserReader,
    ThreadedUserReader,
    postgres_conninfo,
)

log = logging.getLogger(__name__)


@dataclass
class Container:
    settings: Settings
    engine: Engine
    hasher: Argon2PasswordHasher = field(default_factory=Argon2PasswordHasher)
    clock: SystemClock = field(default_factory=SystemClock)
    session_factory: sessionmaker[Session] = field(init=False)
    read_session_factory: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        # Reads need no BEGIN/ROLLBACK: under READ COMMITTED (PostgreSQL's default) each statement sees its
        # own snapshot inside a transaction too, so for reads the transaction only costs two round trips.
        autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self.read_session_factory = sessionmaker(bind=autocommit, expire_on_commit=False)

    @cached_property
    def tokens(self) -> JwtTokenService:
        return JwtTokenService(self.settings.signing_secret, self.settings.jwt_ttl_seconds)

    @cached_property
    def reader(self) -> PsycopgUserReader | ThreadedUserReader:
        """The read side: asynchronous psycopg on PostgreSQL (its own pool, per worker process, of
        DB_POOL_SIZE connections at most), the synchronous repository in a thread on SQLite."""
        if self.engine.dialect.name == "postgresql":
            return PsycopgUserReader(postgres_conninfo(self.engine), self.settings.db_pool_size)
        return ThreadedUserReader(self.read_session_factory)

    @cached_property
    def queries(self) -> UserQueries:
        return UserQueries(self.reader)

    def unit_of_work(self, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        if read_only:
            return SqlAlchemyUnitOfWork(self.read_session_factory, read_only=True)
        return SqlAlchemyUnitOfWork(self.session_factory)

    def user_service(self, uow: SqlAlchemyUnitOfWork) -> UserService:
        return UserService(uow, self.hasher, self.clock)

    def auth_service(self, uow: SqlAlchemyUnitOfWork) -> AuthService:
        return AuthService(uow, self.hasher, self.tokens)

    def stats_service(self, uow: SqlAlchemyUnitOfWork) -> StatsService:
        return StatsService(uow, self.clock)

    def database_is_ready(self) -> bool:
        return database_is_ready(self.engine)

    def bootstrap_first_admin(self) -> bool:
        """Create FIRST_ADMIN_EMAIL as an admin if it does not exist yet. True if it was created."""
        email, password = self.settings.first_admin_email, self.settings.first_admin_password
        if email is None or password is None:
            return False
        with self.unit_of_work() as uow:
            created = self.user_service(uow).ensure_first_admin(email, password.get_secret_value())
        if created:
            log.info("created the first admin %s", email)
        return created

    def try_bootstrap_first_admin(self) -> None:
        """At start-up, best effort: a database that is down or not migrated must not stop the web server."""
        try:
            self.bootstrap_first_admin()
        except DomainError as error:
            log.warning("could not create the first admin now: %s", error.message)
        except SQLAlchemyError as error:  # e.g. the tables are missing because `migrate` has not run yet
            log.warning("could not create the first admin now: %s", error.__class__.__name__)

    async def aclose(self) -> None:
        """Close both pools (from the event loop that used the asynchronous one). Like the engine after
        `dispose()`, the container stays usable: a later read makes a new reader (in its own event loop)."""
        reader = self.__dict__.pop("reader", None)
        self.__dict__.pop("queries", None)
        if reader is not None:
            await reader.close()
        self.close()

    def close(self) -> None:
        self.engine.dispose()


def build_container(settings: Settings) -> Container:
    engine = create_db_engine(settings.database_url, pool_size=settings.db_pool_size)
    return Container(settings=settings, engine=engine)
