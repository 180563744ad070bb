from __future__ import annotations

import pytest
from user_service.domain.exceptions import InvalidValueError
from user_service.domain.values import Email, Password, PersonName, Role, parse_role


def test_email_is_normalised_to_lower_case_and_trimmed() -> None:
    assert Email("  Ada.Lovelace@Example.COM ").value == "ada.lovelace@example.com"
    assert Email("ada@example.com") == Email("ADA@example.com")


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "not-an-email", "a@", "@example.com", "a b@example.com", "ada@exa mple.com", "a\x00@x.io"],
)
def test_invalid_emails_are_rejected_with_a_field_message(raw: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        Email(raw)
    assert set(caught.value.fields) == {"email"}
    assert caught.value.fields["email"]


def test_overlong_email_is_rejected() -> None:
    with pytest.raises(InvalidValueError, match="at most 254"):
        Email("a" * 250 + "@example.com")


def test_name_is_trimmed_and_whitespace_collapsed() -> None:
    assert PersonName("  Ada \t  Lovelace ").value == "Ada Lovelace"
    assert str(PersonName("Grace Hopper")) == "Grace Hopper"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        ("x" * 101, "at most 100"),
        ("bad\x00name", "control characters"),
        ("bad\x1bname", "control characters"),
        ("\ud800", "valid Unicode"),
    ],
)
def test_invalid_names_are_rejected(raw: str, message: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        PersonName(raw)
    assert message in caught.value.fields["name"]


def test_non_string_values_are_rejected() -> None:
    with pytest.raises(InvalidValueError, match="must be a string"):
        PersonName(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("short", "at least 8"),
        ("x" * 129, "at most 128"),
        ("         ", "only whitespace"),
        ("\ud800" * 9, "Unicode"),
    ],
)
def test_password_rules(raw: str, message: str) -> None:
    with pytest.raises(InvalidValueError) as caught:
        Password(raw)
    assert message in caught.value.fields["password"]


def test_password_never_shows_its_value() -> None:
    password = Password("correct horse battery")
    assert "correct" not in repr(password)
    assert "correct" not in str(password)


def test_roles_parse_and_unknown_roles_are_rejected() -> None:
    assert parse_role("admin") is Role.ADMIN
    with pytest.raises(InvalidValueError) as caught:
        parse_role("superuser")
    assert "admin, user" in caught.value.fields["role"]
