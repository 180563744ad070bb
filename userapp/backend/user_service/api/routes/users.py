from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from user_service.api.dependencies import CallerDep
from user_service.api.schemas import ErrorResponse, UserCreate, UserList, UserOut, UserPatch, UserReplace
from user_service.application.services import UserChanges
from user_service.application.services.users import MAX_PAGE_SIZE, SEARCH_MAX_LENGTH
from user_service.domain.ports import SortKey

router = APIRouter(prefix="/users", tags=["users"])

MAX_PAGE = 1_000_000
MAX_ID = 2**31 - 1

UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="the user's id")]


def _errors(*statuses: int) -> dict[int | str, dict[str, object]]:
    descriptions = {
        401: "missing, invalid or expired token",
        403: "not allowed for this user",
        404: "no such user",
        409: "the email is taken",
        422: "invalid input; `fields` says which and why",
        503: "the database is unavailable",
    }
    return {code: {"model": ErrorResponse, "description": descriptions[code]} for code in statuses}


@router.get("", response_model=UserList, responses=_errors(401, 422, 503), summary="List users")
async def list_users(
    caller: CallerDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    q: Annotated[
        str | None,
        Query(max_length=SEARCH_MAX_LENGTH, description="case-insensitive filter on name or email"),
    ] = None,
    sort: Annotated[
        SortKey, Query(description="order; a leading '-' is descending; ties by id")
    ] = SortKey.ID,
) -> UserList:
    result = await caller.queries.list_users(
        caller.user_id, page=page, page_size=page_size, search=q, sort=sort
    )
    return UserList(
        items=[UserOut.of(user) for user in result.items],
        total=result.total,
        page=page,
        page_size=page_size,
        pages=math.ceil(result.total / page_size),
    )


@router.post(
    "",
    response_model=UserOut,
    status_code=status.HTTP_201_CREATED,
    responses=_errors(401, 403, 409, 422, 503),
    summary="Create a user (admin)",
)
async def create_user(body: UserCreate, caller: CallerDep, response: Response) -> UserOut:
    user = await caller.write(
        lambda cases: cases.users.create_user(cases.current, body.email, body.name, body.password, body.role)
    )
    response.headers["Location"] = f"/api/users/{user.id}"
    return UserOut.of(user)


@router.get("/{user_id}", response_model=UserOut, responses=_errors(401, 404, 422, 503), summary="Get a user")
async def get_user(user_id: UserId, caller: CallerDep) -> UserOut:
    return UserOut.of(await caller.queries.get_user(caller.user_id, user_id))


@router.put(
    "/{user_id}",
    response_model=UserOut,
    responses=_errors(401, 403, 404, 409, 422, 503),
    summary="Replace a user (admin, or the user themselves without a role change)",
)
async def replace_user(user_id: UserId, body: UserReplace, caller: CallerDep) -> UserOut:
    return await _update_user(user_id, body, caller)


@router.patch(
    "/{user_id}",
    response_model=UserOut,
    responses=_errors(401, 403, 404, 409, 422, 503),
    summary="Change some fields of a user (admin, or the user themselves without a role change)",
)
async def patch_user(user_id: UserId, body: UserPatch, caller: CallerDep) -> UserOut:
    return await _update_user(user_id, body, caller)


async def _update_user(user_id: UserId, body: UserReplace | UserPatch, caller: CallerDep) -> UserOut:
    """PUT and PATCH differ in what the body requires (UserReplace: every field), not in what they do."""
    changes = UserChanges(email=body.email, name=body.name, role=body.role, password=body.password)
    return UserOut.of(
        await caller.write(lambda cases: cases.users.update_user(cases.current, user_id, changes))
    )


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_errors(401, 403, 404, 422, 503),
    summary="Delete a user (admin; not yourself)",
)
async def delete_user(user_id: UserId, caller: CallerDep) -> Response:
    await caller.write(lambda cases: cases.users.delete_user(cases.current, user_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
