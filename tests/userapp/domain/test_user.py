from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from user_service.domain.exceptions import InvalidValueError
from user_service.domain.user import UserBuilder
from user_service.domain.values import Email, PersonName, Role

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)


def test_builder_builds_a_valid_user_with_defaults() -> None:
    user = (
        UserBuilder()
        .with_email("Ada@Example.com")
        .with_name(" Ada ")
        .with_password_hash("h")
        .created(NOW)
        .build()
    )
    assert user.email == Email("ada@example.com")
    assert user.name == PersonName("Ada")
    assert user.role is Role.USER and not user.is_admin
    assert user.created_at == user.updated_at == NOW
    assert user.id is None


def test_builder_reports_every_bad_field_at_once() -> None:
    with pytest.raises(InvalidValueError) as caught:
        UserBuilder().with_email("nope").with_name("").with_role("boss").build()
    assert set(caught.value.fields) == {"email", "name", "role", "password"}


def test_builder_reports_missing_fields() -> None:
    with pytest.raises(InvalidValueError) as caught:
        UserBuilder().build()
    assert caught.value.fields == {"email": "is required", "name": "is required", "password": "is required"}


def test_check_raises_early_for_an_error_recorded_from_outside() -> None:
    builder = UserBuilder().with_email("a@example.com").with_name("A")
    builder.check()  # nothing wrong yet
    builder.reject(InvalidValueError.for_field("password", "too short"))
    with pytest.raises(InvalidValueError) as caught:
        builder.check()
    assert caught.value.fields == {"password": "too short"}


def test_with_changes_replaces_fields_and_bumps_updated_at() -> None:
    user = (
        UserBuilder().with_email("a@example.com").with_name("A").with_password_hash("h").created(NOW).build()
    )
    later = NOW + timedelta(hours=1)
    changed = user.with_changes(later, role=Role.ADMIN)
    assert changed.is_admin and changed.updated_at == later and changed.created_at == NOW
    assert not user.is_admin  # entities are immutable: the original is untouched
