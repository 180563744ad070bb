"""Configuration from environment variables (and an optional .env file), validated at start-up."""

from __future__ import annotations

import logging
import secrets
from functools import cached_property
from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from user_service import __version__

log = logging.getLogger(__name__)

# Environments where a missing JWT_SECRET is tolerated (a random one is generated per process).
RELAXED_ENVIRONMENTS = frozenset({"development", "test"})
MIN_SECRET_LENGTH = 32
DEFAULT_DATABASE_URL = "sqlite:///./user_service.db"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_env: str = Field("development", description="environment name: development, test, dev, stg, prod")
    app_version: str = Field(__version__, description="version shown by /version")
    git_commit: str = Field("unknown", description="commit SHA of the build, shown by /version")
    image_tag: str = Field("unknown", description="container image tag, shown by /version")
    database_url: str = Field(DEFAULT_DATABASE_URL, description="SQLAlchemy URL; PostgreSQL in deployments")
    db_pool_size: int = Field(10, ge=1, le=100)
    jwt_secret: SecretStr | None = None
    jwt_ttl_seconds: int = Field(900, ge=60, le=86_400)
    log_level: LogLevel = "INFO"
    first_admin_email: str | None = None
    first_admin_password: SecretStr | None = None
    cors_origins: str = Field(
        "", description="comma-separated origins allowed to call the API from a browser"
    )

    @field_validator("app_env")
    @classmethod
    def _clean_env(cls, value: str) -> str:
        value = value.strip().lower()
        if not value:
            raise ValueError("APP_ENV must not be empty")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("first_admin_email", "jwt_secret", "first_admin_password", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _check_secrets(self) -> Settings:
        relaxed = self.app_env in RELAXED_ENVIRONMENTS
        if self.jwt_secret is None and not relaxed:
            raise ValueError(f"JWT_SECRET is required when APP_ENV={self.app_env}")
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret is not None else None
        if secret is not None and not relaxed and len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(f"JWT_SECRET must be at least {MIN_SECRET_LENGTH} characters")
        if (self.first_admin_email is None) != (self.first_admin_password is None):
            raise ValueError("set both FIRST_ADMIN_EMAIL and FIRST_ADMIN_PASSWORD, or neither")
        return self

    @cached_property
    def signing_secret(self) -> str:
        if self.jwt_secret is not None:
            return self.jwt_secret.get_secret_value()
        log.warning("JWT_SECRET is not set: using a random secret; tokens die with this process")
        return secrets.token_urlsafe(48)

    @property
    def allowed_origins(self) -> list[str]:
        return [origin.strip() for origin in self.cors_origins.split(",") if origin.strip()]
