"""The add-on's own settings (``tokensite.tokens.*``), and how the site composes its bearer area."""
import pytest
from pyramid.exceptions import ConfigurationError

from tokensite.settings import compose
from tokensite.tokens.settings import TokenSettings, parse_token_settings


def test_defaults():
    settings = parse_token_settings({})
    assert settings == TokenSettings()
    assert (settings.prefix, settings.expiration_minutes) == ("tks_", None)
    assert (settings.last_used_resolution_seconds, settings.max_per_user) == (60, 100)
    assert settings.bearer_prefix == "/api"


@pytest.mark.parametrize("key, value, field, expected", [
    ("tokensite.tokens.prefix", "acme_", "prefix", "acme_"),
    ("tokensite.tokens.expiration", "525600", "expiration_minutes", 525600),
    ("tokensite.tokens.expiration", "", "expiration_minutes", None),
    ("tokensite.tokens.last_used_resolution", "0", "last_used_resolution_seconds", 0),
    ("tokensite.tokens.max_per_user", "3", "max_per_user", 3),
    ("tokensite.tokens.bearer_prefix", "/v1/", "bearer_prefix", "/v1"),
    ("tokensite.tokens.bearer_prefix", "", "bearer_prefix", None),
])
def test_ini_values(key, value, field, expected):
    assert getattr(parse_token_settings({key: value}), field) == expected


@pytest.mark.parametrize("key, value", [
    ("tokensite.tokens.prefix", "has space_"),
    ("tokensite.tokens.prefix", "x" * 21),
    ("tokensite.tokens.expiration", "soon"),
    ("tokensite.tokens.expiration", "0"),
    ("tokensite.tokens.expiration", "-5"),
    ("tokensite.tokens.last_used_resolution", "1.5"),
    ("tokensite.tokens.last_used_resolution", "-1"),
    ("tokensite.tokens.max_per_user", "0"),
    ("tokensite.tokens.max_per_user", "many"),
    ("tokensite.tokens.bearer_prefix", "/"),
    ("tokensite.tokens.bearer_prefix", "/a b"),
])
def test_bad_values_are_refused_naming_the_key(key, value):
    with pytest.raises(ConfigurationError, match=key.replace(".", r"\.")):
        parse_token_settings({key: value})


@pytest.mark.parametrize("path, expected", [
    ("/api", True), ("/api/", True), ("/api/posts/1", True), ("/apiary", False), ("/", False),
])
def test_bearer_tokens_count_only_under_the_bearer_prefix(path, expected):
    assert TokenSettings().is_bearer_path(path) is expected
    assert TokenSettings(bearer_prefix=None).is_bearer_path(path) is False


@pytest.mark.parametrize("site, bearer_prefix", [
    ({}, "/api"),
    ({"tokensite.api.prefix": "/v2"}, "/v2"),
    ({"tokensite.features.api": "false"}, None),
])
def test_the_site_puts_bearer_tokens_under_its_api_prefix_or_nowhere(site, bearer_prefix):
    assert parse_token_settings(compose(site)).bearer_prefix == bearer_prefix
