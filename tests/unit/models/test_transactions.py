"""Sessions from get_tm_session follow their transaction manager; plain sessions do not."""
import pytest
import sqlalchemy as sa
import transaction

from tokensite.models import User, get_session_factory, get_tm_session


def emails(engine):
    with engine.connect() as conn:
        return [row.email for row in conn.execute(sa.select(User.email))]


def a_user(email):
    return User(email=email, name="N", password_hash="x")


@pytest.mark.parametrize("finish, kept", [("commit", True), ("abort", False)])
def test_a_tm_session_commits_and_aborts_with_its_manager(engine, finish, kept):
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    dbsession = get_tm_session(get_session_factory(engine), manager)
    dbsession.add(a_user("tm@example.com"))
    dbsession.flush()
    getattr(manager, finish)()
    assert emails(engine) == (["tm@example.com"] if kept else [])


def test_a_core_write_through_a_tm_session_is_committed(engine):
    manager = transaction.TransactionManager(explicit=True)
    with manager:
        dbsession = get_tm_session(get_session_factory(engine), manager)
        dbsession.execute(sa.insert(User).values(email="core@example.com", name="N", password_hash="x",
                                                 created_at=sa.func.now(), updated_at=sa.func.now()))
    assert emails(engine) == ["core@example.com"]


def test_a_tm_session_cannot_commit_behind_its_managers_back(engine):
    manager = transaction.TransactionManager(explicit=True)
    manager.begin()
    dbsession = get_tm_session(get_session_factory(engine), manager)
    dbsession.add(a_user("sneaky@example.com"))
    with pytest.raises(AssertionError):
        dbsession.commit()
    manager.abort()
    assert emails(engine) == []


def test_a_plain_session_joins_no_transaction(engine):
    with get_session_factory(engine)() as dbsession:
        dbsession.add(a_user("plain@example.com"))
        dbsession.commit()
    assert emails(engine) == ["plain@example.com"]
