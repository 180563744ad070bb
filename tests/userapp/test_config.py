from __future__ import annotations

import pytest
from pydantic import ValidationError
from user_service.config import Settings
from user_service.infrastructure.storage.database import normalise_database_url

SECRET = "s" * 40


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # pyright: ignore[reportCallIssue]


def test_defaults_are_for_a_local_run() -> None:
    config = settings(app_env="development")
    assert config.database_url.startswith("sqlite:///")
    assert config.log_level == "INFO" and config.jwt_ttl_seconds == 900
    assert len(config.signing_secret) >= 32  # generated per process in development


def test_jwt_secret_is_required_and_long_outside_development() -> None:
    with pytest.raises(ValidationError, match="JWT_SECRET is required when APP_ENV=prod"):
        settings(app_env="PROD ")
    with pytest.raises(ValidationError, match="at least 32"):
        settings(app_env="stg", jwt_secret="short")
    assert settings(app_env="prod", jwt_secret=SECRET).signing_secret == SECRET


def test_first_admin_needs_email_and_password_together() -> None:
    with pytest.raises(ValidationError, match="FIRST_ADMIN_PASSWORD"):
        settings(first_admin_email="a@example.com")
    assert settings(first_admin_email="", first_admin_password="").first_admin_email is None


def test_log_level_and_origins_are_parsed() -> None:
    config = settings(log_level="debug", cors_origins="https://a.example, https://b.example,")
    assert config.log_level == "DEBUG"
    assert config.allowed_origins == ["https://a.example", "https://b.example"]
    with pytest.raises(ValidationError):
        settings(log_level="chatty")


def test_settings_come_from_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "dev")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("IMAGE_TAG", "1.0.0")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/users")
    config = Settings(_env_file=None)  # pyright: ignore[reportCallIssue]
    assert (config.app_env, config.image_tag) == ("dev", "1.0.0")
    assert normalise_database_url(config.database_url) == "postgresql+psycopg://u:p@db:5432/users"
