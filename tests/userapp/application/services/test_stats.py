"""StatsService on real PostgreSQL: per-day and per-week counts, zero-filled, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from user_service.application.services import StatsService
from user_service.composition import Container
from user_service.domain.exceptions import InvalidValueError, PermissionDeniedError
from user_service.domain.user import User, UserBuilder


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


NOW = datetime(2025, 6, 18, 10, 30, tzinfo=UTC)  # a Wednesday


def store_created_at(container: Container, email: str, created_at: datetime) -> None:
    user = UserBuilder().with_email(email).with_name("N").with_password_hash("h").created(created_at).build()
    with container.unit_of_work() as uow:
        uow.users.add(user)
        uow.commit()


def test_counts_per_day_and_week(container: Container, admin: User) -> None:
    store_created_at(container, "today1@example.com", NOW - timedelta(hours=1))
    store_created_at(container, "today2@example.com", NOW.replace(hour=0, minute=0, second=1))
    store_created_at(container, "monday@example.com", datetime(2025, 6, 16, 23, 59, tzinfo=UTC))
    store_created_at(container, "lastweek@example.com", datetime(2025, 6, 10, 8, 0, tzinfo=UTC))
    store_created_at(container, "old@example.com", datetime(2024, 1, 1, tzinfo=UTC))
    with container.unit_of_work() as uow:
        stats = StatsService(uow, FixedClock(NOW)).stats(admin, days=3, weeks=2)
    assert stats.total_users == 6 and stats.admins == 1
    assert [(d.day, d.count) for d in stats.per_day] == [
        (date(2025, 6, 16), 1),
        (date(2025, 6, 17), 0),
        (date(2025, 6, 18), 2),
    ]
    assert [(w.week_start, w.count) for w in stats.per_week] == [
        (date(2025, 6, 9), 1),
        (date(2025, 6, 16), 3),
    ]


def test_stats_are_for_admins_with_sane_ranges(container: Container, admin: User) -> None:
    plain = (
        UserBuilder().with_email("p@example.com").with_name("P").with_password_hash("h").with_id(99).build()
    )
    with container.unit_of_work() as uow:
        service = StatsService(uow, FixedClock(NOW))
        with pytest.raises(PermissionDeniedError):
            service.stats(plain)
        with pytest.raises(InvalidValueError):
            service.stats(admin, days=0)
        with pytest.raises(InvalidValueError):
            service.stats(admin, weeks=105)
