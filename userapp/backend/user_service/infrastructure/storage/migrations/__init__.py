"""Alembic migration scripts. Run them with `user-service migrate`, never from the web processes."""
