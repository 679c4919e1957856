"""Settings: defaults, environment overrides, and refusals that name the key."""
from pathlib import Path

import pytest
from pyramid.exceptions import ConfigurationError
from pyramid.paster import get_appsettings

from tokensite import main
from tokensite.models import dispose_engines
from tokensite.settings import DEVELOPMENT_SECRET, Settings, apply_environment, compose, parse

SECRET = "s" * 32


def test_defaults():
    settings = parse({})
    assert settings == Settings()
    assert (settings.api_enabled, settings.api_prefix) == (True, "/api")
    assert (settings.ratelimit_storage, settings.ratelimit_api, settings.ratelimit_login) == (
        "memory://", "600/minute", "5/minute")
    assert (settings.ratelimit_anonymous, settings.ratelimit_register, settings.proxy_trusted) == (
        "60/minute", "10/hour", ())
    assert (settings.ratelimit_timeout, settings.ratelimit_on_failure) == (0.5, "allow")


@pytest.mark.parametrize("key, value, field, expected", [
    ("tokensite.features.api", "false", "api_enabled", False),
    ("tokensite.features.api", "off", "api_enabled", False),
    ("tokensite.features.api", "True", "api_enabled", True),
    ("tokensite.features.api", "", "api_enabled", True),
    ("tokensite.session.secure", "yes", "session_secure", True),
    ("tokensite.api.prefix", "/api/v1", "api_prefix", "/api/v1"),
    ("tokensite.api.prefix", "/v1/", "api_prefix", "/v1"),
    ("tokensite.api.prefix", "v1", "api_prefix", "/v1"),
    ("tokensite.ratelimit.storage", "redis://127.0.0.1:6379/1", "ratelimit_storage",
     "redis://127.0.0.1:6379/1"),
    ("tokensite.ratelimit.api", "60/second", "ratelimit_api", "60/second"),
    ("tokensite.ratelimit.login", "10 per hour", "ratelimit_login", "10 per hour"),
    ("tokensite.ratelimit.anonymous", "100/minute", "ratelimit_anonymous", "100/minute"),
    ("tokensite.ratelimit.register", "3/day", "ratelimit_register", "3/day"),
    ("tokensite.limits.max_body", "", "max_body_bytes", 1048576),
    ("tokensite.limits.max_body", "1024", "max_body_bytes", 1024),
    ("tokensite.limits.max_body", "10485760", "max_body_bytes", 10485760),
    ("tokensite.ratelimit.timeout", "0.1", "ratelimit_timeout", 0.1),
    ("tokensite.ratelimit.timeout", "2", "ratelimit_timeout", 2.0),
    ("tokensite.ratelimit.on_failure", "deny", "ratelimit_on_failure", "deny"),
    ("tokensite.mail.transport", "", "mail_transport", "smtp"),
    ("tokensite.mail.transport", "files", "mail_transport", "files"),
    ("tokensite.mail.transport", "none", "mail_transport", "none"),
    ("tokensite.mail.folder", "", "mail_folder", "var/mail"),
    ("tokensite.mail.folder", "/srv/mail", "mail_folder", "/srv/mail"),
    ("mail.default_sender", "", "mail_sender", "tokensite@localhost"),
    ("mail.default_sender", "tokens@example.com", "mail_sender", "tokens@example.com"),
    ("tokensite.mail.site_url", "", "mail_site_url", None),
    ("tokensite.mail.site_url", "https://tokens.example.com/", "mail_site_url", "https://tokens.example.com"),
    ("tokensite.mail.site_url", "http://127.0.0.1:6543/site", "mail_site_url", "http://127.0.0.1:6543/site"),
])
def test_ini_values(key, value, field, expected):
    assert getattr(parse({key: value}), field) == expected


@pytest.mark.parametrize("key, value", [
    ("tokensite.api.prefix", "/"),
    ("tokensite.ratelimit.api", "lots"),
    ("tokensite.ratelimit.login", "5/fortnight"),
    ("tokensite.ratelimit.anonymous", "unlimited"),
    ("tokensite.ratelimit.register", "10/week"),
    ("tokensite.proxy.trusted", "nginx"),
    ("tokensite.features.api", "maybe"),
    ("tokensite.features.api", "disabled"),
    ("tokensite.session.secure", "sometimes"),
    ("tokensite.limits.max_body", "1023"),
    ("tokensite.limits.max_body", "1MB"),
    ("tokensite.api.prefix", "/a b"),
    ("tokensite.api.prefix", "/api/{id}"),
    ("tokensite.ratelimit.timeout", "0"),
    ("tokensite.ratelimit.timeout", "-1"),
    ("tokensite.ratelimit.timeout", "500ms"),
    ("tokensite.ratelimit.timeout", "nan"),
    ("tokensite.ratelimit.timeout", "60"),
    ("tokensite.ratelimit.on_failure", "retry"),
    ("tokensite.mail.transport", "sendmail"),
    ("tokensite.mail.transport", "SMTP"),
    ("tokensite.mail.site_url", "tokens.example.com"),
    ("tokensite.mail.site_url", "ftp://tokens.example.com"),
    ("tokensite.mail.site_url", "https://tokens.example.com/?next=x"),
    ("mail.port", "smtp"),
    ("mail.port", "0"),
    ("mail.tls", "sometimes"),
    ("mail.ssl", "maybe"),
])
def test_bad_values_are_refused_naming_the_key(key, value):
    with pytest.raises(ConfigurationError, match=key.replace(".", r"\.")):
        parse({key: value})


@pytest.mark.parametrize("variable, key", [
    ("TOKENSITE_DATABASE_URL", "sqlalchemy.url"),
    ("TOKENSITE_SESSION_SECRET", "tokensite.session.secret"),
    ("TOKENSITE_RATELIMIT_STORAGE", "tokensite.ratelimit.storage"),
])
def test_environment_overrides_the_ini(variable, key):
    merged = apply_environment({key: "from ini", "other": "kept"}, environ={variable: "from env"})
    assert merged == {key: "from env", "other": "kept"}


def test_an_empty_environment_variable_does_not_override():
    assert apply_environment({"sqlalchemy.url": "ini"}, environ={"TOKENSITE_DATABASE_URL": ""}) == {
        "sqlalchemy.url": "ini"}


@pytest.fixture
def clean_environ(monkeypatch):
    for variable in ("TOKENSITE_DATABASE_URL", "TOKENSITE_SESSION_SECRET", "TOKENSITE_RATELIMIT_STORAGE"):
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


@pytest.mark.parametrize("secret", [None, "", "x" * 31])
def test_a_missing_or_short_session_secret_refuses_to_start(clean_environ, database_url, secret):
    settings = {"sqlalchemy.url": database_url}
    if secret is not None:
        settings["tokensite.session.secret"] = secret
    with pytest.raises(ConfigurationError) as caught:
        main({}, **settings)
    assert "tokensite.session.secret" in str(caught.value)
    assert "TOKENSITE_SESSION_SECRET" in str(caught.value)


def test_the_session_secret_may_come_from_the_environment(clean_environ, database_url):
    clean_environ.setenv("TOKENSITE_SESSION_SECRET", SECRET)
    app = main({}, **{"sqlalchemy.url": database_url, "tokensite.session.secret": "short"})
    try:
        assert app.registry.tokensite.session_secret == SECRET
    finally:
        dispose_engines(app.registry)


def test_the_database_url_may_come_from_the_environment(clean_environ, database_url, tmp_path):
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    clean_environ.setenv("TOKENSITE_DATABASE_URL", other)
    app = main({}, **{"sqlalchemy.url": database_url, "tokensite.session.secret": SECRET})
    try:
        assert str(app.registry["dbengine"].url) == other
    finally:
        dispose_engines(app.registry)


@pytest.mark.parametrize("settings, key", [
    ({"sqlalchemy.url": "not a url"}, "sqlalchemy.url"),
    ({"sqlalchemy.url": "nosuchdb://x"}, "sqlalchemy.url"),
    ({"sqlalchemy.url": "sqlite://", "tokensite.ratelimit.storage": "foo://"}, "tokensite.ratelimit.storage"),
])
def test_bad_urls_refuse_to_start_naming_the_key(clean_environ, settings, key):
    with pytest.raises(ConfigurationError, match=key.replace(".", r"\.")):
        main({}, **{"tokensite.session.secret": SECRET, **settings})


def test_a_bad_database_url_is_not_repeated(clean_environ):
    with pytest.raises(ConfigurationError) as caught:
        main({}, **{"tokensite.session.secret": SECRET, "sqlalchemy.url": "postgresql://u:hunter2@db:port/x"})
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("secret, problem", [
    (DEVELOPMENT_SECRET, "development.ini"),
    (" " * 34, "different characters"),
    ("ab" * 20, "different characters"),
])
def test_production_refuses_a_published_or_monotonous_secret(clean_environ, database_url, secret, problem):
    settings = {"sqlalchemy.url": database_url, "tokensite.session.secret": secret,
                "tokensite.session.secure": "true"}
    with pytest.raises(ConfigurationError, match=problem) as caught:
        main({}, **settings)
    assert "TOKENSITE_SESSION_SECRET" in str(caught.value)


def test_development_may_use_its_own_secret(clean_environ, database_url):
    app = main({}, **{"sqlalchemy.url": database_url, "tokensite.session.secret": DEVELOPMENT_SECRET})
    dispose_engines(app.registry)


def test_the_refused_development_secret_is_development_ini_s(clean_environ):
    ini = Path(__file__).resolve().parents[2] / "development.ini"
    assert get_appsettings(str(ini), name="main")["tokensite.session.secret"] == DEVELOPMENT_SECRET


def test_the_mail_folder_lies_beside_the_ini_unless_absolute(tmp_path):
    assert compose({}, here=str(tmp_path))["tokensite.mail.folder"] == str(tmp_path / "var" / "mail")
    assert compose({"tokensite.mail.folder": "/srv/mail"}, here=str(tmp_path))["tokensite.mail.folder"] == "/srv/mail"


def test_development_writes_mail_into_files_beside_it_and_production_sends_smtp(clean_environ):
    root = Path(__file__).resolve().parents[2]
    development = get_appsettings(str(root / "development.ini"), name="main")
    assert (development["tokensite.mail.transport"], development["tokensite.mail.folder"]) == (
        "files", str(root / "var" / "mail"))
    assert get_appsettings(str(root / "production.ini"), name="main")["tokensite.mail.transport"] == "smtp"
