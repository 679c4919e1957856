"""The console commands, run as a deployer runs them: the venv's scripts on an .ini."""
from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import pathlib
import select
import subprocess
import sys
import termios
import time

import pytest
import sqlalchemy as sa

from tokensite.models import ApiToken, User, utcnow

from ..client import unique_email

BIN = pathlib.Path(sys.executable).parent
PASSWORD = "  correct horse battery staple  "  # leading and trailing spaces are part of it
#: the columns operators and outside tests read, in the tables tokensite-initdb makes
CONTRACT_COLUMNS = {
    "users": {"id", "email", "name", "password_hash", "created_at", "updated_at"},
    "api_tokens": {"id", "user_id", "name", "token_hash", "abilities", "created_at", "updated_at",
                   "last_used_at", "expires_at"},
}


def script(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{path} is missing: reinstall the package (pip install -e '.[testing]')"
    return str(path)


def write_ini(path: pathlib.Path, database_url: str, **settings) -> pathlib.Path:
    lines = ["[app:main]", "use = egg:tokensite", f"sqlalchemy.url = {database_url.replace('%', '%%')}"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def run(name, *args, stdin="", env=None):
    environ = {key: value for key, value in os.environ.items() if not key.startswith("TOKENSITE_")}
    return subprocess.run([script(name), *map(str, args)], input=stdin, capture_output=True, text=True, check=False,
                          env={**environ, **(env or {})}, timeout=120)


@pytest.fixture
def ini(tmp_path, database_url, app):
    """An .ini on the suite's database (SQLite or PostgreSQL); ``app`` empties the tables afterwards."""
    return write_ini(tmp_path / "site.ini", database_url)


def test_initdb_create_user_and_prune_on_a_fresh_sqlite_ini(tmp_path):
    """The README's first steps on an empty SQLite file."""
    ini = write_ini(tmp_path / "fresh.ini", f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    assert run("tokensite-initdb", ini).returncode == 0
    created = run("tokensite-create-user", ini, "--email", "Ada@Example.com", "--name", "Ada", stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert "created user 1 <ada@example.com>" in created.stdout
    pruned = run("tokensite-prune-tokens", ini, "--hours", "24")
    assert pruned.returncode == 0, pruned.stderr
    assert "deleted 0 tokens" in pruned.stdout


def test_initdb_creates_the_contract_tables_and_is_idempotent(tmp_path):
    ini = write_ini(tmp_path / "site.ini", f"sqlite:///{tmp_path / 'site.sqlite'}")
    first = run("tokensite-initdb", ini)
    assert first.returncode == 0, first.stderr
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'site.sqlite'}")
    try:
        inspector = sa.inspect(engine)
        for table, columns in CONTRACT_COLUMNS.items():
            assert columns <= {column["name"] for column in inspector.get_columns(table)}, table
        unique = [tuple(constraint["column_names"]) for constraint in inspector.get_unique_constraints("api_tokens")]
        assert ("token_hash",) in unique  # a unique constraint, which has its own index
        assert ("expires_at",) in [tuple(index["column_names"]) for index in inspector.get_indexes("api_tokens")]
        [fk] = [fk for fk in inspector.get_foreign_keys("api_tokens") if fk["referred_table"] == "users"]
        assert fk["options"].get("ondelete") == "CASCADE"
        with engine.connect() as conn:
            head = conn.scalar(sa.text("SELECT version_num FROM alembic_version"))

        second = run("tokensite-initdb", ini)
        assert second.returncode == 0, second.stderr
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT version_num FROM alembic_version")) == head
            assert conn.scalar(sa.text("SELECT count(*) FROM alembic_version")) == 1
    finally:
        engine.dispose()


def test_initdb_without_an_ini_is_a_usage_error():
    result = run("tokensite-initdb")
    assert result.returncode == 2 and "usage" in result.stderr.lower()


def test_initdb_follows_the_database_url_variable(tmp_path):
    ini = write_ini(tmp_path / "site.ini", f"sqlite:///{tmp_path / 'site.sqlite'}")
    elsewhere = tmp_path / "elsewhere.sqlite"
    result = run("tokensite-initdb", ini, env={"TOKENSITE_DATABASE_URL": f"sqlite:///{elsewhere}"})
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "site.sqlite").exists()
    engine = sa.create_engine(f"sqlite:///{elsewhere}")
    try:
        assert {"users", "api_tokens"} <= set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_created_user_signs_in_with_the_password_from_stdin(ini, browser):
    email = unique_email("cli")
    result = run("tokensite-create-user", ini, "--email", email.upper(), "--name", "Ada Lovelace",
                 stdin=PASSWORD + "\n")
    assert result.returncode == 0, result.stderr
    assert PASSWORD.strip() not in result.stdout + result.stderr
    assert browser.login(email, PASSWORD.strip(), status=None).status_int == 400
    assert browser.login(email, PASSWORD).status_int == 303


@pytest.mark.parametrize(("args", "stdin", "status", "message"), [
    (["--email", "taken@example.com", "--name", "Again"], PASSWORD + "\n", 1, "email: An account with this email"),
    (["--email", "TAKEN@example.com", "--name", "Again"], PASSWORD + "\n", 1, "email: An account with this email"),
    (["--email", "not-an-address", "--name", "Ada"], PASSWORD + "\n", 1, "email: Enter an email address"),
    (["--email", "new@example.com", "--name", "   "], PASSWORD + "\n", 1, "name: Tell us your name"),
    (["--email", "new@example.com", "--name", "Ada"], "short\n", 1, "password: Use a password of at least 8"),
    (["--email", "new@example.com", "--name", "Ada"], "", 1, "no password on standard input"),
    (["--email", "new@example.com", "--name", "Ada", "--password", "x" * 12], "", 2, "unrecognized arguments"),
    (["--name", "Ada"], PASSWORD + "\n", 2, "--email"),
])
def test_create_user_refuses_bad_input(ini, engine, args, stdin, status, message):
    with engine.begin() as conn:
        conn.execute(sa.insert(User).values(email="taken@example.com", name="First", password_hash="x",
                                            created_at=utcnow(), updated_at=utcnow()))
    result = run("tokensite-create-user", ini, *args, stdin=stdin)
    assert result.returncode == status
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(User)) == 1


@pytest.mark.parametrize(("args", "message"), [
    (["--hours", "-1"], "must be at least 0"),
    (["--hours", "soon"], "not a whole number"),
    (["--batch-size", "0"], "must be at least 1"),
    (["--batch-size", "100000"], "at most 10000"),
])
def test_prune_refuses_bad_arguments(ini, args, message):
    result = run("tokensite-prune-tokens", ini, *args)
    assert result.returncode == 2
    assert message in result.stderr


@pytest.mark.parametrize("command", ["tokensite-create-user", "tokensite-prune-tokens", "tokensite-initdb"])
def test_commands_explain_a_missing_ini_or_database(tmp_path, command):
    extra = ["--email", "a@example.com", "--name", "A"] if command == "tokensite-create-user" else []
    missing = run(command, tmp_path / "nowhere.ini", *extra, stdin=PASSWORD + "\n")
    assert missing.returncode == 1 and "nowhere.ini" in missing.stderr and "Traceback" not in missing.stderr
    no_database = run(command, write_ini(tmp_path / "empty.ini", ""), *extra, stdin=PASSWORD + "\n")
    assert no_database.returncode == 1 and "TOKENSITE_DATABASE_URL" in no_database.stderr
    assert "Traceback" not in no_database.stderr


def add_tokens(engine, *rows):
    """Rows of (created_at, expires_at) for one new user; their ids."""
    with engine.begin() as conn:
        user_id = conn.execute(sa.insert(User).values(email=unique_email(), name="T", password_hash="x",
                                                      created_at=utcnow(), updated_at=utcnow())
                               .returning(User.id)).scalar_one()
        return [conn.execute(sa.insert(ApiToken).values(
            user_id=user_id, name="t", token_hash=os.urandom(32).hex(), abilities=["read"],
            created_at=created_at, updated_at=created_at, expires_at=expires_at).returning(ApiToken.id)).scalar_one()
            for created_at, expires_at in rows]


def token_ids(engine) -> set[int]:
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(ApiToken.id)))


def test_prune_deletes_only_long_expired_tokens(ini, engine):
    now, day = utcnow(), dt.timedelta(days=1)
    gone = add_tokens(engine, (now - 9 * day, now - 2 * day), (now - 9 * day, now - 3 * day))
    kept = add_tokens(engine, (now - 9 * day, now - day / 2), (now - 9 * day, now + day), (now - 9 * day, None))
    result = run("tokensite-prune-tokens", ini, "--hours", "24", "--batch-size", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "tokensite-prune-tokens: deleted 2 tokens expired more than 24 hours ago\n"
    assert token_ids(engine) == set(kept)
    assert not set(gone) & token_ids(engine)


def test_prune_applies_the_global_expiration_of_the_ini(tmp_path, database_url, engine):
    now = utcnow()
    ini = write_ini(tmp_path / "expiring.ini", database_url, **{"tokensite.tokens.expiration": 60})
    old, young = add_tokens(engine, (now - dt.timedelta(hours=3), None), (now - dt.timedelta(minutes=90), None))
    result = run("tokensite-prune-tokens", ini, "--hours", "1")
    assert result.returncode == 0, result.stderr
    assert "deleted 1 token expired" in result.stdout
    assert token_ids(engine) == {young} and old not in token_ids(engine)


def run_in_terminal(argv, answers=(), timeout=60) -> str:
    """Run ``argv`` with a pseudo-terminal as its controlling terminal, typing ``answers`` at its prompts.

    An answer is typed once the program has printed a prompt (a line ending in ':')
    and gone quiet, i.e. is waiting to read it.
    """
    controller, terminal = os.openpty()

    def take_terminal():  # in the child, after setsid: make the pty its controlling terminal (for getpass)
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    environ = {key: value for key, value in os.environ.items() if not key.startswith("TOKENSITE_")}
    process = subprocess.Popen(argv, stdin=terminal, stdout=terminal, stderr=terminal, env=environ,
                               start_new_session=True, preexec_fn=take_terminal)  # noqa: PLW1509 (no threads here)
    os.close(terminal)
    output, answers, deadline = b"", list(answers), time.monotonic() + timeout
    try:
        while True:
            assert time.monotonic() < deadline, f"no end after {timeout} s: {output!r}"
            if not select.select([controller], [], [], 0.3)[0]:
                if answers and output.rstrip().endswith(b":"):
                    os.write(controller, answers.pop(0).encode() + b"\n")
                continue
            try:
                output += os.read(controller, 4096)
            except OSError as error:  # EIO: the program ended and closed the terminal
                if error.errno != errno.EIO:
                    raise
                break
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
        process.wait(timeout=timeout)
    assert process.returncode == 0, output
    return output.decode()


def test_create_user_prompts_twice_on_a_terminal(ini, browser):
    email = unique_email("tty")
    output = run_in_terminal([script("tokensite-create-user"), str(ini), "--email", email, "--name", "Tty"],
                             answers=[PASSWORD, PASSWORD])
    assert "Password:" in output and "Password (again):" in output
    assert PASSWORD.strip() not in output  # not echoed
    assert "created user" in output
    assert browser.login(email, PASSWORD).status_int == 303


def test_prune_shows_progress_on_a_terminal(ini, engine):
    long_ago = utcnow() - dt.timedelta(days=30)
    add_tokens(engine, *[(long_ago, long_ago)] * 5)
    output = run_in_terminal([script("tokensite-prune-tokens"), str(ini), "--batch-size", "2"])
    assert "\rtokensite-prune-tokens: 2 of 5 deleted (40%)" in output
    assert "5 of 5 deleted (100%)" in output
    assert "deleted 5 tokens expired more than 24 hours ago" in output
    assert token_ids(engine) == set()
