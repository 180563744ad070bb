"""Use cases. Each service works inside one unit of work (one transaction) handed to it per request; the
read use cases (UserQueries) are asynchronous and work through the UserReader port."""

from user_service.application.services.auth import AuthService
from user_service.application.services.queries import UserQueries
from user_service.application.services.stats import Stats, StatsService
from user_service.application.services.users import UserChanges, UserService

__all__ = ["AuthService", "Stats", "StatsService", "UserChanges", "UserQueries", "UserService"]
