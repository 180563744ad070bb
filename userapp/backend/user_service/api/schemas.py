"""Request and response bodies. Shapes and lengths are checked here; the domain checks the meaning."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from user_service.domain.user import User
from user_service.domain.values import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    Role,
)

EmailText = Annotated[
    str,
    StringConstraints(min_length=3, max_length=EMAIL_MAX_LENGTH),
    Field(examples=["ada@example.com"], json_schema_extra={"format": "email"}),
]
NameText = Annotated[
    str, StringConstraints(min_length=1, max_length=NAME_MAX_LENGTH), Field(examples=["Ada Lovelace"])
]
PasswordText = Annotated[
    str, StringConstraints(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)
]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    fields: dict[str, str] | None = Field(None, description="field name -> what is wrong with it")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class UserCreate(StrictModel):
    email: EmailText
    name: NameText
    password: PasswordText
    role: Role = Role.USER


class UserReplace(StrictModel):
    """PUT: the whole representation. The password is optional: absent means unchanged."""

    email: EmailText
    name: NameText
    role: Role
    password: PasswordText | None = None


class UserPatch(StrictModel):
    """PATCH: only the fields given change."""

    email: EmailText | None = None
    name: NameText | None = None
    role: Role | None = None
    password: PasswordText | None = None


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    role: Role
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        assert user.id is not None
        return cls(
            id=user.id,
            email=user.email.value,
            name=user.name.value,
            role=user.role,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class UserList(BaseModel):
    items: list[UserOut]
    total: int = Field(description="users matching the filter, over all pages")
    page: int
    page_size: int
    pages: int


class LoginRequest(StrictModel):
    email: str = Field(max_length=EMAIL_MAX_LENGTH, examples=["admin@example.com"])
    password: str = Field(max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name, not a secret
    expires_in: int = Field(description="seconds until the token expires")


class DayCountOut(BaseModel):
    date: date
    count: int


class WeekCountOut(BaseModel):
    week_start: date = Field(description="the Monday that starts the ISO week (UTC)")
    count: int


class StatsOut(BaseModel):
    total_users: int
    admins: int
    users: int
    per_day: list[DayCountOut]
    per_week: list[WeekCountOut]


class HealthOut(BaseModel):
    status: str


class VersionOut(BaseModel):
    version: str
    commit: str
    image_tag: str
    environment: str
