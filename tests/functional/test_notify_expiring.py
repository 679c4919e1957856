"""``tokensite-notify-expiring``: one message per owner and run naming the tokens that expire within
7 days, and again within 1 day; a second run sends nothing new; a token first found within 1 day gets
the 1-day notice only; an expired one gets nothing; the global lifetime counts.  Through a real SMTP
server."""
import datetime as dt

import pytest
import sqlalchemy as sa
from pyramid.scripting import prepare

from tokensite import main
from tokensite.accounts.service import register
from tokensite.mail.expiry import notify_expiring
from tokensite.mail.messages import moment
from tokensite.models import ApiToken, ExpiryNotice, User, dispose_engines, utcnow
from tokensite.testing import SESSION_SECRET, app_settings, committed_session, token_service

from ..client import unique_email
from ..smtp import SITE_URL, assert_no_secret, mail_settings
from .test_console_scripts import run as run_script
from .test_console_scripts import write_ini

DAY = dt.timedelta(days=1)
WITHIN_DAY = "expire within 1 day"
WITHIN_WEEK = "expire within 7 days"


@pytest.fixture(scope="module")
def app(database_url, smtp):
    wsgi = main({}, **app_settings(database_url, **mail_settings(smtp)))
    yield wsgi
    dispose_engines(wsgi.registry)


def notify(app, now):
    env = prepare(registry=app.registry)
    try:
        return notify_expiring(app.registry, env["request"], now)
    finally:
        env["closer"]()


def owner(app, name="Ada"):
    with committed_session(app) as dbsession:
        user = register(dbsession, name, unique_email(), "a long enough password")
        return user.id, user.email


def token(app, user_id, name, expires_at=None, created_at=None) -> str:
    """A token of ``user_id``'s, with the given expiry and creation time; its plaintext."""
    with committed_session(app) as dbsession:
        new = token_service(app, dbsession).create(dbsession.get(User, user_id), name, ["read"])
        new.token.expires_at = expires_at
        if created_at is not None:
            new.token.created_at = created_at
        return new.plaintext


def notices(engine) -> list[tuple[str, int]]:
    query = (sa.select(ApiToken.name, ExpiryNotice.within_days).join(ApiToken, ApiToken.id == ExpiryNotice.token_id)
             .order_by(ApiToken.name, ExpiryNotice.within_days))
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


def test_a_token_expiring_within_7_days_is_notified_once(app, inbox, engine):
    now = utcnow()
    user_id, email = owner(app)
    expires = now + 5 * DAY
    plaintext = token(app, user_id, "deploy", expires)
    report = notify(app, now)
    assert (report.messages, report.tokens) == (1, 1)
    [received] = inbox.messages()
    assert received.recipients == [email]
    assert received.subject == "[tokensite] Your API token \u201cdeploy\u201d expires soon"
    for part in (received.text, received.html):
        assert "deploy" in part and moment(expires) in part and "read (Read posts)" in part
        assert f"{SITE_URL}/user/api-tokens" in part
    assert WITHIN_WEEK in received.text and WITHIN_DAY not in received.text
    assert_no_secret(received, plaintext)
    assert notices(engine) == [("deploy", 7)]
    inbox.clear()
    assert (notify(app, now).messages, notify(app, now + DAY).messages) == (0, 0)  # nothing new to say
    assert inbox.messages() == []


def test_within_1_day_a_second_notice_follows(app, inbox, engine):
    now = utcnow()
    user_id, _ = owner(app)
    token(app, user_id, "deploy", now + 5 * DAY)
    notify(app, now)
    inbox.clear()
    later = now + 4 * DAY + dt.timedelta(hours=12)  # 12 hours left
    assert notify(app, later).messages == 1
    [received] = inbox.messages()
    assert WITHIN_DAY in received.text and WITHIN_WEEK not in received.text
    assert notices(engine) == [("deploy", 1), ("deploy", 7)]
    inbox.clear()
    assert notify(app, later + dt.timedelta(hours=6)).messages == 0
    assert inbox.messages() == []


def test_a_token_first_found_within_1_day_gets_the_1_day_notice_only(app, inbox, engine):
    now = utcnow()
    user_id, _ = owner(app)
    token(app, user_id, "late", now + dt.timedelta(hours=20))
    assert notify(app, now).messages == 1
    [received] = inbox.messages()
    assert WITHIN_DAY in received.text and WITHIN_WEEK not in received.text
    assert notices(engine) == [("late", 1)]
    inbox.clear()
    assert notify(app, now + dt.timedelta(hours=1)).messages == 0
    assert inbox.messages() == []


@pytest.mark.parametrize("expires_in", [-dt.timedelta(hours=1), -10 * DAY, 7 * DAY + dt.timedelta(hours=1), None],
                         ids=["expired an hour ago", "expired long ago", "in 7 days and an hour", "never"])
def test_expired_distant_and_endless_tokens_get_nothing(app, inbox, engine, expires_in):
    now = utcnow()
    user_id, _ = owner(app)
    token(app, user_id, "quiet", None if expires_in is None else now + expires_in)
    assert notify(app, now).messages == 0
    assert inbox.messages() == [] and notices(engine) == []


def test_one_message_per_owner_names_all_their_tokens(app, inbox):
    now = utcnow()
    ada, ada_email = owner(app, "Ada")
    grace, grace_email = owner(app, "Grace")
    token(app, ada, "ada-tomorrow", now + dt.timedelta(hours=3))
    token(app, ada, "ada-next-week", now + 6 * DAY)
    token(app, ada, "ada-later", now + 30 * DAY)
    token(app, grace, "grace-soon", now + 2 * DAY)
    report = notify(app, now)
    assert (report.messages, report.tokens) == (2, 3)
    by_owner = {received.recipients[0]: received for received in inbox.messages()}
    assert set(by_owner) == {ada_email, grace_email}
    ada_message = by_owner[ada_email]
    assert ada_message.subject == "[tokensite] 2 of your API tokens expire soon"
    day_part, week_part = ada_message.text.split(WITHIN_WEEK)
    assert WITHIN_DAY in day_part and "ada-tomorrow" in day_part and "ada-next-week" in week_part
    assert "ada-later" not in ada_message.text and "grace" not in ada_message.text
    assert "grace-soon" in by_owner[grace_email].text


def test_a_token_given_a_new_expiry_is_notified_afresh(app, inbox, engine):
    now = utcnow()
    user_id, _ = owner(app)
    token(app, user_id, "renewed", now + 3 * DAY)
    notify(app, now)
    with engine.begin() as conn:  # regenerated with a new expiry, which is again within a week
        conn.execute(sa.update(ApiToken.__table__).values(expires_at=now + 6 * DAY))
    inbox.clear()
    assert notify(app, now + dt.timedelta(hours=1)).messages == 1
    assert moment(now + 6 * DAY) in inbox.messages()[0].text
    assert notices(engine) == [("renewed", 7)]


def test_the_global_lifetime_counts_by_the_effective_expiry(make_app, smtp, inbox, engine):
    app = make_app(mail_settings(smtp, **{"tokensite.tokens.expiration": str(10 * 24 * 60)}))  # 10 days
    now = utcnow()
    user_id, _ = owner(app)
    created = now - 6 * DAY
    token(app, user_id, "aging", expires_at=None, created_at=created)  # the lifetime ends in 4 days
    token(app, user_id, "own-expiry-later", expires_at=now + 30 * DAY, created_at=now - 9 * DAY)  # ends in 1
    token(app, user_id, "young", expires_at=None, created_at=now - DAY)  # ends in 9 days
    assert notify(app, now).tokens == 2
    [received] = inbox.messages()
    day_part, week_part = received.text.split(WITHIN_WEEK)
    assert "own-expiry-later" in day_part and moment(now + DAY) in day_part
    assert "aging" in week_part and moment(created + 10 * DAY) in week_part
    assert "young" not in received.text


def test_the_command_sends_through_the_ini_and_a_second_run_sends_nothing(tmp_path, database_url, app, smtp,
                                                                          inbox):
    settings = {"tokensite.session.secret": SESSION_SECRET, **mail_settings(smtp)}
    ini = write_ini(tmp_path / "site.ini", database_url, **settings)
    user_id, email = owner(app)
    token(app, user_id, "cron", utcnow() + 2 * DAY)
    first = run_script("tokensite-notify-expiring", ini)
    assert first.returncode == 0, first.stderr
    assert "sent 1 message about 1 expiring token" in first.stdout
    assert [received.recipients for received in inbox.messages()] == [[email]]
    second = run_script("tokensite-notify-expiring", ini)
    assert second.returncode == 0, second.stderr
    assert "sent 0 messages about 0 expiring tokens" in second.stdout
    assert len(inbox.messages()) == 1


def test_the_command_needs_the_sites_address_for_its_links(tmp_path, database_url, app, smtp):
    ini = write_ini(tmp_path / "site.ini", database_url, **{
        "tokensite.session.secret": SESSION_SECRET, **mail_settings(smtp, **{"tokensite.mail.site_url": ""})})
    result = run_script("tokensite-notify-expiring", ini)
    assert result.returncode == 1
    assert "tokensite.mail.site_url is empty" in result.stderr


def test_with_the_api_feature_off_the_command_has_nothing_to_notify(tmp_path, database_url, app, smtp, inbox):
    ini = write_ini(tmp_path / "site.ini", database_url, **{"tokensite.session.secret": SESSION_SECRET,
                                                            "tokensite.features.api": "false", **mail_settings(smtp)})
    user_id, _ = owner(app)
    token(app, user_id, "dormant", utcnow() + 2 * DAY)
    result = run_script("tokensite-notify-expiring", ini)
    assert result.returncode == 0, result.stderr
    assert "the API feature is off" in result.stdout
    assert inbox.messages() == []
