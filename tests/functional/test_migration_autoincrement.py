"""Migration 0004 on a SQLite database with rows: every row, index and foreign key survives,
and no id is handed out twice afterwards -- not even the id of a token deleted before it."""
import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from tokensite.models import get_engine

TABLES = ("users", "api_tokens", "posts", "security_events")
NOW = dt.datetime(2026, 11, 30, 12, 0, 0)


def migrate(url, revision, direction=command.upgrade):
    config = Config()
    config.set_main_option("script_location", "tokensite:alembic")
    config.attributes["configure_logging"] = False
    config.attributes["sqlalchemy.url"] = url
    direction(config, revision)


def table_rows(engine):
    with engine.connect() as conn:
        return {table: conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY id")).all() for table in TABLES}


def schema(engine):
    inspector = sa.inspect(engine)
    return {table: (sorted((index["name"], tuple(index["column_names"]), bool(index["unique"]))
                           for index in inspector.get_indexes(table)),
                    sorted((constraint["name"], tuple(constraint["column_names"]))
                           for constraint in inspector.get_unique_constraints(table)),
                    sorted((fk["name"], tuple(fk["constrained_columns"]), fk["referred_table"],
                            fk["options"].get("ondelete")) for fk in inspector.get_foreign_keys(table)),
                    [(column["name"], str(column["type"]), column["nullable"])
                     for column in inspector.get_columns(table)])
            for table in TABLES}


def table_sql(engine):
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())


def insert_rows(engine):
    """Two users; tokens 1-3 of which 3 (the newest) was deleted, as the security log says; a post."""
    statements = [
        "INSERT INTO users VALUES (1, 'ada@example.com', 'Ada', 'hash', :now, :now)",
        "INSERT INTO users VALUES (2, 'grace@example.com', 'Grace', 'hash', :now, :now)",
        "INSERT INTO api_tokens VALUES (1, 1, 'production server', 'a', '[]', :now, :now, NULL, NULL)",
        "INSERT INTO api_tokens VALUES (2, 2, 'ci', 'b', '[]', :now, :now, :now, NULL)",
        "INSERT INTO posts VALUES (1, 1, 'Hello', 'World', :now, :now)",
        "INSERT INTO security_events VALUES (1, 1, 'token:created', :now, '::1', '', 3, 'old laptop', '{}')",
        "INSERT INTO security_events VALUES (2, 1, 'token:deleted', :now, '::1', '', 3, 'old laptop', '{}')",
    ]
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(sa.text(statement), {"now": NOW})


@pytest.fixture
def old_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    migrate(url, "0003")
    engine = get_engine({"sqlalchemy.url": url})
    insert_rows(engine)
    yield url, engine
    engine.dispose()


def test_upgrading_keeps_every_row_index_and_foreign_key(old_database):
    url, engine = old_database
    before_rows, before_schema = table_rows(engine), schema(engine)
    assert not any("AUTOINCREMENT" in (table_sql(engine)[table] or "") for table in TABLES)

    migrate(url, "head")
    engine.dispose()
    assert table_rows(engine) == before_rows
    assert schema(engine) == before_schema
    assert all("AUTOINCREMENT" in table_sql(engine)[table] for table in TABLES)
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM users WHERE id = 2"))  # the cascade still works
        assert conn.execute(sa.text("SELECT user_id FROM api_tokens")).scalars().all() == [1]


def test_after_upgrading_new_ids_follow_every_id_ever_used(old_database):
    url, engine = old_database
    migrate(url, "head")
    engine.dispose()
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM posts"))
        token = conn.execute(sa.text(
            "INSERT INTO api_tokens (user_id, name, token_hash, abilities, created_at, updated_at) "
            "VALUES (1, 'new laptop', 'c', '[]', :now, :now) RETURNING id"), {"now": NOW}).scalar()
        post = conn.execute(sa.text("INSERT INTO posts (owner_id, title, body, created_at, updated_at) "
                                    "VALUES (1, 'again', '', :now, :now) RETURNING id"),
                            {"now": NOW}).scalar()
    assert token == 4  # 3 was the deleted "old laptop"'s
    assert post == 2


def test_downgrading_keeps_every_row(old_database):
    url, engine = old_database
    before = table_rows(engine)
    migrate(url, "head")
    migrate(url, "0003", command.downgrade)
    engine.dispose()
    assert table_rows(engine) == before
    assert not any("AUTOINCREMENT" in table_sql(engine)[table] for table in TABLES)
