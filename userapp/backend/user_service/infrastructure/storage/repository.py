"""The SQLAlchemy implementation of the UserRepository port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import Date, bindparam, cast, delete, func, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session

from user_service.domain.exceptions import DuplicateEmailError, StorageUnavailableError
from user_service.domain.ports import UserPage, UserQuery
from user_service.domain.user import User
from user_service.domain.values import Email, PersonName, Role
from user_service.infrastructure.storage.orm import EMAIL_UNIQUE_CONSTRAINT, UserRow

MAX_ID = 2**31 - 1  # the id column is a 32-bit integer: larger ids cannot exist


def _is_duplicate_email(error: IntegrityError) -> bool:
    diag = getattr(error.orig, "diag", None)
    if diag is not None:  # psycopg: the constraint name is reported by the server
        return getattr(error.orig, "sqlstate", None) == "23505" and (
            diag.constraint_name == EMAIL_UNIQUE_CONSTRAINT
        )
    return "UNIQUE constraint failed: users.email" in str(error.orig)  # SQLite


@contextmanager
def storage_errors(email: str | None = None) -> Iterator[None]:
    """Translate driver errors into domain errors: duplicate email -> 409, unreachable database -> 503."""
    try:
        yield
    except IntegrityError as error:
        if email is not None and _is_duplicate_email(error):
            raise DuplicateEmailError(email) from error
        raise
    except (OperationalError, InterfaceError, PoolTimeoutError) as error:
        raise StorageUnavailableError("the database is unavailable; try again shortly") from error
    except DBAPIError as error:
        if error.connection_invalidated:
            raise StorageUnavailableError("the database connection was lost; try again shortly") from error
        raise


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def to_domain(row: UserRow | Row) -> User:
    return User(
        id=row.id,
        email=Email.trusted(row.email),
        name=PersonName.trusted(row.name),
        role=Role(row.role),
        password_hash=row.password_hash,
        created_at=_aware(row.created_at),
        updated_at=_aware(row.updated_at),
    )


# The hot reads (every request reads its caller by id; lists read pages) select plain rows with Core: a
# fraction of the CPU of ORM loading (no identity map, no entities built only to become domain Users).
_USERS = UserRow.metadata.tables[UserRow.__tablename__]
_GET_BY_ID = select(_USERS).where(_USERS.c.id == bindparam("user_id"))


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlAlchemyUserRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> User:
        row = UserRow(
            email=user.email.value,
            name=user.name.value,
            role=user.role.value,
            password_hash=user.password_hash,
            created_at=user.created_at,
            updated_at=user.updated_at,
        )
        with storage_errors(user.email.value):
            self._session.add(row)
            self._session.flush()
        return to_domain(row)

    def get(self, user_id: int) -> User | None:
        if not 1 <= user_id <= MAX_ID:
            return None
        with storage_errors():
            row = self._session.execute(_GET_BY_ID, {"user_id": user_id}).one_or_none()
        return to_domain(row) if row is not None else None

    def get_by_email(self, email: Email) -> User | None:
        with storage_errors():
            row = self._session.scalars(select(UserRow).where(UserRow.email == email.value)).one_or_none()
        return to_domain(row) if row is not None else None

    def update(self, user: User) -> User:
        if user.id is None:
            raise ValueError("cannot update a user that was never stored")
        # One UPDATE ... RETURNING: the use case has just read the user with a Core select, so an ORM load
        # here would be a second SELECT.
        stmt = (
            update(_USERS)
            .where(_USERS.c.id == user.id)
            .values(
                email=user.email.value,
                name=user.name.value,
                role=user.role.value,
                password_hash=user.password_hash,
                updated_at=user.updated_at,
            )
            .returning(*_USERS.c)
        )
        with storage_errors(user.email.value):
            row = self._session.execute(stmt).one_or_none()
        if row is None:
            raise ValueError(f"user {user.id} vanished during the update")
        return to_domain(row)

    def delete(self, user_id: int) -> bool:
        if not 1 <= user_id <= MAX_ID:
            return False
        with storage_errors():
            result = self._session.execute(delete(UserRow).where(UserRow.id == user_id))
        return bool(getattr(result, "rowcount", 0))

    def list(self, query: UserQuery) -> UserPage:
        condition = None
        if query.search:
            pattern = f"%{escape_like(query.search)}%"
            condition = or_(
                UserRow.name.ilike(pattern, escape="\\"),
                UserRow.email.ilike(pattern, escape="\\"),
            )
        column = _USERS.c[query.sort.field]
        order = [column.desc() if query.sort.descending else column.asc()]
        if query.sort.field != "id":
            order.append(_USERS.c.id.desc() if query.sort.descending else _USERS.c.id.asc())
        items_stmt = select(_USERS).order_by(*order).offset(query.offset).limit(query.limit)
        count_stmt = select(func.count()).select_from(UserRow)
        if condition is not None:
            items_stmt = items_stmt.where(condition)
            count_stmt = count_stmt.where(condition)
        with storage_errors():
            rows = self._session.execute(items_stmt).all()
            total = self._session.scalar(count_stmt) or 0
        return UserPage(items=[to_domain(row) for row in rows], total=total)

    def count(self, role: Role | None = None) -> int:
        stmt = select(func.count()).select_from(UserRow)
        if role is not None:
            stmt = stmt.where(UserRow.role == role.value)
        with storage_errors():
            return self._session.scalar(stmt) or 0

    def count_created_per_day(self, since: date) -> dict[date, int]:
        if self._session.get_bind().dialect.name == "postgresql":
            day = cast(func.timezone("UTC", UserRow.created_at), Date)
            start: object = datetime(since.year, since.month, since.day, tzinfo=UTC)
        else:  # SQLite keeps the UTC wall-clock time as text
            day = func.date(UserRow.created_at)
            start = datetime(since.year, since.month, since.day)
        stmt = (
            select(day.label("day"), func.count().label("n")).where(UserRow.created_at >= start).group_by(day)
        )
        with storage_errors():
            rows = self._session.execute(stmt).all()
        return {(d if isinstance(d, date) else date.fromisoformat(str(d))): int(n) for d, n in rows}
