import psycopg
import pytest
import sqlalchemy as sa

from tests.harness.postgres import PostgresServer


def test_round_trip_through_sqlalchemy(postgres_url: str):
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)"))
            conn.execute(sa.text("INSERT INTO notes (body) VALUES (:b)"), [{"b": "olá"}, {"b": "mundo"}])
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT body FROM notes ORDER BY id")).scalars().all()
            version = conn.execute(sa.text("SHOW server_version")).scalar_one()
    finally:
        engine.dispose()
    assert rows == ["olá", "mundo"]
    assert int(version.split(".")[0]) >= 13


def test_server_listens_on_loopback_with_password_auth(postgres: PostgresServer):
    assert postgres.host == "127.0.0.1"
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=postgres password=wrong dbname=postgres")


def test_each_test_gets_its_own_database(postgres_url: str):
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            tables = conn.execute(
                sa.text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            ).scalar_one()
    finally:
        engine.dispose()
    assert tables == 0
