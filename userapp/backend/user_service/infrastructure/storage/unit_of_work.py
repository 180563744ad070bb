"""One database transaction per request."""

from __future__ import annotations

import logging
from types import TracebackType

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from user_service.infrastructure.storage.repository import SqlAlchemyUserRepository, storage_errors

log = logging.getLogger(__name__)


class SqlAlchemyUnitOfWork:
    """One transaction; or, with `read_only`, reads on a connection in autocommit mode that cannot commit."""

    def __init__(self, session_factory: sessionmaker[Session], read_only: bool = False) -> None:
        self._session = session_factory()
        self._read_only = read_only
        self.users = SqlAlchemyUserRepository(self._session)

    def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit: use unit_of_work() for changes")
        with storage_errors():
            self._session.commit()

    def rollback(self) -> None:
        try:
            self._session.rollback()
        except SQLAlchemyError as error:  # the connection may be gone already; nothing left to undo
            log.debug("rollback failed: %s", error)

    def close(self) -> None:
        try:
            self._session.close()
        except SQLAlchemyError as error:
            log.debug("closing the session failed: %s", error)

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            self.rollback()
        self.close()
