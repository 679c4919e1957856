"""``tokensite-prune-sessions <ini>``: deletes the rows of ended sessions, never a live one."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from tokensite.models import BrowserSession, utcnow

from ..client import PASSWORD
from .test_console_scripts import run, write_ini


@pytest.fixture
def ini(tmp_path, database_url, app):
    return write_ini(tmp_path / "site.ini", database_url)


def age(engine, public_id, *, created_ago=dt.timedelta(), idle_for=dt.timedelta()):
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(sa.update(BrowserSession).where(BrowserSession.public_id == public_id)
                     .values(created_at=now - created_ago, last_active_at=now - idle_for))


def public_ids(engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(BrowserSession.public_id)))


def test_prune_deletes_only_ended_sessions(ini, user, engine):
    [mine] = public_ids(engine)
    for _ in range(4):
        user.new_client().login(user.account.email, PASSWORD)
    idle, old, recent, live = sorted(public_ids(engine) - {mine})
    age(engine, idle, idle_for=dt.timedelta(hours=3))
    age(engine, old, created_ago=dt.timedelta(days=15))
    age(engine, recent, created_ago=dt.timedelta(days=13), idle_for=dt.timedelta(hours=1))
    result = run("tokensite-prune-sessions", ini, "--batch-size", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "tokensite-prune-sessions: deleted 2 ended browser sessions\n"
    assert public_ids(engine) == {recent, live, mine}
    user.get("/dashboard", status=200)


def test_prune_follows_the_timeouts_of_the_ini(tmp_path, database_url, user, engine):
    ini = write_ini(tmp_path / "short.ini", database_url, **{"tokensite.session.idle_timeout": "600"})
    [mine] = public_ids(engine)
    age(engine, mine, idle_for=dt.timedelta(minutes=15))
    result = run("tokensite-prune-sessions", ini)
    assert result.returncode == 0, result.stderr
    assert "deleted 1 ended browser session\n" in result.stdout
    assert public_ids(engine) == set()


@pytest.mark.parametrize("args, message", [(["--batch-size", "0"], "at least 1"),
                                           (["--batch-size", "many"], "not a whole number")])
def test_prune_refuses_bad_arguments(ini, args, message):
    result = run("tokensite-prune-sessions", ini, *args)
    assert result.returncode == 2 and message in result.stderr
