"""UserService on real PostgreSQL: the use cases and their authorisation rules."""

from __future__ import annotations

import pytest
from user_service.application.services import UserChanges
from user_service.composition import Container
from user_service.domain.exceptions import (
    DuplicateEmailError,
    InvalidValueError,
    PermissionDeniedError,
    UserNotFoundError,
)
from user_service.domain.ports import SortKey
from user_service.domain.user import User
from user_service.domain.values import Role

from tests.userapp.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, USER_PASSWORD


def create(container: Container, actor: User, email: str, name: str = "Some One", role: str = "user") -> User:
    with container.unit_of_work() as uow:
        return container.user_service(uow).create_user(actor, email, name, USER_PASSWORD, role)


def test_admin_creates_a_user_that_can_be_read_back(container: Container, admin: User) -> None:
    created = create(container, admin, "Ada@Example.com", "Ada Lovelace")
    assert created.id is not None and created.id > admin.id  # type: ignore[operator]
    with container.unit_of_work() as uow:
        again = container.user_service(uow).get_user(created.id)
    assert again.email.value == "ada@example.com" and again.name.value == "Ada Lovelace"
    assert again.role is Role.USER
    assert container.hasher.verify(again.password_hash, USER_PASSWORD)


def test_only_admins_create_users(container: Container, admin: User) -> None:
    plain = create(container, admin, "plain@example.com")
    with pytest.raises(PermissionDeniedError), container.unit_of_work() as uow:
        container.user_service(uow).create_user(plain, "other@example.com", "Other", USER_PASSWORD)


def test_duplicate_email_is_refused_case_insensitively(container: Container, admin: User) -> None:
    create(container, admin, "dup@example.com")
    with pytest.raises(DuplicateEmailError):
        create(container, admin, "DUP@example.com")


def test_create_reports_all_invalid_fields(container: Container, admin: User) -> None:
    with pytest.raises(InvalidValueError) as caught, container.unit_of_work() as uow:
        container.user_service(uow).create_user(admin, "bad", "", "short", "root")
    assert set(caught.value.fields) == {"email", "name", "password", "role"}


def test_user_edits_own_name_and_password_but_not_role(container: Container, admin: User) -> None:
    me = create(container, admin, "me@example.com", "Me")
    assert me.id is not None
    with container.unit_of_work() as uow:
        updated = container.user_service(uow).update_user(
            me, me.id, UserChanges(name="Me Myself", password="a-new-password")
        )
    assert updated.name.value == "Me Myself" and updated.updated_at >= me.updated_at
    assert container.hasher.verify(updated.password_hash, "a-new-password")
    with pytest.raises(PermissionDeniedError, match="only an admin"), container.unit_of_work() as uow:
        container.user_service(uow).update_user(me, me.id, UserChanges(role="admin"))


def test_user_cannot_edit_someone_else(container: Container, admin: User) -> None:
    me = create(container, admin, "me@example.com")
    other = create(container, admin, "other@example.com")
    assert other.id is not None
    with pytest.raises(PermissionDeniedError), container.unit_of_work() as uow:
        container.user_service(uow).update_user(me, other.id, UserChanges(name="Hacked"))


def test_admin_changes_roles_of_others_but_not_their_own(container: Container, admin: User) -> None:
    other = create(container, admin, "other@example.com")
    assert other.id is not None and admin.id is not None
    with container.unit_of_work() as uow:
        promoted = container.user_service(uow).update_user(admin, other.id, UserChanges(role="admin"))
    assert promoted.is_admin
    with pytest.raises(PermissionDeniedError, match="own role"), container.unit_of_work() as uow:
        container.user_service(uow).update_user(admin, admin.id, UserChanges(role="user"))


def test_update_to_a_taken_email_is_a_duplicate(container: Container, admin: User) -> None:
    first = create(container, admin, "first@example.com")
    create(container, admin, "second@example.com")
    assert first.id is not None
    with pytest.raises(DuplicateEmailError), container.unit_of_work() as uow:
        container.user_service(uow).update_user(admin, first.id, UserChanges(email="second@example.com"))


def test_update_reports_invalid_fields(container: Container, admin: User) -> None:
    assert admin.id is not None
    with pytest.raises(InvalidValueError) as caught, container.unit_of_work() as uow:
        container.user_service(uow).update_user(admin, admin.id, UserChanges(email="x", password="short"))
    assert set(caught.value.fields) == {"email", "password"}


def test_delete_rules(container: Container, admin: User) -> None:
    victim = create(container, admin, "victim@example.com")
    assert victim.id is not None and admin.id is not None
    with pytest.raises(PermissionDeniedError), container.unit_of_work() as uow:
        container.user_service(uow).delete_user(victim, admin.id)
    with pytest.raises(PermissionDeniedError, match="own account"), container.unit_of_work() as uow:
        container.user_service(uow).delete_user(admin, admin.id)
    with container.unit_of_work() as uow:
        container.user_service(uow).delete_user(admin, victim.id)
    with pytest.raises(UserNotFoundError), container.unit_of_work() as uow:
        container.user_service(uow).get_user(victim.id)
    with pytest.raises(UserNotFoundError), container.unit_of_work() as uow:
        container.user_service(uow).delete_user(admin, victim.id)


def test_list_paginates_filters_and_sorts_stably(container: Container, admin: User) -> None:
    for n in range(7):
        create(container, admin, f"user{n}@example.com", name="Twin" if n % 2 else f"Solo {n}")
    with container.unit_of_work() as uow:
        service = container.user_service(uow)
        first = service.list_users(page=1, page_size=3)
        third = service.list_users(page=3, page_size=3)
        twins = service.list_users(page=1, page_size=10, search="twin", sort=SortKey.NAME_DESC)
        by_email = service.list_users(page=1, page_size=100, search="EXAMPLE.COM", sort=SortKey.EMAIL)
        nothing = service.list_users(search="%")  # LIKE wildcards are matched literally
    assert first.total == third.total == 8  # 7 + the admin
    assert [u.id for u in first.items] == [1, 2, 3]
    assert [u.id for u in third.items] == [7, 8]
    assert twins.total == 3
    assert [u.id for u in twins.items] == sorted((u.id for u in twins.items), reverse=True)  # type: ignore[type-var]
    assert [u.email.value for u in by_email.items] == sorted(u.email.value for u in by_email.items)
    assert nothing.total == 0 and not nothing.items


def test_list_rejects_bad_paging(container: Container) -> None:
    with container.unit_of_work() as uow:
        service = container.user_service(uow)
        with pytest.raises(InvalidValueError):
            service.list_users(page=0)
        with pytest.raises(InvalidValueError):
            service.list_users(page_size=101)
        with pytest.raises(InvalidValueError):
            service.list_users(search="\x00")


def test_first_admin_bootstrap_is_idempotent(container: Container) -> None:
    assert container.bootstrap_first_admin() is False  # the fixture created it already
    with container.unit_of_work() as uow:
        assert uow.users.count(Role.ADMIN) == 1
        admin = container.auth_service(uow).authenticate(
            container.auth_service(uow).login(ADMIN_EMAIL, ADMIN_PASSWORD).token
        )
    assert admin.email.value == ADMIN_EMAIL
