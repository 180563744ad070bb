"""The read use cases, asynchronous: one query per request, the caller's account checked in the same query."""

from __future__ import annotations

from user_service.application.services.users import user_query
from user_service.domain.exceptions import AuthenticationError, UserNotFoundError
from user_service.domain.ports import SortKey, UserPage, UserReader
from user_service.domain.user import User

ACCOUNT_GONE = "the account of this token no longer exists"


class UserQueries:
    """Reads for any logged-in user whose account still exists (a deleted account loses access at once)."""

    def __init__(self, reader: UserReader) -> None:
        self._reader = reader

    async def me(self, caller_id: int) -> User:
        caller, _ = await self._reader.caller_and_user(caller_id, caller_id)
        if caller is None:
            raise AuthenticationError(ACCOUNT_GONE)
        return caller

    async def get_user(self, caller_id: int, user_id: int) -> User:
        caller, user = await self._reader.caller_and_user(caller_id, user_id)
        if caller is None:
            raise AuthenticationError(ACCOUNT_GONE)
        if user is None:
            raise UserNotFoundError(user_id)
        return user

    async def list_users(  # pylint: disable=too-many-arguments  # the list's query parameters, all optional
        self,
        caller_id: int,
        *,
        page: int = 1,
        page_size: int = 20,
        search: str | None = None,
        sort: SortKey = SortKey.ID,
    ) -> UserPage:
        result = await self._reader.page_for(caller_id, user_query(page, page_size, search, sort))
        if result is None:
            raise AuthenticationError(ACCOUNT_GONE)
        return result
