"""``tokensite-initdb <ini>``: makes the contract's tables, and is idempotent."""
import os
import pathlib
import subprocess
import sys

import sqlalchemy as sa

INITDB = pathlib.Path(sys.executable).parent / "tokensite-initdb"
COLUMNS = {
    "users": {"id", "email", "name", "password_hash", "created_at", "updated_at"},
    "api_tokens": {"id", "user_id", "name", "token_hash", "abilities", "created_at", "updated_at",
                   "last_used_at", "expires_at"},
}


def write_ini(folder: pathlib.Path) -> pathlib.Path:
    ini = folder / "site.ini"
    ini.write_text("[app:main]\nuse = egg:tokensite\nsqlalchemy.url = sqlite:///%(here)s/site.sqlite\n"
                   "tokensite.session.secret = " + "z" * 40 + "\n")
    return ini


def initdb(ini, **variables):
    """Run the console command; only the given TOKENSITE_* variables are set."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TOKENSITE_")}
    env.update(variables)
    return subprocess.run([str(INITDB), str(ini)], capture_output=True, text=True, env=env, timeout=120)


def test_initdb_creates_the_contract_tables_and_is_idempotent(tmp_path):
    ini = write_ini(tmp_path)
    first = initdb(ini)
    assert first.returncode == 0, first.stderr
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'site.sqlite'}")
    try:
        inspector = sa.inspect(engine)
        for table, columns in COLUMNS.items():
            assert columns <= {column["name"] for column in inspector.get_columns(table)}, table
        token_indexes = {tuple(index["column_names"]): index["unique"]
                         for index in inspector.get_indexes("api_tokens")}
        unique_constraints = [tuple(constraint["column_names"])
                              for constraint in inspector.get_unique_constraints("api_tokens")]
        assert token_indexes.get(("token_hash",)) or ("token_hash",) in unique_constraints
        assert ("expires_at",) in token_indexes
        [fk] = [fk for fk in inspector.get_foreign_keys("api_tokens") if fk["referred_table"] == "users"]
        assert fk["options"].get("ondelete") == "CASCADE"
        with engine.connect() as conn:
            head = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))

        second = initdb(ini)
        assert second.returncode == 0, second.stderr
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
            assert conn.scalar(sa.text("SELECT count(*) FROM alembic_version")) == 1
    finally:
        engine.dispose()


def test_initdb_without_an_ini_is_a_usage_error(tmp_path):
    result = subprocess.run([str(INITDB)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "usage" in result.stderr.lower()


def test_initdb_follows_the_database_url_variable(tmp_path):
    ini = write_ini(tmp_path)
    elsewhere = tmp_path / "elsewhere.sqlite"
    result = initdb(ini, TOKENSITE_DATABASE_URL=f"sqlite:///{elsewhere}")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "site.sqlite").exists()
    engine = sa.create_engine(f"sqlite:///{elsewhere}")
    try:
        assert {"users", "api_tokens"} <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
