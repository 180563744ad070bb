from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from user_service.api.dependencies import CallerDep
from user_service.api.schemas import DayCountOut, ErrorResponse, StatsOut, WeekCountOut
from user_service.application.services.stats import MAX_DAYS, MAX_WEEKS

router = APIRouter(prefix="/stats", tags=["stats"])


@router.get(
    "",
    response_model=StatsOut,
    responses={
        code: {"model": ErrorResponse, "description": text}
        for code, text in (
            (401, "missing, invalid or expired token"),
            (403, "admins only"),
            (422, "invalid parameters"),
            (503, "the database is unavailable"),
        )
    },
    summary="User counts and sign-ups per day and per week (admin)",
)
async def stats(
    caller: CallerDep,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="how many days, today included")] = 14,
    weeks: Annotated[int, Query(ge=1, le=MAX_WEEKS, description="how many ISO weeks, this one included")] = 8,
) -> StatsOut:
    result = await caller.read(lambda cases: cases.stats.stats(cases.current, days=days, weeks=weeks))
    return StatsOut(
        total_users=result.total_users,
        admins=result.admins,
        users=result.total_users - result.admins,
        per_day=[DayCountOut(date=d.day, count=d.count) for d in result.per_day],
        per_week=[WeekCountOut(week_start=w.week_start, count=w.count) for w in result.per_week],
    )
