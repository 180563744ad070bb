"""PostgreSQL (or SQLite for a quick local run) through SQLAlchemy 2 and psycopg 3."""

from user_service.infrastructure.storage.database import create_db_engine, database_is_ready
from user_service.infrastructure.storage.unit_of_work import SqlAlchemyUnitOfWork

__all__ = ["SqlAlchemyUnitOfWork", "create_db_engine", "database_is_ready"]
