"""Read-only units of work run without a transaction and cannot commit; the pooled connection keeps none of
that: the next unit of work on it is a real transaction again."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from user_service.composition import Container
from user_service.domain.user import UserBuilder
from user_service.domain.values import Email


def transaction_facts(container: Container, read_only: bool) -> tuple[int, bool]:
    """The server process serving this unit of work, and whether its statements share one transaction
    (inside a transaction now() stays the transaction's start time)."""
    with container.unit_of_work(read_only) as uow:
        session = uow._session  # pylint: disable=protected-access
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        first = session.execute(text("SELECT now()")).scalar_one()
        session.execute(text("SELECT pg_sleep(0.01)"))
        second = session.execute(text("SELECT now()")).scalar_one()
    return backend, first == second


def test_reads_run_without_a_transaction_and_cannot_commit(container: Container) -> None:
    assert transaction_facts(container, read_only=True)[1] is False
    assert transaction_facts(container, read_only=False)[1] is True
    with container.unit_of_work(read_only=True) as uow, pytest.raises(RuntimeError, match="read-only"):
        uow.commit()


def test_a_connection_used_for_reads_is_transactional_again_afterwards(container: Container) -> None:
    read_backend, _ = transaction_facts(container, read_only=True)
    write_backend, transactional = transaction_facts(container, read_only=False)
    assert write_backend == read_backend  # the same pooled connection, back from autocommit
    assert transactional
    with container.unit_of_work() as uow:  # left without commit: the insert must be rolled back
        uow.users.add(
            UserBuilder().with_email("ghost@example.com").with_name("Ghost").with_password_hash("h").build()
        )
    with container.unit_of_work(read_only=True) as uow:
        assert uow.users.get_by_email(Email("ghost@example.com")) is None
