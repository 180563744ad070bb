"""Counts for the admin view: users in total, per role, and sign-ups per day and per week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from user_service.domain.exceptions import InvalidValueError, PermissionDeniedError
from user_service.domain.ports import Clock, UnitOfWork
from user_service.domain.user import User
from user_service.domain.values import Role

MAX_DAYS = 366
MAX_WEEKS = 104


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    count: int


@dataclass(frozen=True, slots=True)
class WeekCount:
    week_start: date  # a Monday
    count: int


@dataclass(frozen=True, slots=True)
class Stats:
    total_users: int
    admins: int
    per_day: list[DayCount]
    per_week: list[WeekCount]


class StatsService:
    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def stats(self, actor: User, days: int = 14, weeks: int = 8) -> Stats:
        """Per-day counts for the last `days` days and per-week counts for the last `weeks` ISO weeks (UTC),
        oldest first, zero-filled, today and the current week included."""
        if not actor.is_admin:
            raise PermissionDeniedError("only an admin can see the statistics")
        if not 1 <= days <= MAX_DAYS:
            raise InvalidValueError.for_field("days", f"must be between 1 and {MAX_DAYS}")
        if not 1 <= weeks <= MAX_WEEKS:
            raise InvalidValueError.for_field("weeks", f"must be between 1 and {MAX_WEEKS}")
        today = self._clock.now().date()
        first_day = today - timedelta(days=days - 1)
        this_monday = today - timedelta(days=today.weekday())
        first_monday = this_monday - timedelta(weeks=weeks - 1)
        counts = self._uow.users.count_created_per_day(min(first_day, first_monday))
        per_day = [
            DayCount(day, counts.get(day, 0)) for day in (first_day + timedelta(days=n) for n in range(days))
        ]
        per_week = []
        for n in range(weeks):
            monday = first_monday + timedelta(weeks=n)
            total = sum(counts.get(monday + timedelta(days=d), 0) for d in range(7))
            per_week.append(WeekCount(monday, total))
        return Stats(
            total_users=self._uow.users.count(),
            admins=self._uow.users.count(Role.ADMIN),
            per_day=per_day,
            per_week=per_week,
        )
