"""The repository's update is one UPDATE ... RETURNING; the database's unique constraint still decides."""

from __future__ import annotations

from dataclasses import replace

import pytest
from user_service.composition import Container
from user_service.domain.exceptions import DuplicateEmailError
from user_service.domain.user import User, UserBuilder
from user_service.domain.values import Email, PersonName


def stored(container: Container, email: str) -> User:
    with container.unit_of_work() as uow:
        user = uow.users.add(
            UserBuilder().with_email(email).with_name("Some One").with_password_hash("h").build()
        )
        uow.commit()
    return user


def test_update_returns_the_stored_row(container: Container) -> None:
    user = stored(container, "before@example.com")
    with container.unit_of_work() as uow:
        changed = uow.users.update(
            replace(user, email=Email("after@example.com"), name=PersonName("Renamed"))
        )
        uow.commit()
    assert (changed.id, changed.email.value, changed.name.value) == (user.id, "after@example.com", "Renamed")
    with container.unit_of_work(read_only=True) as uow:
        assert uow.users.get_by_email(Email("after@example.com")) == changed


def test_update_onto_a_taken_email_is_a_duplicate_decided_by_the_constraint(container: Container) -> None:
    stored(container, "taken@example.com")
    user = stored(container, "free@example.com")
    with pytest.raises(DuplicateEmailError), container.unit_of_work() as uow:  # no early check here
        uow.users.update(replace(user, email=Email("taken@example.com")))


def test_update_of_a_vanished_user_fails_loudly(container: Container) -> None:
    user = stored(container, "gone@example.com")
    assert user.id is not None
    with container.unit_of_work() as uow:
        uow.users.delete(user.id)
        uow.commit()
    with pytest.raises(ValueError, match="vanished"), container.unit_of_work() as uow:
        uow.users.update(user)
