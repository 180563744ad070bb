"""User management use cases and their authorisation rules."""

from __future__ import annotations

from dataclasses import dataclass

from user_service.domain.exceptions import (
    DuplicateEmailError,
    InvalidValueError,
    PermissionDeniedError,
    UserNotFoundError,
)
from user_service.domain.ports import Clock, PasswordHasher, SortKey, UnitOfWork, UserPage, UserQuery
from user_service.domain.user import User, UserBuilder
from user_service.domain.values import Email, Password, PersonName, Role, check_text, parse_role

MAX_PAGE_SIZE = 100
SEARCH_MAX_LENGTH = 100


def user_query(page: int, page_size: int, search: str | None, sort: SortKey) -> UserQuery:
    """The repository query of one page of the user list; InvalidValueError for values out of range."""
    if page < 1:
        raise InvalidValueError.for_field("page", "must be at least 1")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidValueError.for_field("page_size", f"must be between 1 and {MAX_PAGE_SIZE}")
    if search is not None:
        search = check_text("q", search).strip() or None
    if search is not None and len(search) > SEARCH_MAX_LENGTH:
        raise InvalidValueError.for_field("q", f"must be at most {SEARCH_MAX_LENGTH} characters")
    return UserQuery(offset=(page - 1) * page_size, limit=page_size, search=search, sort=sort)


@dataclass(frozen=True, slots=True)
class UserChanges:
    """Attributes to change; None means "leave as it is"."""

    email: str | None = None
    name: str | None = None
    role: str | None = None
    password: str | None = None


class UserService:
    def __init__(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    # -- queries -------------------------------------------------------------------------------------------

    def list_users(
        self, page: int = 1, page_size: int = 20, search: str | None = None, sort: SortKey = SortKey.ID
    ) -> UserPage:
        return self._uow.users.list(user_query(page, page_size, search, sort))

    def get_user(self, user_id: int) -> User:
        user = self._uow.users.get(user_id)
        if user is None:
            raise UserNotFoundError(user_id)
        return user

    # -- commands ------------------------------------------------------------------------------------------

    def create_user(self, actor: User, email: str, name: str, password: str, role: str = Role.USER) -> User:
        if not actor.is_admin:
            raise PermissionDeniedError("only an admin can create users")
        return self._create(email, name, password, role)

    def ensure_first_admin(self, email: str, password: str) -> bool:
        """Create the configured first admin unless a user with that email exists. True if it was created."""
        if self._uow.users.get_by_email(Email(email)) is not None:
            return False
        try:
            self._create(email, "Administrator", password, Role.ADMIN)
        except DuplicateEmailError:  # another replica won the race: fine, the admin exists
            return False
        return True

    def update_user(self, actor: User, user_id: int, changes: UserChanges) -> User:
        if not actor.is_admin and actor.id != user_id:
            raise PermissionDeniedError("you can only change your own account")
        current = self.get_user(user_id)
        errors: dict[str, str] = {}
        updates: dict[str, object] = {}

        def collect(field: str, make) -> None:
            try:
                updates[field] = make()
            except InvalidValueError as error:
                errors.update(error.fields or {field: error.message})

        if changes.email is not None:
            collect("email", lambda: Email(changes.email or ""))
        if changes.name is not None:
            collect("name", lambda: PersonName(changes.name or ""))
        if changes.role is not None:
            collect("role", lambda: parse_role(changes.role))
        if changes.password is not None:
            collect("password_hash", lambda: self._hasher.hash(Password(changes.password or "").value))
        if errors:
            raise InvalidValueError("invalid user: " + ", ".join(sorted(errors)), errors)

        new_role = updates.get("role", current.role)
        if new_role != current.role:
            if not actor.is_admin:
                raise PermissionDeniedError("only an admin can change roles")
            if actor.id == current.id:
                raise PermissionDeniedError("nobody can change their own role")
        new_email = updates.get("email")
        if isinstance(new_email, Email) and new_email != current.email:
            self._ensure_email_free(new_email)
        if not updates:
            return current
        updated = self._uow.users.update(current.with_changes(self._clock.now(), **updates))
        self._uow.commit()
        return updated

    def delete_user(self, actor: User, user_id: int) -> None:
        if not actor.is_admin:
            raise PermissionDeniedError("only an admin can delete users")
        if actor.id == user_id:
            raise PermissionDeniedError("you cannot delete your own account")
        if not self._uow.users.delete(user_id):
            raise UserNotFoundError(user_id)
        self._uow.commit()

    # -- helpers -------------------------------------------------------------------------------------------

    def _create(self, email: str, name: str, password: str, role: str) -> User:
        builder = UserBuilder().with_email(email).with_name(name).with_role(role)
        plain: Password | None = None
        try:
            plain = Password(password)
        except InvalidValueError as error:
            builder.reject(error)
        builder.check()  # report every bad field before spending time on the password hash
        assert plain is not None
        user = builder.with_password_hash(self._hasher.hash(plain.value)).created(self._clock.now()).build()
        self._ensure_email_free(user.email)
        stored = self._uow.users.add(user)
        self._uow.commit()
        return stored

    def _ensure_email_free(self, email: Email) -> None:
        """A friendly early check; under a race the database's unique constraint still decides."""
        if self._uow.users.get_by_email(email) is not None:
            raise DuplicateEmailError(email.value)
