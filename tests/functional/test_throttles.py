"""Throttles per client IP: registrations, and API requests without usable credentials.

``tokensite.ratelimit.register`` (default 10/hour) counts every POST /register from an
address; ``tokensite.ratelimit.anonymous`` (default 60/minute) counts every API request
that carries no usable credentials -- none, malformed, unknown, revoked or expired --
so that neither accounts nor token guesses can be had in bulk.
"""
import datetime as dt

import pytest
import sqlalchemy as sa

from tokensite.models import User
from tokensite.tokens import format as token_format

from ..client import PASSWORD, Browser, unique_email

UTC = dt.timezone.utc
HOME = "198.51.100.7"
ELSEWHERE = "198.51.100.8"
NGINX = "127.0.0.1"
ANONYMOUS_LIMIT = 3


def users(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(User))


def register(app, remote_addr=HOME, password=PASSWORD, status=None, email=None, **environ):
    client = Browser(app, remote_addr=remote_addr)
    client.extra_environ.update(environ)
    return client.register(email or unique_email(), "Someone", password, status=status)


def api_call(client, token=None, path="/api/user"):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get(path, headers=headers, status="*")


def expire_all_tokens(engine):
    expired = dt.datetime.now(UTC) - dt.timedelta(minutes=1)
    if engine.dialect.name == "sqlite":  # SQLite keeps naive UTC
        expired = expired.replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE api_tokens SET expires_at = :expired"), {"expired": expired})


# -- registration (the default limit: 10 an hour per address)

def test_registration_is_throttled_at_the_limit(app, engine):
    for attempt in range(10):  # refused attempts count as well as accounts made
        register(app, password="short" if attempt % 2 else PASSWORD, status=400 if attempt % 2 else 303)
    assert users(engine) == 5
    email = unique_email()
    res = register(app, email=email, status=429)
    assert 0 < int(res.headers["Retry-After"]) <= 3600
    alert = res.html.find("p", class_="error")
    retry_after = res.headers["Retry-After"]
    assert alert.text == f"Too many registrations from your address. Try again in {retry_after} seconds."
    assert res.html.find("form", action="/register").find("input", attrs={"name": "email"})["value"] == email
    assert users(engine) == 5
    register(app, remote_addr=ELSEWHERE, status=303)  # another address is not affected
    assert users(engine) == 6


def test_the_registration_limit_is_a_setting(make_app, engine):
    site = make_app({"tokensite.ratelimit.register": "1/hour"})
    register(site, status=303)
    register(site, status=429)
    assert users(engine) == 1


def test_behind_a_proxy_registrations_count_per_client(make_app, engine):
    site = make_app({"tokensite.ratelimit.register": "1/hour", "tokensite.proxy.trusted": NGINX})
    register(site, remote_addr=NGINX, HTTP_X_FORWARDED_FOR=HOME, status=303)
    register(site, remote_addr=NGINX, HTTP_X_FORWARDED_FOR=f"203.0.113.1, {HOME}", status=429)
    register(site, remote_addr=NGINX, HTTP_X_FORWARDED_FOR=ELSEWHERE, status=303)
    assert users(engine) == 2


# -- the API without usable credentials

@pytest.fixture
def site(make_app, app):
    return make_app({"tokensite.ratelimit.anonymous": f"{ANONYMOUS_LIMIT}/minute"})


@pytest.fixture(params=["none", "malformed", "unknown", "revoked", "expired"])
def unusable(request, site, engine):
    """One kind of unusable credentials (a real token is made for the last two)."""
    kind = request.param
    if kind in ("none", "malformed", "unknown"):
        return {"none": None, "malformed": "garbage", "unknown": token_format.generate("tks_")}[kind]
    owner = Browser(site).new_user()
    token = owner.create_token(kind, ["read"])
    if kind == "revoked":
        owner.api("DELETE", "/api/token", token=token, status=204)
    else:
        expire_all_tokens(engine)
    return token


def test_unusable_credentials_count_per_address(site, unusable):
    client = Browser(site, remote_addr=HOME)
    statuses = [api_call(client, unusable).status_int for _ in range(ANONYMOUS_LIMIT + 1)]
    assert statuses == [401] * ANONYMOUS_LIMIT + [429]


def test_past_the_limit_a_429_in_the_api_shape(site):
    client = Browser(site, remote_addr=HOME)
    for _ in range(ANONYMOUS_LIMIT):
        assert api_call(client).status_int == 401
    res = api_call(client, "garbage")
    assert res.status_int == 429
    assert res.json["error"]["code"] == "rate_limited"
    assert res.json["error"]["message"].startswith("Too many requests without valid credentials")
    assert 0 < int(res.headers["Retry-After"]) <= 60
    assert (res.headers["RateLimit-Limit"], res.headers["RateLimit-Remaining"]) == (str(ANONYMOUS_LIMIT), "0")
    assert 0 < int(res.headers["RateLimit-Reset"]) <= 60


def test_the_limit_is_per_address(site):
    for _ in range(ANONYMOUS_LIMIT + 1):
        api_call(Browser(site, remote_addr=HOME))
    assert api_call(Browser(site, remote_addr=HOME)).status_int == 429
    assert api_call(Browser(site, remote_addr=ELSEWHERE)).status_int == 401


def test_behind_a_proxy_the_limit_is_per_client_and_forged_entries_do_not_reset_it(make_app, app):
    site = make_app({"tokensite.ratelimit.anonymous": f"{ANONYMOUS_LIMIT}/minute",
                     "tokensite.proxy.trusted": NGINX})
    nginx = Browser(site, remote_addr=NGINX)
    statuses = []
    for n in range(ANONYMOUS_LIMIT + 3):
        nginx.extra_environ["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n}, {HOME}"
        statuses.append(api_call(nginx).status_int)
    assert statuses == [401] * ANONYMOUS_LIMIT + [429] * 3
    nginx.extra_environ["HTTP_X_FORWARDED_FOR"] = ELSEWHERE
    assert api_call(nginx).status_int == 401


def test_valid_credentials_do_not_count_and_still_work_past_the_limit(site):
    owner = Browser(site, remote_addr=HOME).new_user_here()
    token = owner.create_token("cli", ["read"])
    client = Browser(site, remote_addr=HOME)
    for _ in range(ANONYMOUS_LIMIT + 2):
        assert api_call(client, token).status_int == 200
        assert owner.get("/api/user", status="*").status_int == 200  # the session cookie
    statuses = [api_call(client).status_int for _ in range(ANONYMOUS_LIMIT + 1)]
    assert statuses == [401] * ANONYMOUS_LIMIT + [429]
    assert api_call(client, token).status_int == 200
    assert owner.get("/api/user", status="*").status_int == 200


def test_the_openapi_document_is_public_and_does_not_count(site):
    client = Browser(site, remote_addr=HOME)
    for _ in range(ANONYMOUS_LIMIT + 2):
        assert api_call(client, path="/api/openapi.json").status_int == 200
    assert [api_call(client).status_int for _ in range(ANONYMOUS_LIMIT)] == [401] * ANONYMOUS_LIMIT
    assert api_call(client, path="/api/openapi.json").status_int == 200


def test_the_default_anonymous_limit_is_sixty_a_minute(app):
    client = Browser(app, remote_addr=HOME)
    assert [api_call(client).status_int for _ in range(61)] == [401] * 60 + [429]
